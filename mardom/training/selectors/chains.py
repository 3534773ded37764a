"""Courses as actors of a value chain's training stage (read by production.chains, one query a province)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, Min, OuterRef

from ..models import Course, Session


def running_courses(*, province_path: str, now: datetime.datetime) -> list[tuple[Any, ...]]:
    """Published courses of the province with a session still ahead or under way:
    (pk, title, unit path, value chain, first session start)."""
    ahead = Session.objects.filter(course=OuterRef("pk"), ends_at__gt=now)
    return list(Course.objects.filter(Exists(ahead), unit__path__startswith=province_path or "/-/",
                                      status=Course.Status.PUBLISHED).exclude(value_chain="")
                .annotate(first=Min("sessions__starts_at")).order_by("first", "pk")
                .values_list("pk", "title", "unit__path", "value_chain", "first"))
