"""Reads of courses, sessions and enrolments, filtered by the asking user's reach.

Who sees a course: whoever publishes or teaches for its unit (or above it), everyone enrolled in it, and, once
it is published, the people it is meant for: those living in its county, or for a colony's or a fund's
course, their members. Anyone else gets a 404, as for everything outside a scope."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from mardom.funds.models import Membership
from mardom.people.models import Person
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, holds_anywhere, scope_q
from mardom.production.models import ColonyMember

from ..models import Attendance, Course, Enrolment, Session
from ..services.enrolments import LIVE, SEATED, person_counties


def _person(user: Any) -> Person | None:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "person_id", None):
        return None
    return Person.objects.select_related("home_place", "unit").filter(pk=user.person_id).first()


def _staff_q(user: Any) -> Q:
    return (scope_q(user, Perm.TRAINING_MANAGE, path_field="unit__path")
            | scope_q(user, Perm.TRAINING_TEACH, path_field="unit__path"))


def _auditor_q(user: Any) -> Q:
    # Auditors read every course in their scope (the audit log links to them); they change nothing, as the
    # course page's actions each need the publisher's or the trainer's permission.
    return scope_q(user, Perm.AUDIT_VIEW, path_field="unit__path")


def _meant_for_q(person: Person | None) -> Q:
    """Published courses meant for the person (by county, colony or fund), and those she enrolled in."""
    if person is None:
        return Q(pk__in=[])
    colonies = ColonyMember.objects.filter(producer__person=person).values("colony_id")
    funds = Membership.objects.filter(person=person, status=Membership.Status.ACTIVE).values("fund_id")
    published = Q(status=Course.Status.PUBLISHED) & (
        Q(county_id__in=person_counties(person), eligibility__in=[Course.Eligibility.COUNTY,
                                                                 Course.Eligibility.PRODUCT])
        | Q(eligibility=Course.Eligibility.COLONY, eligible_unit_id__in=colonies)
        | Q(eligibility=Course.Eligibility.FUND, eligible_unit_id__in=funds))
    return published | Q(enrolments__person=person)


def visible_courses(*, user: Any) -> QuerySet[Course]:
    person = _person(user)
    return Course.objects.filter(Q(pk__in=Course.objects.filter(_staff_q(user) | _auditor_q(user)
                                                                | _meant_for_q(person))
                                   .values("pk")))


def course_get(*, user: Any, pk: int) -> Course:
    course = (visible_courses(user=user).select_related("unit", "county", "product", "eligible_unit",
                                                        "eligible_product")
              .filter(pk=pk).first())
    if course is None:
        raise Http404
    return course


def _who_q(user: Any, perm: str) -> Q:
    return scope_q(user, perm, path_field="unit__path")


def managed_course_get(*, user: Any, pk: int) -> Course:
    """A course the user publishes for (404 otherwise)."""
    course = (Course.objects.filter(_who_q(user, Perm.TRAINING_MANAGE), pk=pk)
              .select_related("unit", "county", "product", "eligible_unit", "eligible_product").first())
    if course is None:
        raise Http404
    return course


def open_courses(*, user: Any, now: datetime.datetime) -> QuerySet[Course]:
    """Published courses meant for the user with a session still ahead or under way, soonest first."""
    ahead = Session.objects.filter(course=OuterRef("pk"), ends_at__gt=now)
    first = Session.objects.filter(course=OuterRef("pk")).order_by("starts_at").values("starts_at")[:1]
    person = _person(user)
    return (Course.objects.filter(Q(pk__in=Course.objects.filter(_meant_for_q(person)).values("pk")),
                                  Exists(ahead), status=Course.Status.PUBLISHED)
            .annotate(first_start=first)
            .select_related("unit", "product").order_by("first_start", "pk"))


def staff_courses(*, user: Any) -> QuerySet[Course]:
    """Courses the user publishes or teaches for, newest first (with their first session)."""
    first = Session.objects.filter(course=OuterRef("pk")).order_by("starts_at").values("starts_at")[:1]
    return (Course.objects.filter(_staff_q(user)).annotate(first_start=first)
            .select_related("unit").order_by("-created_at", "-pk"))


def is_staff(user: Any) -> bool:
    return holds_anywhere(user, Perm.TRAINING_MANAGE) or holds_anywhere(user, Perm.TRAINING_TEACH)


def may_manage(user: Any, course: Course) -> bool:
    return has_perm_on(user, Perm.TRAINING_MANAGE, course.unit)


def may_teach(user: Any, course: Course) -> bool:
    return has_perm_on(user, Perm.TRAINING_TEACH, course.unit)


def sessions_of(course: Course) -> list[Session]:
    return list(course.sessions.order_by("starts_at", "pk"))


def enrolment_of(*, user: Any, course: Course) -> Enrolment | None:
    """The user's own live enrolment in the course."""
    if not getattr(user, "person_id", None):
        return None
    return course.enrolments.filter(person_id=user.person_id, status__in=LIVE).select_related(
        "certificate").first()


def own_enrolment_get(*, user: Any, pk: int) -> Enrolment:
    enrolment = Enrolment.objects.filter(pk=pk, person_id=getattr(user, "person_id", None) or 0).select_related(
        "course", "person").first()
    if enrolment is None:
        raise Http404
    return enrolment


def managed_enrolment_get(*, user: Any, course: Course, pk: int) -> Enrolment:
    enrolment = course.enrolments.filter(pk=pk).select_related("person").first()
    if enrolment is None:
        raise Http404
    return enrolment


def roster(course: Course) -> list[Enrolment]:
    """Everyone enrolled, completed or waiting (waiting in their order), with their marks prefetched."""
    return list(course.enrolments.filter(status__in=LIVE).select_related("person", "certificate")
                .prefetch_related(Prefetch("attendance", queryset=Attendance.objects.filter(present=True)))
                .order_by("status", "requested_at", "pk"))


def session_for_teacher(*, user: Any, pk: int) -> Session:
    session = (Session.objects.filter(pk=pk).filter(
        Q(course__in=Course.objects.filter(_who_q(user, Perm.TRAINING_TEACH))))
        .select_related("course__unit").first())
    if session is None:
        raise Http404
    return session


def session_roster(session: Session) -> list[tuple[Enrolment, Attendance | None]]:
    """The seated enrolees of the session's course with their mark for this session, by name."""
    marks = {a.enrolment_id: a for a in Attendance.objects.filter(session=session)}
    seated = (session.course.enrolments.filter(status__in=SEATED).select_related("person")
              .order_by("person__last_name", "person__first_name", "pk"))
    return [(e, marks.get(e.pk)) for e in seated]


def session_for_scan(*, pk: int) -> Session:
    """The session a QR code names (any logged-in person may try; the service decides)."""
    session = Session.objects.filter(pk=pk).select_related("course").first()
    if session is None:
        raise Http404
    return session


def my_enrolments(*, user: Any) -> list[Enrolment]:
    if not getattr(user, "person_id", None):
        return []
    return list(Enrolment.objects.filter(person_id=user.person_id).exclude(status=Enrolment.Status.WITHDRAWN)
                .select_related("course__unit", "certificate")
                .prefetch_related(Prefetch("course__sessions", queryset=Session.objects.order_by("starts_at")),
                                  Prefetch("attendance", queryset=Attendance.objects.filter(present=True)))
                .order_by("-requested_at", "-pk"))
