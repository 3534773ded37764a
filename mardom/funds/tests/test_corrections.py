"""Reversals of contributions, withdrawals, repayments and late charges, and closing a meeting: what each does to
the books, and who may not do it (asserted on the database, not only on the exception)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from mardom.core.errors import DomainError
from mardom.core.jalali import to_jalali
from mardom.core.models import AuditEntry
from mardom.dashboards import rebuild, rollups
from mardom.funds import selectors, services
from mardom.funds.models import Contribution, LateCharge, Loan, MeetingClose, Membership, Movement, Repayment
from mardom.ledger.models import Entry

from .test_loans import TODAY, approved_loan, verified, world  # noqa: F401 (a fixture)

J = to_jalali(TODAY)  # 1403/08/15


@pytest.fixture
def w(world: dict[str, Any]) -> dict[str, Any]:  # noqa: F811 - the imported fixture
    """test_loans' world: three members paid up to last month, a treasurer and a manager."""
    return world


def _entries(fund: Any) -> int:
    return Entry.objects.filter(book__unit=fund).count()


def _record(w: Any, membership: Any, *, month: int = J.month, on: datetime.date = TODAY) -> Contribution:
    return services.contribution_record(by=w["treasurer"], membership=membership, year=J.year, month=month,
                                        paid_on=on, today=on)


def _loan(w: Any) -> Loan:
    return services.loan_disburse(by=w["treasurer"], loan=approved_loan(w), on=TODAY, idempotency_key="d",
                                  today=TODAY)


def _repay(w: Any, loan: Loan, amount: int, key: str, on: datetime.date = TODAY) -> Repayment:
    return services.loan_repay(by=w["treasurer"], loan=loan, amount=amount, paid_on=on, idempotency_key=key,
                               today=on)


def _charge(w: Any, loan: Loan, base_officer: Any) -> LateCharge:
    """A late charge on the loan's first installment, taken today (the rules charge 50,000 a month late, up to
    120,000; the installment, due months ago by the real calendar, is late)."""
    from dataclasses import replace

    from django.utils import timezone

    from .conftest import RULES

    today = timezone.localdate()
    services.rules_change(by=base_officer, fund=w["fund"], effective_from=today,
                          rules=replace(RULES, late_policy="charity", late_charge=50_000, late_charge_cap=120_000))
    return services.late_charge_collect(by=w["treasurer"], loan=loan, installment_number=1, amount=120_000,
                                        paid_on=today, idempotency_key="lc", today=today)


# --- contributions ------------------------------------------------------------------------------------------
def test_a_reversed_contribution_leaves_the_month_unpaid_and_it_can_be_paid_again(w: Any) -> None:
    member = w["other"]
    savings = Membership.objects.get(pk=member.pk).savings
    first = _record(w, member)
    assert member.pk not in {m.pk for m in selectors.unpaid_members(fund=w["fund"], year=J.year, month=J.month)}
    services.contribution_reverse(by=w["treasurer"], contribution=first, reason="ثبت برای عضو اشتباه", today=TODAY)
    assert Membership.objects.get(pk=member.pk).savings == savings
    assert member.pk in {m.pk for m in selectors.unpaid_members(fund=w["fund"], year=J.year, month=J.month)}
    entries = _entries(w["fund"])
    services.contribution_reverse(by=w["treasurer"], contribution=first, reason="دوباره", today=TODAY)
    assert _entries(w["fund"]) == entries  # asked twice, reversed once
    again = _record(w, member)
    assert again.pk != first.pk and again.attempt == 1
    assert _record(w, member).pk == again.pk  # the live one is found: the month is not paid twice
    assert Membership.objects.get(pk=member.pk).savings == savings + again.amount
    assert [c.reversed_on for c in selectors.contribution_history(membership=member)][:2] == [None, TODAY]
    audit = AuditEntry.objects.get(action="contribution.reverse")
    assert audit.after["reason"] == "ثبت برای عضو اشتباه" and audit.actor == w["treasurer"]
    assert verified(w["fund"])


def test_a_reversal_needs_a_reason_and_changes_nothing_without_one(w: Any) -> None:
    contribution = _record(w, w["other"])
    entries = _entries(w["fund"])
    with pytest.raises(DomainError) as error:
        services.contribution_reverse(by=w["treasurer"], contribution=contribution, reason="  ", today=TODAY)
    assert error.value.field == "reason"
    assert _entries(w["fund"]) == entries


