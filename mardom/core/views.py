from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from .paging import keyset_paginate
from .selectors import audit_list


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    from mardom.people.roles import Perm
    from mardom.people.scopes import holds_anywhere

    from .audit_text import group_actions, present
    from .forms import AuditFilterForm

    if not holds_anywhere(request.user, Perm.AUDIT_VIEW):
        raise PermissionDenied
    action = request.GET.get("action", "")[:64]
    form = AuditFilterForm(request.GET)
    form.is_valid()  # a filter typed wrongly is shown with its message and left out; the others apply
    data = form.cleaned_data
    entries = audit_list(
        user=request.user, action=action, actor=data.get("person") or "",
        actions=group_actions(data["kind"]) if data.get("kind") else None,
        since=data.get("since"), until=data.get("until"),
    )
    page = keyset_paginate(request, entries, field="at")
    return render(request, "core/audit_list.html", {
        "page": page, "rows": present(page.object_list), "form": form,
    })


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico for the browsers and tools that ask for it whatever the page's <link rel=icon> says. Read
    through the finders (the app's own static folder), so it answers before or without collectstatic."""
    path = finders.find("core/favicon.ico")
    return FileResponse(open(path, "rb"), content_type="image/x-icon")


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


# --- Background documents -------------------------------------------------------------------------------------
@login_required
@require_safe
def document(request: HttpRequest, pk: int) -> HttpResponse:
    """The page a person waits on while their document is made: it polls its own status part every 2 s."""
    from .documents import document_get

    doc = document_get(user=request.user, pk=pk)
    return render(request, "core/document.html", {"doc": doc})


@login_required
@require_safe
def document_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status part of the document page (htmx swaps it in; it stops polling once the document is done)."""
    from .documents import document_get

    doc = document_get(user=request.user, pk=pk)
    return render(request, "core/_document_status.html", {"doc": doc})


@login_required
@require_safe
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The finished file, for its owner only (anyone else: 404, as if it were not there)."""
    from django.http import Http404

    from .documents import document_get
    from .models import Document

    doc = document_get(user=request.user, pk=pk)
    if doc.status != Document.Status.DONE or not doc.file:
        raise Http404
    response = FileResponse(doc.file.open("rb"), content_type="application/pdf", as_attachment=True,
                            filename=doc.filename)
    response["Cache-Control"] = "private, no-store"
    return response


_SERVICE_WORKER = Path(__file__).resolve().parent / "offline" / "sw.js"


@require_safe
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js: served from the site's root so its scope covers the month and booth pages it keeps for offline
    use; never cached by HTTP, so a new version reaches the phones on their next visit."""
    response = HttpResponse(_SERVICE_WORKER.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_safe
@cache_control(public=True, max_age=24 * 3600)
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: lets a treasurer or a seller add Mardom to the phone's home screen."""
    import json

    from django.templatetags.static import static
    from django.utils.translation import gettext as _

    body = {
        "name": _("Mardom"), "short_name": _("Mardom"), "lang": "fa", "dir": "rtl", "start_url": "/", "scope": "/",
        "display": "standalone", "background_color": "#ffffff", "theme_color": "#0f6b5c",
        "icons": [{"src": static("core/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")
