"""Under /api/, answers Django itself makes as HTML pages (an address no route matches, a request the site's
middleware refuses before any view: a NUL byte, a number too large) become problem+json like the API's own."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

DETAILS = {
    400: lambda: _("The request is not valid."),
    403: lambda: _("You may not do this."),
    404: lambda: _("Not found, or not yours to see."),
    500: lambda: _("Something went wrong on the server; it was recorded."),
}


class ProblemJsonForApi:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (not request.path.startswith("/api/v1/") or response.status_code < 400
                or not response.get("Content-Type", "").startswith("text/html")):
            return response
        status = response.status_code
        detail = DETAILS.get(status, DETAILS[400] if status < 500 else DETAILS[500])()
        body = {"type": "urn:mardom:problem:http", "title": response.reason_phrase, "status": status,
                "detail": detail, "field": None, "errors": [{"field": None, "detail": detail}]}
        return HttpResponse(json.dumps(body, ensure_ascii=False), status=status,
                            content_type="application/problem+json")
