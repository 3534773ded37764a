"""The desk's figures: what each step of a request adds (called from the desk's one figures hook, which every
request service and the sweep call right after writing a step) and what the facts say (called by
`rollups-rebuild`), side by side so a definition cannot drift between them.

Where a request counts: at its `path`, the unit that made it, or the person's county when it was made from higher
up (a province officer asking for a villager). That is the scope the desk's own lists filter on, so a county's
figure counts the same requests its desk list shows; the receiving institution is not where it counts (its
performance has its own figures, desk.models.figures).

What counts, each once per request, in the month it happened:
* made: sent to its receiver (a draft submitted, or an appeal or a re-routing made, which are sent at once), at
  `submitted_at`;
* answered: decided, at `answered_at`; within the deadline unless `decision_late`; and the working days from
  sending to the decision, the time waited on the person left out (as the desk's own figures count it), in the
  histogram bucket `metrics.answer_bucket(days)`, whole working days of the receiver's calendar.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q

from .. import metrics, rollups
from ..periods import month_of
from . import first_and_last
from .funds import _bucket, leaf_filter


def answer_days(request: Any, cal: Any) -> int:
    from mardom.desk.services.figures import decision_minutes

    return decision_minutes(request, cal) // cal.day_minutes


def answer_deltas(request: Any, cal: Any) -> dict[str, int]:
    return {"desk.answered": 1, "desk.answered_in_time": 0 if request.decision_late else 1,
            metrics.answer_bucket(answer_days(request, cal)): 1}


# --- the writers' side ---------------------------------------------------------------------------------------
def step_recorded(*, request: Any, step: Any) -> None:
    """What a step just written (with `request` as it is after it) adds to the asking unit's figures."""
    from mardom.desk.models import Request, RequestStep

    if request.submitted_at is None:
        return
    if step.to_status == Request.Status.SUBMITTED and step.from_status == Request.Status.DRAFT:
        rollups.record(path=request.path, at=request.submitted_at, deltas={"desk.requests": 1})
    if step.action == RequestStep.Action.ANSWER and request.answered_at is not None:
        from mardom.desk.services.requests import calendar_of

        rollups.record(path=request.path, at=request.answered_at,
                       deltas=answer_deltas(request, calendar_of(request)))


# --- the facts, for rollups-rebuild ----------------------------------------------------------------------
def _leaf(path: str) -> int:
    return int(path.strip("/").split("/")[-1])


def facts(months: list[int], *, under: Sequence[str] = ("/",), exact: bool = False) -> dict[tuple[int, int, str], int]:
    """(leaf unit id, month recorded, metric) → delta: the counts grouped in SQL; the histogram needs each
    answered request's working time on its receiver's calendar, so it is one pass over the answered requests,
    with one calendar per receiver."""
    from mardom.desk.models import Request
    from mardom.desk.services import requests as desk_requests
    from mardom.desk.workcal import calendar_cache
    from mardom.orgs.models import OrgUnit

    out: dict[tuple[int, int, str], int] = defaultdict(int)
    for path, month, n in (Request.objects.filter(leaf_filter("path", under, exact), submitted_at__isnull=False)
                           .annotate(month=_bucket("submitted_at", months)).values("path", "month")
                           .annotate(n=Count("pk")).values_list("path", "month", "n")):
        out[(_leaf(path), month, "desk.requests")] += n
    answered = Request.objects.filter(leaf_filter("path", under, exact), submitted_at__isnull=False,
                                      answered_at__isnull=False).exclude(outcome="")
    for path, month, n, in_time in (answered.annotate(month=_bucket("answered_at", months))
                                    .values("path", "month")
                                    .annotate(n=Count("pk"), ok=Count("pk", filter=Q(decision_late=False)))
                                    .values_list("path", "month", "n", "ok")):
        out[(_leaf(path), month, "desk.answered")] += n
        out[(_leaf(path), month, "desk.answered_in_time")] += in_time
    receivers = {pk for pair in answered.values_list("institution_id", "to_unit_id").distinct() for pk in pair if pk}
    calendars: dict[int, Any] = {}
    with calendar_cache():
        for unit in OrgUnit.objects.filter(pk__in=receivers):
            # The writers' calendar lookup (requests.calendar_of asks it for the receiver), by the same name.
            calendars[unit.pk] = desk_requests.calendar_for(unit=unit)
        for request in (answered.only("path", "institution_id", "to_unit_id", "submitted_at", "answered_at",
                                      "paused_minutes").order_by().iterator(chunk_size=2000)):
            cal = calendars[request.institution_id or request.to_unit_id]
            out[(_leaf(request.path), month_of(request.answered_at),
                 metrics.answer_bucket(answer_days(request, cal)))] += 1
    return out


def moments() -> list[datetime.datetime]:
    from mardom.desk.models import Request

    return first_and_last((Request.objects.filter(submitted_at__isnull=False), "submitted_at"),
                          (Request.objects.filter(answered_at__isnull=False), "answered_at"))


NOW_ONLY: tuple[str, ...] = ()