def test_the_whole_month_recorded_at_once_skips_only_live_contributions(w: Any) -> None:
    member = w["other"]
    first = _record(w, member, month=J.month + 1)
    services.contribution_reverse(by=w["treasurer"], contribution=first, reason="اشتباه", today=TODAY)
    for record in (services.contributions_record_month, services.contributions_record_month_bulk):
        done = record(by=w["treasurer"], fund=w["fund"], year=J.year, month=J.month + 1, paid_on=TODAY,
                      memberships=[member], today=TODAY)
        assert [c.attempt for c in done] == [1]
    assert Contribution.objects.filter(membership=member, year=J.year, month=J.month + 1).live().count() == 1
    assert verified(w["fund"])


def test_savings_a_guarantee_holds_cannot_be_taken_back_by_a_reversal(w: Any) -> None:
    guarantor = w["guarantor"]
    contribution = _record(w, guarantor)
    _loan(w)  # the guarantor now vouches for most of the loan
    entries = _entries(w["fund"])
    services.withdrawal_record(by=w["treasurer"], membership=guarantor,
                               amount=services.withdrawable(Membership.objects.get(pk=guarantor.pk)),
                               occurred_on=TODAY, idempotency_key="all-free", today=TODAY)
    with pytest.raises(DomainError):
        services.contribution_reverse(by=w["treasurer"], contribution=contribution, reason="اشتباه", today=TODAY)
    assert _entries(w["fund"]) == entries + 1  # the withdrawal only
    assert Contribution.objects.filter(pk=contribution.pk).live().exists()


@pytest.mark.parametrize("who", ["member", "auditor", "other_treasurer", "base_officer"])
def test_no_one_but_the_funds_treasury_reverses_money(w: Any, who: str, make_user: Any, make_person: Any,
                                                      auditor: Any, base_officer: Any, base: Any) -> None:
    loan = _loan(w)
    repayment = _repay(w, loan, 1_000_000, "r1")
    contribution = _record(w, w["other"])
    withdrawal = services.withdrawal_record(by=w["treasurer"], membership=w["other"], amount=100_000,
                                            occurred_on=TODAY, idempotency_key="w", today=TODAY)
    charge = _charge(w, loan, base_officer)
    if who == "other_treasurer":
        other_fund = services.fund_create(by=base_officer, base=base, name="صندوق دیگر", founded_on=TODAY,
                                          rules=services.RulesInput(monthly_contribution=100_000,
                                                                    min_months_before_loan=6,
                                                                    loan_savings_multiple=3, loan_cap=10_000_000))
        user = make_user(make_person(base), roles=[("fund_treasurer", other_fund)])
    else:
        user = {"member": w["borrower_user"], "auditor": auditor, "base_officer": base_officer}[who]
    entries, audits = _entries(w["fund"]), AuditEntry.objects.count()
    for call in (lambda: services.contribution_reverse(by=user, contribution=contribution, reason="x", today=TODAY),
                 lambda: services.withdrawal_reverse(by=user, movement=withdrawal, reason="x", today=TODAY),
                 lambda: services.repayment_reverse(by=user, repayment=repayment, reason="x", today=TODAY),
                 lambda: services.late_charge_reverse(by=user, charge=charge, reason="x"),
                 lambda: services.meeting_close(by=user, fund=w["fund"], year=J.year, month=J.month,
                                                held_on=TODAY, today=TODAY)):
        with pytest.raises(PermissionDenied):
            call()
    assert (_entries(w["fund"]), AuditEntry.objects.count()) == (entries, audits)
    assert not MeetingClose.objects.exists()
    assert Contribution.objects.filter(pk=contribution.pk).live().exists()
    assert Repayment.objects.filter(pk=repayment.pk).live().exists()
    assert LateCharge.objects.filter(pk=charge.pk).live().exists()


# --- withdrawals ---------------------------------------------------------------------------------------------
def test_a_reversed_withdrawal_returns_the_money_to_the_members_savings(w: Any) -> None:
    member = w["other"]
    savings = Membership.objects.get(pk=member.pk).savings
    withdrawal = services.withdrawal_record(by=w["treasurer"], membership=member, amount=300_000,
                                            occurred_on=TODAY, idempotency_key="w", today=TODAY)
    services.withdrawal_reverse(by=w["treasurer"], movement=withdrawal, reason="مبلغ اشتباه", today=TODAY)
    assert Membership.objects.get(pk=member.pk).savings == savings
    assert not Movement.objects.filter(pk=withdrawal.pk).live().exists()
    opening = Movement.objects.get(membership=member, kind=Movement.Kind.OPENING)
    with pytest.raises(DomainError):
        services.withdrawal_reverse(by=w["treasurer"], movement=opening, reason="x", today=TODAY)
    assert verified(w["fund"])


