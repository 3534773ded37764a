"""Publishing courses: the course, its sessions, publication and cancellation (one transition table)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.money import format_number
from mardom.core.notify import notify
from mardom.core.text import normalize_text
from mardom.orgs.models import Institution, OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import require, scope_filter
from mardom.production.models import Product

from ..models import Course, Enrolment, Session

MAX_CAPACITY = 10_000
MAX_SESSIONS = 100
MAX_SESSION_HOURS = 12

COURSE_TRANSITIONS: dict[str, frozenset[str]] = {
    Course.Status.DRAFT: frozenset({Course.Status.PUBLISHED, Course.Status.CANCELLED}),
    Course.Status.PUBLISHED: frozenset({Course.Status.CANCELLED}),
    Course.Status.CANCELLED: frozenset(),
}


def publisher_q() -> Q:
    """Units that publish courses: a county, a volunteer group, a training centre."""
    return (Q(kind__in=[OrgUnit.Kind.COUNTY, OrgUnit.Kind.GROUP])
            | Q(kind=OrgUnit.Kind.INSTITUTION, institution__type=Institution.Type.TRAINING_CENTRE))


def publishing_units(*, user: Any) -> QuerySet[OrgUnit]:
    """The units the user may publish courses for (the course form's choices)."""
    units = OrgUnit.objects.filter(publisher_q(), is_active=True)
    return scope_filter(units, user, Perm.TRAINING_MANAGE).order_by("kind", "name", "pk")


def _county_of(unit: OrgUnit) -> OrgUnit:
    county = unit if unit.kind == OrgUnit.Kind.COUNTY else unit.ancestor_of_kind(OrgUnit.Kind.COUNTY)
    if county is None:
        raise DomainError(_("Courses are published by a county, a volunteer group or a training centre."),
                          field="unit")
    return county


def _move(course: Course, to: str) -> None:
    if to not in COURSE_TRANSITIONS[course.status]:
        raise DomainError(_("A course that is “%(now)s” cannot become “%(to)s”.")
                          % {"now": Course.Status(course.status).label, "to": Course.Status(to).label})
    course.status = to


def _lock(course: Course) -> Course:
    return Course.objects.select_for_update(of=("self",)).select_related("unit", "county").get(pk=course.pk)


def _clean_fields(*, county: OrgUnit, title: str, description: str, product: Product | None, value_chain: str,
                  venue: str, capacity: int, eligibility: str, eligible_unit: OrgUnit | None,
                  eligible_product: Product | None, min_sessions: int) -> dict[str, Any]:
    title, venue = normalize_text(title), normalize_text(venue)
    description = "\n".join(normalize_text(line) for line in (description or "").strip().splitlines()).strip()
    if not title:
        raise DomainError(_("Give the course a subject."), field="title")
    if not venue:
        raise DomainError(_("Say where the course is held."), field="venue")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise DomainError(_("The capacity must be between 1 and 10,000 people."), field="capacity")
    if min_sessions < 1:
        raise DomainError(_("At least one session must be attended to complete the course."),
                          field="min_sessions")
    if product is not None:
        value_chain = product.value_chain
    elif value_chain and not Product.objects.filter(value_chain=value_chain).exists():
        raise DomainError(_("Choose a value chain from the list."), field="value_chain")
    if eligibility not in Course.Eligibility.values:
        raise DomainError(_("Choose who may enrol from the list."), field="eligibility")
    unit_kind = {Course.Eligibility.COLONY: OrgUnit.Kind.COLONY, Course.Eligibility.FUND: OrgUnit.Kind.FUND}
    if eligibility in unit_kind:
        if eligible_unit is None or eligible_unit.kind != unit_kind[eligibility]:
            raise DomainError(_("Choose the colony or the fund whose members may enrol."), field="eligible_unit")
        if not eligible_unit.is_within(county):
            raise DomainError(_("The colony or fund must be in the course's county."), field="eligible_unit")
    else:
        eligible_unit = None
    if eligibility == Course.Eligibility.PRODUCT:
        if eligible_product is None:
            raise DomainError(_("Choose the product whose producers may enrol."), field="eligible_product")
    else:
        eligible_product = None
    return {"title": title, "description": description, "product": product, "value_chain": value_chain or "",
            "venue": venue, "capacity": capacity, "eligibility": eligibility, "eligible_unit": eligible_unit,
            "eligible_product": eligible_product, "min_sessions": min_sessions}


_FIELDS = ("title", "venue", "capacity", "waitlist_open", "eligibility", "min_sessions", "value_chain")


def _facts(course: Course) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(course, name) for name in _FIELDS}
    data.update({"unit": course.unit_id, "product": course.product.code if course.product else None,
                 "eligible_unit": course.eligible_unit_id,
                 "eligible_product": course.eligible_product.code if course.eligible_product else None})
    return data


