"""Random sequences of fund operations, recorded on random days (so across Jalali months, some late), reversals
and closed meetings among them, with drains at random points: the rebuild from the facts always agrees with what
the writers rolled up."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mardom.core.errors import DomainError
from mardom.core.jalali import to_jalali
from mardom.dashboards import figures, rebuild, rollups
from mardom.dashboards.periods import ALL_TIME, month_of
from mardom.dashboards.sources.funds import par30_snapshot
from mardom.funds import figures as fund_figures
from mardom.funds import services
from mardom.funds.models import Contribution, Loan, Membership, Movement
from mardom.funds.tests.test_statements import TODAY, _now, approved_loan

operations = st.lists(st.tuples(
    st.integers(0, 200),  # days after the loan is paid out
    st.sampled_from(["contribute", "withdraw", "repay", "repay", "write_off", "leave", "drain", "snapshot",
                     "reverse_contribution", "reverse_withdrawal", "reverse_repayment", "close"]),
    st.integers(0, 2),  # which member
    st.integers(1, 9_000_000),  # an amount
), max_size=8)


def _members(people: dict[str, Any]) -> list[Membership]:
    return [Membership.objects.get(pk=people[name].pk) for name in ("borrower", "guarantor", "other")]


def _apply(people: dict[str, Any], loan: Loan, op: str, who: int, amount: int, day: datetime.date, i: int) -> None:
    treasurer, member = people["treasurer"], _members(people)[who]
    if op == "contribute":
        j = to_jalali(day)
        services.contribution_record(by=treasurer, membership=member, year=j.year, month=j.month, paid_on=day,
                                     today=day)
    elif op == "withdraw":
        services.withdrawal_record(by=treasurer, membership=member, amount=amount, occurred_on=day,
                                   idempotency_key=f"w-{i}", today=day)
    elif op == "repay":
        owed = loan.amount + loan.fee - fund_figures.loan_repaid(loan=loan, on=day)
        services.loan_repay(by=treasurer, loan=loan, amount=max(min(amount, owed), 1), paid_on=day,
                            idempotency_key=f"r-{i}", today=day)
    elif op == "write_off":
        closure = services.loan_close_propose(by=people["manager"], loan=loan, kind="write_off", reason="آزمون",
                                              now=_now(day))
        services.loan_close_confirm(by=treasurer, closure=closure, on=day, now=_now(day), idempotency_key=f"c-{i}")
    elif op == "leave":
        services.membership_leave(by=treasurer, membership=member, left_on=day, idempotency_key=f"l-{i}", today=day)
    elif op == "reverse_contribution":
        latest = Contribution.objects.filter(membership=member).live().order_by("-pk").first()
        if latest is not None:
            services.contribution_reverse(by=people["manager"], contribution=latest, reason="آزمون", today=day)
    elif op == "reverse_withdrawal":
        latest = (Movement.objects.filter(membership=member, kind=Movement.Kind.WITHDRAWAL).live().order_by("-pk")
                  .first())
        if latest is not None:
            services.withdrawal_reverse(by=people["manager"], movement=latest, reason="آزمون", today=day)
    elif op == "reverse_repayment":
        latest = services.reversible_repayment(loan=loan)
        if latest is not None:
            services.repayment_reverse(by=people["manager"], repayment=latest, reason="آزمون", today=day)
    elif op == "close":
        j = to_jalali(day)
        services.meeting_close(by=treasurer, fund=people["fund"], year=j.year, month=j.month, held_on=day, today=day)
    elif op == "drain":
        rollups.drain(batches=1)
    elif op == "snapshot":
        par30_snapshot(today=day, at=_now(day))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_the_rebuild_agrees_with_the_writers_after_any_sequence(world: dict[str, Any], ops: list[Any]) -> None:
    with transaction.atomic():
        loan = services.loan_disburse(by=world["treasurer"], loan=approved_loan(world), on=TODAY,
                                      idempotency_key=f"d-{Loan.objects.count()}", today=TODAY)
        last = _now(TODAY)
        for i, (offset, op, who, amount) in enumerate(sorted(ops)):
            day = TODAY + datetime.timedelta(days=offset)
            last = _now(day)
            with time_machine.travel(last, tick=False):
                loan.refresh_from_db()
                try:
                    with transaction.atomic():
                        _apply(world, loan, op, who, amount, day, i)
                except DomainError:
                    pass  # refused by the rules (a member who left, a loan closed): changes nothing
        with time_machine.travel(last, tick=False):
            assert rebuild.rebuild(write=False) == []
            fund = world["fund"]
            savings = sum(-m.savings_account.balance for m in Membership.objects.filter(fund=fund)
                          .select_related("savings_account"))
            nation = fund.ancestor_of_kind("nation")
            got = figures.table(units=[fund, nation], periods=[ALL_TIME, month_of(last)])
            assert got[(fund.pk, ALL_TIME, "funds.savings")] == got[(nation.pk, ALL_TIME, "funds.savings")] == savings
            running = Loan.objects.filter(pk=loan.pk, status=Loan.Status.DISBURSED).exists()
            outstanding = fund_figures.portfolio_stored(fund=fund, on=last.date())["outstanding"] if running else 0
            assert got[(fund.pk, ALL_TIME, "funds.outstanding")] == outstanding
        transaction.set_rollback(True)
