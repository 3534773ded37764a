"""A fund's figures, one definition each, for a given day: what the loans page, the fund page, the statements
and their PDFs, and other modules' roll-ups show. Nothing else computes them.

Every figure is "as it stood at the end of `on`". There are two ways to compute one, and they must agree on
today (tests/test_figures.py checks it over random repayment histories):

* today's path reads stored balances and statuses (`Account.balance`, `Loan.status`), so it costs what one
  fund's running loans or members are, not what history holds;
* a past day's path reads the postings and repayments up to that day (`Entry.occurred_on`), so a statement
  of an old month does not change when later money moves.

`portfolio` / `savings_total` / `members` take `today` and choose; no posting can be dated after today, so
the stored balances are the postings up to today.

The definitions:

* a loan is **running** on a day when it was paid out by then and, on that day, was neither repaid in full
  (its schedule's principal and fee) nor closed (forgiven or written off);
* **loans outstanding**: how many loans are running;
* **principal outstanding**: the balance of the running loans' accounts (principal still owed; the fee is
  income, not a receivable);
* **loans late**: running loans with some installment fallen due on or before the day and not covered by the
  repayments up to that day (repayments cover installments in order);
* **arrears**: what of those installments (principal and fee) is due and unpaid on that day;
* **PAR30**: the principal outstanding of the running loans more than 30 days late, also in per mille of the
  principal outstanding;
* **repaid**: repayments with their day in the period, split into principal and fee;
* **members' savings**: the balance of every member's savings account (what the fund owes its members,
  the liability of the balance sheet), whatever the membership's status;
* **members**: memberships joined on or before the day and not left by then (a member who leaves on a day
  no longer counts on it);
* **savings held** (one member): what of a member's savings may not leave the fund, see `savings_held`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from mardom.ledger.models import Account, Posting

from .models import Fund, Guarantee, Installment, Loan, LoanClosure, Membership, Repayment
from .schedule import Planned, standing

# Days after which a late loan's principal counts as at risk.
PAR_DAYS = 30
# Loans that hold savings (the borrower's or a guarantor's) while they are in one of these states.
PENDING = ("applied", "proposed", "approved")
CLOSED_KINDS = ("forgiveness", "write_off")


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


# --- loans ------------------------------------------------------------------------------------------------
def _plans(loan_ids: list[int]) -> dict[int, list[Planned]]:
    plans: dict[int, list[Planned]] = defaultdict(list)
    for loan_id, number, due_on, principal, fee in Installment.objects.filter(loan_id__in=loan_ids).order_by(
            "loan_id", "number").values_list("loan_id", "number", "due_on", "principal", "fee"):
        plans[loan_id].append(Planned(number, due_on, principal, fee))
    return plans


def _paid(loan_ids: list[int], on: datetime.date | None) -> dict[int, int]:
    repayments = Repayment.objects.filter(loan_id__in=loan_ids).live(on)
    if on is not None:
        repayments = repayments.filter(paid_on__lte=on)
    return dict(repayments.values("loan_id").annotate(s=Sum("amount")).values_list("loan_id", "s"))


def _summarise(rows: list[tuple[int, int]], plans: dict[int, list[Planned]], paid: dict[int, int],
               on: datetime.date) -> dict[str, Any]:
    """The portfolio figures from (loan, principal outstanding) of the running loans, with the day they are of."""
    outstanding = at_risk = late = arrears = 0
    for loan_id, balance in rows:
        outstanding += balance
        state = standing(plans.get(loan_id, []), paid=paid.get(loan_id, 0), on=on)
        if state.days_past_due > 0:
            late += 1
            arrears += state.overdue
        if state.days_past_due > PAR_DAYS:
            at_risk += balance
    return {"on": on, "loans": len(rows), "outstanding": outstanding, "late": late, "arrears": arrears,
            "par30": at_risk, "par30_permille": at_risk * 1000 // outstanding if outstanding else 0}


def portfolio_stored(*, fund: Fund, on: datetime.date) -> dict[str, Any]:
    """Today's path: the loans whose status is still paid out, their stored balances, every repayment; lateness
    is judged on `on`. Reads only the fund's running loans."""
    loans = list(Loan.objects.filter(fund=fund, status=Loan.Status.DISBURSED).values_list("pk", "account__balance"))
    ids = [pk for pk, _balance in loans]
    return _summarise([(pk, balance or 0) for pk, balance in loans], _plans(ids), _paid(ids, None), on)


def portfolio_posted(*, fund: Fund, on: datetime.date) -> dict[str, Any]:
    """A past day's path: loans paid out by `on` and running on it, from the postings and repayments up to it."""
    loans = dict(Loan.objects.filter(fund=fund, disbursed_on__lte=on, account__isnull=False)
                 .values_list("pk", "account_id"))
    ids = list(loans)
    balances = dict(Posting.objects.filter(account_id__in=loans.values(), entry__occurred_on__lte=on)
                    .values("account_id").annotate(s=Sum("amount")).values_list("account_id", "s"))
    closed = _closed_by(ids, on)
    plans, paid = _plans(ids), _paid(ids, on)
    rows = [(pk, balances.get(account_id) or 0) for pk, account_id in loans.items()
            if pk not in closed and paid.get(pk, 0) < sum(item.total for item in plans.get(pk, []))]
    return _summarise(rows, plans, paid, on)


