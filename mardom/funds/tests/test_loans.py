from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mardom.core.errors import DomainError
from mardom.core.jalali import add_jalali_months
from mardom.funds import selectors, services
from mardom.funds.models import Guarantee, Loan, Membership
from mardom.ledger.models import Book
from mardom.ledger.verify import verify_book

TODAY = datetime.date(2024, 11, 5)  # 1403/08/15: more than six months after FOUNDED


def pay_up(treasurer, membership, until=TODAY):
    """Contributions for every month from the one after joining to last month."""
    from mardom.core.jalali import jalali_month_start, to_jalali

    day = jalali_month_start(membership.joined_on, 1)
    while jalali_month_start(day, 1) <= jalali_month_start(until):
        j = to_jalali(day)
        services.contribution_record(by=treasurer, membership=membership, year=j.year, month=j.month, paid_on=day,
                                     today=day)
        day = jalali_month_start(day, 1)


@pytest.fixture
def world(join, treasurer, make_user, make_person, base, fund, base_officer):
    borrower, guarantor, other = join(10_000_000), join(20_000_000), join(5_000_000)
    for m in (borrower, guarantor, other):
        pay_up(treasurer, m)
    manager = make_user(make_person(base), roles=[("fund_manager", fund)])
    return {
        "borrower": Membership.objects.get(pk=borrower.pk), "guarantor": Membership.objects.get(pk=guarantor.pk),
        "other": Membership.objects.get(pk=other.pk), "treasurer": treasurer, "manager": manager,
        "borrower_user": make_user(borrower.person), "guarantor_user": make_user(guarantor.person), "fund": fund,
    }


def apply(world, amount=20_000_000, months=10, **kw):
    return services.loan_apply(by=world["borrower_user"], membership=world["borrower"], amount=amount,
                               months=months, purpose="production", now=_now(), **kw)


def _now():
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(10)))


def approved_loan(world, amount=20_000_000):
    loan = apply(world, amount)
    needed = selectors.guarantee_needed(loan=loan)
    if needed:
        g = services.guarantee_request(by=world["borrower_user"], loan=loan, guarantor=world["guarantor"],
                                       amount=needed)
        services.guarantee_respond(by=world["guarantor_user"], guarantee=g, accept=True)
    services.loan_propose(by=world["treasurer"], loan=loan, now=_now())
    return services.loan_decide(by=world["manager"], loan=loan, approve=True, now=_now())


def verified(fund):
    return verify_book(Book.objects.get(unit=fund)) == []


def test_the_whole_life_of_a_loan(world):
    loan = approved_loan(world)
    assert loan.priority == Loan.Priority.PRODUCER
    loan = services.loan_disburse(by=world["treasurer"], loan=loan, on=TODAY, idempotency_key="d1", today=TODAY)
    assert loan.status == "disbursed" and loan.installments.count() == 10
    # The borrower's and the guarantor's savings are held while the loan is outstanding.
    assert services.withdrawable(Membership.objects.get(pk=world["borrower"].pk)) < world["borrower"].savings
    with pytest.raises(DomainError):
        services.withdrawal_record(by=world["treasurer"], membership=world["guarantor"],
                                   amount=world["guarantor"].savings, occurred_on=TODAY, idempotency_key="w",
                                   today=TODAY)
    for i in range(10):
        services.loan_repay(by=world["treasurer"], loan=loan, amount=2_000_000,
                            paid_on=add_jalali_months(TODAY, i + 1), idempotency_key=f"r{i}",
                            today=add_jalali_months(TODAY, i + 1))
    loan.refresh_from_db()
    assert loan.status == "repaid" and loan.account.balance == 0
    assert set(loan.guarantees.values_list("status", flat=True)) == {"released"}
    assert services.withdrawable(Membership.objects.get(pk=world["guarantor"].pk)) == world["guarantor"].savings
    assert verified(world["fund"])


def test_a_loan_above_the_ceiling_is_refused_beside_the_amount(world):
    with pytest.raises(DomainError) as error:
        apply(world, amount=world["borrower"].savings * 3 + 1)
    assert error.value.field == "amount"
    assert not Loan.objects.exists()