@transaction.atomic
def course_create(*, by: Any, unit: OrgUnit, title: str, venue: str, capacity: int, min_sessions: int,
                  description: str = "", product: Product | None = None, value_chain: str = "",
                  waitlist_open: bool = True, eligibility: str = Course.Eligibility.COUNTY,
                  eligible_unit: OrgUnit | None = None, eligible_product: Product | None = None,
                  now: datetime.datetime | None = None) -> Course:
    """A draft course of `unit`; sessions are added next, then it is published."""
    require(by, Perm.TRAINING_MANAGE, unit)
    if not OrgUnit.objects.filter(publisher_q(), pk=unit.pk, is_active=True).exists():
        raise DomainError(_("Courses are published by a county, a volunteer group or a training centre."),
                          field="unit")
    county = _county_of(unit)
    fields = _clean_fields(county=county, title=title, description=description, product=product,
                           value_chain=value_chain, venue=venue, capacity=capacity, eligibility=eligibility,
                           eligible_unit=eligible_unit, eligible_product=eligible_product,
                           min_sessions=min_sessions)
    course = Course.objects.create(unit=unit, county=county, waitlist_open=waitlist_open, created_by=by,
                                   created_at=now or timezone.now(), **fields)
    audit_record(by=by, action="course.create", obj=course, scope_path=unit.path or "", after=_facts(course),
                 now=now)
    return course


@transaction.atomic
def course_update(*, by: Any, course: Course, title: str, venue: str, capacity: int, min_sessions: int,
                  description: str = "", product: Product | None = None, value_chain: str = "",
                  waitlist_open: bool = True, eligibility: str = Course.Eligibility.COUNTY,
                  eligible_unit: OrgUnit | None = None, eligible_product: Product | None = None) -> Course:
    """Edit a draft (a published course keeps what people enrolled in)."""
    course = _lock(course)
    require(by, Perm.TRAINING_MANAGE, course.unit)
    if course.status != Course.Status.DRAFT:
        raise DomainError(_("Only a draft course can be edited; this one is already published."))
    fields = _clean_fields(county=course.county, title=title, description=description, product=product,
                           value_chain=value_chain, venue=venue, capacity=capacity, eligibility=eligibility,
                           eligible_unit=eligible_unit, eligible_product=eligible_product,
                           min_sessions=min_sessions)
    before = _facts(course)
    for name, value in {**fields, "waitlist_open": waitlist_open}.items():
        setattr(course, name, value)
    course.save()
    after = _facts(course)
    if after != before:
        audit_record(by=by, action="course.update", obj=course, scope_path=course.unit.path or "",
                     before=before, after=after)
    return course