# --- repayments ----------------------------------------------------------------------------------------------
def test_only_the_latest_repayment_is_reversed_and_the_loan_owes_it_again(w: Any) -> None:
    loan = _loan(w)
    first = _repay(w, loan, 2_000_000, "r1")
    second = _repay(w, loan, 1_500_000, "r2")
    owed = selectors.loan_standing(loan=loan, on=TODAY)
    entries = _entries(w["fund"])
    with pytest.raises(DomainError):
        services.repayment_reverse(by=w["treasurer"], repayment=first, reason="اشتباه", today=TODAY)
    assert _entries(w["fund"]) == entries
    assert services.reversible_repayment(loan=loan) == second
    services.repayment_reverse(by=w["treasurer"], repayment=second, reason="اشتباه", today=TODAY)
    assert services.reversible_repayment(loan=loan) == first
    loan.refresh_from_db()
    assert loan.account.balance == 20_000_000 - first.principal
    assert selectors.loan_standing(loan=loan, on=TODAY) != owed
    assert [r.reversed_on for r in selectors.repayment_history(loan=loan)] == [None, TODAY]
    # The reversed amount can be repaid again, and the whole loan still closes at exactly what it owes.
    _repay(w, loan, 18_000_000, "r3")
    loan.refresh_from_db()
    assert loan.status == Loan.Status.REPAID and loan.account.balance == 0
    assert verified(w["fund"])


# --- late charges -------------------------------------------------------------------------------------------
def test_a_reversed_late_charge_leaves_the_charity_account_and_may_be_collected_again(w: Any, base_officer: Any
                                                                                      ) -> None:
    from django.utils import timezone

    fund, loan = w["fund"], _loan(w)
    cash = selectors.fund_totals(fund=fund)["cash"]
    charge = _charge(w, loan, base_officer)
    assert selectors.fund_totals(fund=fund)["charity"] == 120_000 and 1 not in selectors.late_charges_due(
        loan=loan, on=timezone.localdate())
    with pytest.raises(DomainError) as refused:
        services.late_charge_reverse(by=w["treasurer"], charge=charge, reason="  ")
    assert refused.value.field == "reason" and LateCharge.objects.filter(pk=charge.pk).live().exists()
    services.late_charge_reverse(by=w["treasurer"], charge=charge, reason="قسط به موقع پرداخت شده بود")
    entries = _entries(fund)
    services.late_charge_reverse(by=w["treasurer"], charge=charge, reason="دوباره")  # asking twice: once
    assert _entries(fund) == entries
    totals = selectors.fund_totals(fund=fund)
    assert totals["charity"] == 0 and totals["cash"] == cash
    assert not LateCharge.objects.filter(pk=charge.pk).live().exists()
    assert selectors.late_charges_due(loan=loan, on=timezone.localdate())[1] == 120_000  # due again
    audit = AuditEntry.objects.filter(action="loan.late_charge.reverse").get()
    assert audit.after["reason"] == "قسط به موقع پرداخت شده بود" and audit.after["amount"] == 120_000
    assert verified(fund)


def test_after_the_close_the_recorder_of_a_late_charge_leaves_it_to_another_officer(w: Any, base_officer: Any
                                                                                     ) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    charge = _charge(w, _loan(w), base_officer)
    j = to_jalali(today)
    services.meeting_close(by=w["treasurer"], fund=w["fund"], year=j.year, month=j.month, held_on=today, today=today)
    entries = _entries(w["fund"])
    with pytest.raises(DomainError):
        services.late_charge_reverse(by=w["treasurer"], charge=charge, reason="اشتباه")
    assert _entries(w["fund"]) == entries and LateCharge.objects.filter(pk=charge.pk).live().exists()
    services.late_charge_reverse(by=w["manager"], charge=charge, reason="اشتباه")
    assert not LateCharge.objects.filter(pk=charge.pk).live().exists()


def test_a_repayment_that_settled_the_loan_is_not_reversed(w: Any) -> None:
    loan = _loan(w)
    last = _repay(w, loan, 20_000_000, "all")
    with pytest.raises(DomainError):
        services.repayment_reverse(by=w["treasurer"], repayment=last, reason="اشتباه", today=TODAY)
    loan.refresh_from_db()
    assert loan.status == Loan.Status.REPAID and Repayment.objects.filter(pk=last.pk).live().exists()


