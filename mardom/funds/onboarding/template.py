"""The workbook Mardom hands out: a guide sheet, then one sheet per subject with Persian headers and an
example row. `write_workbook` fills the same layout from rows (the demo's workbook, the tests, the bench)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import override

from .sheets import GUIDE_TITLE, SHEETS


def _guide_lines() -> list[str]:
    with override("fa"):
        lines = [
            _("How to fill in this workbook"),
            _("Keep every sheet's title and its first row (the headers) exactly as they are; one row per item "
              "under them. Delete the example rows before uploading."),
            _("Amounts are in the unit written on the fund sheet (ریال or تومان), in digits, with or without "
              "separators; no decimals."),
            _("Dates may be Jalali (۱۴۰۲/۰۷/۰۱) or Gregorian (2023-09-23), in Persian or Latin digits."),
            _("No merged cells and no formulas: write every value in its own cell."),
            _("Nothing is written until the whole file is clean; every problem is listed by sheet, row and "
              "column. The same file uploaded twice is imported once."),
        ]
        lines += [f"{sheet.title}: {sheet.about}" for sheet in SHEETS]
    return lines


def write_workbook(rows: Mapping[str, Iterable[Sequence[Any]]], *, guide: bool = True) -> bytes:
    """An xlsx with the template's sheets; `rows` maps a sheet key to its data rows (in column order)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    first = workbook.active
    if guide:
        first.title = GUIDE_TITLE
        first.sheet_view.rightToLeft = True
        for line in _guide_lines():
            first.append([line])
        first.column_dimensions["A"].width = 120
    else:
        workbook.remove(first)
    for sheet in SHEETS:
        ws = workbook.create_sheet(sheet.title)
        ws.sheet_view.rightToLeft = True
        ws.append([c.header for c in sheet.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for i, column in enumerate(sheet.columns):
            ws.column_dimensions[chr(65 + i)].width = max(14, len(column.header) + 4)
        for row in rows.get(sheet.key, ()):
            ws.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_workbook() -> bytes:
    """The blank template: the guide, then each sheet with its headers and one example row."""
    return write_workbook({sheet.key: [[c.example for c in sheet.columns]] for sheet in SHEETS})


def write_csv(rows: Mapping[str, Iterable[Sequence[Any]]]) -> bytes:
    """The same workbook as one csv file: each sheet's title on its own line, then its headers and rows."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    for sheet in SHEETS:
        writer.writerow([sheet.title])
        writer.writerow([c.header for c in sheet.columns])
        for row in rows.get(sheet.key, ()):
            writer.writerow(list(row))
        writer.writerow([])
    return out.getvalue().encode("utf-8")
