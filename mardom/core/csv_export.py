"""CSV exports an officer opens in Excel: UTF-8 with a byte-order mark (so Excel reads Persian), one header
row, Jalali dates, amounts in whole rials (the header says so), streamed row by row so a national export
never sits in memory. The rows come from the same scoped selector as the page they export."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse

from .jalali import to_jalali

BOM = "\ufeff"


class _Echo:
    """A file-like object whose write() hands the line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def jalali_cell(value: dt.date | dt.datetime | None) -> str:
    """1403/01/01 (Latin digits, so a spreadsheet sorts and filters the column as text)."""
    if value is None:
        return ""
    return to_jalali(value).strftime("%Y/%m/%d")


def _cell(value: Any) -> Any:
    text = "" if value is None else str(value)
    # A cell that starts like a formula would be run by the spreadsheet (CSV injection): quote it as text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return value if value is not None else ""


def _is_number(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([str(h) for h in header])
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