def test_too_many_months_is_refused(world):
    with pytest.raises(DomainError) as error:
        apply(world, months=25)
    assert error.value.field == "months"


def test_a_new_member_must_wait(world, join, treasurer):
    fresh = join(50_000_000, on=TODAY - datetime.timedelta(days=40))
    with pytest.raises(DomainError):
        services.loan_apply(by=treasurer, membership=fresh, amount=1_000_000, months=5, purpose="other", now=_now())


def test_unpaid_contributions_block_a_loan(world, join):
    late = join(50_000_000)  # joined at the founding, never paid a month since
    with pytest.raises(DomainError):
        services.loan_apply(by=world["treasurer"], membership=late, amount=1_000_000, months=5, purpose="other",
                            now=_now())


def test_one_open_loan_at_a_time(world):
    apply(world, 1_000_000)
    with pytest.raises(DomainError):
        apply(world, 1_000_000)


def test_guarantors_must_be_other_active_members_within_their_savings(world, join):
    loan = apply(world)
    with pytest.raises(DomainError):
        services.guarantee_request(by=world["treasurer"], loan=loan, guarantor=world["borrower"], amount=1_000)
    g = services.guarantee_request(by=world["treasurer"], loan=loan, guarantor=world["other"], amount=10_000_000)
    with pytest.raises(DomainError):  # only the guarantor answers
        services.guarantee_respond(by=world["treasurer"], guarantee=g, accept=True)
    with pytest.raises(DomainError):  # 10,000,000 is more than the 5,000,000 + contributions they hold
        services.guarantee_respond(by=_user_of(world["other"]), guarantee=g, accept=True)
    assert Guarantee.objects.get(pk=g.pk).status == "requested"


def _user_of(membership):
    from mardom.people.models import User

    return User.objects.get_or_create(username=membership.person.national_id,
                                      defaults={"person": membership.person})[0]


def test_a_loan_needs_enough_accepted_guarantees_to_be_proposed(world):
    loan = apply(world)
    with pytest.raises(DomainError):
        services.loan_propose(by=world["treasurer"], loan=loan, now=_now())
    assert Loan.objects.get(pk=loan.pk).status == "applied"


def test_whoever_proposes_cannot_approve(world, make_user, make_person, base, fund):
    loan = apply(world)
    g = services.guarantee_request(by=world["borrower_user"], loan=loan, guarantor=world["guarantor"],
                                   amount=loan.amount)
    services.guarantee_respond(by=world["guarantor_user"], guarantee=g, accept=True)
    both = make_user(make_person(base), roles=[("fund_manager", fund)])
    services.loan_propose(by=both, loan=loan, now=_now())
    with pytest.raises(DomainError):
        services.loan_decide(by=both, loan=loan, approve=True)
    assert Loan.objects.get(pk=loan.pk).status == "proposed"
    services.loan_decide(by=world["manager"], loan=loan, approve=True, now=_now())


def test_a_treasurer_cannot_approve(world):
    loan = approved_loan(world)
    assert loan.status == "approved"
    other = apply_for(world, world["other"], 1_000_000)
    services.loan_propose(by=world["manager"], loan=other, now=_now())
    with pytest.raises(PermissionDenied):
        services.loan_decide(by=world["treasurer"], loan=other, approve=True)


def apply_for(world, membership, amount):
    return services.loan_apply(by=world["treasurer"], membership=membership, amount=amount, months=5,
                               purpose="other", now=_now())


