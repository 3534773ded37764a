"""The production figures: what each write adds (called by the production services) and what the facts say
(called by `rollups-rebuild`), side by side so a definition cannot drift between them.

Where each counts (the leaf unit; the roll-up adds every unit above it):
* a producer approved (with its capacity and baseline), and a job leader's buyback of its output, at the
  producer's `unit`, its county: the county that approves and sees it, and the one its booth and storefront sales
  count in too (sources/market.py), so doubling compares one population's sales with its own baseline. A buyback
  counts at the producer's county, not the job leader's (a job leader may buy from another county of its
  province), for the same reason.
* a colony or a cluster formed, at itself (and so its county, province and nation): a unit formed counts at the
  unit it is.

A producer is not counted a second time at its colony or cluster: a colony hangs under its county and a cluster
is not above its colonies in the tree, so a second `record` at the colony's path would add the producer to the
county and everything above it twice; doing it right needs a cancelling delta on the county's path and a move of
figures each time a colony gains or loses a member or joins a cluster, which the facts (a member's removal is
a deleted row) cannot check. Colonies' and clusters' sales are read from the sale lines' attribution instead.

When: the moment the fact is stored on its row, which the rebuild buckets by: a producer's `decided_at`, a unit's
`created_at`, a buyback's `recorded_at`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q, Sum

from .. import rollups
from . import first_and_last
from .funds import _bucket, leaf_filter

BUYBACK, REVERSAL = "receipt", "reversal"


# --- the writers' side ---------------------------------------------------------------------------------------
def producer_approved(*, producer: Any, path: str | None, at: datetime.datetime) -> None:
    """A producer approved (at registration by an officer, or on the county's decision)."""
    from mardom.production.models import ProducerProduct

    capacity = ProducerProduct.objects.filter(producer=producer).aggregate(total=Sum("capacity"))["total"] or 0
    rollups.record(path=path, at=at, deltas={"production.producers": 1, "production.capacity": capacity,
                                             "production.baseline": producer.baseline_sales})


def unit_formed(*, unit: Any) -> None:
    """A colony or a cluster formed: counted at itself, when its row was made."""
    code = "production.colonies" if unit.kind == "colony" else "production.clusters"
    rollups.record(path=unit.path, at=unit.created_at, deltas={code: 1})


def job_entry_written(*, entry: Any, producer: Any) -> None:
    """A line of a job leader's account: a buyback adds what the producer earned, its correction takes it back;
    materials and payments are not sales."""
    from mardom.orgs.models import OrgUnit

    if entry.kind == BUYBACK or (entry.kind == REVERSAL and entry.reverses is not None
                                 and entry.reverses.kind == BUYBACK):
        path = OrgUnit.objects.filter(pk=producer.unit_id).values_list("path", flat=True).first()
        rollups.record(path=path, at=entry.recorded_at, deltas={"production.buybacks": entry.amount})


# --- the facts, for rollups-rebuild ----------------------------------------------------------------------
def facts(months: list[int], *, under: Sequence[str] = ("/",), exact: bool = False) -> dict[tuple[int, int, str], int]:
    """(leaf unit id, month recorded, metric) → delta, one grouped query per fact family."""
    from mardom.production.models import Cluster, Colony, JobEntry, Producer, ProducerProduct

    out: dict[tuple[int, int, str], int] = defaultdict(int)
    approved = Producer.objects.filter(leaf_filter("unit__path", under, exact), status=Producer.Status.APPROVED,
                                       decided_at__isnull=False)
    for unit, month, n, baseline in (approved.annotate(month=_bucket("decided_at", months))
                                     .values("unit_id", "month").annotate(n=Count("pk"), b=Sum("baseline_sales"))
                                     .values_list("unit_id", "month", "n", "b")):
        out[(unit, month, "production.producers")] += n
        out[(unit, month, "production.baseline")] += baseline or 0
    for unit, month, capacity in (ProducerProduct.objects
                                  .filter(leaf_filter("producer__unit__path", under, exact),
                                          producer__status=Producer.Status.APPROVED,
                                          producer__decided_at__isnull=False)
                                  .annotate(month=_bucket("producer__decided_at", months))
                                  .values("producer__unit_id", "month").annotate(c=Sum("capacity"))
                                  .values_list("producer__unit_id", "month", "c")):
        out[(unit, month, "production.capacity")] += capacity or 0
    for model, code in ((Colony, "production.colonies"), (Cluster, "production.clusters")):
        for unit, month in (model.objects.filter(leaf_filter("path", under, exact))
                            .annotate(month=_bucket("created_at", months))
                            .values_list("pk", "month")):
            out[(unit, month, code)] += 1
    bought = JobEntry.objects.filter(Q(kind=BUYBACK) | Q(kind=REVERSAL, reverses__kind=BUYBACK)).filter(
        leaf_filter("agreement__producer__unit__path", under, exact))
    for unit, month, total in (bought.annotate(month=_bucket("recorded_at", months))
                               .values("agreement__producer__unit_id", "month").annotate(t=Sum("amount"))
                               .values_list("agreement__producer__unit_id", "month", "t")):
        out[(unit, month, "production.buybacks")] += total or 0
    return out


def moments() -> list[datetime.datetime]:
    """The first and last moments a production fact was recorded."""
    from mardom.orgs.models import OrgUnit
    from mardom.production.models import JobEntry, Producer

    return first_and_last((Producer.objects.filter(decided_at__isnull=False), "decided_at"),
                          (OrgUnit.objects.filter(kind__in=["colony", "cluster"]), "created_at"),
                          (JobEntry.objects.all(), "recorded_at"))


NOW_ONLY: tuple[str, ...] = ()
