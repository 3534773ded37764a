"""Loading the divisions from `data/*.csv.gz` into `Place`, without prompts.

Used by migration 0002, so it takes the (historical) model class as an argument and relies only on the
fields of migration 0001. Speed matters: it runs at every test database creation.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.color import no_style
from django.db import connections

from mardom.core.text import normalize_text, search_key

DATA_DIR = Path(__file__).resolve().parent / "data"

# Source id + offset = Place.pk (see the Place docstring). Files are loaded in this order so every parent
# row exists before its children.
OFFSETS: dict[str, int] = {
    "province": 0,
    "county": 1_000,
    "district": 10_000,
    "city": 20_000,
    "rural_district": 30_000,
    "village": 100_000,
}
# Which source column is the parent, per kind.
PARENT_COLUMN: dict[str, str | None] = {
    "province": None,
    "county": "province",
    "district": "county",
    "city": "district",
    "rural_district": "district",
    "village": "rural_district",
}
# Field names in the order _rows() yields them.
COLUMNS = ["id", "kind", "name", "search_key", "code", "parent", "province", "county"]

_WRAPPED = re.compile(r"^\((?P<inner>[^()]+)\)$")
_INSIDE_PARENS = re.compile(r"\(\s+|\s+\)")


def clean_name(raw: str) -> str:
    """Stored form of a source name: normalize_text plus two quirks of this data set.

    "(اسلامیه)" is a whole name in parentheses (a typo in the source: nothing is outside them), and
    "( خبیری)" has spaces just inside them; both would look broken in a picker.
    """
    name = normalize_text(raw)
    name = _INSIDE_PARENS.sub(lambda m: m.group(0).strip(), name)
    if wrapped := _WRAPPED.match(name):
        name = wrapped["inner"].strip()
    return name


def read_rows(kind: str) -> Iterator[dict[str, str]]:
    with gzip.open(DATA_DIR / f"{kind}.csv.gz", mode="rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _fk(kind: str, row: dict[str, str]) -> int | None:
    value = row.get(kind)
    return int(value) + OFFSETS[kind] if value else None


def _rows(kind: str) -> Iterator[tuple[int, str, str, str, str, int | None, int | None, int | None]]:
    offset = OFFSETS[kind]
    parent_column = PARENT_COLUMN[kind]
    for row in read_rows(kind):
        name = clean_name(row["name"])
        yield (
            int(row["id"]) + offset,
            kind,
            name,
            search_key(name),
            row["code"].strip(),
            _fk(parent_column, row) if parent_column else None,
            _fk("province", row),
            _fk("county", row),
        )


def load_places(place_model: Any, using: str = "default") -> int:
    """Insert every division; returns how many rows were written. Expects an empty table.

    Not bulk_create: every value is already a plain str, int or None, and bulk_create's per-value
    preparation was half of a ~5 s load on SQLite (measured). PostgreSQL gets COPY (psycopg 3), because
    even multi-row INSERTs spent ~3 s binding 800k parameters where COPY takes ~0.2 s.
    """
    connection = connections[using]
    meta = place_model._meta
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in COLUMNS)
    total = 0
    with connection.cursor() as cursor:
        for kind in OFFSETS:  # parents before children
            rows = list(_rows(kind))
            if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(COLUMNS))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)
            total += len(rows)
    reset_sequence(place_model, using)
    return total


def reset_sequence(place_model: Any, using: str = "default") -> None:
    """After explicit ids, move PostgreSQL's id sequence past them; a no-op on SQLite."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), [place_model])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