# --- closing the meeting --------------------------------------------------------------------------------------
def test_a_closed_meeting_accepts_only_reversals(w: Any) -> None:
    fund, treasurer, manager = w["fund"], w["treasurer"], w["manager"]
    loan = _loan(w)
    repayment = _repay(w, loan, 1_000_000, "r1")
    paid = _record(w, w["other"])
    close = services.meeting_close(by=treasurer, fund=fund, year=J.year, month=J.month, held_on=TODAY, today=TODAY)
    assert close.summary["contributions"] == 1 and close.summary["repayments"] == 1
    assert services.meeting_close(by=treasurer, fund=fund, year=J.year, month=J.month, held_on=TODAY,
                                  today=TODAY) == close  # closing it again is the same close
    entries = _entries(fund)
    refused = [
        lambda: _record(w, w["guarantor"]),
        lambda: services.contributions_record_month(by=treasurer, fund=fund, year=J.year, month=J.month,
                                                    paid_on=TODAY, memberships=[w["guarantor"]], today=TODAY),
        lambda: services.contributions_record_month_bulk(by=treasurer, fund=fund, year=J.year, month=J.month,
                                                         paid_on=TODAY, memberships=[w["guarantor"]], today=TODAY),
        lambda: _repay(w, loan, 500_000, "r2"),
        lambda: services.withdrawal_record(by=treasurer, membership=w["guarantor"], amount=100_000,
                                           occurred_on=TODAY, idempotency_key="w", today=TODAY),
        # The manager is held to the meeting's day as well: it is the books' date, not a rank.
        lambda: services.contribution_record(by=manager, membership=w["guarantor"], year=J.year, month=J.month,
                                             paid_on=TODAY - datetime.timedelta(days=2), today=TODAY),
    ]
    for call in refused:
        with pytest.raises(DomainError) as error:
            call()
        assert error.value.field in {"paid_on", "occurred_on"}
        assert "بسته" in str(error.value.message)
    assert _entries(fund) == entries
    # Whoever recorded a payment does not undo it alone once the meeting is closed; another officer does.
    with pytest.raises(DomainError):
        services.contribution_reverse(by=treasurer, contribution=paid, reason="اشتباه", today=TODAY)
    assert _entries(fund) == entries
    services.contribution_reverse(by=manager, contribution=paid, reason="اشتباه", today=TODAY)
    services.repayment_reverse(by=manager, repayment=repayment, reason="اشتباه", today=TODAY)
    assert _entries(fund) == entries + 2
    # A member who pays after the meeting pays on a later day, for the same month.
    later = TODAY + datetime.timedelta(days=1)
    assert _record(w, w["guarantor"], on=later).paid_on == later
    assert MeetingClose.objects.get(pk=close.pk).summary == close.summary  # the meeting's figures stay as closed
    assert verified(fund)


def test_a_meeting_is_closed_in_order_and_never_for_a_day_to_come(w: Any) -> None:
    fund, treasurer = w["fund"], w["treasurer"]
    for month, held_on, field in ((J.month, TODAY + datetime.timedelta(days=1), "held_on"),
                                  (J.month + 1, TODAY, "held_on"),  # before the month it is for began
                                  (13, TODAY, "month")):
        with pytest.raises(DomainError) as error:
            services.meeting_close(by=treasurer, fund=fund, year=J.year, month=month, held_on=held_on, today=TODAY)
        assert error.value.field == field
    services.meeting_close(by=treasurer, fund=fund, year=J.year, month=J.month, held_on=TODAY, today=TODAY)
    with pytest.raises(DomainError):
        services.meeting_close(by=treasurer, fund=fund, year=J.year, month=J.month - 1,
                               held_on=TODAY - datetime.timedelta(days=20), today=TODAY)
    assert MeetingClose.objects.count() == 1


def test_reversals_roll_up_as_the_rebuild_recomputes_them(w: Any) -> None:
    loan = _loan(w)
    repayment = _repay(w, loan, 1_000_000, "r1")
    contribution = _record(w, w["other"])
    withdrawal = services.withdrawal_record(by=w["treasurer"], membership=w["other"], amount=100_000,
                                            occurred_on=TODAY, idempotency_key="w", today=TODAY)
    services.contribution_reverse(by=w["treasurer"], contribution=contribution, reason="x", today=TODAY)
    services.withdrawal_reverse(by=w["treasurer"], movement=withdrawal, reason="x", today=TODAY)
    services.repayment_reverse(by=w["treasurer"], repayment=repayment, reason="x", today=TODAY)
    rollups.drain()
    assert rebuild.rebuild(write=False) == []
