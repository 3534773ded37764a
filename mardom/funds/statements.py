"""Statements: a member's passbook and a fund's monthly statement with its balance sheet.

Pure data builders in the style of selectors: they take objects the caller already scoped (a view gets them
through `selectors.membership_get` / `selectors.fund_get`) and return plain dicts of integer rials and
dates, the same for the screen and for the PDF. Figures for a past day are computed from the postings up to
that day (`Entry.occurred_on`), never from today's stored balances, so a statement of an old month does not
change when later money moves.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.digits import localize_digits, to_latin_digits
from mardom.core.jalali import days_in_month, from_jalali, month_name, to_jalali
from mardom.ledger.describe import describe_entry
from mardom.ledger.models import Account, Posting

from . import figures, selectors
from .models import Contribution, Fund, Guarantee, Installment, Loan, Membership, Movement, Repayment
from .schedule import Planned, standing

# How many Jalali months of contributions a member statement shows.
CONTRIBUTION_MONTHS = 24


# --- months -----------------------------------------------------------------------------------------------
def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    """The first and the last Gregorian day of Jalali `year`/`month`."""
    return from_jalali(year, month, 1), from_jalali(year, month, days_in_month(year, month))


def month_label(year: int, month: int) -> str:
    """ "مهر ۱۴۰۳" / "Mehr 1403"."""
    return f"{month_name(month)} {localize_digits(str(year))}"


def _index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _from_index(index: int) -> tuple[int, int]:
    year, month = divmod(index, 12)
    return year, month + 1


def last_complete_month(today: datetime.date) -> tuple[int, int]:
    j = to_jalali(today)
    return _from_index(_index(j.year, j.month) - 1)


def statement_month(*, fund: Fund, year: Any, month: Any, today: datetime.date) -> tuple[int, int]:
    """The Jalali month asked for (typed in any digits), or the last complete month when the request is
    missing, malformed, in the future or before the fund was founded. Never raises."""
    default = max(last_complete_month(today), _month_of(fund.founded_on), key=lambda ym: _index(*ym))
    try:
        y, m = int(to_latin_digits(str(year)).strip()), int(to_latin_digits(str(month)).strip())
    except (TypeError, ValueError):
        return default
    if not 1 <= m <= 12 or not 1300 <= y <= 1500:
        return default
    current = to_jalali(today)
    if not _index(*_month_of(fund.founded_on)) <= _index(y, m) <= _index(current.year, current.month):
        return default
    return y, m


def _month_of(day: datetime.date) -> tuple[int, int]:
    j = to_jalali(day)
    return j.year, j.month


def adjacent_months(*, fund: Fund, year: int, month: int, today: datetime.date) -> dict[str, Any]:
    """The previous and next months a reader may move to (None at either end)."""
    first, last = _index(*_month_of(fund.founded_on)), _index(*_month_of(today))
    here = _index(year, month)
    return {
        "previous": _from_index(here - 1) if here - 1 >= first else None,
        "next": _from_index(here + 1) if here + 1 <= last else None,
    }


# --- a loan on a day --------------------------------------------------------------------------------------
def _plan(installments: list[Installment]) -> list[Planned]:
    return [Planned(number=i.number, due_on=i.due_on, principal=i.principal, fee=i.fee) for i in installments]


def _account_balance(account_id: int | None, on: datetime.date) -> int:
    if account_id is None:
        return 0
    return Posting.objects.filter(account_id=account_id, entry__occurred_on__lte=on).aggregate(
        s=Sum("amount"))["s"] or 0


def _schedule_rows(plan: list[Planned], *, paid: int, on: datetime.date) -> list[dict[str, Any]]:
    """Each installment with what of it is paid, repayments applied in order (as `schedule.allocate`)."""
    rows, left = [], paid
    for item in plan:
        covered = min(left, item.total)
        left -= covered
        if covered == item.total:
            state = "paid"
        elif item.due_on <= on:
            state = "overdue"
        elif covered:
            state = "partly"
        else:
            state = "upcoming"
        rows.append({"number": item.number, "due_on": item.due_on, "principal": item.principal, "fee": item.fee,
                     "total": item.total, "paid": covered, "state": state})
    return rows


INSTALLMENT_STATES = {"paid": "done", "overdue": "declined", "partly": "open", "upcoming": ""}


# --- a member ---------------------------------------------------------------------------------------------
def _passbook(membership: Membership, on: datetime.date) -> tuple[list[dict[str, Any]], int]:
    """Every line of the member's savings account up to `on`, oldest first, with the balance after each."""
    postings = (Posting.objects.filter(account_id=membership.savings_account_id, entry__occurred_on__lte=on)
                .select_related("entry", "entry__contribution", "entry__movement")
                .order_by("entry__occurred_on", "entry__seq"))
    lines, balance = [], 0
    for posting in postings:
        entry = posting.entry
        balance -= posting.amount
        lines.append({"date": entry.occurred_on, "kind": entry.kind, "text": _line_text(entry),
                      "amount": -posting.amount, "balance": balance})
    return lines, balance


