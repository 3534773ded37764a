"""The training world: two training centres of Qaenat (each with its officer and trainer), a Birjand officer and
person, Qaenat trainees with logins, and a published course of three sessions (two to attend, two seats)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from mardom.orgs import services as orgs
from mardom.training import services

TZ = timezone.get_fixed_timezone(210)  # Asia/Tehran (no daylight saving since 1402)
NOW = datetime.datetime(2025, 11, 1, 9, 0, tzinfo=TZ)  # a Saturday, 1404/08/10


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment `days` after NOW's day, at hour:minute Tehran time."""
    day = NOW.date() + datetime.timedelta(days=days)
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def make_course(by: Any, unit: Any, *, sessions: int = 3, capacity: int = 2, min_sessions: int = 2,
                publish: bool = True, first_day: int = 1, **fields: Any) -> Any:
    course = services.course_create(by=by, unit=unit, title=fields.pop("title", "بسته‌بندی زعفران"),
                                    venue=fields.pop("venue", "قاین، خیابان امام"), capacity=capacity,
                                    min_sessions=min_sessions, now=NOW, **fields)
    for i in range(sessions):
        services.session_add(by=by, course=course, starts_at=at(first_day + i, 10), ends_at=at(first_day + i, 12),
                             topic=f"جلسه {i + 1}")
    if publish:
        services.course_publish(by=by, course=course, now=NOW)
    course.refresh_from_db()
    return course


@pytest.fixture
def tw(county_officer, qaenat, birjand, qaenat_village, birjand_village, make_person, make_user,
       birjand_officer) -> SimpleNamespace:
    by = county_officer
    centre = orgs.institution_create(by=by, county=qaenat, name="مرکز آموزش فنی و حرفه‌ای قاین", place=qaenat_village,
                                     type="training_centre")
    other = orgs.institution_create(by=by, county=qaenat, name="آموزشگاه کشاورزی نیمبلوک", place=qaenat_village,
                                    type="training_centre")
    bank = orgs.institution_create(by=by, county=qaenat, name="بانک کشاورزی قاین", place=qaenat_village,
                                   type="bank_branch", bank="keshavarzi")
    w = SimpleNamespace(officer=by, county=qaenat, centre=centre, other=other, bank=bank,
                        birjand_officer=birjand_officer)
    w.centre_officer = make_user(make_person(qaenat, first_name="مریم"), roles=[("institution_officer", centre)])
    w.trainer = make_user(make_person(qaenat, first_name="رضا", gender="male"), roles=[("trainer", centre)])
    w.other_officer = make_user(make_person(qaenat), roles=[("institution_officer", other)])
    w.other_trainer = make_user(make_person(qaenat), roles=[("trainer", other)])
    w.bank_officer = make_user(make_person(qaenat), roles=[("institution_officer", bank)])
    w.trainees = [make_user(make_person(qaenat, first_name=name, last_name=f"قائنی {i}"))
                  for i, name in enumerate(["زهرا", "فاطمه", "سکینه", "معصومه"])]
    w.people = [u.person for u in w.trainees]
    w.outsider = make_user(make_person(birjand, first_name="حسین", gender="male"))
    w.course = make_course(w.centre_officer, centre)
    w.sessions = list(w.course.sessions.order_by("starts_at"))
    return w
