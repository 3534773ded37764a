"""Keeping the institutions' performance figures (models.figures) as requests move.

`figures_record_step(request, step)` is called by the request services right after each RequestStep is written,
in the same transaction: it adds what the step changes to the request's row (receiver × Jalali year sent × kind)
with one UPDATE of F() expressions, so concurrent steps of one institution queue on the row's lock and never
lose a count. `figures_rebuild()` recomputes every row from the requests' stored fields (for a migration or a
repair, `mardom desk-figures`); the two agree by construction and a test holds them to it.

What a step counts (each request at most once for each):
- sent (a draft submitted, or an appeal or re-routing made): received, and the rials asked;
- the first answer (received by the institution, or answered straight away): first_answered, on time unless
  `first_answer_late`, and the working minutes from sending to it in the first-answer histogram;
- the decision: decided, on time unless `decision_late`, the outcome, the refusal reason, asked and granted
  rials, and the working minutes from sending to it, less the time waited on the person, in the decision
  histogram;
- withdrawn after sending: withdrawn; the request's first escalation step (the sweep's): escalated.

Beside the figures it keeps one RunningDeadline per request sent and not yet decided (its deadlines as they stand,
whether the first answer came, whether the clock is paused), from which the page counts what is late now.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from mardom.core.jalali import to_jalali
from mardom.dashboards.sources import desk as desk_rollups
from mardom.orgs.models import Institution, OrgUnit

from ..models import OPEN_STATUSES, ReceiverType, Request, RequestStep
from ..models.figures import (
    BUCKET_EDGES,
    COUNTER_FIELDS,
    DECISION_PREFIX,
    FIRST_PREFIX,
    REFUSAL_FIELDS,
    InstitutionFigures,
    RunningDeadline,
)
from ..workcal import WorkCalendar

S = Request.Status
A = RequestStep.Action
O = Request.Outcome  # noqa: E741


def bucket_of(minutes: int) -> int:
    """The histogram band of a duration in working minutes."""
    return bisect_right(BUCKET_EDGES, max(minutes, 0))


def _calendar(request: Request) -> WorkCalendar:
    from .requests import calendar_of  # imported here: the request services import this module

    return calendar_of(request)


def first_answer_minutes(request: Request, cal: WorkCalendar) -> int:
    assert request.submitted_at is not None and request.first_answer_at is not None
    return cal.working_minutes(request.submitted_at, request.first_answer_at)


def decision_minutes(request: Request, cal: WorkCalendar) -> int:
    """Working minutes from sending to the decision, the time waited on the person left out."""
    assert request.submitted_at is not None and request.answered_at is not None
    return max(cal.working_minutes(request.submitted_at, request.answered_at) - request.paused_minutes, 0)


# --- what a request adds ---------------------------------------------------------------------------------

def _sent(request: Request) -> dict[str, int]:
    return {"received": 1, "asked_received": request.amount_asked or 0}


def _first(request: Request, cal: WorkCalendar) -> dict[str, int]:
    return {"first_answered": 1, "first_on_time": 0 if request.first_answer_late else 1,
            f"{FIRST_PREFIX}_{bucket_of(first_answer_minutes(request, cal)):02d}": 1}


def _decision(request: Request, cal: WorkCalendar) -> dict[str, int]:
    delta = {"decided": 1, "decided_on_time": 0 if request.decision_late else 1,
             f"{DECISION_PREFIX}_{bucket_of(decision_minutes(request, cal)):02d}": 1,
             "asked_decided": request.amount_asked or 0, "granted_amount": request.granted_amount or 0}
    if request.outcome == O.GRANTED:
        delta["granted"] = 1
    elif request.outcome == O.PARTLY:
        delta["partly"] = 1
    elif request.outcome == O.REFUSED:
        delta["refused"] = 1
        delta[REFUSAL_FIELDS.get(request.refusal_reason, REFUSAL_FIELDS[Request.RefusalReason.OTHER])] = 1
    return delta


def step_delta(request: Request, step: RequestStep, cal: WorkCalendar | None = None) -> dict[str, int]:
    """What `step` (just written, with `request` as it is after it) adds to the request's row."""
    if request.submitted_at is None:
        return {}
    delta: dict[str, int] = {}
    if step.to_status == S.SUBMITTED and step.from_status == S.DRAFT:
        delta.update(_sent(request))
    if step.action in (A.RECEIVE, A.ANSWER) and step.from_status == S.SUBMITTED and request.first_answer_at:
        delta.update(_first(request, cal or _calendar(request)))
    if step.action == A.ANSWER and request.answered_at:
        delta.update(_decision(request, cal or _calendar(request)))
    if step.action == A.WITHDRAW and step.from_status != S.DRAFT:
        delta["withdrawn"] = 1
    if step.action == A.ESCALATE and request.escalation_level >= 1 and not RequestStep.objects.filter(
            request_id=request.pk, action=A.ESCALATE).exclude(pk=step.pk).exists():
        delta["escalated"] = 1  # the request's first escalation, whatever level the sweep took it to
    return delta


