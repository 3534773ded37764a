"""The programme's goal, that sales of the producers double: for any group of producers, this Jalali year's
sales (booth sales at exhibitions, job-leader buybacks, paid storefront orders) against the
baseline they enrolled with and against last year.

Figures are computed per producer in a fixed handful of grouped queries and summed in Python, so a page with
fifty groups costs the same as a page with one."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import timezone

from mardom.core.jalali import from_jalali, to_jalali


@dataclass
class Figures:
    baseline: int = 0
    this_year: int = 0
    last_year: int = 0
    producers: int = 0
    channels: dict[str, int] = field(default_factory=lambda: {"exhibitions": 0, "buybacks": 0, "storefront": 0})

    @property
    def target(self) -> int:
        return 2 * self.baseline

    @property
    def progress_permille(self) -> int:
        """This year's sales as a share of the target (twice the baseline), in permille, capped for drawing."""
        return min(2000, self.this_year * 1000 // self.target) if self.target else 0

    def add(self, other: Figures) -> None:
        self.baseline += other.baseline
        self.this_year += other.this_year
        self.last_year += other.last_year
        self.producers += other.producers
        for channel, amount in other.channels.items():
            self.channels[channel] = self.channels.get(channel, 0) + amount


def jalali_year_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first day of this Jalali year and of the next."""
    year = to_jalali(day).year
    return from_jalali(year, 1, 1), from_jalali(year + 1, 1, 1)


def per_producer(producer_ids: Iterable[int], *, today: datetime.date | None = None) -> dict[int, Figures]:
    from mardom.market.models import OrderPart, SaleLine
    from mardom.production.models import JobEntry, Producer

    ids = set(producer_ids)
    today = today or timezone.localdate()
    start, end = jalali_year_bounds(today)
    last_start, _ = jalali_year_bounds(start - datetime.timedelta(days=1))
    figures: dict[int, Figures] = defaultdict(Figures)
    for pk, baseline in Producer.objects.filter(pk__in=ids).values_list("pk", "baseline_sales"):
        figures[pk].baseline, figures[pk].producers = baseline, 1

    def aware(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    for label, since, until in (("this", start, end), ("last", last_start, start)):
        booth = SaleLine.objects.filter(producer_id__in=ids, sale__sold_at__gte=aware(since),
                                        sale__sold_at__lt=aware(until)).values("producer_id").annotate(s=Sum("amount"))
        # Buybacks and their corrections (a corrected buyback's reversal carries the negative amount).
        bought = JobEntry.objects.filter(agreement__producer_id__in=ids, occurred_on__gte=since, occurred_on__lt=until,
                                         kind__in=["receipt", "reversal"]).exclude(
            kind="reversal", reverses__kind__in=["issue", "pay_producer", "pay_leader"]).values(
            "agreement__producer_id").annotate(s=Sum("amount"))
        # Storefront order parts, by the day they were paid (a part whose goods ran out was never paid).
        shop = OrderPart.objects.filter(producer_id__in=ids, paid_at__gte=aware(since), paid_at__lt=aware(until),
                                        status__in=["paid", "shipped", "delivered"]).values(
            "producer_id").annotate(s=Sum("amount"))
        for row in booth:
            _count(figures[row["producer_id"]], label, "exhibitions", row["s"] or 0)
        for row in shop:
            _count(figures[row["producer_id"]], label, "storefront", row["s"] or 0)
        for row in bought:
            _count(figures[row["agreement__producer_id"]], label, "buybacks", row["s"] or 0)
    return figures


def _count(figures: Figures, label: str, channel: str, amount: int) -> None:
    if label == "this":
        figures.this_year += amount
        figures.channels[channel] = figures.channels.get(channel, 0) + amount
    else:
        figures.last_year += amount


def grouped(groups: dict[object, set[int]], *, today: datetime.date | None = None) -> dict[object, Figures]:
    """Figures for each named group of producer ids, and under the key None for all of them together."""
    everyone = set().union(*groups.values()) if groups else set()
    each = per_producer(everyone, today=today)
    result: dict[object, Figures] = {}
    for key, ids in groups.items():
        total = Figures()
        for pk in ids:
            if pk in each:
                total.add(each[pk])
        result[key] = total
    total = Figures()
    for pk in everyone:
        if pk in each:
            total.add(each[pk])
    result[None] = total
    return result