def _line_text(entry: Any) -> str:
    if entry.kind == "contribution" and hasattr(entry, "contribution"):
        c = entry.contribution
        return _("Contribution for %(month)s") % {"month": month_label(c.year, c.month)}
    if entry.kind == "transfer":  # says both sides: which member's savings went to which
        return describe_entry(entry)
    if hasattr(entry, "movement"):
        return str(Movement.Kind(entry.movement.kind).label)
    if entry.kind == "repayment":
        return _("Loan repaid from savings")
    return describe_entry(entry)


def _contribution_months(membership: Membership, on: datetime.date) -> list[dict[str, Any]]:
    """The last CONTRIBUTION_MONTHS Jalali months up to `on`, newest first, each paid or not. The joining
    month is covered by the opening deposit; the current month is not late yet."""
    paid = {(c.year, c.month): c for c in Contribution.objects.filter(membership=membership).live(on)}
    joined = _index(*_month_of(membership.joined_on))
    now = _index(*_month_of(on))
    last = _index(*_month_of(membership.left_on)) if membership.left_on else now
    rows = []
    for index in range(min(now, last), max(joined, now - CONTRIBUTION_MONTHS + 1) - 1, -1):
        year, month = _from_index(index)
        contribution = paid.get((year, month))
        if contribution is not None:
            state = "paid"
        elif index == joined:
            state = "deposit"
        elif index == now:
            state = "due"
        else:
            state = "unpaid"
        rows.append({"year": year, "month": month, "label": month_label(year, month), "state": state,
                     "amount": contribution.amount if contribution else 0,
                     "paid_on": contribution.paid_on if contribution else None})
    return rows


CONTRIBUTION_STATES = {"paid": "done", "deposit": "accepted", "due": "open", "unpaid": "declined"}


def _loans(membership: Membership, on: datetime.date) -> list[dict[str, Any]]:
    loans = (Loan.objects.filter(membership=membership).select_related("account")
             .prefetch_related("installments", Prefetch("repayments", queryset=Repayment.objects.live(on)),
                               "guarantees__guarantor__person")
             .order_by("-applied_at", "-pk"))
    queue = list(selectors.loan_queue(fund=membership.fund).values_list("pk", flat=True))
    rows = []
    for loan in loans:
        plan = _plan(sorted(loan.installments.all(), key=lambda i: i.number))
        paid = sum(r.amount for r in loan.repayments.all() if r.paid_on <= on)
        state = standing(plan, paid=paid, on=on) if loan.disbursed_on and loan.disbursed_on <= on else None
        rows.append({
            "loan": loan, "amount": loan.amount, "months": loan.months, "status": loan.status,
            "status_label": loan.get_status_display(), "applied_on": loan.applied_at, "disbursed_on": loan.disbursed_on,
            "fee": loan.fee, "paid": paid,
            "outstanding": _account_balance(loan.account_id, on) if state else 0,
            "standing": state,
            "schedule": _schedule_rows(plan, paid=paid, on=on) if state else [],
            "queue_place": queue.index(loan.pk) + 1 if loan.pk in queue else None,
            "queue_length": len(queue),
            "guarantors": [{"name": g.guarantor.person.full_name, "amount": g.amount, "status": g.status,
                            "status_label": g.get_status_display()}
                           for g in loan.guarantees.all()],
        })
    return rows


