"""The sweep: what nobody has to remember to do about a request running against its deadline.

For every request whose running deadline (the first answer's, then the decision's) is counted down:
- a *reminder* to the institution's officer(s) once the light turns amber (a quarter of the working time left,
  `warn_at`), once per deadline; an institution with no officer in Mardom is chased by the desk, so the
  county's desk officers get it instead;
- the deadline passing marks the request late (`first_answer_late` / `decision_late`, which stay set);
- *escalation* to the county officer(s) when the deadline has passed (level 1), and to the province officer(s)
  `DESK_ESCALATE_PROVINCE_AFTER_DAYS` working days later if it is still late (level 2).

Each reminder and escalation is a RequestStep and an audit record, and an SMS through `notify` whose key names
the request, the step and the recipient, so nothing is sent twice. Messages go out only in working time: a
sweep at midnight or on a Friday marks what is late and leaves the messages for the next working moment.

The sweep costs what it changes: each request stores `next_sweep_at`, the next moment the sweep has
something to do with it (set here and by the request services when the clock moves, null when nothing is
left), and a run reads only the rows whose moment has come, through its index. Two workers may sweep at once:
each request is handled in its own transaction, its row locked with SKIP LOCKED on PostgreSQL (the other
worker passes over it), and written with an UPDATE conditional on what was read (the escalation level, the
reminder, the next moment), so a step is taken once even where rows cannot be locked.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.digits import localize_digits
from mardom.core.jalali import format_jalali_datetime
from mardom.core.notify import SmsError, notify
from mardom.people.models import RoleAssignment
from mardom.people.roles import Perm, Role, roles_with

from ..models import Request, RequestStep
from ..workcal import WorkCalendar
from .figures import figures_record_step

log = logging.getLogger("mardom.desk")

S = Request.Status
A = RequestStep.Action

# The statuses in which a deadline runs (waiting on the person stops the clock: nothing to chase).
RUNNING = (S.SUBMITTED, S.RECEIVED, S.IN_REVIEW)
FIRST, DECISION = "first", "decision"
LEVEL_COUNTY, LEVEL_PROVINCE = 1, 2
_TICK = datetime.timedelta(seconds=1)  # a deadline has passed one second after it
_MINUTE = datetime.timedelta(minutes=1)


def province_after_days() -> int:
    """Working days between a deadline's escalation to the county and to the province (a setting, ≥ 1)."""
    return max(int(getattr(settings, "DESK_ESCALATE_PROVINCE_AFTER_DAYS", 3)), 1)


# --- the plan: computed from the stored fields only -------------------------------------------------------

def work_from(cal: WorkCalendar, moment: datetime.datetime) -> datetime.datetime:
    """The first moment at or after `moment` that lies in working time (at least a minute before the day's
    end)."""
    # The end of the first working minute from `moment`, less that minute: `moment` itself in working time,
    # else the next opening (adding zero minutes would return `moment` as it is).
    return cal.add_working_minutes(moment, 1) - _MINUTE


def in_working_time(cal: WorkCalendar, moment: datetime.datetime) -> bool:
    return work_from(cal, moment) == moment


def phase_of(request: Request) -> str:
    """Which deadline runs: the first answer's until it is given, then the decision's."""
    return FIRST if request.first_answer_at is None else DECISION


def reminded_for_phase(request: Request) -> bool:
    """Whether the reminder of the running deadline was sent (a reminder before the first answer was for the
    first answer's deadline)."""
    if request.reminded_at is None:
        return False
    return request.first_answer_at is None or request.reminded_at >= request.first_answer_at


def phase_late(request: Request) -> bool:
    return request.first_answer_late if phase_of(request) == FIRST else request.decision_late


def province_moment(cal: WorkCalendar, request: Request) -> datetime.datetime:
    """When a request escalated to the county goes on to the province if its running deadline is still
    passed: a further period after the later of the county escalation and that deadline."""
    assert request.due_at is not None
    since = max(request.escalated_at or request.due_at, request.due_at)
    return cal.add_working_days(since, province_after_days())


def next_sweep_moment(cal: WorkCalendar, request: Request,
                      after: datetime.datetime | None = None) -> datetime.datetime | None:
    """The next moment the sweep has something to do with `request`, from its stored fields; None when
    nothing is left (no deadline runs, or everything is done). A message is sent in working time only: given
    `after` (the sweep's own now), one still owed is put off to the first working moment after it."""
    if request.status not in RUNNING or request.due_at is None:
        return None
    moments: list[datetime.datetime] = []
    if request.first_answer_at is None and request.first_answer_due and not request.first_answer_late:
        moments.append(request.first_answer_due + _TICK)
    if request.answered_at is None and request.decision_due and not request.decision_late:
        moments.append(request.decision_due + _TICK)
    messages: list[datetime.datetime] = []
    if request.warn_at is not None and not reminded_for_phase(request) and not phase_late(request):
        remind_at = work_from(cal, request.warn_at)
        if remind_at < request.due_at:
            messages.append(request.warn_at)
    if request.escalation_level == 0:
        messages.append(request.due_at + _TICK)
    elif request.escalation_level == LEVEL_COUNTY:
        messages.append(province_moment(cal, request))
    moments += [work_from(cal, max(moment, after) if after else moment) for moment in messages]
    return min(moments) if moments else None