def request_totals(request: Request, cal: WorkCalendar) -> dict[str, int]:
    """Everything a request has added to its row by now, read from its stored fields (for the rebuild)."""
    if request.submitted_at is None:
        return {}
    delta = _sent(request)
    if request.first_answer_at is not None:
        delta.update(_first(request, cal))
    if request.answered_at is not None and request.outcome:
        delta.update(_decision(request, cal))
    if request.withdrawn_at is not None:
        delta["withdrawn"] = 1
    if request.escalation_level >= 1:
        delta["escalated"] = 1
    return delta


# --- where a request counts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowKey:
    receiver_id: int
    year: int
    kind: str


def row_key(request: Request) -> RowKey:
    assert request.submitted_at is not None
    receiver_id = request.institution_id or request.to_unit_id
    assert receiver_id is not None
    return RowKey(receiver_id, to_jalali(request.submitted_at).year, request.kind)


def _county_id(path: str, counties: set[int] | None = None) -> int | None:
    """The county among the units on `path` (the receiver's own path: institutions hang under a county)."""
    ids = [int(part) for part in path.strip("/").split("/") if part]
    if counties is None:
        found = OrgUnit.objects.filter(pk__in=ids, kind=OrgUnit.Kind.COUNTY).order_by("-pk").values_list(
            "pk", flat=True).first()
        return found
    return next((pk for pk in reversed(ids) if pk in counties), None)


def _describe(receiver: OrgUnit, counties: set[int] | None = None) -> dict[str, Any]:
    """The copied columns of a receiver's rows."""
    institution = receiver if isinstance(receiver, Institution) else None
    return {
        "county_id": _county_id(receiver.path or "", counties), "path": receiver.path or "",
        "receiver_type": str(institution.type) if institution else ReceiverType.UNIT,
        "bank": institution.bank if institution else "",
    }


def _row_pk(request: Request, key: RowKey) -> int:
    found = InstitutionFigures.objects.filter(receiver_id=key.receiver_id, year=key.year, kind=key.kind).values_list(
        "pk", flat=True).first()
    if found is not None:
        return found
    receiver = request.institution if request.institution_id else request.to_unit
    assert receiver is not None
    try:
        with transaction.atomic():
            return InstitutionFigures.objects.create(receiver_id=key.receiver_id, year=key.year, kind=key.kind,
                                                     **_describe(receiver)).pk
    except IntegrityError:  # made meanwhile by a concurrent step of the same institution
        return InstitutionFigures.objects.get(receiver_id=key.receiver_id, year=key.year, kind=key.kind).pk


def figures_record_step(request: Request, step: RequestStep) -> None:
    """Add what `step` changed to the request's figures, and keep its running deadline. Called by every request
    service right after it writes a step, inside the service's transaction (so a step and its figures commit or
    roll back together). A step that changes neither costs no query; one that does costs a lookup and an UPDATE
    (and an INSERT for the first request of an institution, year and kind), plus one or two for the deadline."""
    # The dashboards' roll-ups count the same steps at the asking unit, in the same transaction.
    desk_rollups.step_recorded(request=request, step=step)
    delta = step_delta(request, step)
    if delta:
        pk = _row_pk(request, row_key(request))
        InstitutionFigures.objects.filter(pk=pk).update(**{name: F(name) + value for name, value in delta.items()})
    if step.from_status and step.from_status != step.to_status:
        _sync_running(request, was_running=step.from_status in OPEN_STATUSES)


def running_row(request: Request) -> RunningDeadline | None:
    """The running-deadline row a request should have now: one while it is sent and undecided."""
    if (request.submitted_at is None or request.status not in OPEN_STATUSES or request.first_answer_due is None
            or request.decision_due is None):
        return None
    key = row_key(request)
    return RunningDeadline(request_id=request.pk, receiver_id=key.receiver_id, year=key.year, kind=request.kind,
                           first_answered=request.first_answer_at is not None,
                           paused=request.status == Request.Status.WAITING,
                           first_due=request.first_answer_due, decision_due=request.decision_due)


_RUNNING_FIELDS = ("receiver_id", "year", "kind", "first_answered", "paused", "first_due", "decision_due")


def _sync_running(request: Request, *, was_running: bool) -> None:
    row = running_row(request)
    if row is None:
        if was_running:
            RunningDeadline.objects.filter(request_id=request.pk).delete()
        return
    RunningDeadline.objects.update_or_create(request_id=request.pk,
                                             defaults={name: getattr(row, name) for name in _RUNNING_FIELDS})


# --- the rebuild -----------------------------------------------------------------------------------------

_REQUEST_FIELDS = ("pk", "kind", "county_id", "unit_id", "institution_id", "to_unit_id", "amount_asked",
                   "granted_amount", "outcome", "refusal_reason", "submitted_at", "first_answer_at", "answered_at",
                   "withdrawn_at", "paused_minutes", "first_answer_late", "decision_late", "escalation_level")


