from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mardom.core.jalali import from_jalali, to_jalali
from mardom.funds.schedule import allocate, build_schedule, fee_amount, standing

DAY = from_jalali(1404, 6, 31)

amounts = st.integers(min_value=1, max_value=10**12)
months = st.integers(min_value=1, max_value=120)
units = st.sampled_from([1, 1_000, 10_000, 100_000])
policies = st.sampled_from(["none", "upfront", "spread", "annual"])
permilles = st.integers(min_value=0, max_value=100)


def test_a_known_schedule():
    plan = build_schedule(amount=10_000_000, months=3, disbursed_on=DAY, unit=100_000, fee_policy="spread",
                          fee_permille=20)
    assert [p.principal for p in plan] == [3_300_000, 3_300_000, 3_400_000]
    assert [p.fee for p in plan] == [66_666, 66_666, 66_668]
    assert [to_jalali(p.due_on).strftime("%Y/%m/%d") for p in plan] == ["1404/07/30", "1404/08/30", "1404/09/30"]


@given(amount=amounts, n=months, unit=units, policy=policies, permille=permilles)
def test_principal_sums_to_the_loan_and_installments_are_equal_but_the_last(amount, n, unit, policy, permille):
    plan = build_schedule(amount=amount, months=n, disbursed_on=DAY, unit=unit, fee_policy=policy,
                          fee_permille=permille)
    assert len(plan) == n
    assert sum(p.principal for p in plan) == amount
    assert all(p.principal >= 0 and p.fee >= 0 for p in plan)
    assert len({p.principal for p in plan[:-1]}) <= 1
    assert plan[-1].principal >= plan[0].principal
    assert [p.due_on for p in plan] == sorted(p.due_on for p in plan)
    fees = sum(p.fee for p in plan)
    if policy in ("none", "upfront"):
        assert fees == 0
    if policy == "spread":
        assert fees == fee_amount(amount, permille)
    if policy == "annual":
        assert fees <= fee_amount(amount, permille) * ((n + 11) // 12)


@given(amount=amounts, n=months, unit=units, policy=policies, permille=permilles,
       cuts=st.lists(st.integers(min_value=1, max_value=10**12), max_size=30))
def test_any_repayments_split_exactly_into_fee_and_principal(amount, n, unit, policy, permille, cuts):
    plan = build_schedule(amount=amount, months=n, disbursed_on=DAY, unit=unit, fee_policy=policy,
                          fee_permille=permille)
    total = sum(p.total for p in plan)
    paid = principal = fee = 0
    for cut in cuts:
        payment = min(cut, total - paid)
        if payment == 0:
            break
        split = allocate(plan, already_paid=paid, payment=payment)
        assert split.principal + split.fee == payment
        principal, fee, paid = principal + split.principal, fee + split.fee, paid + payment
    assert principal <= amount and fee <= total - amount
    if paid == total:
        assert principal == amount
    with pytest.raises(ValueError):
        allocate(plan, already_paid=paid, payment=total - paid + 1)


def test_standing_counts_days_from_the_first_unpaid_installment():
    plan = build_schedule(amount=3_000_000, months=3, disbursed_on=DAY, unit=10_000, fee_policy="none",
                          fee_permille=0)
    second_due = plan[1].due_on
    now = second_due + datetime.timedelta(days=10)
    s = standing(plan, paid=1_000_000, on=now)
    assert s.days_past_due == 10 and s.overdue == 1_000_000 and s.overdue_installments == 1
    assert s.next_due_on == plan[2].due_on
    assert standing(plan, paid=2_000_000, on=now).days_past_due == 0
    assert standing(plan, paid=0, on=now).days_past_due == (now - plan[0].due_on).days
    assert standing(plan, paid=3_000_000, on=now).remaining == 0
