"""Enrolment: a seat or the waiting list, withdrawal (which moves the first waiting person up), eligibility,
and completion (the rule is in training.rules)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.jalali import format_jalali_datetime
from mardom.core.notify import notify
from mardom.funds.models import Membership
from mardom.orgs.models import OrgUnit
from mardom.people.models import Person
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, require
from mardom.production.models import ColonyMember, Producer, ProducerProduct

from .. import rules
from ..models import Attendance, Course, Enrolment

ENROLMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    Enrolment.Status.WAITING: frozenset({Enrolment.Status.ENROLLED, Enrolment.Status.WITHDRAWN}),
    Enrolment.Status.ENROLLED: frozenset({Enrolment.Status.COMPLETED, Enrolment.Status.WITHDRAWN}),
    Enrolment.Status.COMPLETED: frozenset(),
    Enrolment.Status.WITHDRAWN: frozenset(),
}
LIVE = (Enrolment.Status.WAITING, Enrolment.Status.ENROLLED, Enrolment.Status.COMPLETED)
SEATED = (Enrolment.Status.ENROLLED, Enrolment.Status.COMPLETED)


def _move(enrolment: Enrolment, to: str) -> None:
    if to not in ENROLMENT_TRANSITIONS[enrolment.status]:
        raise DomainError(_("An enrolment that is “%(now)s” cannot become “%(to)s”.")
                          % {"now": Enrolment.Status(enrolment.status).label, "to": Enrolment.Status(to).label})
    enrolment.status = to


def person_counties(person: Person) -> set[int]:
    """The counties a person belongs to: where she lives, and where she is filed."""
    place = person.home_place
    ids = set(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY, place_id=place.county_id or place.pk)
              .values_list("pk", flat=True))
    filed = person.unit if person.unit.kind == OrgUnit.Kind.COUNTY else person.unit.ancestor_of_kind(
        OrgUnit.Kind.COUNTY)
    if filed is not None:
        ids.add(filed.pk)
    return ids


def eligibility_problem(*, course: Course, person: Person) -> str | None:
    """Why `person` may not enrol in `course` (translated), or None when she may."""
    rule = course.eligibility
    if rule == Course.Eligibility.COUNTY:
        if course.county_id not in person_counties(person):
            return _("This course is for people living in %(county)s.") % {"county": course.county.name}
    elif rule == Course.Eligibility.COLONY:
        if not ColonyMember.objects.filter(colony_id=course.eligible_unit_id, producer__person=person).exists():
            return _("This course is for the members of the colony “%(colony)s”.") % {
                "colony": course.eligible_unit.name if course.eligible_unit else ""}
    elif rule == Course.Eligibility.PRODUCT:
        if not ProducerProduct.objects.filter(
                producer__person=person, producer__status=Producer.Status.APPROVED,
                producer__unit_id=course.county_id, product_id=course.eligible_product_id).exists():
            return _("This course is for approved producers of %(product)s in %(county)s.") % {
                "product": course.eligible_product.name if course.eligible_product else "",
                "county": course.county.name}
    elif rule == Course.Eligibility.FUND and not Membership.objects.filter(
            fund_id=course.eligible_unit_id, person=person, status=Membership.Status.ACTIVE).exists():
        return _("This course is for the members of the fund “%(fund)s”.") % {
            "fund": course.eligible_unit.name if course.eligible_unit else ""}
    return None


def may_act_for(by: Any, *, course: Course, person: Person) -> bool:
    """The person herself, or whoever publishes the course's courses."""
    return (getattr(by, "person_id", None) == person.pk and getattr(by, "is_active", False)) or has_perm_on(
        by, Perm.TRAINING_MANAGE, course.unit)


def _lock_course(course: Course) -> Course:
    return Course.objects.select_for_update(of=("self",)).select_related(
        "unit", "county", "eligible_unit", "eligible_product").get(pk=course.pk)


def _has_session_ahead(course: Course, now: datetime.datetime) -> bool:
    return course.sessions.filter(starts_at__gte=now).exists()


