"""Reading an uploaded workbook into plain rows, refusing what is not a clean table.

xlsx through openpyxl (the file is opened fully, not read-only, because merged cells are only known that way;
a 200-member, 24-month workbook is ~6,000 rows, well inside memory). csv as one file holding every sheet: a
line with only the sheet's title, then its header line and its rows (what a local fund app exports).
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from mardom.core.text import normalize_text

from .sheets import BY_TITLE, GUIDE_TITLE, SHEETS, Sheet

MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    sheet: str  # the sheet's Persian title, or "" for the file
    row: int  # 1-based as the spreadsheet shows it, 0 for the whole sheet
    column: str  # the column's header, or ""
    message: str

    def __str__(self) -> str:
        where = " / ".join(p for p in (self.sheet, str(self.row) if self.row else "", self.column) if p)
        return f"{where}: {self.message}" if where else self.message


@dataclass
class Table:
    sheet: Sheet
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (row number, column key -> value)


def _letter(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _check_headers(sheet: Sheet, headers: list[Any], problems: list[Problem]) -> dict[int, str] | None:
    """Column index -> key, or None when the headers are not the template's."""
    found = [normalize_text(str(h or "")) for h in headers]
    while found and not found[-1]:
        found.pop()
    expected = [normalize_text(c.header) for c in sheet.columns]
    if found == expected:
        return {i: c.key for i, c in enumerate(sheet.columns)}
    for i, header in enumerate(expected):
        got = found[i] if i < len(found) else ""
        if got != header:
            problems.append(Problem(sheet.title, 1, _letter(i), _(
                "The header should be “%(expected)s”, the file has “%(found)s”; use the template's headers "
                "in its order.") % {"expected": header, "found": got}))
    for i in range(len(expected), len(found)):
        problems.append(Problem(sheet.title, 1, _letter(i), _("This column is not in the template: “%(found)s”.")
                                % {"found": found[i]}))
    return None


def _tables(raw: dict[str, list[tuple[int, list[Any]]]], problems: list[Problem]) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for title, rows in raw.items():
        sheet = BY_TITLE.get(normalize_text(title))
        if sheet is None:
            if normalize_text(title) != GUIDE_TITLE:
                problems.append(Problem(title, 0, "", _("This sheet is not in the template; rename it or remove it.")))
            continue
        if not rows:
            problems.append(Problem(sheet.title, 1, "", _("The sheet has no header row.")))
            continue
        keys = _check_headers(sheet, rows[0][1], problems)
        table = Table(sheet)
        if keys is not None:
            for number, cells in rows[1:]:
                if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                    continue  # an empty line
                table.rows.append((number, {key: cells[i] if i < len(cells) else None for i, key in keys.items()}))
        tables[sheet.key] = table
    for sheet in SHEETS:
        if sheet.key not in tables and sheet.required and not any(p.sheet == sheet.title for p in problems):
            problems.append(Problem(sheet.title, 0, "", _("The workbook has no sheet named “%(title)s”.")
                                    % {"title": sheet.title}))
    return tables


def _read_xlsx(data: bytes, problems: list[Problem]) -> dict[str, list[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), data_only=False)
    raw: dict[str, list[tuple[int, list[Any]]]] = {}
    for ws in workbook.worksheets:
        for merged in ws.merged_cells.ranges:
            problems.append(Problem(ws.title, merged.min_row, str(merged), _(
                "Merged cells (%(range)s): unmerge them and write the value in every row it applies to.")
                % {"range": str(merged)}))
        rows: list[tuple[int, list[Any]]] = []
        for row in ws.iter_rows():
            values = []
            for cell in row:
                if cell.data_type == "f":
                    problems.append(Problem(ws.title, cell.row, cell.coordinate, _(
                        "A formula (%(formula)s): write its value instead (copy, paste as values).")
                        % {"formula": str(cell.value)[:60]}))
                    values.append(None)
                else:
                    values.append(cell.value)
            rows.append((row[0].row if row else len(rows) + 1, values))
        raw[ws.title] = rows
    return raw