def _guarantees_given(membership: Membership) -> list[dict[str, Any]]:
    rows = []
    for guarantee in (Guarantee.objects.filter(guarantor=membership)
                      .select_related("loan", "loan__account", "loan__membership__person")
                      .order_by("-loan__applied_at", "-pk")):
        loan = guarantee.loan
        rows.append({"borrower": loan.membership.person.full_name, "loan_amount": loan.amount,
                     "loan_status": loan.get_status_display(), "amount": guarantee.amount,
                     "status": guarantee.status, "status_label": guarantee.get_status_display(),
                     "held": figures.held_by_guarantee(guarantee)})
    return rows


def member_statement(membership: Membership, *, on: datetime.date) -> dict[str, Any]:
    """A member's position on `on`: who, savings and what of them is held, contributions month by month,
    the passbook, loans with their standing and schedule, guarantees given, the place in the loan queue, and
    the fund's totals (nothing about any other member beyond the names on the member's own guarantees)."""
    fund = membership.fund
    lines, savings = _passbook(membership, on)
    held = min(figures.savings_held(membership=membership), max(savings, 0))
    loans = _loans(membership, on)
    queued = next((row for row in loans if row["queue_place"]), None)
    return {
        "membership": membership, "fund": fund, "on": on,
        "name": membership.person.full_name, "number": membership.number, "joined_on": membership.joined_on,
        "left_on": membership.left_on, "status": membership.get_status_display(),
        "savings": savings, "held": held, "free": savings - held,
        "contributions": _contribution_months(membership, on),
        "contributed": sum(line["amount"] for line in lines if line["kind"] == "contribution"),
        "passbook": lines,
        "loans": loans,
        "queue_place": queued["queue_place"] if queued else None,
        "queue_length": queued["queue_length"] if queued else None,
        "guarantees": _guarantees_given(membership),
        "fund_totals": selectors.fund_totals(fund=fund),
    }


# --- a fund, one month ------------------------------------------------------------------------------------
# Entry kinds that move the fund's cash, in the order a statement lists them.
CASH_IN = ("contribution", "opening", "deposit", "repayment")
CASH_OUT = ("disbursement", "withdrawal", "settlement")


def balance_sheet(fund: Fund, *, on: datetime.date) -> dict[str, int]:
    """Assets = liabilities + equity at the end of `on`, from every posting up to that day. Members' savings
    are what the fund owes them; late charges are held for charity; fee income (less any expense) is kept
    in the fund beside its capital."""
    by_code = (Posting.objects.filter(entry__book__unit=fund, entry__occurred_on__lte=on)
               .values("account__code", "account__type").annotate(s=Sum("amount")))
    sheet = dict.fromkeys(("cash", "loans", "other_assets", "savings", "charity", "other_liabilities", "capital",
                           "retained"), 0)
    for row in by_code:
        code, kind, amount = row["account__code"], row["account__type"], row["s"] or 0
        if kind == Account.Type.ASSET:
            key = "cash" if code == "cash" else "loans" if code.startswith("loan:") else "other_assets"
            sheet[key] += amount
        elif kind == Account.Type.LIABILITY:
            key = "savings" if code.startswith("savings:") else "charity" if code == "charity" else "other_liabilities"
            sheet[key] -= amount
        elif kind == Account.Type.EQUITY:
            sheet["capital"] -= amount
        else:  # income and expense
            sheet["retained"] -= amount
    sheet["assets"] = sheet["cash"] + sheet["loans"] + sheet["other_assets"]
    sheet["liabilities"] = sheet["savings"] + sheet["charity"] + sheet["other_liabilities"]
    sheet["equity"] = sheet["capital"] + sheet["retained"]
    sheet["liabilities_and_equity"] = sheet["liabilities"] + sheet["equity"]
    return sheet