def _closed_by(loan_ids: list[int], on: datetime.date) -> set[int]:
    """Loans forgiven or written off on or before `on`: the day of the loss entry, or (when nothing was left
    to post) the day the closure was confirmed."""
    posted = dict(Posting.objects.filter(account__loan__in=loan_ids, entry__kind__in=CLOSED_KINDS)
                  .values_list("account__loan", "entry__occurred_on"))
    closed = {pk for pk, day in posted.items() if day <= on}
    for loan_id, decided_at in LoanClosure.objects.filter(
            loan_id__in=loan_ids, status=LoanClosure.Status.CONFIRMED).exclude(loan_id__in=posted).values_list(
            "loan_id", "decided_at"):
        if decided_at is not None and timezone.localdate(decided_at) <= on:
            closed.add(loan_id)
    return closed


def portfolio(*, fund: Fund, on: datetime.date, today: datetime.date | None = None) -> dict[str, Any]:
    """Loans outstanding, principal outstanding, loans late, arrears and PAR30 at the end of `on` (the
    definitions are in this module's docstring), with `on` itself for the label."""
    today = _today(today)
    return portfolio_stored(fund=fund, on=on) if on >= today else portfolio_posted(fund=fund, on=on)


def repaid(*, fund: Fund, start: datetime.date, end: datetime.date) -> dict[str, int]:
    """Repayments dated from `start` to `end`: how many, their total, and its principal and fee. Reversed ones
    count too, as the cash they brought in that month did: the reversal is the month it is made, so a closed
    month's figures never move."""
    sums = Repayment.objects.filter(loan__fund=fund, paid_on__range=(start, end)).aggregate(
        amount=Sum("amount"), principal=Sum("principal"), fee=Sum("fee"), count=Count("pk"))
    return {key: value or 0 for key, value in sums.items()}


def loan_repaid(*, loan: Loan, on: datetime.date) -> int:
    """What was repaid on one loan up to `on` (principal and fee)."""
    return Repayment.objects.filter(loan=loan, paid_on__lte=on).live(on).aggregate(s=Sum("amount"))["s"] or 0


def loans_held(*, person_ids: set[int]) -> dict[str, int]:
    """Loans the given people hold in any fund today (a cluster's producers): how many are running and their
    principal outstanding, by the definitions above (today's path)."""
    running = Loan.objects.filter(membership__person_id__in=person_ids, status=Loan.Status.DISBURSED)
    return {"count": running.count(), "outstanding": running.aggregate(s=Sum("account__balance"))["s"] or 0}


# --- members ----------------------------------------------------------------------------------------------
def savings_total(*, fund: Fund, on: datetime.date, today: datetime.date | None = None) -> int:
    """Members' savings at the end of `on`: every savings account of the fund, whatever the member's status."""
    if on >= _today(today):
        total = Membership.objects.filter(fund=fund).aggregate(s=Sum("savings_account__balance"))["s"]
    else:
        total = Posting.objects.filter(account__membership__fund=fund, entry__occurred_on__lte=on).aggregate(
            s=Sum("amount"))["s"]
    return -(total or 0)


def members(*, fund: Fund, on: datetime.date) -> int:
    """Members on `on`: joined by then and not left by then."""
    return Membership.objects.filter(fund=fund).filter(members_q(on)).count()


def members_q(on: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}joined_on__lte": on}) & (
        Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": on}))


def held_by_guarantee(guarantee: Guarantee) -> int:
    """The part of a guarantor's savings one accepted guarantee holds now: all of it while the loan waits,
    its share of what is still outstanding (rounded up, in the fund's favour) once paid out, none after."""
    loan = guarantee.loan
    if guarantee.status != Guarantee.Status.ACCEPTED:
        return 0
    if loan.status == Loan.Status.DISBURSED and loan.account is not None:
        return -(-guarantee.amount * loan.account.balance // loan.amount)
    if loan.status in PENDING:
        return guarantee.amount
    return 0


def savings_held(*, membership: Membership) -> int:
    """Savings that may not leave the fund today: what the member still owes on their own running loans, and,
    for each loan they guarantee, `held_by_guarantee`; never more than the savings."""
    own = Account.objects.filter(loan__membership=membership, loan__status=Loan.Status.DISBURSED).aggregate(
        s=Sum("balance"))["s"] or 0
    held = own + sum(held_by_guarantee(g) for g in Guarantee.objects.filter(
        guarantor=membership, status=Guarantee.Status.ACCEPTED).select_related("loan", "loan__account"))
    return min(held, membership.savings)