def _sent_requests(chunk: int) -> Iterator[Request]:
    yield from Request.objects.filter(submitted_at__isnull=False).only(*_REQUEST_FIELDS).order_by().iterator(
        chunk_size=chunk)


def compute_figures(requests: Iterable[Request] | None = None, *,
                    chunk: int = 2000) -> dict[RowKey, dict[str, int]]:
    """Every row's counters, recomputed from the requests (all sent ones unless given)."""
    rows: dict[RowKey, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTER_FIELDS, 0))
    # A request's calendar depends at most on where it was made (the province's Thursday and holidays), so it
    # is asked for once per county rather than once per request.
    calendars: dict[Any, WorkCalendar] = {}
    for request in requests if requests is not None else _sent_requests(chunk):
        place = request.county_id or request.unit_id
        cal = calendars.get(place)
        if cal is None:
            cal = calendars[place] = _calendar(request)
        counters = rows[row_key(request)]
        for name, value in request_totals(request, cal).items():
            counters[name] += value
    return dict(rows)


def stored_figures() -> dict[RowKey, dict[str, int]]:
    """The rows as stored, keyed like compute_figures (rows with nothing counted left out)."""
    found: dict[RowKey, dict[str, int]] = {}
    for row in InstitutionFigures.objects.values("receiver_id", "year", "kind", *COUNTER_FIELDS).iterator():
        counters = {name: row[name] for name in COUNTER_FIELDS}
        if any(counters.values()):
            found[RowKey(row["receiver_id"], row["year"], row["kind"])] = counters
    return found


@transaction.atomic
def figures_rebuild(*, batch: int = 1000) -> int:
    """Replace every figures row by one recomputed from the requests; returns the number of rows written.
    Meant for a migration or a repair, with request steps stopped (it holds one transaction throughout)."""
    computed = compute_figures()
    receivers = {key.receiver_id for key in computed}
    counties = set(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY).values_list("pk", flat=True))
    described: dict[int, dict[str, Any]] = {}
    for unit in OrgUnit.objects.filter(pk__in=receivers).select_related("institution").iterator(chunk_size=batch):
        receiver = getattr(unit, "institution", None) if unit.kind == OrgUnit.Kind.INSTITUTION else None
        described[unit.pk] = _describe(receiver or unit, counties)
    RunningDeadline.objects.all().delete()
    RunningDeadline.objects.bulk_create(_running_rows(), batch_size=batch)
    InstitutionFigures.objects.all().delete()
    InstitutionFigures.objects.bulk_create(
        (InstitutionFigures(receiver_id=key.receiver_id, year=key.year, kind=key.kind,
                            **described[key.receiver_id], **counters)
         for key, counters in sorted(computed.items(), key=lambda kv: (kv[0].receiver_id, kv[0].year, kv[0].kind))),
        batch_size=batch)
    return len(computed)


def _running_rows() -> Iterator[RunningDeadline]:
    open_requests = Request.objects.filter(submitted_at__isnull=False, status__in=OPEN_STATUSES).only(
        "pk", "kind", "institution_id", "to_unit_id", "status", "submitted_at", "first_answer_at",
        "first_answer_due", "decision_due").order_by("pk")
    for request in open_requests.iterator(chunk_size=2000):
        row = running_row(request)
        if row is not None:
            yield row


def _running_state(rows: Iterable[RunningDeadline]) -> dict[int, tuple[Any, ...]]:
    return {row.request_id: tuple(getattr(row, name) for name in _RUNNING_FIELDS) for row in rows}


def figures_differences(*, limit: int = 20) -> list[str]:
    """Where the stored rows differ from the requests (empty when they agree), for `desk-figures --check`."""
    computed, stored = compute_figures(), stored_figures()
    problems = []
    for key in sorted(set(computed) | set(stored), key=lambda k: (k.receiver_id, k.year, k.kind)):
        want, have = computed.get(key, {}), stored.get(key, {})
        wrong = [f"{name}: stored {have.get(name, 0)}, requests say {want.get(name, 0)}"
                 for name in COUNTER_FIELDS if have.get(name, 0) != want.get(name, 0)]
        if wrong:
            problems.append(f"receiver {key.receiver_id}, {key.year}, {key.kind}: " + "; ".join(wrong))
            if len(problems) >= limit:
                return problems
    want, have = _running_state(_running_rows()), _running_state(RunningDeadline.objects.order_by().iterator())
    for pk in sorted(set(want) | set(have)):
        if want.get(pk) != have.get(pk):
            problems.append(f"request {pk}: running deadline stored {have.get(pk)}, request says {want.get(pk)}")
            if len(problems) >= limit:
                break
    return problems


__all__ = ["bucket_of", "compute_figures", "decision_minutes", "figures_differences", "figures_rebuild",
           "figures_record_step", "first_answer_minutes", "request_totals", "step_delta", "stored_figures"]