def fund_statement(fund: Fund, *, year: int, month: int, today: datetime.date | None = None) -> dict[str, Any]:
    """The fund's statement for Jalali `year`/`month`: cash at the start and the end and every movement
    between (by the kind of entry, so the two reconcile), fee income and charity, members, loans outstanding
    and at risk on the month's last day (or today, while the month runs: `on`), and the balance sheet at that day.
    Totals only: nothing per member. The figures are `funds.figures`, as every other page shows them."""
    start, end = month_bounds(year, month)
    today = today or timezone.localdate()
    on = min(end, today)
    postings = Posting.objects.filter(entry__book__unit=fund)
    cash = postings.filter(account__code="cash")
    opening = cash.filter(entry__occurred_on__lt=start).aggregate(s=Sum("amount"))["s"] or 0
    closing = cash.filter(entry__occurred_on__lte=end).aggregate(s=Sum("amount"))["s"] or 0
    flows = dict(cash.filter(entry__occurred_on__range=(start, end)).values("entry__kind")
                 .annotate(s=Sum("amount")).values_list("entry__kind", "s"))
    cash_in = {kind: flows.pop(kind, 0) for kind in CASH_IN}
    cash_out = {kind: -flows.pop(kind, 0) for kind in CASH_OUT}
    other = sum(flows.values())  # reversals and anything new: listed so the month still reconciles
    in_month = postings.filter(entry__occurred_on__range=(start, end))
    fees = -(in_month.filter(account__code="fees").aggregate(s=Sum("amount"))["s"] or 0)
    charity = -(in_month.filter(account__code="charity").aggregate(s=Sum("amount"))["s"] or 0)
    repaid = figures.repaid(fund=fund, start=start, end=end)
    members = Membership.objects.filter(fund=fund).aggregate(
        at_end=Count("pk", filter=figures.members_q(on)),
        joined=Count("pk", filter=Q(joined_on__range=(start, end))),
        left=Count("pk", filter=Q(left_on__range=(start, end))),
    )
    contributions = Contribution.objects.filter(membership__fund=fund, paid_on__range=(start, end)).aggregate(
        count=Count("pk"), amount=Sum("amount"))
    disbursed = Loan.objects.filter(fund=fund, disbursed_on__range=(start, end)).aggregate(
        count=Count("pk"), amount=Sum("amount"))
    sheet = balance_sheet(fund, on=on)
    return {
        "fund": fund, "year": year, "month": month, "label": month_label(year, month), "start": start, "end": end,
        "on": on,
        "opening_cash": opening, "closing_cash": closing,
        "contributions": cash_in["contribution"], "contributions_count": contributions["count"],
        "deposits": cash_in["opening"] + cash_in["deposit"],
        "repayments": cash_in["repayment"],
        "repaid_principal": repaid["principal"], "repaid_fee": repaid["fee"],
        "repayments_count": repaid["count"],
        "disbursed": cash_out["disbursement"], "disbursed_count": disbursed["count"],
        "disbursed_amount": disbursed["amount"] or 0,
        "withdrawals": cash_out["withdrawal"], "settlements": cash_out["settlement"],
        "other": other,
        # The same outflows as negative numbers, for a reconciliation read top to bottom.
        "disbursed_signed": -cash_out["disbursement"], "withdrawals_signed": -cash_out["withdrawal"],
        "settlements_signed": -cash_out["settlement"],
        "cash_in": sum(cash_in.values()) + max(other, 0),
        "cash_out": sum(cash_out.values()) + max(-other, 0),
        "fees": fees, "charity": charity,
        "members": members["at_end"], "joined": members["joined"], "left": members["left"],
        "portfolio": figures.portfolio(fund=fund, on=on, today=today),
        "sheet": sheet,
    }
