"""The training section of a person's file (پرونده): her courses and certificates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from mardom.people.models import Person
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on

from .. import rules
from ..models import Attendance, Enrolment, Session


@dataclass
class FileSection:
    """What the file page draws (template training/_file_section.html, context name "training")."""

    rows: list[tuple[Enrolment, rules.Progress]] = field(default_factory=list)
    total: int = 0  # enrolments in all (the rows may be the first `limit` of them)

    @property
    def certificates(self) -> list[Any]:
        return [e.certificate for e, _p in self.rows if getattr(e, "certificate", None) is not None]


def file_section(*, viewer: Any, person: Person, now: Any = None, limit: int | None = None) -> FileSection:
    """The person's enrolments (not the withdrawn ones) with their progress, and her certificates; empty for a
    viewer who is neither the person nor an officer who may see people where she is filed."""
    own = getattr(viewer, "person_id", None) == person.pk
    if not (own or has_perm_on(viewer, Perm.PEOPLE_VIEW, person.unit)):
        return FileSection()
    now = now or timezone.now()
    enrolments = (Enrolment.objects.filter(person=person).exclude(status=Enrolment.Status.WITHDRAWN)
                  .select_related("course__unit", "certificate")
                  .prefetch_related(Prefetch("course__sessions", queryset=Session.objects.order_by("starts_at")),
                                    Prefetch("attendance", queryset=Attendance.objects.filter(present=True)))
                  .order_by("-requested_at", "-pk"))
    total = enrolments.count() if limit is not None else None
    rows = []
    for e in (enrolments[:limit] if limit is not None else enrolments):
        slots = [rules.Slot(s.pk, s.starts_at, s.ends_at) for s in e.course.sessions.all()]
        present = {a.session_id for a in e.attendance.all()}
        rows.append((e, rules.progress(sessions=slots, n=e.course.min_sessions, seat_at=e.seat_at,
                                       present=present, now=now)))
    return FileSection(rows=rows, total=len(rows) if total is None else total)