def test_the_queue_pays_emergencies_first_then_in_order(world):
    first = approved_loan(world, 5_000_000)
    emergency = services.loan_apply(by=world["treasurer"], membership=world["other"], amount=1_000_000, months=5,
                                    purpose="medical", priority=Loan.Priority.EMERGENCY, now=_now())
    services.loan_propose(by=world["treasurer"], loan=emergency, now=_now())
    services.loan_decide(by=world["manager"], loan=emergency, approve=True, now=_now())
    assert list(selectors.loan_queue(fund=world["fund"])) == [emergency, first]
    with pytest.raises(DomainError):
        services.loan_disburse(by=world["treasurer"], loan=first, on=TODAY, idempotency_key="d1", today=TODAY)
    services.loan_disburse(by=world["treasurer"], loan=emergency, on=TODAY, idempotency_key="d2", today=TODAY)
    services.loan_disburse(by=world["treasurer"], loan=first, on=TODAY, idempotency_key="d1", today=TODAY)
    assert verified(world["fund"])


def test_cash_never_pays_out_more_than_it_has(world):
    loan = approved_loan(world, 30_000_000)
    for who in ("other", "guarantor", "borrower"):  # members take out what they are free to take
        member = Membership.objects.get(pk=world[who].pk)
        free = services.withdrawable(member)
        if free:
            services.withdrawal_record(by=world["treasurer"], membership=member, amount=free, occurred_on=TODAY,
                                       idempotency_key=f"w-{who}", today=TODAY)
    assert selectors.fund_totals(fund=world["fund"])["cash"] < loan.amount
    with pytest.raises(DomainError):
        services.loan_disburse(by=world["treasurer"], loan=loan, on=TODAY, idempotency_key="d", today=TODAY)
    assert Loan.objects.get(pk=loan.pk).status == "approved"
    assert verified(world["fund"])


def test_repayment_above_what_is_owed_is_refused(world):
    loan = services.loan_disburse(by=world["treasurer"], loan=approved_loan(world), on=TODAY, idempotency_key="d",
                                  today=TODAY)
    with pytest.raises(DomainError) as error:
        services.loan_repay(by=world["treasurer"], loan=loan, amount=20_000_001, paid_on=TODAY, idempotency_key="r",
                            today=TODAY)
    assert error.value.field == "amount"
    services.loan_repay(by=world["treasurer"], loan=loan, amount=20_000_000, paid_on=TODAY, idempotency_key="r",
                        today=TODAY)
    services.loan_repay(by=world["treasurer"], loan=loan, amount=20_000_000, paid_on=TODAY, idempotency_key="r",
                        today=TODAY)
    assert Loan.objects.get(pk=loan.pk).status == "repaid"
    assert verified(world["fund"])


def test_upfront_fee_is_kept_back_from_what_the_member_receives(world, base_officer):
    from dataclasses import replace

    from django.utils import timezone

    from .conftest import RULES

    fund = world["fund"]
    services.rules_change(by=base_officer, fund=fund, effective_from=timezone.localdate(),
                          rules=replace(RULES, fee_policy="upfront", fee_permille=10))
    loan = approved_loan(world, 10_000_000)
    cash_before = selectors.fund_totals(fund=fund)["cash"]
    loan = services.loan_disburse(by=world["treasurer"], loan=loan, on=timezone.localdate(), idempotency_key="d",
                                  today=timezone.localdate())
    assert loan.fee == 100_000
    assert selectors.fund_totals(fund=fund)["cash"] == cash_before - 9_900_000
    assert selectors.fund_totals(fund=fund)["fees"] == 100_000
    assert sum(p.total for p in selectors.loan_plan(loan=loan)) == 10_000_000  # the member repays the loan only
    assert verified(fund)


def test_spread_fee_is_collected_with_installments(world, base_officer):
    from dataclasses import replace

    from django.utils import timezone

    from .conftest import RULES

    fund = world["fund"]
    services.rules_change(by=base_officer, fund=fund, effective_from=timezone.localdate(),
                          rules=replace(RULES, fee_policy="spread", fee_permille=20))
    loan = approved_loan(world, 10_000_000)
    on = timezone.localdate()
    loan = services.loan_disburse(by=world["treasurer"], loan=loan, on=on, idempotency_key="d", today=on)
    assert loan.fee == 200_000
    plan = selectors.loan_plan(loan=loan)
    assert sum(p.fee for p in plan) == 200_000
    services.loan_repay(by=world["treasurer"], loan=loan, amount=sum(p.total for p in plan), paid_on=on,
                        idempotency_key="all", today=on)
    assert selectors.fund_totals(fund=fund)["fees"] == 200_000
    assert verified(fund)


