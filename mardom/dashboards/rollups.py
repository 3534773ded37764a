"""Writing the roll-ups: services record deltas in their own transaction; the drain folds them into `Figure`.

Why an outbox and not an UPDATE of every level in the writer's transaction: the nation's row for "members'
savings" would then be locked by every contribution in the country until its transaction commits, and two
writers touching two metrics in opposite orders could deadlock. An insert contends with nothing. Readers add the
deltas not yet drained, so nothing waits for the drain to be fresh (figures.py).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from . import metrics
from .models import Figure, FigureDelta
from .periods import ALL_TIME, periods_of

DRAIN_BATCH = 2000
_UPSERT_CHUNK = 200


def unit_ids(path: str) -> list[int]:
    """The ids of a unit and everything above it, from its path ("/1/5/23/")."""
    return [int(part) for part in path.strip("/").split("/") if part]


def periods_for(metric: metrics.Metric, at: datetime.datetime) -> tuple[int, ...]:
    month, year = periods_of(at)
    return (month, year, ALL_TIME) if metric.kind == metrics.STOCK else (month, year)


def record(*, path: str | None, deltas: Mapping[str, int], at: datetime.datetime | None = None) -> None:
    """Add `deltas` (metric code → change) to the unit at `path` and every unit above it, in the caller's
    transaction: a write rolled back takes its deltas with it."""
    if not path:
        return
    at = at or timezone.now()
    rows = []
    for code, delta in deltas.items():
        if not delta:
            continue
        metric = metrics.get(code)
        if metric.kind == metrics.GAUGE:
            raise ValueError(f"{code} is a gauge: use gauge_set")
        rows += [FigureDelta(path=path, period=period, metric=code, delta=delta) for period in periods_for(metric, at)]
    if rows:
        FigureDelta.objects.bulk_create(rows)
        drain_on_commit()


def gauge_set(*, path: str, code: str, value: int, at: datetime.datetime | None = None) -> None:
    """Set a gauge of one leaf unit for the current month and year. The caller holds the leaf's lock (a fund's
    book row), so two snapshots of one fund cannot both add their difference."""
    from .figures import leaf_values

    metric = metrics.get(code)
    if metric.kind != metrics.GAUGE:
        raise ValueError(f"{code} is not a gauge")
    month, year = periods_of(at or timezone.now())
    now = leaf_values(path=path, periods=[month, year], codes=[code])
    rows = [FigureDelta(path=path, period=period, metric=code, delta=value - now.get((period, code), 0))
            for period in (month, year)]
    rows = [row for row in rows if row.delta]
    if rows:
        FigureDelta.objects.bulk_create(rows)
        drain_on_commit()


def drain_on_commit() -> None:
    """Where tasks cannot be deferred, queue one drain when the transaction commits, however many deltas it
    wrote; on the database worker the self-repeating drain folds them within seconds (tasks.py)."""
    from .tasks import rollups_drain_task

    if rollups_drain_task.get_backend().supports_defer:
        return
    if connection.in_atomic_block and any(func is _enqueue_drain for _sids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_drain, robust=True)


def _enqueue_drain() -> None:
    from .tasks import rollups_drain_task

    rollups_drain_task.enqueue()


class _Raced(Exception):
    """Another drain took some of these deltas first (SQLite, where rows cannot be skipped when locked)."""


def drain(*, batches: int | None = None) -> int:
    """Fold pending deltas into the figures, a batch per transaction; returns how many deltas were drained.
    Each batch deletes the deltas it adds in the same transaction, so a crash loses nothing and a second
    drain never adds a delta twice; concurrent drains on PostgreSQL take disjoint batches (SKIP LOCKED)."""
    done = 0
    while batches is None or batches > 0:
        try:
            with transaction.atomic():
                drained = _drain_batch()
        except _Raced:
            continue
        if not drained:
            break
        done += drained
        if batches is not None:
            batches -= 1
    return done


def _drain_batch() -> int:
    batch = list(FigureDelta.objects.select_for_update(skip_locked=True).order_by("pk")
                 .values_list("pk", "path", "period", "metric", "delta")[:DRAIN_BATCH])
    if not batch:
        return 0
    deleted, _by_model = FigureDelta.objects.filter(pk__in=[row[0] for row in batch]).delete()
    if deleted != len(batch):
        raise _Raced
    sums: dict[tuple[int, int, str], int] = defaultdict(int)
    for _pk, path, period, code, delta in batch:
        for unit_id in unit_ids(path):
            sums[(unit_id, period, code)] += delta
    upsert_add(sums)
    return len(batch)


def upsert_add(sums: Mapping[tuple[int, int, str], int]) -> None:
    """value += delta for each (unit, period, metric), inserting missing rows. Keys go in sorted order so two
    drains lock shared rows in the same order and cannot deadlock."""
    keys = sorted(key for key, delta in sums.items() if delta)
    table = connection.ops.quote_name(Figure._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(keys), _UPSERT_CHUNK):
            chunk = keys[start:start + _UPSERT_CHUNK]
            params: list[Any] = []
            for unit_id, period, code in chunk:
                params += [unit_id, period, code, sums[(unit_id, period, code)]]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (unit_id, period, metric, value) VALUES {values} "
                f"ON CONFLICT (unit_id, period, metric) DO UPDATE SET value = {table}.value + excluded.value",
                params,
            )


def pending(codes: Iterable[str] | None = None) -> int:
    queryset = FigureDelta.objects.all()
    if codes is not None:
        queryset = queryset.filter(metric__in=list(codes))
    return queryset.count()
