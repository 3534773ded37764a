"""Reading the roll-ups: stored figures plus the deltas not yet drained, so a figure is as fresh as the last
committed write. Every read costs what it shows (units × periods × metrics), never what history holds.

Columns a dashboard shows side by side: this month, this Jalali year and last year. A flow's column is its sum
in the period; a stock's is its level at the end of the period (now, for the current ones); a gauge's is the
last value it was given in the period.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import metrics
from .models import Figure, FigureDelta
from .periods import ALL_TIME, month_of, shift, year_of
from .rollups import unit_ids

Table = dict[tuple[int, int, str], int]
SERIES_MONTHS = 24


def _common_prefix(paths: Sequence[str]) -> str:
    """The path of the nearest unit above (or at) all of them: what their pending deltas' paths start with."""
    parts = [path.strip("/").split("/") for path in paths]
    common: list[str] = []
    for level in zip(*parts, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return "/" + "".join(f"{part}/" for part in common)


def table(*, units: Sequence[Any], periods: Iterable[int], codes: Iterable[str] | None = None) -> Table:
    """(unit id, period, metric) → value for the units asked, drained figures and pending deltas together."""
    periods = sorted(set(periods))
    ids = [unit.pk for unit in units]
    out: Table = defaultdict(int)
    if not ids or not periods:
        return out
    figures = Figure.objects.filter(unit_id__in=ids, period__in=periods)
    pending = FigureDelta.objects.filter(path__startswith=_common_prefix([unit.path for unit in units]),
                                         period__in=periods)
    if codes is not None:
        codes = list(codes)
        figures = figures.filter(metric__in=codes)
        pending = pending.filter(metric__in=codes)
    for unit_id, period, code, value in figures.values_list("unit_id", "period", "metric", "value"):
        out[(unit_id, period, code)] += value
    wanted = set(ids)
    for path, period, code, delta in pending.values_list("path", "period", "metric", "delta"):
        for unit_id in wanted.intersection(unit_ids(path)):
            out[(unit_id, period, code)] += delta
    return out


def leaf_values(*, path: str, periods: Iterable[int], codes: Iterable[str]) -> dict[tuple[int, str], int]:
    """One leaf unit's own figures (a gauge's current value before a snapshot changes it)."""
    periods, codes = list(periods), list(codes)
    out: dict[tuple[int, str], int] = defaultdict(int)
    for period, code, value in Figure.objects.filter(
            unit_id=unit_ids(path)[-1], period__in=periods, metric__in=codes).values_list("period", "metric", "value"):
        out[(period, code)] += value
    for period, code, delta in FigureDelta.objects.filter(
            path=path, period__in=periods, metric__in=codes).values_list("period", "metric", "delta"):
        out[(period, code)] += delta
    return out


@dataclass(frozen=True)
class Columns:
    """The periods of the three columns, as of a day."""

    month: int
    year: int
    last_year: int

    @classmethod
    def of(cls, today: datetime.date | None = None) -> Columns:
        month = month_of(today or timezone.localdate())
        return cls(month=month, year=year_of(month), last_year=year_of(month) - 100)

    @property
    def periods(self) -> tuple[int, ...]:
        return (self.month, self.year, self.last_year, ALL_TIME)

    def series_months(self) -> list[int]:
        return [shift(self.month, -back) for back in range(SERIES_MONTHS - 1, -1, -1)]


@dataclass
class Values:
    """One unit's figures in the three columns, by metric code, with the derived ones added."""

    month: dict[str, int] = field(default_factory=dict)
    year: dict[str, int] = field(default_factory=dict)
    last_year: dict[str, int] = field(default_factory=dict)

    def column(self, name: str) -> dict[str, int]:
        return getattr(self, name)


def columns_of(data: Table, unit_id: int, cols: Columns) -> Values:
    out = Values()
    for code, metric in metrics.METRICS.items():
        now = data.get((unit_id, ALL_TIME, code), 0)
        if metric.kind == metrics.STOCK:
            out.month[code] = out.year[code] = now
            out.last_year[code] = now - data.get((unit_id, cols.year, code), 0)
        else:
            out.month[code] = data.get((unit_id, cols.month, code), 0)
            out.year[code] = data.get((unit_id, cols.year, code), 0)
            out.last_year[code] = data.get((unit_id, cols.last_year, code), 0)
    for column in (out.month, out.year, out.last_year):
        column.update(derived(column))
    return out


def series_of(data: Table, unit_id: int, months: list[int], code: str) -> list[int]:
    """A metric month by month: a flow's monthly sums, a stock's month-end levels (the level now less the
    changes of the months after), a gauge's value in each month."""
    metric = metrics.get(code)
    values = [data.get((unit_id, month, code), 0) for month in months]
    if metric.kind != metrics.STOCK:
        return values
    level = data.get((unit_id, ALL_TIME, code), 0)
    out = []
    for delta in reversed(values):
        out.append(level)
        level -= delta
    return list(reversed(out))


def permille(part: int, whole: int) -> int | None:
    return part * 1000 // whole if whole else None


def median_days(column: dict[str, int]) -> int | None:
    """The median answer time in working days, read off the histogram (the lower bound of the middle bucket)."""
    counts = [(bound, column.get(f"desk.answer_days.{bound:02d}", 0)) for bound in metrics.ANSWER_DAY_BUCKETS]
    total = sum(count for _bound, count in counts)
    if not total:
        return None
    seen = 0
    for bound, count in counts:
        seen += count
        if seen * 2 >= total:
            return bound
    return None  # pragma: no cover - the loop always reaches the total


def derived(column: dict[str, int]) -> dict[str, Any]:
    """Figures computed from stored ones: shares in per mille, the doubling target, the median answer time."""
    sales = column.get("market.booth_sales", 0) + column.get("market.shop_sales", 0)
    # The producers' sales doubling is measured by: the market's and what job leaders bought back (doubling.py).
    producers_sales = sales + column.get("production.buybacks", 0)
    target = 2 * column.get("production.baseline", 0)
    return {
        "funds.par30_permille": permille(column.get("funds.par30", 0), column.get("funds.outstanding", 0)),
        "funds.on_time_permille": permille(column.get("funds.contributions_on_time", 0),
                                           column.get("funds.contributions", 0)),
        "market.sales": sales,
        "doubling.sales": producers_sales,
        "doubling.target": target,
        "doubling.progress_permille": permille(producers_sales, target),
        "desk.in_time_permille": permille(column.get("desk.answered_in_time", 0), column.get("desk.answered", 0)),
        "desk.median_days": median_days(column),
    }


# --- Derived figures as metrics, so a page, an export or the API names and formats them like stored ones ------
# Added for the dashboard pages; `derived()` above computes them, these only say what they are called and in
# what unit they are shown. Their kind is DERIVED: never stored, never rolled up.
DERIVED, PERMILLE, DAYS = "derived", "permille", "days"


def _d(code: str, label: Any, unit: str, definition: Any) -> metrics.Metric:
    return metrics.Metric(code=code, label=label, kind=DERIVED, unit=unit, group=code.split(".")[0],
                          definition=definition)


DERIVED_METRICS: dict[str, metrics.Metric] = {m.code: m for m in [
    _d("funds.par30_permille", _("Portfolio at risk (PAR30)"), PERMILLE,
       _("The principal more than 30 days late as a share of the principal outstanding.")),
    _d("funds.on_time_permille", _("Contributions on time (share)"), PERMILLE,
       _("Contributions paid on time as a share of the contributions recorded.")),
    _d("market.sales", _("Sales"), metrics.RIALS, _("Booth sales and storefront sales together.")),
    _d("doubling.sales", _("Producers' sales"), metrics.RIALS,
       _("Booth and storefront sales credited to producers, and what job leaders bought back from them.")),
    _d("doubling.target", _("Doubling target"), metrics.RIALS, _("Twice the producers' sales at enrolment.")),
    _d("doubling.progress_permille", _("Doubling target reached"), PERMILLE,
       _("Producers' sales as a share of twice their sales at enrolment.")),
    _d("desk.in_time_permille", _("Answered within the deadline (share)"), PERMILLE,
       _("Requests answered on or before their deadline as a share of the requests answered.")),
    _d("desk.median_days", _("Median time to answer"), DAYS,
       _("Half the requests answered in the period were answered within this many working days.")),
]}


def metric_of(code: str) -> metrics.Metric:
    """A stored or a derived metric by its code (KeyError for neither)."""
    return metrics.METRICS.get(code) or DERIVED_METRICS[code]


def shown_metrics(group: str) -> list[metrics.Metric]:
    """A group's metrics as a page shows them: the stored ones (not the answer-time histogram), then the derived
    ones of the group (the doubling figures go with the market's)."""
    stored = metrics.groups().get(group, [])
    extra = [m for m in DERIVED_METRICS.values() if m.group == group or (group == "market" and m.group == "doubling")]
    return [*stored, *extra]


def series_columns(data: Table, unit_id: int, months: list[int]) -> list[dict[str, Any]]:
    """Month by month, every stored figure (as `series_of` reads it) and the derived ones: one dict a month."""
    by_code = {code: series_of(data, unit_id, months, code) for code in metrics.METRICS}
    out = []
    for index in range(len(months)):
        column: dict[str, Any] = {code: values[index] for code, values in by_code.items()}
        column.update(derived(column))
        out.append(column)
    return out
