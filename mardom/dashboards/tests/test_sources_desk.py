"""The desk's figures through the request services: a request counts at the unit that made it (and above) when
sent, and again when answered, within its deadline or not, in the histogram of working days to the answer; a
draft counts nothing; a rolled-back answer moves nothing; the rebuild from the requests agrees with the writers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from mardom.dashboards import metrics, rebuild, rollups
from mardom.dashboards.models import Figure, FigureDelta
from mardom.dashboards.periods import month_of, year_of
from mardom.dashboards.tests.test_sources_production import chain, value
from mardom.desk.services import requests as svc
from mardom.desk.tests import requests_world as world
from mardom.desk.tests.requests_world import at

pytestmark = pytest.mark.django_db
desk, make_request, plain_calendar = world.desk, world.make_request, world.plain_calendar

SENT = at(7, 9)  # Saturday 2025-06-07 9:00 in Tehran: 1404/03/17
JUNE = month_of(SENT)


def answer(desk: Any, request: Any, now: Any) -> Any:
    return svc.request_answer(by=desk.bank_officer, request=request, outcome="refused", refusal_reason="documents",
                              now=now)


def test_a_draft_counts_nothing_and_a_sent_request_counts_at_the_unit_that_made_it(desk: Any,
                                                                                    make_request: Any) -> None:
    request = make_request()
    assert value(desk.base, JUNE, "desk.requests") == 0
    svc.request_submit(by=desk.base_officer, request=request, now=SENT)
    assert [u.kind for u in chain(desk.base)] == ["nation", "province", "county", "base"]
    for unit in chain(desk.base):
        assert value(unit, JUNE, "desk.requests") == 1
        assert value(unit, year_of(JUNE), "desk.requests") == 1
    assert value(desk.bank, JUNE, "desk.requests") == 0  # the receiver is not where it counts
    assert rebuild.rebuild(write=False) == []


def test_answers_count_when_given_within_or_after_the_deadline_with_their_working_days(
        desk: Any, make_request: Any) -> None:
    quick, late = make_request(), make_request(subject="وام دوم")
    for request in (quick, late):
        svc.request_submit(by=desk.base_officer, request=request, now=SENT)
    answer(desk, quick, at(11, 9))  # Saturday to Wednesday: four working days, within the 15 of a bank loan
    answered_late = at(9, 10, month=7)  # a month later (1404/04/18): well past the deadline
    answer(desk, late, answered_late)
    july = month_of(answered_late)
    assert july != JUNE
    for unit in chain(desk.base):
        assert value(unit, JUNE, "desk.requests") == 2
        assert value(unit, JUNE, "desk.answered") == 1
        assert value(unit, JUNE, "desk.answered_in_time") == 1
        assert value(unit, JUNE, metrics.answer_bucket(4)) == 1
        assert metrics.answer_bucket(4) == "desk.answer_days.03"
        assert value(unit, july, "desk.answered") == 1
        assert value(unit, july, "desk.answered_in_time") == 0
        assert value(unit, year_of(JUNE), "desk.answered") == 2
    late.refresh_from_db()
    assert late.decision_late
    assert rebuild.rebuild(write=False) == []


def test_the_working_days_to_an_answer_leave_out_the_time_waited_on_the_person(
        desk: Any, make_request: Any, plain_calendar: Any) -> None:
    """On the bare office week (Saturday to Wednesday): eleven working days from sending to the answer, two of
    them waiting on the person, count as nine (bucket 7 to 9), the same on the writers' and the facts' side."""
    request = make_request()
    svc.request_submit(by=desk.base_officer, request=request, now=SENT)  # Saturday 7 June 9:00
    svc.request_receive(by=desk.bank_officer, request=request, now=at(7, 10))
    svc.request_wait_on_person(by=desk.bank_officer, request=request, note="سند ملک", now=at(8, 9))
    svc.request_resume(by=desk.base_officer, request=request, now=at(10, 9))  # two working days later
    answer(desk, request, at(22, 9))  # Sunday 22 June: eleven working days after sending
    request.refresh_from_db()
    assert request.paused_minutes == 2 * plain_calendar.day_minutes
    month = month_of(at(22, 9))
    assert value(desk.base, month, "desk.answer_days.07") == 1
    assert value(desk.base, month, "desk.answer_days.10") == 0
    assert value(desk.county, year_of(month), "desk.answer_days.07") == 1
    assert rebuild.rebuild(write=False) == []


def test_a_request_the_person_makes_herself_and_its_appeal_count_at_her_unit(desk: Any) -> None:
    own = svc.request_create(by=desk.person_user, person=desk.person, kind="bank_loan", subject="وام",
                             amount_asked=100_000_000, institution=desk.bank, now=SENT)
    svc.request_submit(by=desk.person_user, request=own, now=SENT)
    answer(desk, own, at(8, 9))
    svc.request_appeal(by=desk.person_user, request=own, details="مدارک کامل شد", now=at(9, 9))
    unit = desk.person.unit
    assert value(unit, JUNE, "desk.requests") == 2  # the appeal is a new request, sent at once
    assert value(unit, JUNE, "desk.answered") == 1
    assert value(unit, JUNE, metrics.answer_bucket(1)) == 1
    assert rebuild.rebuild(write=False) == []


def test_a_rolled_back_answer_leaves_the_figures_unchanged(desk: Any, make_request: Any) -> None:
    request = make_request()
    svc.request_submit(by=desk.base_officer, request=request, now=SENT)
    rollups.drain()
    before = sorted(Figure.objects.values_list("unit_id", "period", "metric", "value"))

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        answer(desk, request, at(8, 9))
        assert value(desk.base, JUNE, "desk.answered") == 1
        raise Abort
    assert not FigureDelta.objects.exists()
    assert sorted(Figure.objects.values_list("unit_id", "period", "metric", "value")) == before
    assert value(desk.county, JUNE, "desk.answered") == 0
    assert rebuild.rebuild(write=False) == []
