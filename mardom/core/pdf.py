"""PDF rendering shared by every printable page (statements, label sheets): WeasyPrint from a print template
with the bundled Vazirmatn font. Rendering never touches the network: the URL fetcher only opens files
inside the project's static folders."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

DATA_PNG = "data:image/png;base64,"
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
            if url.startswith(DATA_PNG):  # an image drawn in memory (a QR code): no network, no file
                return super().fetch(url, headers)
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"refused to fetch {url[:80]!r}: only bundled static files are allowed")
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
                raise ValueError(f"refused to fetch {url[:80]!r}: not a bundled static file")
            return super().fetch(path.as_uri(), headers)

    return StaticFilesOnly(allowed_protocols=("file", "data"), allow_redirects=False)


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


def render_pdf(template: str, context: dict[str, Any], request: HttpRequest | None = None) -> bytes:
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


