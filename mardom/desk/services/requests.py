"""The life of a request to an institution: drafted for a person, submitted (deadlines set on the working
calendar), received, reviewed, perhaps waiting on the person (the clock stops), answered (granted, partly
granted or refused with a reason), closed; or withdrawn. A refused answer may be appealed (a new request to the
same institution, marked as an appeal) or re-routed (a new request to another institution; the old one closes).

Every status change follows TRANSITIONS, is audited, writes a RequestStep (late when done after its deadline)
and tells the person by SMS after the commit.

Who may act:
- the *maker side*: the person herself, whoever made the request, and holders of desk.request on the unit it
  was made by (its base, group or fund officers and the desk above them);
- the *receiver side*: the institution's own officer (desk.answer on it); for an institution with no active
  officer in Mardom, the desk (desk.request on the request's county) records what the institution said, on
  paper or by phone, and who said it. Nobody acts on the receiver side of a request they made or that is
  their own (separation of duties).
"""

from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record, snapshot
from mardom.core.errors import DomainError
from mardom.core.jalali import format_jalali
from mardom.core.money import format_money
from mardom.core.notify import SmsError, notify
from mardom.core.text import normalize_text
from mardom.orgs.models import Institution, OrgUnit
from mardom.people.models import RoleAssignment
from mardom.people.roles import Perm, roles_with
from mardom.people.scopes import has_perm_on, require
from mardom.people.selectors import person_find_in_scope

from ..models import OPEN_STATUSES, ReceiverType, Request, RequestDocument, RequestKind, RequestStep, ServiceLevel
from ..workcal import WorkCalendar, calendar_for
from .figures import figures_record_step

log = logging.getLogger("mardom.desk")

S = Request.Status
A = RequestStep.Action
Channel = RequestStep.Channel

# The one transition table. Appeal and re-routing make a new request; re-routing also closes the old one.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.RECEIVED, S.ANSWERED, S.WITHDRAWN}),
    S.RECEIVED: frozenset({S.IN_REVIEW, S.WAITING, S.ANSWERED, S.WITHDRAWN}),
    S.IN_REVIEW: frozenset({S.WAITING, S.ANSWERED, S.WITHDRAWN}),
    S.WAITING: frozenset({S.RECEIVED, S.IN_REVIEW, S.WITHDRAWN}),
    S.ANSWERED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
FINAL_STATUSES = (S.CLOSED, S.WITHDRAWN)

# Kinds for which an amount in rials means something; for a bank loan it must be given.
AMOUNT_KINDS = frozenset({RequestKind.BANK_LOAN, RequestKind.AGENCY_SUPPORT, RequestKind.OTHER})
AMOUNT_REQUIRED = frozenset({RequestKind.BANK_LOAN})

# Service levels used when the table has no row (it is seeded by the migration; the national officer edits it).
DEFAULT_LEVEL = (3, 10)
MAX_LEVEL_DAYS = 365

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_DOCUMENTS = 20
EXTENSIONS = {
    RequestDocument.ContentType.PDF: (".pdf",),
    RequestDocument.ContentType.JPEG: (".jpg", ".jpeg"),
    RequestDocument.ContentType.PNG: (".png",),
}


# --- the clock -------------------------------------------------------------------------------------------

def calendar_of(request: Request) -> WorkCalendar:
    """The working calendar a request's deadlines are counted on: the receiving institution's (or unit's)
    province, whose closures and Thursday hours are the ones its office keeps."""
    return calendar_for(unit=request.receiver)


def service_level_for(*, receiver_type: str, kind: str) -> tuple[int, int]:
    """(first answer, decision) in working days for this receiver type and kind of request."""
    row = ServiceLevel.objects.filter(receiver_type=receiver_type, kind=kind).values_list(
        "first_answer_days", "decision_days").first()
    return (int(row[0]), int(row[1])) if row else DEFAULT_LEVEL


def receiver_type_of(request: Request) -> str:
    if request.institution_id:
        return str(request.institution.type)  # type: ignore[union-attr]
    return ReceiverType.UNIT