@transaction.atomic
def session_add(*, by: Any, course: Course, starts_at: datetime.datetime, ends_at: datetime.datetime,
                topic: str = "") -> Session:
    course = _lock(course)
    require(by, Perm.TRAINING_MANAGE, course.unit)
    if course.status != Course.Status.DRAFT:
        raise DomainError(_("Sessions are set before the course is published."))
    if ends_at <= starts_at:
        raise DomainError(_("A session ends after it starts."), field="ends_at")
    if ends_at - starts_at > datetime.timedelta(hours=MAX_SESSION_HOURS):
        raise DomainError(_("A session lasts at most 12 hours."), field="ends_at")
    if course.sessions.count() >= MAX_SESSIONS:
        raise DomainError(_("A course has at most 100 sessions."))
    if course.sessions.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        raise DomainError(_("This session overlaps another session of the course."), field="starts_at")
    session = Session.objects.create(course=course, starts_at=starts_at, ends_at=ends_at,
                                     topic=normalize_text(topic))
    audit_record(by=by, action="course.session_add", obj=course, scope_path=course.unit.path or "",
                 after={"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(), "topic": session.topic})
    return session


@transaction.atomic
def session_remove(*, by: Any, session: Session) -> None:
    course = _lock(session.course)
    require(by, Perm.TRAINING_MANAGE, course.unit)
    if course.status != Course.Status.DRAFT:
        raise DomainError(_("Sessions are set before the course is published."))
    session = Session.objects.get(pk=session.pk, course=course)
    before = {"starts_at": session.starts_at.isoformat(), "ends_at": session.ends_at.isoformat(),
              "topic": session.topic}
    session.delete()
    audit_record(by=by, action="course.session_remove", obj=course, scope_path=course.unit.path or "",
                 before=before)


@transaction.atomic
def course_publish(*, by: Any, course: Course, now: datetime.datetime | None = None) -> Course:
    """A draft with its sessions becomes open for enrolment."""
    now = now or timezone.now()
    course = _lock(course)
    require(by, Perm.TRAINING_MANAGE, course.unit)
    sessions = list(course.sessions.order_by("starts_at"))
    if course.status == Course.Status.DRAFT:
        if not sessions:
            raise DomainError(_("Add the course's sessions before publishing it."))
        if course.min_sessions > len(sessions):
            raise DomainError(_("The course asks for %(n)s sessions to be attended but has only %(m)s.")
                              % {"n": format_number(course.min_sessions), "m": format_number(len(sessions))},
                              field="min_sessions")
        if not any(s.starts_at >= now for s in sessions):
            raise DomainError(_("Every session of this course has started: nobody could enrol in it."))
    _move(course, Course.Status.PUBLISHED)
    course.published_at = now
    course.save(update_fields=["status", "published_at"])
    audit_record(by=by, action="course.publish", obj=course, scope_path=course.unit.path or "",
                 after={"status": course.status, "count": len(sessions)}, now=now)
    return course


@transaction.atomic
def course_cancel(*, by: Any, course: Course, reason: str, now: datetime.datetime | None = None) -> Course:
    """Call the course off: everyone enrolled or waiting is withdrawn and told by SMS; certificates of those
    who already completed it stay valid."""
    now = now or timezone.now()
    course = _lock(course)
    require(by, Perm.TRAINING_MANAGE, course.unit)
    reason = normalize_text(reason)
    if not reason:
        raise DomainError(_("Say why the course is cancelled; the people enrolled are told."), field="reason")
    _move(course, Course.Status.CANCELLED)
    course.save(update_fields=["status"])
    live = list(course.enrolments.filter(status__in=[Enrolment.Status.ENROLLED, Enrolment.Status.WAITING])
                .select_related("person"))
    Enrolment.objects.filter(pk__in=[e.pk for e in live]).update(status=Enrolment.Status.WITHDRAWN,
                                                                  withdrawn_at=now)
    course.seats_taken = course.enrolments.filter(status=Enrolment.Status.COMPLETED).count()
    course.save(update_fields=["seats_taken"])
    for enrolment in live:
        notify(key=f"training:cancel:{enrolment.pk}", to=enrolment.person.mobile, now=now,
               text=_("Mardom: the course “%(course)s” is cancelled (%(reason)s).")
               % {"course": course.title, "reason": reason})
    audit_record(by=by, action="course.cancel", obj=course, scope_path=course.unit.path or "",
                 after={"status": course.status, "reason": reason, "count": len(live)}, now=now)
    return course
