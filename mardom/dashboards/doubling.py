"""The programme's goal, that sales of the producers double: for any group of producers, a Jalali year's
sales (booth sales at exhibitions, job-leader buybacks, paid storefront orders) against the baseline they
enrolled with and against the year before.

One definition, two readers. The nation, a province and a county read their figures from the roll-ups
(`from_rollups`: what the dashboards, statements and API show, costing the units shown, never the sales
held). A group the roll-ups do not keep (a colony's or a cluster's members, one producer) is summed from the
facts (`figures_by`) with the same rules, so a county's figure is the sum of its producers' (a test holds the two
readers to each other after every sequence of sales and buybacks):
* a year's sales are those *recorded* in it: a booth sale by its `sold_at`, a paid order part by its `paid_at`, a
  buyback (or its correction) by its `recorded_at`, as every roll-up counts a late entry in the month it was
  recorded, so last year's figure never moves;
* only sales credited to a producer count (a group's booth line that names nobody counts in the exhibition's
  sales, not here), at the producer's county, where its baseline counts;
* the baseline and the number of producers are those approved by the end of the year (approval is final, so a
  producer's sales never outlive its baseline).

A group is a population of producers fixed by where they are (a county's or a province's producers, a
colony's or a cluster's members), never by which colonies happen to exist. The facts reader sums in the
database, grouped by a key of the producer (the producer itself, its county, its province), in four queries
(the producers, then one per channel, both years at once) whatever the number of groups; the sales are
filtered by a subquery of the population, so no list of ids travels, however large the population."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from mardom.core.jalali import from_jalali, to_jalali

from .periods import ALL_TIME
from .sources.production import BUYBACK, REVERSAL

FIRST_YEAR = 1395  # the earliest Jalali year a page offers


@dataclass
class Figures:
    baseline: int = 0
    this_year: int = 0  # the chosen year
    last_year: int = 0  # the year before it
    producers: int = 0
    channels: dict[str, int] = field(default_factory=lambda: {"exhibitions": 0, "buybacks": 0, "storefront": 0})

    @property
    def target(self) -> int:
        return 2 * self.baseline

    @property
    def progress_permille(self) -> int:
        """The year's sales as a share of the target (twice the baseline), in permille, capped for drawing."""
        return min(2000, self.this_year * 1000 // self.target) if self.target else 0

    def add(self, other: Figures) -> None:
        self.baseline += other.baseline
        self.this_year += other.this_year
        self.last_year += other.last_year
        self.producers += other.producers
        for channel, amount in other.channels.items():
            self.channels[channel] = self.channels.get(channel, 0) + amount


def jalali_year_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first day of the Jalali year `day` is in and of the next."""
    return year_bounds(to_jalali(day).year)


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    """The first day of the Jalali year and of the next."""
    return from_jalali(year, 1, 1), from_jalali(year + 1, 1, 1)


def current_year(today: datetime.date | None = None) -> int:
    return to_jalali(today or timezone.localdate()).year


def year_choices(today: datetime.date | None = None) -> list[int]:
    """The years a page offers, newest first."""
    return list(range(current_year(today), FIRST_YEAR - 1, -1))


def aware(day: datetime.date) -> datetime.datetime:
    """Tehran midnight at the start of a day: the bound a recording time is compared with."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def figures_by(population: QuerySet[Any], key: str, *, year: int) -> dict[Any, Figures]:
    """Figures of the producers in `population`, grouped by `key`, a path from the producer ("pk", "unit" for
    the county, "unit__parent" for the province)."""
    from mardom.market.models import OrderPart, SaleLine
    from mardom.production.models import JobEntry

    start, end = year_bounds(year)
    last_start, _ = year_bounds(year - 1)
    inside = population.values("pk")
    figures: dict[Any, Figures] = defaultdict(Figures)
    for row in (population.filter(decided_at__lt=aware(end)).order_by().values(key)
                .annotate(n=Count("pk"), b=Sum("baseline_sales"))):
        figures[row[key]].producers, figures[row[key]].baseline = row["n"], row["b"] or 0

    def both(moment: str, since: Any, middle: Any, until: Any) -> dict[str, Any]:
        return {"this": Sum("amount", filter=Q(**{f"{moment}__gte": middle, f"{moment}__lt": until})),
                "last": Sum("amount", filter=Q(**{f"{moment}__gte": since, f"{moment}__lt": middle}))}

    booth = SaleLine.objects.filter(producer__in=inside, sale__sold_at__gte=aware(last_start),
                                    sale__sold_at__lt=aware(end)).values(f"producer__{key}").annotate(
        **both("sale__sold_at", aware(last_start), aware(start), aware(end)))
    # Buybacks and their corrections (a corrected buyback's reversal carries the negative amount), by when they
    # were recorded, as the roll-ups count them.
    bought = JobEntry.objects.filter(Q(kind=BUYBACK) | Q(kind=REVERSAL, reverses__kind=BUYBACK)).filter(
        agreement__producer__in=inside, recorded_at__gte=aware(last_start), recorded_at__lt=aware(end)).values(
        f"agreement__producer__{key}").annotate(**both("recorded_at", aware(last_start), aware(start), aware(end)))
    # Storefront order parts, by the day they were paid (a part whose goods ran out was never paid).
    shop = OrderPart.objects.filter(producer__in=inside, paid_at__gte=aware(last_start), paid_at__lt=aware(end),
                                    status__in=["paid", "shipped", "delivered"]).values(
        f"producer__{key}").annotate(**both("paid_at", aware(last_start), aware(start), aware(end)))
    for channel, rows, path in (("exhibitions", booth, f"producer__{key}"), ("storefront", shop, f"producer__{key}"),
                                ("buybacks", bought, f"agreement__producer__{key}")):
        for row in rows.order_by():
            each = figures[row[path]]
            each.this_year += row["this"] or 0
            each.last_year += row["last"] or 0
            each.channels[channel] += row["this"] or 0
    return dict(figures)


# Where each channel is kept in the roll-ups (metrics.py defines them; figures.py derives the doubling ones).
CHANNEL_METRICS = {"exhibitions": "market.booth_sales", "buybacks": "production.buybacks",
                   "storefront": "market.shop_sales"}
LEVEL_METRICS = ("production.producers", "production.baseline")


def from_rollups(units: Sequence[Any], *, year: int, today: datetime.date | None = None) -> dict[int, Figures]:
    """Figures of each unit (the nation, a province, a county) for the Jalali `year`, read from the roll-ups in
    two queries whatever the sales behind them: the year's and the year before's sales, and the producers and
    baseline at the end of the year (their level now less what was approved in the years after it)."""
    from .figures import table

    now_year = current_year(today)
    years = range(year - 1, max(year, now_year) + 1)
    data = table(units=units, periods=[*(y * 100 for y in years), ALL_TIME],
                 codes=[*LEVEL_METRICS, *CHANNEL_METRICS.values()])
    out: dict[int, Figures] = {}
    for unit in units:
        def at_end(code: str, pk: int = unit.pk) -> int:
            later = sum(data.get((pk, y * 100, code), 0) for y in range(year + 1, now_year + 1))
            return data.get((pk, ALL_TIME, code), 0) - later

        each = Figures(producers=at_end("production.producers"), baseline=at_end("production.baseline"))
        for channel, code in CHANNEL_METRICS.items():
            each.channels[channel] = data.get((unit.pk, year * 100, code), 0)
            each.this_year += each.channels[channel]
            each.last_year += data.get((unit.pk, (year - 1) * 100, code), 0)
        out[unit.pk] = each
    return out


def total_of(figures: Iterable[Figures]) -> Figures:
    total = Figures()
    for each in figures:
        total.add(each)
    return total


def per_producer(producer_ids: Iterable[int], *, today: datetime.date | None = None,
                 year: int | None = None) -> dict[int, Figures]:
    """Figures of each given producer, for `year` (default: the Jalali year of `today`)."""
    from mardom.production.models import Producer

    year = year or current_year(today)
    return figures_by(Producer.objects.filter(pk__in=set(producer_ids)), "pk", year=year)


def grouped(groups: dict[object, set[int]], *, today: datetime.date | None = None,
            year: int | None = None) -> dict[object, Figures]:
    """Figures for each named group of producer ids, and under the key None for all of them together."""
    everyone = set().union(*groups.values()) if groups else set()
    each = per_producer(everyone, today=today, year=year)
    result: dict[object, Figures] = {key: total_of(each[pk] for pk in ids if pk in each)
                                     for key, ids in groups.items()}
    result[None] = total_of(each[pk] for pk in everyone if pk in each)
    return result