def _warn_moment(cal: WorkCalendar, request: Request, due: datetime.datetime) -> datetime.datetime:
    """When a quarter of the allowed working time up to `due` is left (the light turns amber)."""
    start = request.submitted_at
    assert start is not None
    allowed = max(cal.working_minutes(start, due) - request.paused_minutes, 0)
    return cal.add_working_minutes(start, request.paused_minutes + allowed - allowed // 4)


def _run_clock(cal: WorkCalendar, request: Request) -> None:
    """Point `due_at`/`warn_at` at the deadline running now: the first answer's, then the decision's."""
    if request.status in (S.ANSWERED, *FINAL_STATUSES) or request.submitted_at is None:
        request.due_at = request.warn_at = request.next_sweep_at = None
        return
    due = request.first_answer_due if request.first_answer_at is None else request.decision_due
    request.due_at = due
    request.warn_at = _warn_moment(cal, request, due) if due else None
    from .sweep import next_sweep_moment  # (not at the top: the sweep imports this module)

    request.next_sweep_at = next_sweep_moment(cal, request)


# --- who may act -------------------------------------------------------------------------------------------

def _is_person(by: Any, request: Request) -> bool:
    return bool(getattr(by, "person_id", None)) and by.person_id == request.person_id


def is_maker_side(by: Any, request: Request) -> bool:
    return (_is_person(by, request) or getattr(by, "pk", None) == request.created_by_id
            or has_perm_on(by, Perm.DESK_REQUEST, request.unit))


def has_own_officer(receiver: OrgUnit) -> bool:
    """Whether an active user holds, on the receiving unit itself, a role that answers requests."""
    return RoleAssignment.objects.filter(
        unit_id=receiver.pk, role__in=roles_with(Perm.DESK_ANSWER), revoked_at__isnull=True,
        confirmed_at__isnull=False, user__is_active=True,
    ).exists()


@dataclass(frozen=True)
class ReceiverMode:
    desk: bool  # True: the desk records what the institution said (on paper or by phone)


def receiver_mode(by: Any, request: Request) -> ReceiverMode | None:
    """How `by` may act on the receiver side of `request`, or None. No separation check here (see below)."""
    receiver = request.receiver
    if has_perm_on(by, Perm.DESK_ANSWER, receiver):  # type: ignore[arg-type]
        return ReceiverMode(desk=False)
    desk_unit = request.county or request.unit
    if has_perm_on(by, Perm.DESK_REQUEST, desk_unit) and not has_own_officer(receiver):  # type: ignore[arg-type]
        return ReceiverMode(desk=True)
    return None


def _require_receiver(by: Any, request: Request) -> ReceiverMode:
    """Check that `by` may act for the receiver of `request` (and did not make it, and it is not hers)."""
    mode = receiver_mode(by, request)
    if mode is None:
        if has_perm_on(by, Perm.DESK_REQUEST, request.county or request.unit):
            raise DomainError(_("This institution has its own officer in Mardom: she answers here herself."))
        raise PermissionDenied
    if _is_person(by, request) or getattr(by, "pk", None) == request.created_by_id:
        raise DomainError(_("Nobody answers a request they made or that is their own."))
    return mode


def _receiver_side(by: Any, request: Request, *, said_by: str = "", channel: str = "") -> tuple[str, str]:
    """Check that `by` acts for the receiver, and return the (said_by, channel) to record."""
    if not _require_receiver(by, request).desk:
        return "", Channel.MARDOM
    said_by = normalize_text(said_by)
    if channel not in (Channel.PAPER, Channel.PHONE):
        raise DomainError(_("Say how the institution's answer came: on paper or by phone."), field="channel")
    if not said_by:
        raise DomainError(_("Write who said it at the institution."), field="said_by")
    return said_by[:150], channel


def _maker_side(by: Any, request: Request) -> None:
    if not is_maker_side(by, request):
        raise PermissionDenied


# --- moving a request --------------------------------------------------------------------------------------

def _locked(request: Request) -> Request:
    return Request.objects.select_for_update(of=("self",)).select_related(
        "person", "institution", "to_unit", "unit", "county").get(pk=request.pk)


def _move(request: Request, to: str, *, resume: bool = False) -> str:
    """Apply one transition of the table. A request waiting on the person leaves that state only by resuming
    (which moves its deadlines) or by being withdrawn."""
    current = request.status
    if to not in TRANSITIONS[current] or (current == S.WAITING and to != S.WITHDRAWN and not resume):
        raise DomainError(_("A request that is “%(current)s” cannot become “%(new)s”.")
                          % {"current": request.get_status_display(), "new": S(to).label}, field="status")
    request.status = to
    return current


_FIELDS = ("status", "outcome", "granted_amount", "refusal_reason", "due_at")


def _record(by: Any, code: str, request: Request, *, from_status: str = "", now: datetime.datetime,
            note: str = "", said_by: str = "", channel: str = Channel.MARDOM, late: bool = False,
            before: dict[str, Any] | None = None, tell: bool = True) -> RequestStep:
    """Write the step `code` ("request.<step action>") with its audit record, and tell the person."""
    step = RequestStep(request=request, action=code.removeprefix("request."), from_status=from_status,
                       to_status=request.status if from_status else "", by=by if getattr(by, "pk", None) else None,
                       said_by=said_by, channel=channel, note=normalize_text(note)[:500], at=now, late=late)
    step.save()
    figures_record_step(request, step)
    after = snapshot(request, _FIELDS)
    if note:
        after["note"] = step.note
    if said_by:
        after["said_by"] = f"{said_by} ({step.get_channel_display()})"
    audit_record(by=by, action=code, obj=request, scope_path=request.path, before=before,
                 after=after, now=now)
    if tell and not _is_person(by, request):
        _tell(request, step)
    return step


def _receiver_name(request: Request) -> str:
    receiver = request.receiver
    return receiver.name if receiver is not None else ""  # type: ignore[attr-defined]


def _sms_text(request: Request, step: RequestStep) -> str:
    names = {"subject": request.subject, "to": _receiver_name(request)}
    if step.action == A.SUBMIT:
        return _("Mardom: your request “%(subject)s” was sent to %(to)s; a first answer is due by %(day)s.") % {
            **names, "day": format_jalali(timezone.localdate(request.first_answer_due))}  # type: ignore[arg-type]
    if step.action == A.RECEIVE:
        return _("Mardom: %(to)s received your request “%(subject)s”.") % names
    if step.action == A.REVIEW:
        return _("Mardom: %(to)s is reviewing your request “%(subject)s”.") % names
    if step.action == A.WAIT:
        return _("Mardom: for your request “%(subject)s”, %(to)s needs from you: %(what)s") % {
            **names, "what": step.note}
    if step.action == A.RESUME:
        return _("Mardom: your request “%(subject)s” is moving again at %(to)s.") % names
    if step.action == A.ANSWER:
        if request.outcome == Request.Outcome.REFUSED:
            return _("Mardom: %(to)s refused your request “%(subject)s”: %(reason)s. You may appeal or ask the "
                     "desk to send it elsewhere.") % {**names, "reason": refusal_words(request)}
        if request.granted_amount:
            return _("Mardom: %(to)s granted your request “%(subject)s”: %(amount)s.") % {
                **names, "amount": format_money(request.granted_amount)}
        return _("Mardom: %(to)s answered your request “%(subject)s”: %(outcome)s.") % {
            **names, "outcome": request.get_outcome_display()}
    if step.action == A.CLOSE:
        return _("Mardom: your request “%(subject)s” is closed.") % names
    if step.action == A.WITHDRAW:
        return _("Mardom: your request “%(subject)s” was withdrawn.") % names
    if step.action == A.APPEAL:
        return _("Mardom: your appeal “%(subject)s” was sent to %(to)s.") % names
    if step.action == A.REROUTE:
        return _("Mardom: your request “%(subject)s” was sent on to %(to)s.") % names
    return ""


def refusal_words(request: Request) -> str:
    if request.refusal_reason == Request.RefusalReason.OTHER or not request.refusal_reason:
        return request.refusal_text
    text = str(request.get_refusal_reason_display())
    return f"{text} ({request.refusal_text})" if request.refusal_text else text


def _tell(request: Request, step: RequestStep) -> None:
    person = request.person
    text = _sms_text(request, step)
    if person is None or not person.mobile or not text:
        return
    try:
        notify(key=f"desk:req{request.pk}:step{step.pk}", to=person.mobile, text=text, now=step.at)
    except SmsError:
        log.warning("desk SMS for request %s step %s not sent: invalid number", request.pk, step.pk)


def _first_answer(request: Request, now: datetime.datetime) -> bool:
    """Stamp the institution's first answer if this is it; True when it came after its deadline."""
    if request.first_answer_at is not None:
        return False
    request.first_answer_at = now
    late = request.first_answer_due is not None and now > request.first_answer_due
    request.first_answer_late = request.first_answer_late or late
    return late


def _late_now(request: Request, now: datetime.datetime) -> bool:
    return request.due_at is not None and now > request.due_at


# --- making a request --------------------------------------------------------------------------------------

def county_of(unit: OrgUnit, person: Any) -> OrgUnit | None:
    county = unit if unit.kind == OrgUnit.Kind.COUNTY else unit.ancestor_of_kind(OrgUnit.Kind.COUNTY)
    if county is None and person is not None:
        home = person.unit
        county = home if home.kind == OrgUnit.Kind.COUNTY else home.ancestor_of_kind(OrgUnit.Kind.COUNTY)
    return county


def _province_path(unit: OrgUnit) -> str:
    return "/".join((unit.path or "").split("/")[:3]) + "/"


def _check_receiver(*, kind: str, institution: Institution | None, to_unit: OrgUnit | None,
                    county: OrgUnit | None, field: str = "institution") -> None:
    if (institution is None) == (to_unit is None):
        raise DomainError(_("Choose the institution the request goes to."), field=field)
    if to_unit is not None:
        if kind != RequestKind.REFERRAL:
            raise DomainError(_("Only a referral may go to a unit that is not an institution."), field=field)
        if to_unit.kind in (OrgUnit.Kind.NATION, OrgUnit.Kind.PROVINCE, OrgUnit.Kind.COUNTY,
                            OrgUnit.Kind.INSTITUTION):
            raise DomainError(_("Choose a base, group, fund or institution to refer to."), field=field)
    receiver = institution or to_unit
    assert receiver is not None
    if not receiver.is_active:
        raise DomainError(_("This institution no longer takes requests."), field=field)
    if county is not None and not (receiver.path or "").startswith(_province_path(county)):
        raise DomainError(_("Choose an institution of the person's province."), field=field)


def _check_amount(kind: str, amount: int | None) -> int | None:
    if amount is not None and amount <= 0:
        raise DomainError(_("The amount must be more than zero."), field="amount_asked")
    if kind in AMOUNT_REQUIRED and amount is None:
        raise DomainError(_("Write the amount asked, in rials."), field="amount_asked")
    if kind not in AMOUNT_KINDS and amount is not None:
        raise DomainError(_("No amount is asked in this kind of request."), field="amount_asked")
    return amount


@transaction.atomic
def request_create(*, by: Any, person: Any, kind: str, subject: str, details: str = "",
                   amount_asked: int | None = None, institution: Institution | None = None,
                   to_unit: OrgUnit | None = None, unit: OrgUnit | None = None,
                   now: datetime.datetime | None = None) -> Request:
    """A draft request for `person`, made by `unit` (a unit on which `by` holds desk.request; for the person
    herself, her own unit). A referral may be about no person in particular (then `unit` is required)."""
    now = now or timezone.now()
    if kind not in RequestKind.values:
        raise DomainError(_("Choose the kind of request."), field="kind")
    self_made = person is not None and getattr(by, "person_id", None) == person.pk and unit is None
    if self_made:
        unit = person.unit
    else:
        if unit is None:
            raise DomainError(_("Choose the unit that makes the request."), field="unit")
        require(by, Perm.DESK_REQUEST, unit)
        if person is None and kind != RequestKind.REFERRAL:
            raise DomainError(_("Find the person the request is for."), field="national_id")
        if person is not None and person_find_in_scope(user=by, national_id=person.national_id,
                                                       perm=Perm.DESK_REQUEST, unit=unit) is None:
            raise DomainError(_("This person is not within your area."), field="national_id")
    assert unit is not None
    subject = normalize_text(subject)[:200]
    if not subject:
        raise DomainError(_("Write what is asked, in a few words."), field="subject")
    county = county_of(unit, person)
    _check_receiver(kind=kind, institution=institution, to_unit=to_unit, county=county)
    amount_asked = _check_amount(kind, amount_asked)
    path = unit.path or ""
    if county is not None and not path.startswith(county.path or "\0"):
        path = county.path or ""
    request = Request.objects.create(
        person=person, kind=kind, subject=subject, details=normalize_text(details), amount_asked=amount_asked,
        institution=institution, to_unit=to_unit, unit=unit, county=county, path=path, created_by=by,
        created_at=now,
    )
    _record(by, "request.create", request, now=now, tell=False)
    return request


@transaction.atomic
def request_submit(*, by: Any, request: Request, now: datetime.datetime | None = None) -> Request:
    """Send the draft to the institution: its deadlines are set from the service level, in working time."""
    request = _locked(request)
    _maker_side(by, request)
    now = now or timezone.now()
    before = snapshot(request, _FIELDS)
    from_status = _move(request, S.SUBMITTED)
    _start_clock(request, now)
    request.save()
    _record(by, "request.submit", request, from_status=from_status, now=now, before=before)
    return request


def _start_clock(request: Request, now: datetime.datetime) -> None:
    first_days, decision_days = service_level_for(receiver_type=receiver_type_of(request), kind=request.kind)
    cal = calendar_of(request)
    request.submitted_at = now
    request.first_answer_due = cal.add_working_days(now, first_days)
    request.decision_due = cal.add_working_days(now, decision_days)
    _run_clock(cal, request)


# --- the receiver's steps ----------------------------------------------------------------------------------

@transaction.atomic
def request_receive(*, by: Any, request: Request, said_by: str = "", channel: str = "", note: str = "",
                    now: datetime.datetime | None = None) -> Request:
    request = _locked(request)
    said_by, channel = _receiver_side(by, request, said_by=said_by, channel=channel)
    now = now or timezone.now()
    before = snapshot(request, _FIELDS)
    late = _late_now(request, now)
    from_status = _move(request, S.RECEIVED)
    request.received_at = now
    _first_answer(request, now)
    _run_clock(calendar_of(request), request)
    request.save()
    _record(by, "request.receive", request, from_status=from_status, now=now, note=note, said_by=said_by,
            channel=channel, late=late, before=before)
    return request


@transaction.atomic
def request_review(*, by: Any, request: Request, said_by: str = "", channel: str = "", note: str = "",
                   now: datetime.datetime | None = None) -> Request:
    request = _locked(request)
    said_by, channel = _receiver_side(by, request, said_by=said_by, channel=channel)
    now = now or timezone.now()
    before = snapshot(request, _FIELDS)
    late = _late_now(request, now)
    from_status = _move(request, S.IN_REVIEW)
    request.review_at = request.review_at or now
    request.save()
    _record(by, "request.review", request, from_status=from_status, now=now, note=note, said_by=said_by,
            channel=channel, late=late, before=before)
    return request


@transaction.atomic
def request_wait_on_person(*, by: Any, request: Request, note: str, said_by: str = "", channel: str = "",
                           now: datetime.datetime | None = None) -> Request:
    """The institution needs something from the person (a missing document): the clock stops meanwhile."""
    request = _locked(request)
    said_by, channel = _receiver_side(by, request, said_by=said_by, channel=channel)
    note = normalize_text(note)
    if not note:
        raise DomainError(_("Write what is needed from the person."), field="note")
    now = now or timezone.now()
    before = snapshot(request, _FIELDS)
    late = _late_now(request, now)
    from_status = _move(request, S.WAITING)
    request.resume_status = from_status
    request.paused_at = now
    request.save()
    _record(by, "request.wait", request, from_status=from_status, now=now, note=note, said_by=said_by,
            channel=channel, late=late, before=before)
    return request


@transaction.atomic
def request_resume(*, by: Any, request: Request, note: str = "", now: datetime.datetime | None = None) -> Request:
    """The person has answered: the clock runs again, every deadline not yet met moved by the working time
    spent waiting."""
    request = _locked(request)
    if not is_maker_side(by, request):
        _require_receiver(by, request)  # the institution may resume too, when what it asked for came to it
    now = now or timezone.now()
    before = snapshot(request, _FIELDS)
    if request.status != S.WAITING:
        raise DomainError(_("Only a request waiting on the person can go on."), field="status")
    from_status = _move(request, request.resume_status or S.IN_REVIEW, resume=True)
    cal = calendar_of(request)
    waited = cal.working_minutes(request.paused_at, now) if request.paused_at else 0
    if waited:
        if request.first_answer_at is None and request.first_answer_due:
            request.first_answer_due = cal.add_working_minutes(request.first_answer_due, waited)
        if request.decision_due:
            request.decision_due = cal.add_working_minutes(request.decision_due, waited)
    request.paused_minutes += waited
    request.paused_at = None
    request.resume_status = ""
    _run_clock(cal, request)
    request.save()
    _record(by, "request.resume", request, from_status=from_status, now=now, note=note, before=before)
    return request


@transaction.atomic
def request_answer(*, by: Any, request: Request, outcome: str, granted_amount: int | None = None,
                   refusal_reason: str = "", refusal_text: str = "", answer_text: str = "", said_by: str = "",
                   channel: str = "", now: datetime.datetime | None = None) -> Request:
    """The institution's decision. The desk records it for an institution with no officer in Mardom, saying
    who gave it and how (on paper, by phone)."""
    request = _locked(request)
    said_by, channel = _receiver_side(by, request, said_by=said_by, channel=channel)
    now = now or timezone.now()
    before = snapshot(request, _FIELDS)
    asked = request.amount_asked
    refusal_text, answer_text = normalize_text(refusal_text)[:300], normalize_text(answer_text)[:500]
    if outcome not in Request.Outcome.values:
        raise DomainError(_("Choose the answer: granted, partly granted or refused."), field="outcome")
    if granted_amount is not None and granted_amount <= 0:
        raise DomainError(_("The amount granted must be more than zero."), field="granted_amount")
    if outcome == Request.Outcome.REFUSED:
        if refusal_reason not in Request.RefusalReason.values:
            raise DomainError(_("Choose the reason for the refusal."), field="refusal_reason")
        if refusal_reason == Request.RefusalReason.OTHER and not refusal_text:
            raise DomainError(_("Write the reason for the refusal."), field="refusal_text")
        if granted_amount is not None:
            raise DomainError(_("A refused request grants no amount."), field="granted_amount")
    else:
        refusal_reason, refusal_text = "", ""
        if granted_amount is not None and asked is None:
            raise DomainError(_("No amount was asked in this request."), field="granted_amount")
        if outcome == Request.Outcome.GRANTED:
            if granted_amount is not None and asked is not None and granted_amount != asked:
                raise DomainError(_("Granted in full means the amount asked; otherwise choose “partly granted”."),
                                  field="granted_amount")
            granted_amount = asked
        elif asked is not None:
            if granted_amount is None or granted_amount >= asked:
                raise DomainError(_("Write the amount granted, less than the %(asked)s asked.")
                                  % {"asked": format_money(asked)}, field="granted_amount")
        elif not answer_text:
            raise DomainError(_("Write which part was granted."), field="answer_text")
    from_status, late = _decide(request, outcome=outcome, granted_amount=granted_amount,
                                refusal_reason=refusal_reason, refusal_text=refusal_text, answer_text=answer_text,
                                now=now)
    _record(by, "request.answer", request, from_status=from_status, now=now, note=answer_text, said_by=said_by,
            channel=channel, late=late, before=before)
    return request


def _decide(request: Request, *, outcome: str, granted_amount: int | None, refusal_reason: str = "",
            refusal_text: str = "", answer_text: str = "", now: datetime.datetime) -> tuple[str, bool]:
    """Write the decision on the (locked) request and stop its clock: the status it came from, and whether
    the answer came late (first answer or decision)."""
    from_status = _move(request, S.ANSWERED)
    first_late = _first_answer(request, now)
    late = request.decision_due is not None and now > request.decision_due
    request.decision_late = request.decision_late or late
    request.outcome, request.granted_amount = outcome, granted_amount
    request.refusal_reason, request.refusal_text, request.answer_text = refusal_reason, refusal_text, answer_text
    request.answered_at = now
    _run_clock(calendar_of(request), request)
    request.save()
    return from_status, late or first_late


# --- a training request answered by the course -------------------------------------------------------------

ANSWERABLE_BY_COURSE = (S.SUBMITTED, S.RECEIVED, S.IN_REVIEW)


def request_check_for_course(*, request: Request, person: Any) -> None:
    """Whether `request` may be the one a course enrolment answers: a training request of this person, sent and
    not yet decided. A DomainError (on the field "request") says why not. Read afresh: the caller's copy may be
    older than a step taken since (a withdrawal)."""
    request = Request.objects.get(pk=request.pk)
    if request.kind != RequestKind.TRAINING or request.person_id != getattr(person, "pk", None):
        raise DomainError(_("Only a training request of this person can be answered by her course."),
                          field="request")
    if request.status not in ANSWERABLE_BY_COURSE:
        raise DomainError(_("This request is “%(status)s”: a course can answer only a request sent and not yet "
                            "decided.") % {"status": request.get_status_display()}, field="request")


@transaction.atomic
def request_answer_by_course(*, request: Request, course_title: str, certificate_code: str,
                             now: datetime.datetime | None = None) -> Request | None:
    """A training request whose person has completed the course she was enrolled in for it is granted, by the
    course's record itself (the system, not a person: the trainer who took the last attendance did not decide
    on the request, and the trainee scanning a code certainly did not). Called by training's completion in its
    own transaction. A request no longer open to an answer (withdrawn, waiting on the person, already answered)
    is left as it is, and None is returned: the course is completed either way."""
    request = _locked(request)
    if request.kind != RequestKind.TRAINING or request.status not in ANSWERABLE_BY_COURSE:
        return None
    now = now or timezone.now()
    before = snapshot(request, _FIELDS)
    text = (_("Completed the course “%(course)s”; certificate %(code)s.")
            % {"course": course_title, "code": certificate_code})[:500]
    from_status, late = _decide(request, outcome=Request.Outcome.GRANTED, granted_amount=request.amount_asked,
                                answer_text=text, now=now)
    _record(None, "request.answer", request, from_status=from_status, now=now, note=text, late=late,
            before=before)
    return request


# --- the maker's steps after the answer ----------------------------------------------------------------------

@transaction.atomic
def request_close(*, by: Any, request: Request, note: str = "", now: datetime.datetime | None = None) -> Request:
    request = _locked(request)
    _maker_side(by, request)
    now = now or timezone.now()
    before = snapshot(request, _FIELDS)
    from_status = _move(request, S.CLOSED)
    request.closed_at = now
    request.save()
    _record(by, "request.close", request, from_status=from_status, now=now, note=note, before=before)
    return request


@transaction.atomic
def request_withdraw(*, by: Any, request: Request, note: str = "", now: datetime.datetime | None = None) -> Request:
    request = _locked(request)
    _maker_side(by, request)
    now = now or timezone.now()
    before = snapshot(request, _FIELDS)
    from_status = _move(request, S.WITHDRAWN)
    request.withdrawn_at = now
    request.paused_at = None
    _run_clock(calendar_of(request), request)
    request.save()
    _record(by, "request.withdraw", request, from_status=from_status, now=now, note=note, before=before)
    return request


def _check_follow_up(request: Request) -> None:
    if request.outcome != Request.Outcome.REFUSED or request.status not in (S.ANSWERED, S.CLOSED):
        raise DomainError(_("Only a refused request can be appealed or sent elsewhere."), field="status")
    if request.appeals.exists() or request.reroutes.exists():
        raise DomainError(_("This refusal was already appealed or sent elsewhere."), field="status")


def _follow_up(by: Any, old: Request, *, institution: Institution | None, to_unit: OrgUnit | None,
               link: str, subject: str, details: str, now: datetime.datetime) -> Request:
    new = Request.objects.create(
        person=old.person, kind=old.kind, subject=subject, details=details, amount_asked=old.amount_asked,
        institution=institution, to_unit=to_unit, unit=old.unit, county=old.county, path=old.path, created_by=by,
        created_at=now, **{link: old},
    )
    _record(by, "request.create", new, now=now, tell=False)
    new.status = S.SUBMITTED
    _start_clock(new, now)
    new.save()
    return new


@transaction.atomic
def request_appeal(*, by: Any, request: Request, details: str, now: datetime.datetime | None = None) -> Request:
    """Appeal a refusal: a new request to the same institution, marked as an appeal of this one, submitted at
    once (its own deadlines); the refused one is closed."""
    old = _locked(request)
    _maker_side(by, old)
    _check_follow_up(old)
    details = normalize_text(details)
    if not details:
        raise DomainError(_("Write why the refusal should be reconsidered."), field="details")
    now = now or timezone.now()
    subject = (_("Appeal: %(subject)s") % {"subject": old.subject})[:200]
    new = _follow_up(by, old, institution=old.institution, to_unit=old.to_unit, link="appeal_of", subject=subject,
                     details=details, now=now)
    _record(by, "request.appeal", new, from_status=S.DRAFT, now=now, note=details)
    if old.status == S.ANSWERED:
        before = snapshot(old, _FIELDS)
        from_status = _move(old, S.CLOSED)
        old.closed_at = now
        old.save()
        _record(by, "request.close", old, from_status=from_status, now=now, note=_("Appealed"), before=before,
                tell=False)
    return new


@transaction.atomic
def request_reroute(*, by: Any, request: Request, institution: Institution, note: str = "",
                    now: datetime.datetime | None = None) -> Request:
    """Send a refused request on to another institution: a new request, submitted at once; the old one closes."""
    old = _locked(request)
    _maker_side(by, old)
    _check_follow_up(old)
    if institution.pk == old.institution_id:
        raise DomainError(_("Choose another institution; to ask the same one again, appeal."), field="institution")
    _check_receiver(kind=old.kind, institution=institution, to_unit=None, county=old.county)
    now = now or timezone.now()
    new = _follow_up(by, old, institution=institution, to_unit=None, link="rerouted_from", subject=old.subject,
                     details=old.details, now=now)
    _record(by, "request.reroute", new, from_status=S.DRAFT, now=now, note=note)
    if old.status == S.ANSWERED:
        before = snapshot(old, _FIELDS)
        from_status = _move(old, S.CLOSED)
        old.closed_at = now
        old.save()
        _record(by, "request.close", old, from_status=from_status, now=now,
                note=_("Sent on to %(to)s") % {"to": institution.name}, before=before, tell=False)
    return new


# --- documents ---------------------------------------------------------------------------------------------

def sniff_document(head: bytes, tail: bytes) -> str | None:
    """The content type of a PDF, JPEG or PNG file judged by its bytes (not its name), or None."""
    if head.startswith(b"%PDF-") and b"%%EOF" in tail:
        return RequestDocument.ContentType.PDF
    if head.startswith(b"\xff\xd8\xff"):
        return RequestDocument.ContentType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return RequestDocument.ContentType.PNG
    return None


def _image_is_whole(data: bytes) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
    return True


def check_document(*, name: str, data: bytes) -> tuple[str, str]:
    """(content type, extension) of an acceptable upload, or a DomainError beside the file field."""
    if not data:
        raise DomainError(_("The file is empty."), field="file")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DomainError(_("The file is larger than 5 MB."), field="file")
    kind = sniff_document(data[:32], data[-1024:])
    if kind is None or (kind != RequestDocument.ContentType.PDF and not _image_is_whole(data)):
        raise DomainError(_("Send a PDF, JPEG or PNG file."), field="file")
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if extension not in EXTENSIONS[kind]:
        raise DomainError(_("The file's name does not match what it contains (%(kind)s): rename it or send "
                            "another.") % {"kind": RequestDocument.ContentType(kind).label}, field="file")
    return kind, EXTENSIONS[kind][0]


@transaction.atomic
def request_document_add(*, by: Any, request: Request, name: str, data: bytes, title: str = "",
                         now: datetime.datetime | None = None) -> RequestDocument:
    """Attach a document (PDF, JPEG or PNG, at most 5 MB) to an unfinished request."""
    request = _locked(request)
    if not is_maker_side(by, request):
        _require_receiver(by, request)
    if request.status in FINAL_STATUSES:
        raise DomainError(_("A closed or withdrawn request takes no more documents."), field="file")
    if request.documents.count() >= MAX_DOCUMENTS:
        raise DomainError(_("A request may hold at most %(n)s documents.") % {"n": MAX_DOCUMENTS}, field="file")
    kind, extension = check_document(name=name, data=data)
    now = now or timezone.now()
    original = normalize_text(name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:150] or extension
    title = normalize_text(title)[:150] or original
    document = RequestDocument(request=request, title=title, original_name=original, content_type=kind,
                               size=len(data), uploaded_by=by, uploaded_at=now)
    document.file.save(f"{secrets.token_hex(16)}{extension}", ContentFile(data), save=False)
    document.save()
    _record(by, "request.document", request, now=now, note=title, tell=False)
    return document


# --- service levels ----------------------------------------------------------------------------------------

@transaction.atomic
def service_level_set(*, by: Any, receiver_type: str, kind: str, first_answer_days: int,
                      decision_days: int) -> ServiceLevel:
    """Set how many working days an institution of a type has for a kind of request (the national officer)."""
    require(by, Perm.ORGS_MANAGE, OrgUnit.objects.filter(kind=OrgUnit.Kind.NATION).first())
    if receiver_type not in ReceiverType.values or kind not in RequestKind.values:
        raise DomainError(_("Choose the institution type and the kind of request."), field="kind")
    if first_answer_days <= 0:
        raise DomainError(_("The first answer needs at least one working day."), field="first_answer_days")
    if decision_days < first_answer_days:
        raise DomainError(_("The decision cannot be due before the first answer."), field="decision_days")
    if decision_days > MAX_LEVEL_DAYS:
        raise DomainError(_("At most %(n)s working days.") % {"n": MAX_LEVEL_DAYS}, field="decision_days")
    level = ServiceLevel.objects.select_for_update().filter(receiver_type=receiver_type, kind=kind).first()
    before = snapshot(level, ("first_answer_days", "decision_days")) if level else None
    if level is None:
        level = ServiceLevel(receiver_type=receiver_type, kind=kind)
    level.first_answer_days, level.decision_days, level.updated_by = first_answer_days, decision_days, by
    level.save()
    after = snapshot(level, ("first_answer_days", "decision_days"))
    if after != before:
        audit_record(by=by, action="service_level.set", obj=level, before=before, after=after)
    return level


__all__ = [
    "AMOUNT_KINDS", "AMOUNT_REQUIRED", "DEFAULT_LEVEL", "EXTENSIONS", "FINAL_STATUSES", "MAX_DOCUMENT_BYTES",
    "OPEN_STATUSES", "TRANSITIONS", "calendar_of", "check_document", "county_of", "has_own_officer",
    "is_maker_side", "receiver_mode", "refusal_words", "request_answer", "request_appeal", "request_close",
    "request_create", "request_document_add", "request_receive", "request_reroute", "request_resume",
    "request_review", "request_submit", "request_wait_on_person", "request_withdraw", "service_level_for",
    "service_level_set", "sniff_document",
]
