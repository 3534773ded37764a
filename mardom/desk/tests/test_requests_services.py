"""Requests through their services: every transition allowed and refused, by who may and may not, with the
database checked after each refusal; deadlines on the working calendar, the pause, late flags, SMS."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from mardom.core.errors import DomainError
from mardom.core.models import AuditEntry, Notification
from mardom.desk.models import Request, RequestStep, ServiceLevel
from mardom.desk.services import requests as services
from mardom.desk.services.requests import TRANSITIONS
from mardom.people.models import RoleAssignment

from . import requests_world as world
from .requests_world import at

# The shared fixtures of the request tests (a conftest.py of their own would clash with the other desk modules').
desk, make_request, plain_calendar = world.desk, world.make_request, world.plain_calendar

S = Request.Status
pytestmark = pytest.mark.django_db


def state(request: Request) -> tuple[Any, ...]:
    """Everything a refused step must leave as it was."""
    r = Request.objects.get(pk=request.pk)
    return (r.status, r.outcome, r.granted_amount, r.due_at, r.first_answer_due, r.decision_due, r.paused_at,
            r.paused_minutes, r.first_answer_late, r.decision_late, RequestStep.objects.filter(request=r).count(),
            AuditEntry.objects.count(), Notification.objects.count(), Request.objects.count())


def sent(desk: Any, make_request: Any, **over: Any) -> Request:
    return services.request_submit(by=desk.base_officer, request=make_request(**over), now=at(7, 9))


def received(desk: Any, make_request: Any, **over: Any) -> Request:
    return services.request_receive(by=desk.bank_officer, request=sent(desk, make_request, **over), now=at(8, 9))


# --- the table itself --------------------------------------------------------------------------------------

def test_the_transition_table_covers_every_status_and_ends_in_closed_or_withdrawn():
    assert set(TRANSITIONS) == set(S.values)
    assert TRANSITIONS[S.CLOSED] == TRANSITIONS[S.WITHDRAWN] == frozenset()
    for status, targets in TRANSITIONS.items():
        assert targets <= set(S.values), status
        if status not in (S.ANSWERED, S.CLOSED, S.WITHDRAWN):
            assert S.WITHDRAWN in targets, status  # withdrawn from any open state


# --- making and sending ------------------------------------------------------------------------------------

def test_a_base_officer_drafts_and_sends_a_request_with_deadlines_in_working_time(desk, make_request,
                                                                                  plain_calendar):
    draft = make_request()
    assert draft.status == S.DRAFT and draft.path == desk.base.path and draft.county_id == desk.county.pk
    assert draft.due_at is None and Notification.objects.count() == 0  # no SMS for a draft
    r = services.request_submit(by=desk.base_officer, request=draft, now=at(7, 9))  # Saturday 09:00
    # Bank loans: 3 and 15 working days (seeded). 3 days = 24 working hours: Sat 7h, Sun 8h, Mon 8h, Tue 1h.
    assert r.first_answer_due == at(10, 9)
    # 15 days: three weeks of five days (Thursday off, Friday off) from Saturday 09:00.
    assert r.decision_due == at(28, 9)
    # Amber when a quarter of the 1,440 minutes is left: after 1,080 minutes, Monday 11:00.
    assert (r.due_at, r.warn_at) == (r.first_answer_due, at(9, 11))
    step = r.steps.get(action="submit")
    assert (step.from_status, step.to_status, step.by_id, step.late) == (S.DRAFT, S.SUBMITTED, desk.base_officer.pk,
                                                                         False)
    sms = Notification.objects.get()
    assert sms.to == desk.person.mobile and sms.key == f"desk:req{r.pk}:step{step.pk}"
    assert AuditEntry.objects.filter(action="request.submit", object_id=str(r.pk), scope_path=r.path).exists()


def test_the_service_level_table_sets_the_deadlines(desk, make_request, plain_calendar, national_officer):
    services.service_level_set(by=national_officer, receiver_type="bank_branch", kind="bank_loan",
                               first_answer_days=1, decision_days=2)
    r = sent(desk, make_request)
    assert (r.first_answer_due, r.decision_due) == (at(8, 9), at(9, 9))


def test_the_person_makes_her_own_request(desk):
    r = services.request_create(by=desk.person_user, person=desk.person, kind="training", subject="دوره خیاطی",
                                institution=desk.centre, now=at(7, 9))
    assert r.unit_id == desk.person.unit_id and r.created_by == desk.person_user
    r = services.request_submit(by=desk.person_user, request=r, now=at(7, 10))
    assert r.status == S.SUBMITTED
    assert Notification.objects.count() == 0  # she did it herself: nothing to tell her


@pytest.mark.parametrize(("over", "field"), [
    ({"subject": "   "}, "subject"),
    ({"amount_asked": None}, "amount_asked"),  # a bank loan says how much
    ({"amount_asked": 0}, "amount_asked"),
    ({"amount_asked": -5}, "amount_asked"),
    ({"kind": "permit", "institution_key": "agency"}, "amount_asked"),  # a permit asks no amount
    ({"kind": "nonsense"}, "kind"),
    ({"institution_key": None}, "institution"),
    ({"institution_key": "birjand_bank_other_province"}, "institution"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_written(desk, make_request, over, field,
                                                                    make_person, make_user):
    from mardom.orgs import services as orgs
    from mardom.orgs.models import OrgUnit

    over = dict(over)
    key = over.pop("institution_key", "bank")
    if key == "birjand_bank_other_province":
        other = OrgUnit.objects.filter(kind="county").exclude(parent=desk.county.parent).first()
        officer = make_user(make_person(other), roles=[("county_officer", other)])
        over["institution"] = orgs.institution_create(by=officer, county=other, name="بانک دور", place=None,
                                                      type="bank_branch", bank="melli")
    elif key is None:
        over["institution"] = None
    else:
        over["institution"] = getattr(desk, key)
    before = (Request.objects.count(), AuditEntry.objects.count())
    with pytest.raises(DomainError) as refused:
        make_request(**over)
    assert refused.value.field == field
    assert (Request.objects.count(), AuditEntry.objects.count()) == before


def test_only_people_within_reach_and_units_of_ones_own(desk, make_request, birjand_officer):
    with pytest.raises(DomainError) as refused:
        make_request(person=desk.birjand_person)  # a Birjand person for a Qaenat base officer
    assert refused.value.field == "national_id"
    with pytest.raises(PermissionDenied):
        make_request(by=birjand_officer)  # on a Qaenat base
    with pytest.raises(PermissionDenied):
        make_request(by=desk.bank_officer, unit=desk.bank)  # an institution's officer makes no requests
    with pytest.raises(PermissionDenied):  # somebody else cannot ask for the person
        make_request(by=desk.stranger, unit=desk.person.unit)
    assert Request.objects.count() == 0


# --- the receiver's steps ----------------------------------------------------------------------------------

def test_the_institutions_officer_receives_reviews_and_grants(desk, make_request, plain_calendar):
    r = received(desk, make_request)
    assert r.first_answer_at == at(8, 9) and not r.first_answer_late
    assert r.due_at == r.decision_due == at(28, 9)  # the decision's clock runs now
    r = services.request_review(by=desk.bank_officer, request=r, now=at(9, 9))
    r = services.request_answer(by=desk.bank_officer, request=r, outcome="granted", now=at(10, 9))
    assert (r.status, r.outcome, r.granted_amount, r.decision_late) == (S.ANSWERED, "granted", 500_000_000, False)
    assert r.due_at is None
    r = services.request_close(by=desk.person_user, request=r, now=at(10, 10))
    assert r.status == S.CLOSED
    assert list(r.steps.values_list("action", flat=True)) == ["create", "submit", "receive", "review", "answer",
                                                                "close"]
    assert Notification.objects.count() == 4  # submit, receive, review, answer (she closed it herself)


def test_a_late_first_answer_stays_recorded_as_late(desk, make_request, plain_calendar):
    r = sent(desk, make_request)
    r = services.request_receive(by=desk.bank_officer, request=r, now=at(11, 9))  # due Tuesday 10th 09:00
    assert r.first_answer_late and r.steps.get(action="receive").late
    r = services.request_answer(by=desk.bank_officer, request=r, outcome="partly", granted_amount=200_000_000,
                                now=at(11, 10))
    assert r.first_answer_late and not r.decision_late  # still recorded late after it is done
    assert not r.steps.get(action="answer").late


def test_a_late_decision_is_flagged_on_the_request_and_its_step(desk, make_request, plain_calendar):
    r = received(desk, make_request)
    r = services.request_answer(by=desk.bank_officer, request=r, outcome="refused", refusal_reason="no_budget",
                                now=at(30, 9))
    assert r.decision_late and r.steps.get(action="answer").late


def test_waiting_on_the_person_stops_the_clock_and_moves_every_deadline_not_yet_met(desk, make_request,
                                                                                     plain_calendar):
    r = received(desk, make_request)
    r = services.request_wait_on_person(by=desk.bank_officer, request=r, note="سند زمین", now=at(9, 10))
    assert (r.status, r.resume_status, r.paused_at) == (S.WAITING, S.RECEIVED, at(9, 10))
    assert "سند زمین" in Notification.objects.latest("pk").text
    r = services.request_resume(by=desk.person_user, request=r, now=at(11, 12))  # Mon 10:00 -> Wed 12:00
    waited = 6 * 60 + 8 * 60 + 4 * 60
    assert (r.status, r.paused_minutes, r.paused_at) == (S.RECEIVED, waited, None)
    assert r.decision_due == plain_calendar.add_working_minutes(at(28, 9), waited)
    assert r.due_at == r.decision_due
    # The amber moment counts only the running time: three quarters of the 120 working hours after submission,
    # plus the time waited.
    assert r.warn_at == plain_calendar.add_working_minutes(at(7, 9), waited + 120 * 60 * 3 // 4)


def test_the_paper_answer_for_an_institution_with_no_officer(desk, make_request, national_officer):
    r = sent(desk, make_request, kind="permit", amount_asked=None, institution=desk.agency)
    with pytest.raises(DomainError) as refused:  # the desk must say who said it, and how
        services.request_answer(by=desk.officer, request=r, outcome="granted", now=at(9, 9))
    assert refused.value.field == "channel"
    with pytest.raises(DomainError) as refused:
        services.request_answer(by=desk.officer, request=r, outcome="granted", channel="phone", said_by=" ",
                                now=at(9, 9))
    assert refused.value.field == "said_by"
    r = services.request_answer(by=desk.officer, request=r, outcome="granted", channel="phone",
                                said_by="آقای احمدی، رئیس اداره", now=at(9, 9))
    step = r.steps.get(action="answer")
    assert (step.channel, step.said_by, step.by_id) == ("phone", "آقای احمدی، رئیس اداره", desk.officer.pk)
    assert r.first_answer_at == at(9, 9)  # an answer straight away is also the first answer


def test_the_desk_cannot_answer_for_an_institution_that_has_its_own_officer(desk, make_request):
    r = sent(desk, make_request)
    before = state(r)
    with pytest.raises(DomainError, match=r"officer|کارشناس"):
        services.request_answer(by=desk.officer, request=r, outcome="granted", channel="paper", said_by="کسی")
    assert state(r) == before


def test_once_the_officers_role_is_revoked_the_desk_records_the_answers(desk, make_request):
    r = sent(desk, make_request)
    RoleAssignment.objects.filter(user=desk.bank_officer).update(revoked_at=at(7, 10))
    r = services.request_receive(by=desk.officer, request=r, channel="paper", said_by="نامه شماره ۱۲", now=at(8, 9))
    assert r.status == S.RECEIVED


def test_nobody_answers_a_request_they_made(desk, make_request, national_officer):
    r = make_request(kind="permit", amount_asked=None, institution=desk.agency, by=desk.officer, unit=desk.county)
    r = services.request_submit(by=desk.officer, request=r, now=at(7, 9))
    before = state(r)
    with pytest.raises(DomainError, match=r"Nobody|هیچ"):
        services.request_answer(by=desk.officer, request=r, outcome="granted", channel="paper", said_by="کسی")
    assert state(r) == before
    # A second officer (above the county) records it.
    services.request_answer(by=national_officer, request=r, outcome="granted", channel="paper", said_by="کسی",
                            now=at(9, 9))


@pytest.mark.parametrize("who", ["other_bank_officer", "stranger", "birjand_officer", "person_user", "base_officer"])
def test_who_must_not_answer_is_refused_and_nothing_changes(desk, make_request, who):
    r = sent(desk, make_request)
    before = state(r)
    for step in (services.request_receive, services.request_review, services.request_answer,
                 services.request_wait_on_person):
        kwargs: dict[str, Any] = {"outcome": "granted"} if step is services.request_answer else {}
        if step is services.request_wait_on_person:
            kwargs = {"note": "مدرک"}
        with pytest.raises((PermissionDenied, DomainError)):
            step(by=getattr(desk, who), request=r, **kwargs)
    assert state(r) == before


@pytest.mark.parametrize("who", ["bank_officer", "other_bank_officer", "stranger", "birjand_officer"])
def test_who_is_not_on_the_makers_side_may_not_send_close_or_withdraw(desk, make_request, who):
    draft = make_request()
    before = state(draft)
    for step in (services.request_submit, services.request_withdraw):
        with pytest.raises(PermissionDenied):
            step(by=getattr(desk, who), request=draft)
    assert state(draft) == before


def _in_status(desk: Any, make_request: Any, status: str) -> Request:
    r = make_request()
    if status == S.DRAFT:
        return r
    r = services.request_submit(by=desk.base_officer, request=r, now=at(7, 9))
    if status == S.SUBMITTED:
        return r
    r = services.request_receive(by=desk.bank_officer, request=r, now=at(7, 10))
    if status == S.RECEIVED:
        return r
    if status == S.IN_REVIEW:
        return services.request_review(by=desk.bank_officer, request=r, now=at(7, 11))
    if status == S.WAITING:
        return services.request_wait_on_person(by=desk.bank_officer, request=r, note="مدرک", now=at(7, 11))
    r = services.request_answer(by=desk.bank_officer, request=r, outcome="refused", refusal_reason="not_eligible",
                                now=at(7, 12))
    if status == S.ANSWERED:
        return r
    if status == S.CLOSED:
        return services.request_close(by=desk.base_officer, request=r, now=at(7, 13))
    raise AssertionError(status)


STEPS = {  # service -> (target status, who does it, extra arguments)
    "submit": (S.SUBMITTED, "base_officer", {}),
    "receive": (S.RECEIVED, "bank_officer", {}),
    "review": (S.IN_REVIEW, "bank_officer", {}),
    "wait_on_person": (S.WAITING, "bank_officer", {"note": "مدرک"}),
    "answer": (S.ANSWERED, "bank_officer", {"outcome": "refused", "refusal_reason": "no_budget"}),
    "close": (S.CLOSED, "base_officer", {}),
    "withdraw": (S.WITHDRAWN, "base_officer", {}),
}


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.RECEIVED, S.IN_REVIEW, S.WAITING, S.ANSWERED,
                                    S.CLOSED])
@pytest.mark.parametrize("step", sorted(STEPS))
def test_every_step_follows_the_table_and_a_step_it_does_not_allow_changes_nothing(desk, make_request, status,
                                                                                   step):
    r = _in_status(desk, make_request, status)
    target, who, kwargs = STEPS[step]
    service = getattr(services, f"request_{step}")
    allowed = target in TRANSITIONS[status] and not (step == "receive" and status == S.WAITING) and not (
        step == "review" and status == S.WAITING)
    if allowed:
        done = service(by=getattr(desk, who), request=r, now=at(8, 9), **kwargs)
        assert done.status == target
    else:
        before = state(r)
        with pytest.raises(DomainError) as refused:
            service(by=getattr(desk, who), request=r, now=at(8, 9), **kwargs)
        assert "نمی‌تواند" in str(refused.value.message) or "cannot" in str(refused.value.message)
        assert state(r) == before


def test_resume_only_a_waiting_request(desk, make_request):
    r = _in_status(desk, make_request, S.RECEIVED)
    before = state(r)
    with pytest.raises(DomainError):
        services.request_resume(by=desk.person_user, request=r)
    assert state(r) == before


# --- answers -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "field"), [
    ({"outcome": "maybe"}, "outcome"),
    ({"outcome": "refused"}, "refusal_reason"),
    ({"outcome": "refused", "refusal_reason": "other"}, "refusal_text"),
    ({"outcome": "refused", "refusal_reason": "no_budget", "granted_amount": 5}, "granted_amount"),
    ({"outcome": "partly"}, "granted_amount"),
    ({"outcome": "partly", "granted_amount": 500_000_000}, "granted_amount"),  # not less than asked
    ({"outcome": "granted", "granted_amount": 100}, "granted_amount"),
    ({"outcome": "granted", "granted_amount": -1}, "granted_amount"),
])
def test_bad_answers_are_refused_beside_their_field(desk, make_request, kwargs, field):
    r = received(desk, make_request)
    before = state(r)
    with pytest.raises(DomainError) as refused:
        services.request_answer(by=desk.bank_officer, request=r, **kwargs)
    assert refused.value.field == field
    assert state(r) == before


# --- after a refusal ---------------------------------------------------------------------------------------

def test_a_refusal_is_appealed_to_the_same_institution_and_the_old_one_closes(desk, make_request):
    r = _in_status(desk, make_request, S.ANSWERED)
    appeal = services.request_appeal(by=desk.person_user, request=r, details="سند جدید دارم", now=at(9, 9))
    assert (appeal.appeal_of_id, appeal.institution_id, appeal.status) == (r.pk, desk.bank.pk, S.SUBMITTED)
    assert appeal.first_answer_due is not None and appeal.amount_asked == r.amount_asked
    assert Request.objects.get(pk=r.pk).status == S.CLOSED
    with pytest.raises(DomainError):  # once only
        services.request_appeal(by=desk.person_user, request=r, details="باز هم")


def test_a_refusal_is_rerouted_to_another_institution(desk, make_request):
    r = _in_status(desk, make_request, S.CLOSED)
    with pytest.raises(DomainError) as refused:
        services.request_reroute(by=desk.base_officer, request=r, institution=desk.bank)
    assert refused.value.field == "institution"
    new = services.request_reroute(by=desk.base_officer, request=r, institution=desk.other_bank, now=at(9, 9))
    assert (new.rerouted_from_id, new.institution_id, new.status) == (r.pk, desk.other_bank.pk, S.SUBMITTED)
    assert new.steps.filter(action="reroute").exists()


def test_only_a_refusal_is_appealed_or_rerouted(desk, make_request):
    r = received(desk, make_request)
    r = services.request_answer(by=desk.bank_officer, request=r, outcome="granted")
    count = Request.objects.count()
    with pytest.raises(DomainError):
        services.request_appeal(by=desk.person_user, request=r, details="چرا")
    with pytest.raises(DomainError):
        services.request_reroute(by=desk.base_officer, request=r, institution=desk.other_bank)
    assert Request.objects.count() == count


def test_another_institutions_officer_cannot_appeal_or_reroute(desk, make_request):
    r = _in_status(desk, make_request, S.ANSWERED)
    with pytest.raises(PermissionDenied):
        services.request_appeal(by=desk.other_bank_officer, request=r, details="x")
    with pytest.raises(PermissionDenied):
        services.request_reroute(by=desk.stranger, request=r, institution=desk.other_bank)


# --- service levels ----------------------------------------------------------------------------------------

def test_service_levels_are_seeded_for_every_type_and_kind():
    assert ServiceLevel.objects.count() >= 4 * 7
    assert services.service_level_for(receiver_type="bank_branch", kind="bank_loan") == (3, 15)


@pytest.mark.parametrize(("first", "decision", "field"), [(0, 10, "first_answer_days"),
                                                          (-2, 10, "first_answer_days"),
                                                          (5, 3, "decision_days"), (3, 1000, "decision_days")])
def test_a_zero_negative_or_backwards_service_level_is_refused(national_officer, first, decision, field):
    before = list(ServiceLevel.objects.values_list("first_answer_days", "decision_days").order_by("pk"))
    with pytest.raises(DomainError) as refused:
        services.service_level_set(by=national_officer, receiver_type="agency", kind="permit",
                                   first_answer_days=first, decision_days=decision)
    assert refused.value.field == field
    assert list(ServiceLevel.objects.values_list("first_answer_days", "decision_days").order_by("pk")) == before


def test_only_the_national_officer_sets_service_levels(county_officer, province_officer):
    for who in (county_officer, province_officer):
        with pytest.raises(PermissionDenied):
            services.service_level_set(by=who, receiver_type="agency", kind="permit", first_answer_days=1,
                                       decision_days=2)


def test_the_default_deadline_when_no_level_row_exists(desk, make_request, plain_calendar):
    ServiceLevel.objects.all().delete()
    r = sent(desk, make_request)
    assert r.first_answer_due == plain_calendar.add_working_days(at(7, 9), services.DEFAULT_LEVEL[0])
    assert r.decision_due == plain_calendar.add_working_days(at(7, 9), services.DEFAULT_LEVEL[1])


def test_deadlines_follow_the_calendar_the_desk_counts_on(desk, make_request, monkeypatch):
    """A holiday on the calendar pushes the deadline by a day (the calendar is workcal's, asked per request)."""
    from mardom.desk.workcal import WorkCalendar

    holiday = WorkCalendar(holidays=frozenset({datetime.date(2025, 6, 8)}))
    monkeypatch.setattr(services, "calendar_for", lambda **kw: holiday)
    r = sent(desk, make_request)
    assert r.first_answer_due == at(11, 9)  # Sunday the 8th off: one working day later