@transaction.atomic
def enrolment_create(*, by: Any, course: Course, person: Person, now: datetime.datetime | None = None,
                     desk_request: Any = None) -> Enrolment:
    """Enrol `person`: a seat while there is one, else the waiting list when the course keeps one; a course
    that is full and keeps no waiting list refuses. The person enrols herself, or the course's publisher
    enrols her (from the desk's training request, or at the centre's counter). With `desk_request` (her
    training request at the desk) the request is answered when she completes the course."""
    now = now or timezone.now()
    if desk_request is not None:
        from mardom.desk.services.requests import request_check_for_course

        request_check_for_course(request=desk_request, person=person)
    course = _lock_course(course)
    if not may_act_for(by, course=course, person=person):
        require(by, Perm.TRAINING_MANAGE, course.unit)
    if course.status != Course.Status.PUBLISHED:
        raise DomainError(_("This course is not open for enrolment."))
    if not _has_session_ahead(course, now):
        raise DomainError(_("Every session of this course has started: it takes no more enrolments."))
    current = course.enrolments.filter(person=person, status__in=LIVE).first()
    if current is not None:
        raise DomainError({
            Enrolment.Status.WAITING: _("%(name)s is already on this course's waiting list."),
            Enrolment.Status.ENROLLED: _("%(name)s is already enrolled in this course."),
            Enrolment.Status.COMPLETED: _("%(name)s has already completed this course."),
        }[current.status] % {"name": person.full_name}, field="person")
    problem = eligibility_problem(course=course, person=person)
    if problem:
        raise DomainError(problem, field="person")
    if course.seats_taken < course.capacity:
        status, seat_at = Enrolment.Status.ENROLLED, now
    elif course.waitlist_open:
        status, seat_at = Enrolment.Status.WAITING, None
    else:
        raise DomainError(_("The course is full and keeps no waiting list: no more people can enrol."),
                          field="person")
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(course=course, person=person, status=status, requested_at=now,
                                                 seat_at=seat_at, created_by=by, desk_request=desk_request)
    except IntegrityError as error:  # a twin request won the unique index
        raise DomainError(_("%(name)s is already enrolled in this course.") % {"name": person.full_name},
                          field="person") from error
    if status == Enrolment.Status.ENROLLED:
        course.seats_taken += 1
        course.save(update_fields=["seats_taken"])
    audit_record(by=by, action="enrolment.create" if seat_at else "enrolment.wait", obj=enrolment,
                 scope_path=course.unit.path or "", after={"person": person.pk, "status": status}, now=now)
    _tell(enrolment, course, now)
    return enrolment


def _tell(enrolment: Enrolment, course: Course, now: datetime.datetime) -> None:
    first = course.sessions.filter(starts_at__gte=enrolment.seat_at or now).order_by("starts_at").first()
    if enrolment.status == Enrolment.Status.ENROLLED:
        text = _("Mardom: you are enrolled in the course “%(course)s”. First session: %(when)s, %(venue)s.") % {
            "course": course.title, "when": format_jalali_datetime(first.starts_at) if first else "—",
            "venue": course.venue}
        key = f"training:seat:{enrolment.pk}"
    else:
        text = _("Mardom: the course “%(course)s” is full; you are on its waiting list. We will tell you when a "
                 "seat is free.") % {"course": course.title}
        key = f"training:wait:{enrolment.pk}"
    notify(key=key, to=enrolment.person.mobile, text=text, now=now)


@transaction.atomic
def enrolment_withdraw(*, by: Any, enrolment: Enrolment, now: datetime.datetime | None = None) -> Enrolment:
    """The person leaves the course or its waiting list; a freed seat goes to the first person waiting."""
    now = now or timezone.now()
    course = _lock_course(enrolment.course)
    enrolment = Enrolment.objects.select_for_update(of=("self",)).select_related("person").get(pk=enrolment.pk)
    if not may_act_for(by, course=course, person=enrolment.person):
        require(by, Perm.TRAINING_MANAGE, course.unit)
    had_seat = enrolment.status == Enrolment.Status.ENROLLED
    before = enrolment.status
    _move(enrolment, Enrolment.Status.WITHDRAWN)
    enrolment.withdrawn_at = now
    enrolment.save(update_fields=["status", "withdrawn_at"])
    audit_record(by=by, action="enrolment.withdraw", obj=enrolment, scope_path=course.unit.path or "",
                 before={"status": before}, after={"status": enrolment.status}, now=now)
    if had_seat:
        course.seats_taken -= 1
        course.save(update_fields=["seats_taken"])
        promote(by=by, course=course, now=now)
    return enrolment


