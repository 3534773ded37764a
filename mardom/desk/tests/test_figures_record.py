"""The institutions' stored figures follow every step of a request (driven through the request services), and
the rebuild from the requests gives the very same rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mardom.core.errors import DomainError
from mardom.desk.models import InstitutionFigures, Request, RunningDeadline
from mardom.desk.models.figures import BUCKET_EDGES, BUCKETS, COUNTER_FIELDS
from mardom.desk.services import figures
from mardom.desk.services import requests as svc

from . import requests_world as world
from .requests_world import at

pytestmark = pytest.mark.django_db
desk, make_request, plain_calendar = world.desk, world.make_request, world.plain_calendar


def row(receiver: Any, kind: str = "bank_loan", year: int = 1404) -> dict[str, int]:
    found = InstitutionFigures.objects.filter(receiver_id=receiver.pk, year=year, kind=kind).values(
        *COUNTER_FIELDS).first()
    return found or dict.fromkeys(COUNTER_FIELDS, 0)


def nonzero(counters: dict[str, int]) -> dict[str, int]:
    return {name: value for name, value in counters.items() if value}


def test_bucket_edges_are_increasing_and_cover_everything() -> None:
    assert list(BUCKET_EDGES) == sorted(set(BUCKET_EDGES))
    assert figures.bucket_of(0) == 0
    assert figures.bucket_of(29) == 0 and figures.bucket_of(30) == 1
    assert figures.bucket_of(480) == BUCKET_EDGES.index(480) + 1
    assert figures.bucket_of(10**9) == BUCKETS - 1
    assert figures.bucket_of(-5) == 0


def test_a_draft_counts_nothing_and_sending_counts_received_and_the_amount(desk, make_request, plain_calendar):
    request = make_request()
    assert not InstitutionFigures.objects.exists()
    svc.request_submit(by=desk.base_officer, request=request, now=at(7, 9))
    stored = InstitutionFigures.objects.get()
    assert (stored.receiver_id, stored.year, stored.kind) == (desk.bank.pk, 1404, "bank_loan")
    assert (stored.county_id, stored.path, stored.receiver_type, stored.bank) == (
        desk.county.pk, desk.bank.path, "bank_branch", "keshavarzi")
    assert nonzero(row(desk.bank)) == {"received": 1, "asked_received": 500_000_000}


def test_an_on_time_first_answer_and_a_late_partial_grant_after_waiting(desk, make_request, plain_calendar):
    request = make_request()
    svc.request_submit(by=desk.base_officer, request=request, now=at(7, 9))  # Saturday 9:00
    svc.request_receive(by=desk.bank_officer, request=request, now=at(7, 10))  # one working hour later
    svc.request_review(by=desk.bank_officer, request=request, now=at(8, 9))
    svc.request_wait_on_person(by=desk.bank_officer, request=request, note="سند ملک", now=at(8, 10))
    svc.request_resume(by=desk.base_officer, request=request, now=at(9, 10))  # waited one working day
    request.refresh_from_db()
    assert request.paused_minutes == 480
    svc.request_answer(by=desk.bank_officer, request=request, outcome="partly", granted_amount=200_000_000,
                       now=at(30, 9))  # after the decision's deadline (its working days + the day waited)
    request.refresh_from_db()
    assert request.decision_late and not request.first_answer_late
    decision = plain_calendar.working_minutes(at(7, 9), at(30, 9)) - 480
    assert nonzero(row(desk.bank)) == {
        "received": 1, "asked_received": 500_000_000, "first_answered": 1, "first_on_time": 1,
        f"fa_{figures.bucket_of(60):02d}": 1, "decided": 1, "partly": 1, "asked_decided": 500_000_000,
        "granted_amount": 200_000_000, f"dc_{figures.bucket_of(decision):02d}": 1,
    }


def test_a_running_deadline_follows_the_request_until_its_decision(desk, make_request, plain_calendar):
    request = make_request()
    assert not RunningDeadline.objects.exists()
    svc.request_submit(by=desk.base_officer, request=request, now=at(7, 9))
    running = RunningDeadline.objects.get()
    request.refresh_from_db()
    assert (running.request_id, running.receiver_id, running.year, running.kind) == (
        request.pk, desk.bank.pk, 1404, "bank_loan")
    assert (running.first_answered, running.paused, running.first_due, running.decision_due) == (
        False, False, request.first_answer_due, request.decision_due)
    svc.request_receive(by=desk.bank_officer, request=request, now=at(8, 9))
    svc.request_wait_on_person(by=desk.bank_officer, request=request, note="فیش حقوقی", now=at(8, 10))
    running.refresh_from_db()
    assert running.first_answered and running.paused
    svc.request_resume(by=desk.base_officer, request=request, now=at(10, 10))
    request.refresh_from_db()
    running.refresh_from_db()
    assert not running.paused and running.decision_due == request.decision_due  # moved by the time waited
    svc.request_answer(by=desk.bank_officer, request=request, outcome="granted", now=at(11, 9))
    assert not RunningDeadline.objects.exists()
    other = make_request()
    svc.request_submit(by=desk.base_officer, request=other, now=at(7, 9))
    svc.request_withdraw(by=desk.base_officer, request=other, now=at(7, 10))
    assert not RunningDeadline.objects.exists()
    assert figures.figures_differences() == []


def test_answered_straight_from_sent_is_the_first_answer_and_the_decision(desk, make_request, plain_calendar):
    request = make_request()
    svc.request_submit(by=desk.base_officer, request=request, now=at(7, 9))
    svc.request_answer(by=desk.bank_officer, request=request, outcome="refused", refusal_reason="guarantee",
                       now=at(17, 9))  # after the first answer's 3 working days
    counters = nonzero(row(desk.bank))
    minutes = plain_calendar.working_minutes(at(7, 9), at(17, 9))
    assert counters == {
        "received": 1, "asked_received": 500_000_000, "first_answered": 1, "decided": 1, "decided_on_time": 1,
        "refused": 1, "refused_guarantee": 1, "asked_decided": 500_000_000,
        f"fa_{figures.bucket_of(minutes):02d}": 1, f"dc_{figures.bucket_of(minutes):02d}": 1,
    }  # first answer late (not on time), decision within its 10 days


def test_withdrawn_after_sending_counts_and_a_withdrawn_draft_does_not(desk, make_request, plain_calendar):
    draft = make_request()
    svc.request_withdraw(by=desk.base_officer, request=draft, now=at(7, 10))
    assert nonzero(row(desk.bank)) == {}
    sent = make_request()
    svc.request_submit(by=desk.base_officer, request=sent, now=at(7, 9))
    svc.request_withdraw(by=desk.person_user, request=sent, now=at(8, 9))
    assert nonzero(row(desk.bank)) == {"received": 1, "asked_received": 500_000_000, "withdrawn": 1}


def test_appeal_and_reroute_count_as_new_requests_received(desk, make_request, plain_calendar):
    first = make_request()
    svc.request_submit(by=desk.base_officer, request=first, now=at(7, 9))
    svc.request_answer(by=desk.bank_officer, request=first, outcome="refused", refusal_reason="not_eligible",
                       now=at(8, 9))
    appeal = svc.request_appeal(by=desk.base_officer, request=first, details="مدارک تکمیل شد", now=at(9, 9))
    assert row(desk.bank)["received"] == 2
    svc.request_answer(by=desk.bank_officer, request=appeal, outcome="refused", refusal_reason="other",
                       refusal_text="سهمیه تمام شد", now=at(10, 9))
    svc.request_reroute(by=desk.base_officer, request=appeal, institution=desk.other_bank, now=at(11, 9))
    assert row(desk.bank)["refused_not_eligible"] == 1 and row(desk.bank)["refused_other"] == 1
    assert nonzero(row(desk.other_bank)) == {"received": 1, "asked_received": 500_000_000}


def test_the_desk_records_an_answer_for_an_institution_without_officer(desk, make_request, plain_calendar):
    request = make_request(kind="permit", amount_asked=None, institution=desk.agency, subject="مجوز دامداری")
    svc.request_submit(by=desk.base_officer, request=request, now=at(7, 9))
    svc.request_receive(by=desk.officer, request=request, said_by="آقای رضایی", channel="phone", now=at(15, 9))
    svc.request_answer(by=desk.officer, request=request, outcome="granted", said_by="آقای رضایی",
                       channel="paper", now=at(16, 9))
    counters = row(desk.agency, kind="permit")
    assert (counters["received"], counters["first_answered"], counters["first_on_time"], counters["decided"],
            counters["decided_on_time"], counters["granted"]) == (1, 1, 0, 1, 1, 1)
    assert counters["asked_decided"] == counters["granted_amount"] == 0
    assert InstitutionFigures.objects.get(receiver_id=desk.agency.pk).receiver_type == "agency"


def test_the_first_escalation_counts_once(desk, make_request, plain_calendar):
    from mardom.desk.models import RequestStep

    request = make_request()
    svc.request_submit(by=desk.base_officer, request=request, now=at(7, 9))
    for level in (1, 2):  # as the sweep does it: the level on the request, then its step
        Request.objects.filter(pk=request.pk).update(escalation_level=level, escalated_at=at(12 + level, 9))
        request.refresh_from_db()
        step = RequestStep.objects.create(request=request, action="escalate", note="", at=at(12 + level, 9))
        figures.figures_record_step(request, step)
    assert row(desk.bank)["escalated"] == 1
    assert figures.figures_differences() == []


def test_a_refused_step_changes_no_figure(desk, make_request, plain_calendar):
    request = make_request()
    svc.request_submit(by=desk.base_officer, request=request, now=at(7, 9))
    before = row(desk.bank)
    with pytest.raises(DomainError):
        svc.request_close(by=desk.base_officer, request=request, now=at(8, 9))  # not answered yet
    with pytest.raises(DomainError):
        svc.request_answer(by=desk.bank_officer, request=request, outcome="partly", granted_amount=900_000_000,
                           now=at(8, 9))  # more than asked
    assert row(desk.bank) == before


def test_the_year_is_the_jalali_year_the_request_was_sent(desk, make_request, plain_calendar):
    request = make_request(now=at(15, 9, month=3))
    svc.request_submit(by=desk.base_officer, request=request, now=at(15, 9, month=3))  # 1403/12/25
    svc.request_answer(by=desk.bank_officer, request=request, outcome="granted", now=at(29, 9, month=3))  # 1404
    assert row(desk.bank, year=1403)["decided"] == 1
    assert row(desk.bank, year=1404)["received"] == 0


def _many_steps(w: Any, make: Any) -> None:
    """A mixture of requests in every state, to two institutions and over two years."""
    for n in range(4):
        request = make(now=at(1 + n, 9, month=3 if n % 2 else 6))
        sent = at(1 + n, 10, month=3 if n % 2 else 6)
        svc.request_submit(by=w.base_officer, request=request, now=sent)
        if n == 0:
            continue
        svc.request_receive(by=w.bank_officer, request=request, now=sent.replace(hour=14))
        if n == 1:
            svc.request_wait_on_person(by=w.bank_officer, request=request, note="کارت ملی",
                                       now=sent.replace(hour=15))
            svc.request_resume(by=w.person_user, request=request, now=sent.replace(day=sent.day + 3))
        if n >= 2:
            svc.request_answer(by=w.bank_officer, request=request, outcome="refused" if n == 2 else "granted",
                               refusal_reason="no_budget" if n == 2 else "",
                               now=sent.replace(day=sent.day + 12))
        if n == 3:
            svc.request_close(by=w.base_officer, request=request, now=sent.replace(day=sent.day + 13))
    permit = make(kind="permit", amount_asked=None, institution=w.agency, subject="مجوز")
    svc.request_submit(by=w.base_officer, request=permit, now=at(8, 9))
    svc.request_withdraw(by=w.base_officer, request=permit, now=at(9, 9))


def test_rebuild_gives_the_same_rows_as_the_steps(desk, make_request, plain_calendar):
    _many_steps(desk, make_request)
    incremental = figures.stored_figures()
    assert len(incremental) == 3  # the bank in 1403 and 1404, the agency's permits
    assert figures.compute_figures() == incremental
    copied = {r["receiver_id"]: r for r in InstitutionFigures.objects.values(
        "receiver_id", "county_id", "path", "receiver_type", "bank")}
    assert RunningDeadline.objects.count() == 2  # the bank's sent and waiting ones (the permit was withdrawn)
    InstitutionFigures.objects.update(received=99)  # damage the stored rows
    RunningDeadline.objects.update(paused=True)
    assert len(figures.figures_differences()) == 5
    assert figures.figures_rebuild() == 3
    assert figures.stored_figures() == incremental
    assert figures.figures_differences() == []
    assert {r["receiver_id"]: r for r in InstitutionFigures.objects.values(
        "receiver_id", "county_id", "path", "receiver_type", "bank")} == copied


def test_the_command_checks_and_rebuilds(desk, make_request, plain_calendar, capsys):
    _many_steps(desk, make_request)
    call_command("desk-figures", "--check")
    InstitutionFigures.objects.filter(receiver_id=desk.bank.pk).update(decided=0, decided_on_time=0)
    with pytest.raises(CommandError):
        call_command("desk-figures", "--check")
    assert "decided" in capsys.readouterr().err
    call_command("desk-figures")
    call_command("desk-figures", "--check")
    assert Request.objects.filter(submitted_at__isnull=False).count() == 5