# --- who is told -------------------------------------------------------------------------------------------

def _holders(*, unit_id: int | None, roles: list[str]) -> list[Any]:
    """Active users holding one of `roles` on the unit itself, with a person (for her mobile), in a stable order."""
    if unit_id is None:
        return []
    rows = (RoleAssignment.objects.filter(unit_id=unit_id, role__in=roles, revoked_at__isnull=True,
                                          confirmed_at__isnull=False, user__is_active=True)
            .select_related("user", "user__person").order_by("user_id"))
    users: dict[int, Any] = {}
    for row in rows:
        users.setdefault(row.user_id, row.user)
    return list(users.values())


def _county_officers(request: Request) -> list[Any]:
    return _holders(unit_id=request.county_id, roles=[Role.COUNTY_OFFICER])


def _province_officers(request: Request) -> list[Any]:
    province_id = request.county.parent_id if request.county_id and request.county else None
    return _holders(unit_id=province_id, roles=[Role.PROVINCE_OFFICER])


def reminder_recipients(request: Request) -> list[Any]:
    """The receiver's own officers (holding desk.answer on it); for a receiver with none in Mardom, the
    county's desk officers, who chase it on paper or by phone."""
    own = _holders(unit_id=request.receiver_id, roles=roles_with(Perm.DESK_ANSWER))
    return own or _county_officers(request)


# --- the messages ------------------------------------------------------------------------------------------

def _number(request: Request) -> str:
    return localize_digits(str(request.pk))


def _names(users: list[Any]) -> str:
    return "، ".join(str(user) for user in users) or _("nobody in Mardom holds this role")


def _deadline_words(phase: str) -> str:
    return _("first answer") if phase == FIRST else _("decision")


def _reminder_text(request: Request, phase: str) -> str:
    return _("Mardom: the %(step)s on request no. %(n)s “%(subject)s” at %(to)s is due by %(due)s.") % {
        "step": _deadline_words(phase), "n": _number(request), "subject": request.subject,
        "to": _receiver_name(request), "due": format_jalali_datetime(request.due_at)}


def _escalation_text(request: Request, phase: str, level: int) -> str:
    names = {"step": _deadline_words(phase), "n": _number(request), "subject": request.subject,
             "to": _receiver_name(request), "due": format_jalali_datetime(request.due_at)}
    if level == LEVEL_COUNTY:
        return _("Mardom: request no. %(n)s “%(subject)s” to %(to)s is late: its %(step)s was due by %(due)s. "
                 "Please follow it up.") % names
    return _("Mardom: request no. %(n)s “%(subject)s” to %(to)s is still late (its %(step)s was due by "
             "%(due)s), after the county was told. Please follow it up.") % names


def _receiver_name(request: Request) -> str:
    receiver = request.receiver
    return str(getattr(receiver, "name", "")) if receiver is not None else ""


def _send(users: list[Any], *, key: str, text: str, now: datetime.datetime) -> int:
    sent = 0
    for user in users:
        mobile = getattr(user.person, "mobile", "") if user.person_id else ""
        if not mobile:
            continue
        try:
            sent += notify(key=f"{key}:u{user.pk}", to=mobile, text=text, now=now)
        except SmsError:
            log.warning("desk sweep SMS to user %s for %s not sent: invalid number", user.pk, key)
    return sent


# --- one run -----------------------------------------------------------------------------------------------

@dataclass
class SweepResult:
    looked_at: int = 0
    marked_late: int = 0
    reminded: int = 0
    escalated_county: int = 0
    escalated_province: int = 0

    def __str__(self) -> str:
        return (f"looked at {self.looked_at}, marked late {self.marked_late}, reminded {self.reminded}, "
                f"escalated to the county {self.escalated_county}, to the province {self.escalated_province}")


def _due_ids(now: datetime.datetime, limit: int) -> list[int]:
    return list(Request.objects.filter(next_sweep_at__lte=now).order_by("next_sweep_at", "pk")
                .values_list("pk", flat=True)[:limit])


def _locked(pk: int, now: datetime.datetime) -> Request | None:
    """The request, if its sweep moment has still come (another worker may have handled it since), its row
    locked; None also when another worker holds it (PostgreSQL: SKIP LOCKED)."""
    qs = Request.objects.filter(pk=pk, next_sweep_at__lte=now)
    features = connection.features
    if features.has_select_for_update_skip_locked and features.has_select_for_update_of:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return qs.select_related("institution", "to_unit", "county", "unit").first()


