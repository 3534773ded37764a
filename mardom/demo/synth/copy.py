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


def foreign_key_triggers_off() -> bool:
    """Skip PostgreSQL's per-row foreign-key triggers for this session (`session_replication_role = replica`,
    a superuser's setting): each row's check is a query of its own, which made the checks, not the writing,
    most of synth's time. The references are then checked set-based by `check_foreign_keys` instead, one
    anti-join per foreign key. Returns False (and changes nothing) where the role may not do it."""
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    except DatabaseError:
        return False
    return True


def foreign_key_triggers_on() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")


def check_foreign_keys(tables: Iterable[str], *, since: dict[str, tuple[str, int]] | None = None) -> list[str]:
    """Every single-column foreign key of `tables` that points at no row, as "table.column -> target: n rows".
    `since` limits a table to rows whose key column (its id, or a child table's orgunit_ptr_id) is at least
    the given value: what this run wrote."""
    problems = []
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, af.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 1 AND c.conrelid::regclass::text = ANY(%s)
            ORDER BY 1, 2""", [list(tables)])
        for table, column, target, target_column in cursor.fetchall():
            where = ""
            if table in (since or {}):
                key, first = since[table]  # type: ignore[index]
                where = f" AND c.{key} >= {int(first)}"
            cursor.execute(
                f"SELECT count(*) FROM {table} c WHERE c.{column} IS NOT NULL{where} AND NOT EXISTS "
                f"(SELECT 1 FROM {target} p WHERE p.{target_column} = c.{column})")
            missing = cursor.fetchone()[0]
            if missing:
                problems.append(f"{table}.{column} -> {target}: {missing} row(s) point at nothing")
    return problems
