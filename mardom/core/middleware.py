"""Persian first: the language is Persian unless the person chose another with the switch.

Django's LocaleMiddleware would follow the browser's Accept-Language header, and many phones in Iran are
set to English; people still expect this service in Persian. Only the explicit choice (the language
cookie set by the switch) overrides the default.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class PersianFirstLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class RejectNulBytesMiddleware:
    """A NUL byte in a query or a form is never something a person typed; PostgreSQL refuses it in text
    (a 500 deep in a search), so such a request is answered 400 before any view reads it. Forms already
    refuse it field by field; this covers the query parameters views read directly."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.views.defaults import bad_request

        values = [v for _k, vs in request.GET.lists() for v in vs] + list(request.GET.keys())
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                  "multipart/form-data"):
            values += [v for _k, vs in request.POST.lists() for v in vs if isinstance(v, str)]
        if "\x00" in request.path or any("\x00" in v for v in values):
            return bad_request(request, ValueError("NUL byte in the request"))
        return self.get_response(request)


class OverflowIsBadRequestMiddleware:
    """The net under core.lookups: an OverflowError from a number a person sent (an id past 2^63 reaching a
    database driver, a date or a duration too large for Python's datetime) is bad input, answered 400 with
    the Persian error page instead of a 500. Any transaction the view opened has already rolled back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OverflowError):
            return None
        import logging

        from django.views.defaults import bad_request

        logging.getLogger("mardom.request").warning("Overflow answered 400 at %s: %s", request.path, exception)
        return bad_request(request, exception)


class SecurityHeadersMiddleware:
    """Every response carries the Content-Security-Policy (settings.MARDOM_CSP): scripts only from our own
    static files, never inline, so text that slipped into a page can never run. Styles may be inline
    (the bars' widths, print sheets). A signed-in person's pages are `Cache-Control: private, no-store`: a
    shared phone's browser or a proxy must not keep a fund's books or a person's file. A response that
    declares itself public (a brand's logo) keeps its own header. Goes after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = getattr(settings, "MARDOM_CSP", "")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils.cache import patch_cache_control

        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "public" not in response.get("Cache-Control", ""):
            patch_cache_control(response, private=True, no_store=True)
        return response