def test_arrears_and_par30_are_computed_from_facts(world):
    loan = services.loan_disburse(by=world["treasurer"], loan=approved_loan(world), on=TODAY, idempotency_key="d",
                                  today=TODAY)
    plan = selectors.loan_plan(loan=loan)
    late_day = plan[1].due_on + datetime.timedelta(days=31)
    services.loan_repay(by=world["treasurer"], loan=loan, amount=plan[0].total, paid_on=plan[0].due_on,
                        idempotency_key="r1", today=plan[0].due_on)
    state = selectors.loan_standing(loan=loan, on=late_day)
    assert state.days_past_due == 31
    book = selectors.portfolio(fund=world["fund"], on=late_day)
    assert book["par30"] == book["outstanding"] == 18_000_000 and book["par30_permille"] == 1000
    assert selectors.portfolio(fund=world["fund"], on=plan[1].due_on)["par30"] == 0


def test_write_off_and_forgiveness_are_explicit_entries(world):
    """Forgiveness takes two fund officers: the manager proposes with a reason, the treasurer confirms; only
    then is the loss posted."""
    loan = services.loan_disburse(by=world["treasurer"], loan=approved_loan(world), on=TODAY, idempotency_key="d",
                                  today=TODAY)
    with pytest.raises(PermissionDenied):
        services.loan_close_propose(by=world["treasurer"], loan=loan, kind="forgive", reason="x")
    with pytest.raises(DomainError):
        services.loan_close_propose(by=world["manager"], loan=loan, kind="forgive", reason="")
    closure = services.loan_close_propose(by=world["manager"], loan=loan, kind="forgive", reason="فوت وام‌گیرنده")
    loan.refresh_from_db()
    assert loan.status == "disbursed" and loan.account.__class__.objects.get(pk=loan.account.pk).balance > 0
    loan = services.loan_close_confirm(by=world["treasurer"], closure=closure, idempotency_key="f", on=TODAY,
                                       now=_now())
    assert loan.status == "forgiven" and loan.account.__class__.objects.get(pk=loan.account.pk).balance == 0
    assert loan.decision_note == "فوت وام‌گیرنده"
    assert verified(world["fund"])


def test_leaving_settles_what_is_owed_from_savings(world):
    loan = services.loan_disburse(by=world["treasurer"], loan=approved_loan(world, 5_000_000), on=TODAY,
                                  idempotency_key="d", today=TODAY)
    services.membership_leave(by=world["treasurer"], membership=world["borrower"], left_on=TODAY,
                              idempotency_key="leave", today=TODAY)
    loan.refresh_from_db()
    assert loan.status == "repaid"
    borrower = Membership.objects.get(pk=world["borrower"].pk)
    assert borrower.status == "left" and borrower.savings == 0
    assert verified(world["fund"])


def test_a_guarantor_cannot_leave_while_the_loan_is_open(world):
    approved_loan(world)
    with pytest.raises(DomainError):
        services.membership_leave(by=world["treasurer"], membership=world["guarantor"], left_on=TODAY,
                                  idempotency_key="leave", today=TODAY)


