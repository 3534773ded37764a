"""Set-based writing: rows gathered per table and sent with PostgreSQL's COPY (psycopg 3 `cursor.copy`).

Ids are handed out here rather than by the database, because rows of one batch point at each other (an entry
at its book, a posting at its entry and account) before any of them is written; the sequences are moved past
what was used at the end (`reset_sequences`). Django's foreign keys on PostgreSQL are DEFERRABLE INITIALLY
DEFERRED, so the order of the tables within a batch's transaction does not matter, and every reference is
still checked at commit.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


def _text(value: Any) -> str:
    """One value in COPY's text format. Our strings carry no tab, newline or backslash (names, codes, JSON of
    numbers and plain words); anything else is escaped rather than trusted."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if isinstance(value, dict | list):
        return _text(json.dumps(value, ensure_ascii=False))
    return str(value)  # int, date, aware datetime (isoformat with offset)


class Table:
    """Rows for one table, with the next free id. `add` returns the row's id."""

    def __init__(self, name: str, columns: Sequence[str], *, has_id: bool = True, next_id: int = 1) -> None:
        self.name, self.columns, self.has_id = name, list(columns), has_id
        self.next_id = next_id
        self.first_id = next_id
        self.rows: list[str] = []
        self.written = 0

    def new_id(self) -> int:
        pk = self.next_id
        self.next_id += 1
        return pk

    def add(self, *values: Any, pk: int | None = None) -> int:
        if self.has_id:
            pk = self.new_id() if pk is None else pk
            self.rows.append("\t".join([str(pk), *map(_text, values)]))
            return pk
        self.rows.append("\t".join(map(_text, values)))
        return 0

    def flush(self, cursor: Any) -> None:
        if not self.rows:
            return
        columns = (["id"] if self.has_id else []) + self.columns
        with cursor.copy(f"COPY {self.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for start in range(0, len(self.rows), 20_000):
                copy.write("\n".join(self.rows[start:start + 20_000]) + "\n")
        self.written += len(self.rows)
        self.rows.clear()


def raw_cursor() -> Any:
    """psycopg's own cursor under Django's connection (Django's wrapper has no `copy`)."""
    connection.ensure_connection()
    return connection.connection.cursor()


def next_ids(tables: Iterable[str]) -> dict[str, int]:
    """The first free id of each table: one past the highest in use."""
    out = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            out[table] = cursor.fetchone()[0]
    return out


def reset_sequences(tables: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))")


def aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
