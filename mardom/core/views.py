from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from .selectors import audit_list


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    from mardom.people.roles import Perm
    from mardom.people.scopes import holds_anywhere

    if not holds_anywhere(request.user, Perm.AUDIT_VIEW):
        raise PermissionDenied
    action = request.GET.get("action", "")[:64]
    page = Paginator(audit_list(user=request.user, action=action), 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"page": page, "action": action})


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico for the browsers and tools that ask for it whatever the page's <link rel=icon> says."""
    return FileResponse(staticfiles_storage.open("core/favicon.ico"), content_type="image/x-icon")


def _error(template: str, status: int) -> Any:
    def view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        return render(request, template, status=status)

    return view


bad_request = _error("400.html", 400)
permission_denied = _error("403.html", 403)
page_not_found = _error("404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors that touch the database: the database may be why we are here.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({}), status=500)