def test_late_charges_follow_the_rules_are_capped_and_go_to_charity(world, base_officer):
    from dataclasses import replace

    from django.utils import timezone

    from .conftest import RULES

    fund = world["fund"]
    loan = services.loan_disburse(by=world["treasurer"], loan=approved_loan(world), on=TODAY, idempotency_key="d",
                                  today=TODAY)
    plan = selectors.loan_plan(loan=loan)
    ninety_days_late = plan[0].due_on + datetime.timedelta(days=90)
    assert selectors.late_charges_due(loan=loan, on=ninety_days_late) == {}  # the rules have no late charge
    services.rules_change(by=base_officer, fund=fund, effective_from=timezone.localdate(),
                          rules=replace(RULES, late_policy="charity", late_charge=50_000, late_charge_cap=120_000))
    due = selectors.late_charges_due(loan=loan, on=timezone.localdate())
    assert due[1] == 120_000  # months late x 50,000, capped at 120,000
    with pytest.raises(DomainError):
        services.late_charge_collect(by=world["treasurer"], loan=loan, installment_number=1, amount=120_001,
                                     paid_on=timezone.localdate(), idempotency_key="lc", today=timezone.localdate())
    services.late_charge_collect(by=world["treasurer"], loan=loan, installment_number=1, amount=120_000,
                                 paid_on=timezone.localdate(), idempotency_key="lc", today=timezone.localdate())
    services.late_charge_collect(by=world["treasurer"], loan=loan, installment_number=1, amount=120_000,
                                 paid_on=timezone.localdate(), idempotency_key="lc",
                                 today=timezone.localdate())  # a retry
    assert selectors.fund_totals(fund=fund)["charity"] == 120_000
    assert 1 not in selectors.late_charges_due(loan=loan, on=timezone.localdate())
    assert verified(fund)