def _read_csv(text: str, problems: list[Problem]) -> dict[str, list[tuple[int, list[Any]]]]:
    raw: dict[str, list[tuple[int, list[Any]]]] = {}
    current: list[tuple[int, list[Any]]] | None = None
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        filled = [c for c in cells if c.strip()]
        if len(filled) == 1 and normalize_text(filled[0]) in {*BY_TITLE, GUIDE_TITLE} and cells[0].strip():
            current = raw.setdefault(normalize_text(filled[0]), [])
            line = 0
            continue
        if current is None:
            if filled:
                problems.append(Problem("", number, "", _(
                    "A csv file starts each sheet with a line holding only its title (for example “اعضا”).")))
                return {}
            continue
        line += 1
        current.append((line, [c if c.strip() else None for c in cells]))
    return raw


def read_workbook(data: bytes, filename: str = "") -> tuple[dict[str, Table], list[Problem]]:
    """The workbook's tables by sheet key, and the problems found reading it (an empty dict if unreadable)."""
    problems: list[Problem] = []
    if len(data) > MAX_BYTES:
        return {}, [Problem("", 0, "", _("The file is larger than 50 MB. A fund's workbook is far smaller: "
                                        "remove pictures and other sheets, or split it."))]
    if not data:
        return {}, [Problem("", 0, "", _("The file is empty."))]
    if data[:4] == b"PK\x03\x04":
        try:
            raw = _read_xlsx(data, problems)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
            return {}, [Problem("", 0, "", _("This file is not an Excel workbook (xlsx) that can be read. Save it "
                                            "from Excel as .xlsx, or as csv."))]
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return {}, [Problem("", 0, "", _("This file is not a spreadsheet: upload the template filled in, as "
                                            "xlsx, or as csv in UTF-8."))]
        if "\x00" in text:
            return {}, [Problem("", 0, "", _("This file is not a spreadsheet: upload the template filled in, as "
                                            "xlsx, or as csv in UTF-8."))]
        raw = _read_csv(text, problems)
        if not raw and not problems:
            problems.append(Problem("", 0, "", _("This file is not a spreadsheet: upload the template filled in, "
                                                 "as xlsx, or as csv in UTF-8.")))
    if problems and not raw:
        return {}, problems
    return _tables(raw, problems), problems


def as_date(value: Any) -> datetime.date:
    """A date from a cell: a real date (Gregorian), or text in Jalali or Gregorian, in any digits."""
    from mardom.core.digits import to_latin_digits
    from mardom.core.jalali import from_jalali

    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = to_latin_digits(normalize_text(str(value or ""))).strip().replace("-", "/").replace(".", "/")
    parts = [p for p in text.split("/") if p]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(_("Write the date as year/month/day, for example ۱۴۰۲/۰۷/۰۱ or 2023-09-23."))
    year, month, day = (int(p) for p in parts)
    if day > 31 and year <= 31:  # day/month/year
        year, day = day, year
    if 1300 <= year < 1500:
        return from_jalali(year, month, day)
    if 1900 <= year < 2100:
        try:
            return datetime.date(year, month, day)
        except ValueError:
            raise ValueError(_("There is no such day in the calendar.")) from None
    raise ValueError(_("Write the year in four digits, Jalali (۱۴۰۲) or Gregorian (2023)."))


def as_int(value: Any) -> int:
    from mardom.core.digits import to_latin_digits

    if isinstance(value, bool):
        raise ValueError(_("Write a whole number."))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = to_latin_digits(normalize_text(str(value or ""))).strip()
    if not text.isdigit():
        raise ValueError(_("Write a whole number."))
    return int(text)


def as_amount(value: Any, unit: str) -> int:
    """Rials from a cell in the file's unit: numbers, or text with separators (1,500,000 or ۱٬۵۰۰٬۰۰۰)."""
    from mardom.core.money import parse_money

    factor = 10 if unit == "toman" else 1
    if isinstance(value, bool):
        raise ValueError(_("Enter the amount in digits only."))
    if isinstance(value, int):
        if value < 0:
            raise ValueError(_("The amount cannot be negative."))
        return value * factor
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(_("Enter a whole amount, without decimals."))
        return as_amount(int(value), unit)
    return parse_money(str(value), unit=unit)