def promote(*, by: Any, course: Course, now: datetime.datetime) -> list[Enrolment]:
    """Fill free seats from the waiting list, first come first served, while a session is still ahead.
    Runs inside the caller's transaction, with the course's row locked."""
    moved: list[Enrolment] = []
    if course.status != Course.Status.PUBLISHED or not _has_session_ahead(course, now):
        return moved
    while course.seats_taken < course.capacity:
        waiting = (course.enrolments.select_for_update(of=("self",)).select_related("person")
                   .filter(status=Enrolment.Status.WAITING).order_by("requested_at", "pk").first())
        if waiting is None:
            break
        _move(waiting, Enrolment.Status.ENROLLED)
        waiting.seat_at = now
        waiting.save(update_fields=["status", "seat_at"])
        course.seats_taken += 1
        course.save(update_fields=["seats_taken"])
        audit_record(by=by, action="enrolment.promote", obj=waiting, scope_path=course.unit.path or "",
                     before={"status": Enrolment.Status.WAITING}, after={"status": waiting.status}, now=now)
        _tell(waiting, course, now)
        moved.append(waiting)
    return moved


def progress_of(enrolment: Enrolment, *, now: datetime.datetime,
                slots: list[rules.Slot] | None = None, present: set[int] | None = None) -> rules.Progress:
    """Where an enrolee stands (rules.progress); `slots` and `present` let a list page pass what it read."""
    if slots is None:
        slots = [rules.Slot(s.pk, s.starts_at, s.ends_at) for s in enrolment.course.sessions.all()]
    if present is None:
        present = set(Attendance.objects.filter(enrolment=enrolment, present=True)
                      .values_list("session_id", flat=True))
    return rules.progress(sessions=slots, n=enrolment.course.min_sessions, seat_at=enrolment.seat_at,
                          present=present, now=now)


def evaluate(*, by: Any, enrolment: Enrolment, now: datetime.datetime) -> bool:
    """Complete the enrolment if the rule is met (inside the caller's transaction). True when it was."""
    if enrolment.status != Enrolment.Status.ENROLLED:
        return False
    if not progress_of(enrolment, now=now).done:
        return False
    _move(enrolment, Enrolment.Status.COMPLETED)
    enrolment.completed_at = now
    enrolment.save(update_fields=["status", "completed_at"])
    audit_record(by=by, action="enrolment.complete", obj=enrolment, scope_path=enrolment.course.unit.path or "",
                 before={"status": Enrolment.Status.ENROLLED}, after={"status": enrolment.status}, now=now)
    enrolment_completed(by=by, enrolment=enrolment, now=now)
    return True


def enrolment_completed(*, by: Any, enrolment: Enrolment, now: datetime.datetime) -> None:
    """Everything that follows a completed course, in the completing transaction: the certificate is issued
    and the person told by SMS with its public address.

    A person enrolled for a training request of the desk has that request answered here (granted, by the
    course's record), in the same transaction."""
    from .certificates import certificate_issue, public_url

    certificate = certificate_issue(by=by, enrolment=enrolment, now=now)
    notify(key=f"training:certificate:{certificate.pk}", to=enrolment.person.mobile, now=now,
           text=_("Mardom: you have completed the course “%(course)s”. Your certificate: %(url)s")
           % {"course": enrolment.course.title, "url": public_url(certificate.code)})
    if enrolment.desk_request_id:
        from mardom.desk.services.requests import request_answer_by_course

        request_answer_by_course(request=enrolment.desk_request, course_title=enrolment.course.title,
                                 certificate_code=certificate.code, now=now)
