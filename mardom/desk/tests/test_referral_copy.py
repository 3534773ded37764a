"""The data migration that brings the old referrals to the desk (mardom/desk/referral_copy.py), run on a few
orgs.Referral rows written as they were before (directly: the old services are gone)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from mardom.desk.models import Request, RequestReferral, RequestStep
from mardom.desk.referral_copy import copy_referrals, remove_copies
from mardom.orgs import services as orgs
from mardom.orgs.models import Referral

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()
MADE = datetime.datetime(2025, 5, 3, 10, 0, tzinfo=TZ)
ANSWERED = datetime.datetime(2025, 5, 6, 11, 0, tzinfo=TZ)
NOW = datetime.datetime(2025, 6, 7, 9, 0, tzinfo=TZ)  # a Saturday: the referrals join the desk


@pytest.fixture
def old(qaenat_world: SimpleNamespace, make_person: Any) -> SimpleNamespace:
    w = qaenat_world
    person = make_person(w.base)

    def referral(status: str, to: Any, answer: str = "", **kw: Any) -> Referral:
        made = Referral.objects.create(from_unit=w.base, to_unit=to, person=kw.get("person"),
                                       need=kw.get("need", "loan"), subject=f"ارجاع {status}", status=status,
                                       answer=answer, created_by=w.officer)
        Referral.objects.filter(pk=made.pk).update(created_at=MADE, updated_at=ANSWERED)
        return made

    return SimpleNamespace(
        w=w, person=person,
        open=referral("open", w.institution, person=person),
        accepted=referral("accepted", w.group, answer="بررسی می‌شود", need="health"),
        declined=referral("declined", w.institution, answer="خارج از فصل"),
        done=referral("done", w.group, answer="انجام شد", need="construction"),
    )


def copy_of(referral: Referral) -> Request:
    return RequestReferral.objects.select_related("request").get(orgs_referral_id=referral.pk).request


def test_every_referral_becomes_a_desk_request_with_its_history(old: SimpleNamespace) -> None:
    before = Request.objects.filter(kind="referral").count()  # the world's own, made on the desk already

    assert copy_referrals(apps, now=NOW) == 4

    assert Request.objects.filter(kind="referral").count() == before + 4
    w = old.w
    opened = copy_of(old.open)
    assert (opened.status, opened.institution_id, opened.to_unit_id, opened.person_id) == (
        "submitted", w.institution.pk, None, old.person.pk)
    assert (opened.unit_id, opened.county_id, opened.path, opened.created_by_id) == (
        w.base.pk, w.county.pk, w.base.path, w.officer.pk)
    assert (opened.created_at, opened.submitted_at) == (MADE, MADE)
    # Deadlines start when it joins the desk, not when it was made: nothing late for time before they existed.
    assert opened.first_answer_due == datetime.datetime(2025, 6, 10, 9, 0, tzinfo=TZ)  # 3 working days
    assert NOW < opened.warn_at < opened.due_at == opened.first_answer_due
    assert not opened.first_answer_late and opened.escalation_level == 0
    assert opened.next_sweep_at == NOW  # the sweep plans it at its next run
    assert [s.action for s in opened.steps.order_by("pk")] == ["create", "submit"]
    assert str(old.open.pk) in opened.steps.get(action="create").note  # "copied from referral no. N"

    accepted = copy_of(old.accepted)
    assert (accepted.status, accepted.to_unit_id, accepted.first_answer_at) == ("in_review", w.group.pk, ANSWERED)
    assert accepted.referral.need == "health" and accepted.due_at == accepted.decision_due > NOW
    assert accepted.steps.get(action="review").note == "بررسی می‌شود"

    declined = copy_of(old.declined)
    assert (declined.status, declined.outcome, declined.refusal_reason, declined.refusal_text) == (
        "closed", "refused", "other", "خارج از فصل")
    assert declined.due_at is None and declined.next_sweep_at is None and declined.closed_at == ANSWERED
    assert [s.action for s in declined.steps.order_by("pk")] == ["create", "submit", "answer", "close"]

    done = copy_of(old.done)
    assert (done.status, done.outcome, done.answer_text) == ("closed", "granted", "انجام شد")


def test_run_twice_it_copies_once_and_the_referrals_are_left_as_they_were(old: SimpleNamespace) -> None:
    copy_referrals(apps, now=NOW)
    steps = RequestStep.objects.count()
    assert copy_referrals(apps, now=NOW) == 0
    assert RequestStep.objects.count() == steps
    assert Referral.objects.get(pk=old.accepted.pk).status == "accepted"


def test_the_copies_answer_through_the_desk_and_can_be_removed(old: SimpleNamespace, make_user: Any,
                                                               make_person: Any) -> None:
    copy_referrals(apps, now=NOW)
    w = old.w
    leader = make_user(make_person(w.county), roles=[("group_leader", w.group)])
    accepted = orgs.referral_set_status(by=leader, referral=copy_of(old.accepted), status="done",
                                        answer="ویزیت شد", now=NOW)
    assert (accepted.status, accepted.outcome) == ("answered", "granted")

    own = set(Request.objects.filter(kind="referral").exclude(referral__orgs_referral_id__isnull=False)
              .values_list("pk", flat=True))
    remove_copies(apps)
    assert not RequestReferral.objects.filter(orgs_referral_id__isnull=False).exists()
    assert set(Request.objects.filter(kind="referral").values_list("pk", flat=True)) == own
    assert Referral.objects.count() == 4
