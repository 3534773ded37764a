"""Installment schedules and what a loan owes on a given day: pure functions over integers, so they are
tested exhaustively (hypothesis) and recomputed from facts whenever they are read: no nightly batch.

Rules (Qard al-Hasan: no interest, only a service fee the fund's rules allow):
- principal in equal installments rounded down to the fund's rounding unit, the remainder on the last;
- the fee (per thousand of the loan) is taken upfront at disbursement, spread over the installments
  (equal parts, remainder on the last), or once a year on the principal outstanding at the start of that
  year's first installment;
- installments fall due on the same Jalali day of each following month (clamped to the month's length);
- repayments are applied to installments in order, each installment's fee before its principal.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from mardom.core.jalali import add_jalali_months


@dataclass(frozen=True)
class Planned:
    number: int
    due_on: datetime.date
    principal: int
    fee: int

    @property
    def total(self) -> int:
        return self.principal + self.fee


def fee_amount(amount: int, permille: int) -> int:
    """The fee on `amount` at `permille` per thousand, rounded down to the rial (never in the fund's favour)."""
    return amount * permille // 1000


def _split(total: int, parts: int, unit: int) -> list[int]:
    """`parts` equal shares of `total` rounded down to `unit`, the remainder on the last share."""
    if parts <= 0:
        raise ValueError("parts must be positive")
    share = total // parts // unit * unit if unit > 0 else total // parts
    if share == 0:
        share = total // parts  # a loan too small for the unit: keep shares equal rather than all on the last
    return [share] * (parts - 1) + [total - share * (parts - 1)]


def build_schedule(*, amount: int, months: int, disbursed_on: datetime.date, unit: int, fee_policy: str,
                   fee_permille: int) -> list[Planned]:
    if amount <= 0 or months <= 0:
        raise ValueError("amount and months must be positive")
    principals = _split(amount, months, unit)
    fees = [0] * months
    if fee_policy == "spread":
        fees = _split(fee_amount(amount, fee_permille), months, 1)
    elif fee_policy == "annual":
        outstanding = amount
        for i, principal in enumerate(principals):
            if i % 12 == 0:
                fees[i] = fee_amount(outstanding, fee_permille)
            outstanding -= principal
    return [
        Planned(number=i + 1, due_on=add_jalali_months(disbursed_on, i + 1), principal=principals[i], fee=fees[i])
        for i in range(months)
    ]


@dataclass(frozen=True)
class Allocation:
    principal: int
    fee: int


def allocate(plan: Sequence[Planned], *, already_paid: int, payment: int) -> Allocation:
    """Split `payment` into fee and principal, given what was paid before; installments in order, each
    installment's fee first. Raises ValueError if the payment exceeds what remains."""
    if payment <= 0:
        raise ValueError("payment must be positive")
    remaining_before = sum(p.total for p in plan) - already_paid
    if payment > remaining_before:
        raise ValueError("payment exceeds what is owed")
    skip, fee, principal, left = already_paid, 0, 0, payment
    for item in plan:
        for part, size in (("fee", item.fee), ("principal", item.principal)):
            covered = min(skip, size)
            skip -= covered
            take = min(left, size - covered)
            left -= take
            if part == "fee":
                fee += take
            else:
                principal += take
        if left == 0:
            break
    return Allocation(principal=principal, fee=fee)


@dataclass(frozen=True)
class Standing:
    """Where a loan stands on a day, from its schedule and the total repaid."""

    due_so_far: int
    paid: int
    overdue: int
    days_past_due: int
    overdue_installments: int
    next_due_on: datetime.date | None
    remaining: int


def standing(plan: Sequence[Planned], *, paid: int, on: datetime.date) -> Standing:
    cumulative, due_so_far = 0, 0
    first_unpaid_due: datetime.date | None = None
    overdue_count = 0
    next_due: datetime.date | None = None
    for item in plan:
        cumulative += item.total
        if item.due_on <= on:
            due_so_far = cumulative
            if cumulative > paid:
                overdue_count += 1
                if first_unpaid_due is None:
                    first_unpaid_due = item.due_on
        elif next_due is None and cumulative > paid:
            next_due = item.due_on
    days = (on - first_unpaid_due).days if first_unpaid_due else 0
    return Standing(due_so_far=due_so_far, paid=paid, overdue=max(0, due_so_far - paid), days_past_due=days,
                    overdue_installments=overdue_count, next_due_on=next_due,
                    remaining=sum(p.total for p in plan) - paid)


def late_months(plan: Sequence[Planned], *, paid: int, on: datetime.date) -> dict[int, int]:
    """For each installment not covered by `paid` and past due on `on`: the number of started months
    (30-day periods) it is late. Covered or not-yet-due installments are absent."""
    result: dict[int, int] = {}
    cumulative = 0
    for item in plan:
        cumulative += item.total
        if cumulative > paid and item.due_on < on:
            result[item.number] = -(-(on - item.due_on).days // 30)
    return result
