"""Reading and rendering PDFs in tests with pypdfium2 (PDFium, shipped in its wheel): no system binary, so
`make test` passes on a machine that has only Python."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium

# Direction marks and isolates an extractor may insert around right-to-left runs.
_BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def pdf_text(content: bytes) -> str:
    """The text of every page, in reading order as PDFium extracts it, pages separated by a form feed."""
    document = pdfium.PdfDocument(content)
    try:
        pages = []
        for page in document:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_bounded())
            textpage.close()
            page.close()
        return _BIDI_MARKS.sub("", "\x0c".join(pages))
    finally:
        document.close()


def pdf_page_count(content: bytes) -> int:
    document = pdfium.PdfDocument(content)
    try:
        return len(document)
    finally:
        document.close()


def pdf_render_first_page(content: bytes, target: Path, *, dpi: int = 60) -> Path:
    """Render page 1 to a PNG at `target` (for a reviewer to look at)."""
    document = pdfium.PdfDocument(content)
    try:
        page = document[0]
        page.render(scale=dpi / 72).to_pil().save(target)
        page.close()
    finally:
        document.close()
    return target
