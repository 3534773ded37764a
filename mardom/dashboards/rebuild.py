"""Recomputing the roll-ups from the facts (postings, memberships, sales, requests), to check or to repair them.

The facts are grouped by the month each was recorded in, as the writers count them, so a rebuild agrees with the
writers' figures exactly; it writes only the differences, so figures written meanwhile by other transactions are
not disturbed. Gauges are not facts (a loan's lateness moves with the calendar): the current month's is set by
the snapshot, and closed months keep the value they closed with.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
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

# Each source: (the first and last moments it holds facts at, the facts by (leaf unit id, month, metric) for the
# leaves at or under a path); ALL_TIME as the month means the fact is only the level now (its history is not held).
Facts = dict[tuple[int, int, str], int]
Source = tuple[Callable[[], list[datetime.datetime]], Callable[..., Facts]]
SOURCES: list[Source] = [(fund_source.moments, fund_source.facts),
                         (production_source.moments, production_source.facts),
                         (market_source.moments, market_source.facts),
                         (desk_source.moments, desk_source.facts)]
NOW_ONLY: set[str] = {*fund_source.NOW_ONLY, *production_source.NOW_ONLY, *market_source.NOW_ONLY,
                      *desk_source.NOW_ONLY}
# Units this deep or shallower (the nation, the provinces) sum many batches; deeper ones are a batch's own.
TOP_DEPTH = 2
# How many units a batch of the rebuild holds at most (its memory is their figures), unless one county is larger.
BATCH_UNITS = 2000


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


def _depth(path: str) -> int:
    return path.strip("/").count("/") + 1


def _expand(leaf: Facts, paths: dict[int, str], into: Table) -> None:
    """Add each leaf fact to its unit and every unit above it, in the periods it counts in."""
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
                into[(unit_id, period, code)] += delta


def _facts(months: list[int], under: Sequence[str], exact: bool) -> Facts:
    leaf: Facts = defaultdict(int)
    for _moments, facts in SOURCES:
        for key, delta in facts(months, under=under, exact=exact).items():
            leaf[key] += delta
    return leaf


def stored(unit_ids_: list[int] | None = None, under: Sequence[str] = ("/",)) -> Table:
    """Figures and pending deltas, for the units given (or every unit) and the deltas of leaves under `under`."""
    out: Table = defaultdict(int)
    figures = Figure.objects.all() if unit_ids_ is None else Figure.objects.filter(unit_id__in=unit_ids_)
    for unit_id, period, code, value in figures.values_list("unit_id", "period", "metric", "value").iterator(
            chunk_size=10_000):
        out[(unit_id, period, code)] += value
    wanted = None if unit_ids_ is None else set(unit_ids_)
    for path, period, code, delta in FigureDelta.objects.filter(
            fund_source.leaf_filter("path", under, False)).values_list("path", "period", "metric", "delta"):
        for unit_id in unit_ids(path):
            if wanted is None or unit_id in wanted:
                out[(unit_id, period, code)] += delta
    return out


def _checked(key: tuple[int, int, str]) -> bool:
    _unit, period, code = key
    metric = metrics.METRICS.get(code)
    if metric is None or metric.kind == metrics.GAUGE:
        return False
    return period == ALL_TIME or code not in NOW_ONLY


def differences(exp: Table, have: Table, units: set[int] | None = None) -> list[Difference]:
    keys = sorted(key for key in set(exp) | set(have)
                  if (units is None or key[0] in units) and _checked(key) and exp.get(key, 0) != have.get(key, 0))
    return [Difference(unit_id=u, period=p, metric=c, stored=have.get((u, p, c), 0), facts=exp.get((u, p, c), 0))
            for u, p, c in keys]


def batches(units: list[tuple[int, str]], size: int | None = None) -> list[list[str]]:
    """The subtrees the rebuild goes through, a batch at a time: whole provinces where they are small, a
    province's counties (and whatever else hangs on it) where it is large, grouped up to `size` units a batch."""
    size = size or BATCH_UNITS
    below: dict[str, int] = defaultdict(int)
    for _pk, path in units:
        parts = path.strip("/").split("/")
        for depth in (TOP_DEPTH, TOP_DEPTH + 1):
            if len(parts) >= depth:
                below["/" + "".join(f"{p}/" for p in parts[:depth])] += 1
    items: list[tuple[str, int]] = []
    for province in sorted(p for p in below if _depth(p) == TOP_DEPTH):
        if below[province] <= size:
            items.append((province, below[province]))
        else:
            items += sorted((path, n) for path, n in below.items()
                            if _depth(path) == TOP_DEPTH + 1 and path.startswith(province))
    out: list[list[str]] = []
    held = size + 1
    for path, n in items:
        if held + n > size:
            out.append([])
            held = 0
        out[-1].append(path)
        held += n
    return out


def rebuild(*, write: bool, today: datetime.date | None = None,
            progress: Callable[[int, int], None] | None = None) -> list[Difference]:
    """The figures that differ from the facts; with `write`, corrected (by adding the difference).

    It goes a batch of subtrees at a time (see `batches`), so its memory is a batch's figures whatever the
    country's size; the provinces' and the nation's expected figures are the sums of the batches', and are
    compared at the end with the facts whose leaf is a province or the nation itself."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # Facts and figures from one snapshot: a write committed meanwhile is in both or in neither. Only a
            # transaction of its own can be set so (PostgreSQL refuses it after the first query); inside a
            # caller's transaction (a test's) the caller's snapshot rules.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        months = _months(today or timezone.localdate())
        units = list(OrgUnit.objects.values_list("pk", "path"))
        top = {pk: path for pk, path in units if _depth(path) <= TOP_DEPTH}
        top_expected: Table = defaultdict(int)
        found: list[Difference] = []
        work = batches(units)
        for done, roots in enumerate(work, 1):
            inside = {pk: path for pk, path in units if path.startswith(tuple(roots)) and pk not in top}
            exp: Table = defaultdict(int)
            _expand(_facts(months, roots, False), {**inside, **top}, exp)
            for key, value in exp.items():
                if key[0] in top:
                    top_expected[key] += value
            found += differences(exp, stored(list(inside), under=roots), units=set(inside))
            if progress is not None:
                progress(done, len(work))
        # Facts whose leaf is a province or the nation itself.
        _expand(_facts(months, list(top.values()), True), top, top_expected)
        found += differences(top_expected, stored(list(top)), units=set(top))
        if write and found:
            upsert_add({(d.unit_id, d.period, d.metric): d.facts - d.stored for d in found})
    return found
