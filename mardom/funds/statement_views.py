"""Statements on screen and as PDF: a member's own statement and a fund's monthly statement.

Scope: a member statement is for the member themself or a user with funds.view on the fund
(`selectors.membership_get`); a fund statement for funds.view on the fund or an active member of it
(`selectors.fund_get`), since it holds the fund's totals only. Everyone else gets 404.

PDFs are rendered by WeasyPrint from a print template with the bundled Vazirmatn font. Rendering never
touches the network: the URL fetcher only opens files inside the project's static folders.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from mardom.core.jalali import month_name

from . import selectors, statements

FONTS = {400: "vendor/vazirmatn/Vazirmatn-Regular.ttf", 700: "vendor/vazirmatn/Vazirmatn-Bold.ttf"}


# --- PDF --------------------------------------------------------------------------------------------------
def static_roots() -> list[Path]:
    """Every folder the static files finders serve from (and STATIC_ROOT when collected)."""
    roots = set()
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.add(Path(location).resolve())
    static_root = getattr(settings, "STATIC_ROOT", None)
    if static_root and Path(static_root).is_dir():
        roots.add(Path(static_root).resolve())
    return sorted(roots)


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    roots = static_roots()

    class StaticFilesOnly(URLFetcher):  # type: ignore[misc]
        """Opens file:// URLs inside the static folders; refuses everything else (http, data, other files)."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"refused to fetch {url[:80]!r}: only bundled static files are allowed")
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
                raise ValueError(f"refused to fetch {url[:80]!r}: not a bundled static file")
            return super().fetch(path.as_uri(), headers)

    return StaticFilesOnly(allowed_protocols=("file",), allow_redirects=False)


def font_faces() -> dict[int, str]:
    """file:// URLs of the bundled font files, by weight."""
    faces = {}
    for weight, name in FONTS.items():
        found = finders.find(name)
        if found:
            faces[weight] = Path(found if isinstance(found, str) else found[0]).resolve().as_uri()
    return faces


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def page_footer_css() -> SafeString:
    """The CSS `content` of the page footer: "صفحه ۱ از ۳", numbers in the active language's digits."""
    style = "persian" if (translation.get_language() or "fa").startswith("fa") else "decimal"
    parts = re.split(r"(%\(page\)s|%\(pages\)s)", _("Page %(page)s of %(pages)s"))
    css = []
    for part in parts:
        if part == "%(page)s":
            css.append(f"counter(page, {style})")
        elif part == "%(pages)s":
            css.append(f"counter(pages, {style})")
        elif part:
            css.append(_css_string(part))
    return mark_safe(" ".join(css))  # built from quoted strings and fixed counters only


def render_pdf(template: str, context: dict[str, Any], request: HttpRequest) -> bytes:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    context = {**context, "fonts": font_faces(), "footer_css": page_footer_css(), "printed_at": timezone.now()}
    html = render_to_string(template, context, request=request)
    fonts = FontConfiguration()
    return HTML(string=html, url_fetcher=_fetcher(), base_url=None).write_pdf(font_config=fonts)


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- member -----------------------------------------------------------------------------------------------
def _member_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    membership = selectors.membership_get(user=request.user, pk=pk)
    data = statements.member_statement(membership, on=timezone.localdate())
    return {"s": data, "fund": membership.fund, "membership": membership,
            "contribution_states": statements.CONTRIBUTION_STATES,
            "installment_states": statements.INSTALLMENT_STATES}


@login_required
def member_statement_view(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "funds/statements/member.html", _member_context(request, pk))


@login_required
def member_statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    context = _member_context(request, pk)
    on = context["s"]["on"]
    content = render_pdf("funds/statements/member_print.html", context, request)
    return pdf_response(content, f"member-statement-{context['membership'].pk}-{on:%Y-%m-%d}.pdf")


# --- fund -------------------------------------------------------------------------------------------------
def _fund_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    fund = selectors.fund_get(user=request.user, pk=pk)
    today = timezone.localdate()
    year, month = statements.statement_month(fund=fund, year=request.GET.get("year", ""),
                                             month=request.GET.get("month", ""), today=today)
    data = statements.fund_statement(fund, year=year, month=month)
    return {"s": data, "fund": fund, "nav_months": statements.adjacent_months(fund=fund, year=year, month=month,
                                                                               today=today),
            "month_choices": [(m, month_name(m)) for m in range(1, 13)]}


@login_required
def fund_statement_view(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "funds/statements/fund.html", _fund_context(request, pk))


@login_required
def fund_statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    context = _fund_context(request, pk)
    s = context["s"]
    content = render_pdf("funds/statements/fund_print.html", context, request)
    return pdf_response(content, f"fund-statement-{context['fund'].pk}-{s['year']}-{s['month']:02d}.pdf")