def sweep(*, now: datetime.datetime | None = None, limit: int = 5000) -> SweepResult:
    """Do what has come due, at `now`, for at most `limit` requests (the rest wait for the next run)."""
    now = now or timezone.now()
    result = SweepResult()
    for pk in _due_ids(now, limit):
        with transaction.atomic():
            request = _locked(pk, now)
            if request is not None:
                result.looked_at += 1
                _sweep_one(request, now, result)
    return result


def _calendar(request: Request) -> WorkCalendar:
    from .requests import calendar_of  # the calendar the request's deadlines were counted on

    return calendar_of(request)


def _sweep_one(request: Request, now: datetime.datetime, result: SweepResult) -> None:
    cal = _calendar(request)
    seen = {"status": request.status, "escalation_level": request.escalation_level,
            "next_sweep_at": request.next_sweep_at, "reminded_at": request.reminded_at,
            "first_answer_late": request.first_answer_late, "decision_late": request.decision_late}
    remind, level = False, 0
    if request.status in RUNNING and request.due_at is not None:
        if request.first_answer_at is None and request.first_answer_due and now > request.first_answer_due:
            request.first_answer_late = True
        if request.answered_at is None and request.decision_due and now > request.decision_due:
            request.decision_late = True
        if in_working_time(cal, now):
            remind = (not reminded_for_phase(request) and not phase_late(request) and request.warn_at is not None
                      and request.warn_at <= now < request.due_at)
            if now > request.due_at:
                if request.escalation_level == 0:
                    level = LEVEL_COUNTY
                elif request.escalation_level == LEVEL_COUNTY and now >= province_moment(cal, request):
                    level = LEVEL_PROVINCE
    if remind:
        request.reminded_at = now
    if level:
        request.escalation_level, request.escalated_at = level, now
    request.next_sweep_at = next_sweep_moment(cal, request, after=now)

    # Written only if nobody changed the row since it was read: the steps below are taken once.
    condition = {key: value for key, value in seen.items() if value is not None}
    condition.update({f"{key}__isnull": True for key, value in seen.items() if value is None})
    changed = Request.objects.filter(pk=request.pk, **condition).update(
        first_answer_late=request.first_answer_late, decision_late=request.decision_late,
        reminded_at=request.reminded_at, escalation_level=request.escalation_level,
        escalated_at=request.escalated_at, next_sweep_at=request.next_sweep_at)
    if not changed:
        return
    phase = phase_of(request)
    newly_late = [name for name in ("first_answer_late", "decision_late") if getattr(request, name) != seen[name]]
    if newly_late:
        result.marked_late += 1
        audit_record(by=None, action="request.late", obj=request, scope_path=request.path, now=now,
                     before={name: False for name in newly_late}, after={name: True for name in newly_late})
    words = {"step": _deadline_words(phase), "due": format_jalali_datetime(request.due_at)}
    if remind:
        result.reminded += 1
        users = reminder_recipients(request)
        note = _("Reminder of the %(step)s due by %(due)s, to: %(names)s") % {**words, "names": _names(users)}
        _step(request, A.REMIND, note=note, now=now)
        audit_record(by=None, action="request.remind", obj=request, scope_path=request.path, now=now,
                     before={"reminded_at": _iso(seen["reminded_at"])},
                     after={"reminded_at": _iso(now), "note": note[:500]})
        _send(users, key=f"desk:req{request.pk}:remind-{phase}", text=_reminder_text(request, phase), now=now)
    if level:
        if level == LEVEL_COUNTY:
            result.escalated_county += 1
            users = _county_officers(request)
            note = _("Escalated to the county: %(names)s (the %(step)s was due by %(due)s)")
        else:
            result.escalated_province += 1
            users = _province_officers(request)
            note = _("Escalated to the province: %(names)s (the %(step)s was due by %(due)s)")
        note %= {**words, "names": _names(users)}
        _step(request, A.ESCALATE, note=note, now=now)
        audit_record(by=None, action="request.escalate", obj=request, scope_path=request.path, now=now,
                     before={"escalation_level": seen["escalation_level"]},
                     after={"escalation_level": level, "note": note[:500]})
        _send(users, key=f"desk:req{request.pk}:escalate{level}", text=_escalation_text(request, phase, level),
              now=now)


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _step(request: Request, action: str, *, note: str, now: datetime.datetime) -> None:
    """The sweep's step in the request's history (by nobody: the system), counted in the institution's figures
    like every other step (an escalation is one of them)."""
    step = RequestStep(request=request, action=action, by=None, note=note[:500], at=now)
    step.save()
    figures_record_step(request, step)


__all__ = ["RUNNING", "SweepResult", "in_working_time", "next_sweep_moment", "province_after_days",
           "province_moment", "reminder_recipients", "sweep", "work_from"]