def test_late_months_counts_started_months():
    from mardom.funds.schedule import build_schedule, late_months

    plan = build_schedule(amount=3_000, months=3, disbursed_on=TODAY, unit=1, fee_policy="none", fee_permille=0)
    assert late_months(plan, paid=0, on=plan[0].due_on) == {}
    assert late_months(plan, paid=0, on=plan[0].due_on + datetime.timedelta(days=1)) == {1: 1}
    on = plan[0].due_on + datetime.timedelta(days=31)
    expected = {1: 2}
    if plan[1].due_on < on:  # a Jalali month can be 29 to 31 days
        expected[2] = -(-(on - plan[1].due_on).days // 30)
    assert late_months(plan, paid=0, on=on) == expected
    assert late_months(plan, paid=1_000, on=plan[1].due_on + datetime.timedelta(days=1)) == {2: 1}


loan_operations = st.lists(
    st.tuples(st.sampled_from(["lend", "repay", "withdraw", "forgive", "leave"]), st.integers(0, 2),
              st.integers(1, 30_000_000)),
    min_size=1, max_size=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=loan_operations)
def test_any_sequence_of_loan_operations_keeps_the_books_true(world, ops):
    """Random lending, repaying, withdrawing, forgiving and leaving, each refused or done, never leave the books
    unbalanced, a balance on the wrong side, or a loan owing other than its amount less what was repaid."""
    import contextlib

    who = [world["borrower"], world["guarantor"], world["other"]]
    run = Loan.objects.count() + Membership.objects.count()
    for i, (op, index, amount) in enumerate(ops):
        member = Membership.objects.get(pk=who[index].pk)
        key = f"p{run}-{i}"
        with contextlib.suppress(DomainError, PermissionDenied):
            if op == "lend":
                loan = services.loan_apply(by=world["treasurer"], membership=member, amount=amount, months=6,
                                           purpose="other", now=_now())
                services.loan_propose(by=world["treasurer"], loan=loan, now=_now())  # refused without guarantees
                services.loan_decide(by=world["manager"], loan=loan, approve=True, now=_now())
                services.loan_disburse(by=world["treasurer"], loan=loan, on=TODAY, idempotency_key=key, today=TODAY)
            elif op == "repay":
                loan = Loan.objects.filter(membership=member, status="disbursed").first()
                if loan:
                    services.loan_repay(by=world["treasurer"], loan=loan, amount=amount, paid_on=TODAY,
                                        idempotency_key=key, today=TODAY)
            elif op == "withdraw":
                services.withdrawal_record(by=world["treasurer"], membership=member, amount=amount, occurred_on=TODAY,
                                           idempotency_key=key, today=TODAY)
            elif op == "forgive":
                loan = Loan.objects.filter(membership=member, status="disbursed").first()
                if loan:
                    closure = services.loan_close_propose(by=world["manager"], loan=loan, kind="forgive",
                                                          reason="آزمون")
                    services.loan_close_confirm(by=world["treasurer"], closure=closure, idempotency_key=key,
                                                on=TODAY, now=_now())
            else:
                services.membership_leave(by=world["treasurer"], membership=member, left_on=TODAY,
                                          idempotency_key=key, today=TODAY)
        for loan in Loan.objects.filter(fund=world["fund"], status__in=["applied", "proposed", "approved"]):
            services.loan_cancel(by=world["treasurer"], loan=loan)
    assert verified(world["fund"])
    for loan in Loan.objects.filter(fund=world["fund"], status__in=["disbursed", "repaid"]).select_related("account"):
        repaid = sum(loan.repayments.values_list("principal", flat=True))
        assert loan.account.balance == loan.amount - repaid
    for membership in Membership.objects.filter(fund=world["fund"]):
        assert 0 <= services.withdrawable(membership) <= membership.savings


# --- the queue as members see it (/funds/<id>/queue/) --------------------------------------------------------
def test_a_member_sees_her_place_and_only_the_kind_of_the_others(client, world):
    mine = approved_loan(world, 5_000_000)
    emergency = services.loan_apply(by=world["treasurer"], membership=world["other"], amount=1_234_000, months=5,
                                    purpose="medical", priority=Loan.Priority.EMERGENCY, now=_now())
    services.loan_propose(by=world["treasurer"], loan=emergency, now=_now())
    services.loan_decide(by=world["manager"], loan=emergency, approve=True)

    client.force_login(world["borrower_user"])
    response = client.get(reverse("funds:queue", args=[world["fund"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    places = response.context["places"]
    assert [(p.position, p.mine) for p in places] == [(1, False), (2, True)]  # the emergency went ahead
    assert places[1].amount == mine.amount and places[0].amount is None and places[0].loan_id is None
    other = world["other"].person
    assert other.full_name not in html  # no private detail of the others
    assert reverse("funds:loan", args=[emergency.pk]) not in html
    assert reverse("funds:loan", args=[mine.pk]) in html
    assert 'data-test="my-place"' in html and "اضطراری" in html
    assert "نخست وام‌های اضطراری" in html  # the page says how the queue is ordered
    assert "۲" in html


def test_her_application_waiting_for_approval_is_explained(client, world):
    loan = services.loan_apply(by=world["borrower_user"], membership=world["borrower"], amount=2_000_000, months=5,
                               purpose="other", now=_now())
    client.force_login(world["borrower_user"])
    response = client.get(reverse("funds:queue", args=[world["fund"].pk]))
    assert list(response.context["waiting"]) == [loan]
    assert "هنوز در نوبت نیست" in response.content.decode()


def test_the_queue_is_closed_to_people_outside_the_fund(client, world, make_user, make_person, birjand):
    approved_loan(world, 5_000_000)
    url = reverse("funds:queue", args=[world["fund"].pk])
    outsider = make_user(make_person(birjand), roles=[("county_officer", birjand)])
    nobody = make_user(make_person(birjand))
    for user in (outsider, nobody):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_queue_page_costs_the_same_for_a_longer_queue(client, world, django_assert_max_num_queries):
    approved_loan(world, 5_000_000)
    client.force_login(world["borrower_user"])
    url = reverse("funds:queue", args=[world["fund"].pk])
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_a_running_loan_is_never_called_settled(client, world):
    """«تسویه‌شده» (settled) is a loan's end; a running loan's repaid amount and its paid-out status say
    something else, on the page and the member's statement alike."""
    loan = approved_loan(world, 5_000_000)
    services.loan_disburse(by=world["treasurer"], loan=loan, on=TODAY, idempotency_key="run-1", today=TODAY)
    client.force_login(world["treasurer"])
    page = client.get(reverse("funds:loan", args=[loan.pk])).content.decode()
    statement = client.get(reverse("funds:statement-member", args=[world["borrower"].pk])).content.decode()
    for html in (page, statement):
        assert "بازپرداخت‌شده تا امروز" in html
        assert "تسویه‌شده" not in html
    assert "واریزشده، در حال بازپرداخت" in page
