"""Attendance: the trainer's checklist for a session, and a trainee's scan of the session's rotating QR code."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, require

from .. import tokens
from ..models import Attendance, Course, Enrolment, Session
from .enrolments import SEATED, _lock_course, evaluate

# Attendance is taken from a little before a session starts; a scan is accepted until a little after it ends.
EARLY = datetime.timedelta(minutes=15)
LATE = datetime.timedelta(minutes=15)


def _open_session(session: Session, now: datetime.datetime) -> Course:
    course = _lock_course(session.course)
    if course.status != Course.Status.PUBLISHED:
        raise DomainError(_("This course is not running: attendance cannot be taken."))
    if now < session.starts_at - EARLY:
        raise DomainError(_("This session has not started yet: attendance is taken from its start."))
    return course


def _record(*, enrolment: Enrolment, session: Session, present: bool, method: str, by: Any,
            now: datetime.datetime) -> bool:
    """Write one mark; True when something changed."""
    row = Attendance.objects.filter(session=session, enrolment=enrolment).first()
    if row is None:
        Attendance.objects.create(session=session, enrolment=enrolment, present=present, method=method,
                                  marked_by=by, marked_at=now)
        return True
    if row.present == present:
        return False
    row.present, row.method, row.marked_by, row.marked_at = present, method, by, now
    row.save(update_fields=["present", "method", "marked_by", "marked_at"])
    return True


@transaction.atomic
def attendance_mark(*, by: Any, session: Session, present: Iterable[int],
                    now: datetime.datetime | None = None) -> dict[str, int]:
    """The trainer's checklist: the enrolments in `present` attended the session, every other seated enrolee
    did not. An id that is not a seat of this session's course (another course's enrolment, someone waiting)
    refuses the whole list. Nobody marks their own attendance; a completed enrolee's presence is never taken
    back (her certificate is issued). Completion follows at once for whoever now meets the rule."""
    now = now or timezone.now()
    session = Session.objects.select_related("course").get(pk=session.pk)
    require(by, Perm.TRAINING_TEACH, session.course.unit)
    course = _open_session(session, now)
    session.course = course
    # Those holding a seat at `now` (a seat taken later is not on the list a trainer had then).
    roster = {e.pk: e for e in course.enrolments.filter(status__in=SEATED, seat_at__lte=now).select_related("person")}
    wanted = set(present)
    strangers = wanted - set(roster)
    if strangers:
        raise DomainError(_("Attendance can be marked only for the people enrolled in this session's course."),
                          field="present")
    own = [pk for pk, e in roster.items() if e.person_id is not None and e.person_id == getattr(by, "person_id", 0)]
    if set(own) & wanted:
        raise DomainError(_("Nobody can mark their own attendance; another trainer must."), field="present")
    changed = {"present": 0, "absent": 0}
    for pk, enrolment in roster.items():
        if pk in own:
            continue
        is_present = pk in wanted
        if not is_present and enrolment.status == Enrolment.Status.COMPLETED:
            continue  # completed: her presence stands
        enrolment.course = course
        if _record(enrolment=enrolment, session=session, present=is_present, method=Attendance.Method.TRAINER,
                   by=by, now=now):
            changed["present" if is_present else "absent"] += 1
        if is_present:
            evaluate(by=by, enrolment=enrolment, now=now)
    audit_record(by=by, action="attendance.mark", obj=session, scope_path=course.unit.path or "",
                 after={"present": sorted(wanted), "count": len(roster)}, now=now)
    return changed


@transaction.atomic
def attendance_scan(*, by: Any, session: Session, window: int, token: str,
                    now: datetime.datetime | None = None) -> Enrolment:
    """A trainee opened the QR code shown in the room: she is marked present if the code is this session's,
    of the current or the previous window, and she holds a seat in its course."""
    now = now or timezone.now()
    if not tokens.is_valid(session_id=session.pk, window=window, value=token, now=now):
        raise DomainError(_("This code has expired or is not a real session code. Scan the code on the "
                            "trainer's screen again."))
    session = Session.objects.select_related("course").get(pk=session.pk)
    course = _open_session(session, now)
    if now > session.ends_at + LATE:
        raise DomainError(_("This session is over: ask the trainer to record your attendance."))
    person_id = getattr(by, "person_id", None)
    enrolment = (course.enrolments.select_for_update(of=("self",)).filter(person_id=person_id, status__in=SEATED)
                 .first()) if person_id else None
    if enrolment is None:
        waiting = person_id and course.enrolments.filter(person_id=person_id,
                                                         status=Enrolment.Status.WAITING).exists()
        if waiting:
            raise DomainError(_("You are on the waiting list of “%(course)s”, not enrolled yet.")
                              % {"course": course.title})
        raise DomainError(_("This code is for a session of “%(course)s”, which you are not enrolled in.")
                          % {"course": course.title})
    if has_perm_on(by, Perm.TRAINING_TEACH, course.unit):
        raise DomainError(_("Nobody can mark their own attendance; another trainer must."))
    enrolment.course = course
    if _record(enrolment=enrolment, session=session, present=True, method=Attendance.Method.QR, by=by, now=now):
        audit_record(by=by, action="attendance.scan", obj=session, scope_path=course.unit.path or "",
                     after={"person": person_id}, now=now)
        evaluate(by=by, enrolment=enrolment, now=now)
    return enrolment
