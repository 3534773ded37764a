"""Loans through the API: the schedule, repayments recorded once (by key and by offline command), never more than
is owed, nobody from another scope; the fund's books verify afterwards."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from mardom.funds import services
from mardom.funds.models import Repayment
from mardom.funds.tests.test_loans import TODAY, approved_loan, verified, world  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(world, time_machine):  # noqa: F811
    time_machine.move_to(timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(11))), tick=False)
    return services.loan_disburse(by=world["treasurer"], loan=approved_loan(world), on=TODAY, idempotency_key="d",
                                  today=TODAY)


def test_a_loan_with_its_schedule_and_a_repayment_posted_once(api, world, loan, make_token):  # noqa: F811
    token = make_token(world["treasurer"])
    detail = api.get(f"/api/v1/loans/{loan.pk}/", token).json()
    assert len(detail["schedule"]) == 10 and detail["remaining"] == 20_000_000 and detail["paid"] == 0
    assert detail["schedule"][0]["due_on_jalali"].startswith("1403-")
    first = api.post(f"/api/v1/loans/{loan.pk}/repayments/", {"amount": 2_000_000}, token, key="r1")
    again = api.post(f"/api/v1/loans/{loan.pk}/repayments/", {"amount": 2_000_000}, token, key="r1")
    assert (first.status_code, again.status_code) == (201, 201) and again.json() == first.json()
    command = {"id": str(uuid.uuid4()), "type": "repayment.record", "payload": {"loan": loan.pk, "amount": 1_000_000}}
    for _ in range(2):
        api.post("/api/v1/batch/", {"commands": [command]}, token)  # the same command under two keys
    assert sorted(Repayment.objects.filter(loan=loan).values_list("amount", flat=True)) == [1_000_000, 2_000_000]
    assert api.get(f"/api/v1/loans/{loan.pk}/", token).json()["remaining"] == 17_000_000
    assert verified(world["fund"])


def test_never_more_than_is_owed_and_never_from_another_scope(api, world, loan, make_token, birjand,  # noqa: F811
                                                              make_user, make_person):
    token = make_token(world["treasurer"])
    over = api.post(f"/api/v1/loans/{loan.pk}/repayments/", {"amount": 20_000_001}, token)
    assert over.status_code == 422 and over.json()["field"] == "amount"
    stranger = make_token(make_user(make_person(birjand), roles=[("county_officer", birjand)]))
    assert api.get(f"/api/v1/loans/{loan.pk}/", stranger).status_code == 404
    assert api.post(f"/api/v1/loans/{loan.pk}/repayments/", {"amount": 1_000}, stranger).status_code == 404
    borrower = make_token(world["borrower_user"])
    assert api.get(f"/api/v1/loans/{loan.pk}/", borrower).status_code == 200  # her own loan
    assert api.post(f"/api/v1/loans/{loan.pk}/repayments/", {"amount": 1_000}, borrower).status_code == 403
    assert not Repayment.objects.filter(loan=loan).exists()
    assert verified(world["fund"])
