"""The home page as a fund's people see it: a member her funds, savings, loans, installments, guarantees asked
of her and her place in the queue; the manager what waits for his decision; nobody else's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mardom.funds import selectors, services
from mardom.funds.models import Loan, LoanClosure

from .conftest import FOUNDED, RULES
from .test_loans import TODAY, _now, apply, approved_loan
from .test_loans import world as world  # a fixture, used by name

pytestmark = pytest.mark.django_db


def _home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response, response.content.decode()


def test_a_member_sees_her_fund_savings_and_place_in_the_queue(client, world):
    loan = approved_loan(world, 5_000_000)
    response, html = _home(client, world["borrower_user"])
    member = response.context["member"]
    assert [m.pk for m in member.memberships] == [world["borrower"].pk]
    assert reverse("funds:membership", args=[world["borrower"].pk]) in html
    assert [(row.loan.pk, row.queue_position) for row in member.loans] == [(loan.pk, 1)]
    assert reverse("funds:queue", args=[world["fund"].pk]) in html
    assert 'data-test="queue-place"' in html and "۱" in html
    assert "هنوز نقشی ندارید" in html  # no role, but her work is there
    assert reverse("funds:loan", args=[loan.pk]) in html


def test_a_paid_out_loan_shows_the_next_installment_and_what_is_late(world):
    loan = approved_loan(world, 5_000_000)
    services.loan_disburse(by=world["treasurer"], loan=loan, on=TODAY, idempotency_key="d", today=TODAY)
    plan = selectors.loan_plan(loan=loan)
    late_day = plan[1].due_on  # the first two installments are due, nothing repaid
    row = selectors.home_member(user=world["borrower_user"], on=late_day).loans[0]
    assert row.overdue == plan[0].total + plan[1].total
    assert row.next_due_on == plan[2].due_on
    assert row.remaining == sum(p.total for p in plan)
    assert row.queue_position is None


def test_the_guarantor_sees_the_request_waiting_for_her(client, world):
    loan = apply(world, 20_000_000)
    services.guarantee_request(by=world["borrower_user"], loan=loan, guarantor=world["guarantor"],
                               amount=selectors.guarantee_needed(loan=loan))
    response, html = _home(client, world["guarantor_user"])
    assert 'data-test="guarantee-requests"' in html
    assert [g.loan_id for g in response.context["member"].guarantee_requests] == [loan.pk]
    # The borrower herself is not asked.
    response, html = _home(client, world["borrower_user"])
    assert 'data-test="guarantee-requests"' not in html


def _proposed(world):
    loan = apply(world, 5_000_000)
    services.loan_propose(by=world["treasurer"], loan=loan, now=_now())
    return loan


def test_the_manager_sees_loans_waiting_for_his_approval(client, world):
    loan = _proposed(world)
    response, html = _home(client, world["manager"])
    assert [x.pk for x in response.context["decisions"].loans] == [loan.pk]
    assert 'data-test="home-decisions"' in html and reverse("funds:loan", args=[loan.pk]) in html


@pytest.mark.parametrize("who", ["treasurer", "borrower_user", "guarantor_user", "outsider", "other_manager"])
def test_those_who_do_not_decide_are_not_shown_the_proposal(client, world, who, make_user, make_person, birjand):
    loan = _proposed(world)
    if who == "outsider":
        user = make_user(make_person(birjand), roles=[("county_officer", birjand)])
    elif who == "other_manager":  # the manager of another fund
        from mardom.orgs import services as orgs

        county_officer = make_user(make_person(birjand), roles=[("county_officer", birjand)])
        base = orgs.base_create(by=county_officer, county=birjand, name="پایگاه بیرجند", place=None)
        other = services.fund_create(by=county_officer, base=base, name="صندوق دیگر", founded_on=FOUNDED,
                                     rules=RULES)
        user = make_user(make_person(base), roles=[("fund_manager", other)])
    else:
        user = world[who]
    response, html = _home(client, user)
    assert not response.context["decisions"].loans
    assert 'data-test="home-decisions"' not in html
    assert Loan.objects.get(pk=loan.pk).status == Loan.Status.PROPOSED  # nothing changed


def test_a_closure_waits_for_the_second_officer_not_for_its_proposer(client, world):
    loan = services.loan_disburse(by=world["treasurer"], loan=approved_loan(world), on=TODAY, idempotency_key="d",
                                  today=TODAY)
    closure = services.loan_close_propose(by=world["manager"], loan=loan, kind="forgive", reason="فوت وام‌گیرنده")
    response, html = _home(client, world["treasurer"])
    assert [c.pk for c in response.context["decisions"].closures] == [closure.pk]
    assert 'data-test="home-closures"' in html
    response, html = _home(client, world["manager"])  # he proposed it
    assert not response.context["decisions"].closures
    response, html = _home(client, world["borrower_user"])
    assert not response.context["decisions"].closures
    assert LoanClosure.objects.get(pk=closure.pk).status == LoanClosure.Status.PENDING


def _arrange_proposed(world, join, n):
    """n more loans proposed for approval, each by another member (arranged directly: only the reading is
    under test)."""
    for _i in range(n):
        Loan.objects.create(fund=world["fund"], membership=join(), amount=1_000_000, months=5, purpose="other",
                            status=Loan.Status.PROPOSED, applied_at=_now(), applied_by=world["treasurer"],
                            proposed_by=world["treasurer"])


def _queries(client, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(queries), response


def test_the_home_page_costs_the_same_for_more_loans(client, world, join, django_assert_max_num_queries):
    approved_loan(world, 5_000_000)
    _arrange_proposed(world, join, 1)
    few, _response = _queries(client, world["manager"])
    member_few, _response = _queries(client, world["borrower_user"])
    _arrange_proposed(world, join, 14)
    many, response = _queries(client, world["manager"])
    decisions = response.context["decisions"]
    assert len(decisions.loans) == selectors.HOME_LIMIT and decisions.loans_more
    assert reverse("funds:list") in response.content.decode()  # "see all"
    assert many == few
    assert _queries(client, world["borrower_user"])[0] == member_few
    client.force_login(world["manager"])
    with django_assert_max_num_queries(25):
        client.get(reverse("home"))
    client.force_login(world["borrower_user"])
    with django_assert_max_num_queries(25):
        client.get(reverse("home"))
