"""Excel (xlsx) exports of the dashboards' tables, written with openpyxl in write-only mode: rows go to a
temporary file as they come and the response streams that file, so a big table never sits in memory whole.
Right-to-left sheet, Persian headers, plain numbers (the header says the unit)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import FileResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    """A text that starts like a formula is stored as text with a leading apostrophe (formula injection), as
    the CSV exports do; numbers stay numbers."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def xlsx_response(filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> FileResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "Sheet")
    sheet.sheet_view.rightToLeft = True
    sheet.append([str(h) for h in header])
    for row in rows:
        sheet.append([_cell(value) for value in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the response is done
    book.save(handle)
    handle.seek(0)
    response = FileResponse(handle, content_type=XLSX, as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response
