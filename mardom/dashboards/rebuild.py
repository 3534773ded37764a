"""Recomputing the roll-ups from the facts (postings, memberships, sales, requests), to check or to repair them.

The facts are grouped by the month each was recorded in, as the writers count them, so a rebuild agrees with the
writers' figures exactly; it writes only the differences, so figures written meanwhile by other transactions are
not disturbed. Gauges are not facts (a loan's lateness moves with the calendar): the current month's is set by
the snapshot, and closed months keep the value they closed with.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from mardom.orgs.models import OrgUnit

from . import metrics
from .figures import Table
from .models import Figure, FigureDelta
from .periods import ALL_TIME, month_of, months_between, year_of
from .rollups import unit_ids, upsert_add
from .sources import desk as desk_source
from .sources import funds as fund_source
from .sources import market as market_source
from .sources import production as production_source

# Each source: (the first and last moments it holds facts at, the facts by (leaf unit id, month, metric));
# ALL_TIME as the month means the fact is only the level now (its history is not held).
Source = tuple[Callable[[], list[datetime.datetime]], Callable[[list[int]], dict[tuple[int, int, str], int]]]
SOURCES: list[Source] = [(fund_source.moments, fund_source.facts),
                         (production_source.moments, production_source.facts),
                         (market_source.moments, market_source.facts),
                         (desk_source.moments, desk_source.facts)]
NOW_ONLY: set[str] = {*fund_source.NOW_ONLY, *production_source.NOW_ONLY, *market_source.NOW_ONLY,
                      *desk_source.NOW_ONLY}


@dataclass(frozen=True)
class Difference:
    unit_id: int
    period: int
    metric: str
    stored: int
    facts: int


def _months(today: datetime.date) -> list[int]:
    months = [month_of(moment) for moments, _facts in SOURCES for moment in moments()] + [month_of(today)]
    return list(months_between(min(months), max(months)))


def expected(*, today: datetime.date | None = None) -> Table:
    months = _months(today or timezone.localdate())
    leaf: dict[tuple[int, int, str], int] = defaultdict(int)
    for _first, facts in SOURCES:
        for key, delta in facts(months).items():
            leaf[key] += delta
    paths = dict(OrgUnit.objects.filter(pk__in={unit for unit, _m, _c in leaf}).values_list("pk", "path"))
    out: Table = defaultdict(int)
    for (unit, month, code), delta in leaf.items():
        if not delta or unit not in paths:
            continue
        metric = metrics.get(code)
        if month == ALL_TIME:
            periods: tuple[int, ...] = (ALL_TIME,)
        elif metric.kind == metrics.STOCK:
            periods = (month, year_of(month), ALL_TIME)
        else:
            periods = (month, year_of(month))
        for unit_id in unit_ids(paths[unit]):
            for period in periods:
                out[(unit_id, period, code)] += delta
    return out


def stored() -> Table:
    out: Table = defaultdict(int)
    for unit_id, period, code, value in Figure.objects.values_list("unit_id", "period", "metric", "value"):
        out[(unit_id, period, code)] += value
    for path, period, code, delta in FigureDelta.objects.values_list("path", "period", "metric", "delta"):
        for unit_id in unit_ids(path):
            out[(unit_id, period, code)] += delta
    return out


def _checked(key: tuple[int, int, str]) -> bool:
    _unit, period, code = key
    metric = metrics.METRICS.get(code)
    if metric is None or metric.kind == metrics.GAUGE:
        return False
    return period == ALL_TIME or code not in NOW_ONLY


def differences(exp: Table, have: Table) -> list[Difference]:
    keys = sorted(key for key in set(exp) | set(have) if _checked(key) and exp.get(key, 0) != have.get(key, 0))
    return [Difference(unit_id=u, period=p, metric=c, stored=have.get((u, p, c), 0), facts=exp.get((u, p, c), 0))
            for u, p, c in keys]


def rebuild(*, write: bool, today: datetime.date | None = None) -> list[Difference]:
    """The figures that differ from the facts; with `write`, corrected (by adding the difference)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # Facts and figures from one snapshot: a write committed meanwhile is in both or in neither. Only a
            # transaction of its own can be set so (PostgreSQL refuses it after the first query); inside a
            # caller's transaction (a test's) the caller's snapshot rules.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        found = differences(expected(today=today), stored())
        if write and found:
            upsert_add({(d.unit_id, d.period, d.metric): d.facts - d.stored for d in found})
    return found
