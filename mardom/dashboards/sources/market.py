"""The market figures: what each write adds (called by the market services) and what the facts say (called by
`rollups-rebuild`), side by side so a definition cannot drift between them.

Where each counts (the leaf unit; the roll-up adds every unit above it):
* an exhibition set up, its booths let and its visitors, at the exhibition itself (a unit under its county);
* booth sales twice, under two codes that never add to each other: `market.booth_sales` at the selling
  producer's county (the producer's `unit`, where its baseline counts, so doubling compares a population's sales
  with its own baseline), and `market.exhibition_sales` at the exhibition, so an exhibition and the county that
  holds it see what was sold there, wherever the producers came from. A line of a group's booth that names no
  producer is credited to nobody's baseline: it counts in the exhibition's sales only (were it counted at the
  exhibition's county as a booth sale, that county's doubling figure would hold sales no producer of it made,
  and would no longer be the sum of its producers');
* storefront sales, each paid order part (a producer's share of an order), at the producer's county.

When: the moment stored on the fact's row, which the rebuild buckets by: a unit's `created_at`, an allocation's
`decided_at`, a sale's `sold_at` (a cancellation is a counter-sale with its own time), an order part's `paid_at`.
Visitors are corrected in place (one row a day), so the row holds no history: the audit log does, one entry per
count given, and each counts as the difference from the count it replaced, in the month it was given.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Sum

from .. import rollups
from ..periods import month_of
from . import first_and_last
from .funds import _bucket, leaf_filter

PAID_PARTS = ("paid", "shipped", "delivered")
VISITORS_ACTION = "exhibition.visitors"


# --- the writers' side ---------------------------------------------------------------------------------------
def exhibition_created(*, exhibition: Any) -> None:
    rollups.record(path=exhibition.path, at=exhibition.created_at, deltas={"market.exhibitions": 1})


def booths_let(*, exhibition: Any, count: int, at: datetime.datetime) -> None:
    rollups.record(path=exhibition.path, at=at, deltas={"market.booths_let": count})


def sale_written(*, sale: Any, exhibition_path: str | None) -> None:
    """A sale or its cancelling counter-sale (negative lines), after its lines are written."""
    from mardom.market.models import SaleLine

    for path, total in (SaleLine.objects.filter(sale=sale, producer__isnull=False).values("producer__unit__path")
                        .annotate(t=Sum("amount")).values_list("producer__unit__path", "t")):
        rollups.record(path=path, at=sale.sold_at, deltas={"market.booth_sales": total})
    rollups.record(path=exhibition_path, at=sale.sold_at, deltas={"market.exhibition_sales": sale.total})


def parts_paid(*, order: Any, at: datetime.datetime) -> None:
    """An order paid: each producer's share counts at the producer's county."""
    from mardom.market.models import OrderPart

    for path, total in (OrderPart.objects.filter(order=order, status__in=PAID_PARTS)
                        .values("producer__unit__path").annotate(t=Sum("amount"))
                        .values_list("producer__unit__path", "t")):
        rollups.record(path=path, at=at, deltas={"market.shop_sales": total})


def visitors_counted(*, exhibition: Any, before: int, after: int, at: datetime.datetime) -> None:
    """A day's visitors given (or corrected): the difference from what the day had."""
    rollups.record(path=exhibition.path, at=at, deltas={"market.visitors": after - before})


# --- the facts, for rollups-rebuild ----------------------------------------------------------------------
def _leaf(path: str) -> int:
    return int(path.strip("/").split("/")[-1])


def facts(months: list[int], *, under: Sequence[str] = ("/",), exact: bool = False) -> dict[tuple[int, int, str], int]:
    """(leaf unit id, month recorded, metric) → delta, one grouped query per fact family (visitors: one pass
    over the audit entries of the counts, which are few: one a day an exhibition is open, and its corrections)."""
    from mardom.core.models import AuditEntry
    from mardom.market.models import Application, Exhibition, OrderPart, Sale, SaleLine

    out: dict[tuple[int, int, str], int] = defaultdict(int)
    for unit, month in (Exhibition.objects.filter(leaf_filter("path", under, exact))
                        .annotate(month=_bucket("created_at", months)).values_list("pk", "month")):
        out[(unit, month, "market.exhibitions")] += 1
    for unit, month, n in (Application.objects.filter(leaf_filter("exhibition__path", under, exact),
                                                      status=Application.Status.ALLOCATED, booth__isnull=False,
                                                      decided_at__isnull=False)
                           .annotate(month=_bucket("decided_at", months)).values("exhibition_id", "month")
                           .annotate(n=Count("pk")).values_list("exhibition_id", "month", "n")):
        out[(unit, month, "market.booths_let")] += n
    lines = SaleLine.objects.annotate(month=_bucket("sale__sold_at", months))
    for unit, month, total in (lines.filter(leaf_filter("producer__unit__path", under, exact), producer__isnull=False)
                               .values("producer__unit_id", "month")
                               .annotate(t=Sum("amount")).values_list("producer__unit_id", "month", "t")):
        out[(unit, month, "market.booth_sales")] += total or 0
    for unit, month, total in (Sale.objects.filter(leaf_filter("exhibition__path", under, exact))
                               .annotate(month=_bucket("sold_at", months))
                               .values("exhibition_id", "month").annotate(t=Sum("total"))
                               .values_list("exhibition_id", "month", "t")):
        out[(unit, month, "market.exhibition_sales")] += total or 0
    for unit, month, total in (OrderPart.objects.filter(leaf_filter("producer__unit__path", under, exact),
                                                        status__in=PAID_PARTS, paid_at__isnull=False)
                               .annotate(month=_bucket("paid_at", months)).values("producer__unit_id", "month")
                               .annotate(t=Sum("amount")).values_list("producer__unit_id", "month", "t")):
        out[(unit, month, "market.shop_sales")] += total or 0
    last: dict[tuple[str, str], int] = {}
    for path, at, after in (AuditEntry.objects.filter(leaf_filter("scope_path", under, exact), action=VISITORS_ACTION)
                            .order_by("at", "pk")
                            .values_list("scope_path", "at", "after").iterator(chunk_size=2000)):
        if not path or not isinstance(after, dict) or "day" not in after:
            continue
        count = int(after.get("visitors") or 0)
        key = (path, str(after["day"]))
        out[(_leaf(path), month_of(at), "market.visitors")] += count - last.get(key, 0)
        last[key] = count
    return out


def moments() -> list[datetime.datetime]:
    """The first and last moments a market fact was recorded (visitors' are the audit log's, which the funds'
    source already spans)."""
    from mardom.market.models import Application, Exhibition, OrderPart, Sale

    return first_and_last((Exhibition.objects.all(), "created_at"),
                          (Application.objects.filter(decided_at__isnull=False), "decided_at"),
                          (Sale.objects.all(), "sold_at"),
                          (OrderPart.objects.filter(paid_at__isnull=False), "paid_at"))


NOW_ONLY: tuple[str, ...] = ()
