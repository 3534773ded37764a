"""Corrections: reversing a contribution, a withdrawal, a repayment or a late charge recorded by mistake, and
closing a meeting.

A reversal posts the mirror image of the original entry (`ledger.entry_reverse`), dated the day it is made, with
the reason in the audit log. The original stays where it was, marked reversed, so last month's statement reads as
it did and this month's shows the correction. A reversal is never refused by a closed meeting (it is the one thing
a closed meeting accepts), but once the meeting is closed the person who recorded the payment may not undo it
alone: another treasurer or the fund's manager does, as a second pair of eyes on money that was counted.

Closing a meeting (`meeting_close`) fixes its figures and sets the fund's lock day: from then on nothing dated on
or before that day can be recorded (`dates.check_not_closed`).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.jalali import format_jalali, from_jalali
from mardom.core.money import format_money
from mardom.core.text import normalize_text
from mardom.ledger import services as ledger
from mardom.ledger.models import Account, Entry, Posting
from mardom.people.roles import Perm
from mardom.people.scopes import require

from .. import selectors
from ..models import Contribution, Fund, LateCharge, Loan, MeetingClose, Membership, Movement, Repayment
from .dates import check_not_future, today_of
from .members import _locked_book, withdrawable

REASON_LENGTH = 300


def _reason(reason: str) -> str:
    reason = normalize_text(reason or "")
    if not reason:
        raise DomainError(_("Say why it is reversed: the reason is kept with the correction."), field="reason")
    if len(reason) > REASON_LENGTH:
        raise DomainError(_("Keep the reason under 300 characters."), field="reason")
    return reason


def _check_reverser(by: Any, fund: Fund, entry: Entry) -> None:
    if selectors.recorder_must_leave_it(user=by, entry=entry, last=selectors.last_closed_meeting(fund=fund)):
        raise DomainError(_("You recorded this before the meeting was closed; another treasurer or the fund's "
                            "manager must reverse it."))


def _check_cash(fund_book: Any, amount: int) -> None:
    cash = Account.objects.get(book=fund_book, code="cash")
    if amount > cash.balance:
        raise DomainError(_("The fund's cash (%(cash)s) is less than this amount; it cannot be paid back now.")
                          % {"cash": format_money(cash.balance)})


def _reverse(*, by: Any, entry: Entry, what: str, pk: int, today: datetime.date,
             now: datetime.datetime | None) -> Entry:
    return ledger.entry_reverse(by=by, entry=entry, idempotency_key=f"reverse:{what}:{pk}", occurred_on=today,
                                memo=f"reversal of #{entry.seq}", now=now)


@transaction.atomic
def contribution_reverse(*, by: Any, contribution: Contribution, reason: str,
                         today: datetime.date | None = None, now: datetime.datetime | None = None) -> Contribution:
    """Take back a contribution recorded by mistake (the wrong member, the wrong month, twice on paper). The
    month is then unpaid again and can be recorded anew. Asking twice reverses once."""
    reason = _reason(reason)
    fund = contribution.membership.fund
    require(by, Perm.FUNDS_TREASURY, fund)
    book = _locked_book(fund)
    contribution = Contribution.objects.select_related("entry", "membership__savings_account").get(
        pk=contribution.pk)
    if selectors.is_reversed(contribution):
        return contribution
    _check_reverser(by, fund, contribution.entry)
    membership = contribution.membership
    free = withdrawable(membership)
    if contribution.amount > free:
        raise DomainError(_("The member's free savings (%(free)s) are less than this contribution: what their loans "
                            "and guarantees hold cannot be taken back.") % {"free": format_money(max(free, 0))})
    _check_cash(book, contribution.amount)
    today = today_of(today)
    _reverse(by=by, entry=contribution.entry, what="contribution", pk=contribution.pk, today=today, now=now)
    audit_record(by=by, action="contribution.reverse", obj=contribution, scope_path=fund.path or "", now=now,
                 after={"membership": membership.pk, "period": f"{contribution.year}-{contribution.month:02d}",
                        "amount": contribution.amount, "reason": reason})
    return contribution


@transaction.atomic
def withdrawal_reverse(*, by: Any, movement: Movement, reason: str, today: datetime.date | None = None,
                       now: datetime.datetime | None = None) -> Movement:
    """Put back a withdrawal recorded by mistake: the money returns to the member's savings and the fund's cash."""
    reason = _reason(reason)
    fund = movement.membership.fund
    require(by, Perm.FUNDS_TREASURY, fund)
    _locked_book(fund)
    movement = Movement.objects.select_related("entry", "membership").get(pk=movement.pk)
    if movement.kind != Movement.Kind.WITHDRAWAL:
        raise DomainError(_("Only a withdrawal can be reversed here."))
    if selectors.is_reversed(movement):
        return movement
    _check_reverser(by, fund, movement.entry)
    if movement.membership.status != Membership.Status.ACTIVE:
        raise DomainError(_("This membership is not active."))
    _reverse(by=by, entry=movement.entry, what="withdrawal", pk=movement.pk, today=today_of(today), now=now)
    audit_record(by=by, action="membership.withdraw.reverse", obj=movement.membership, scope_path=fund.path or "",
                 now=now,
                 after={"movement": movement.pk, "amount": movement.amount, "reason": reason})
    return movement


def reversible_repayment(*, loan: Loan) -> Repayment | None:
    """The one repayment of a loan that can be reversed: its latest live one, paid in cash, while the loan is
    still being repaid. Only the latest, because each repayment's split into fee and principal was worked out
    from those before it; and not one that settled the loan, whose guarantors it released."""
    if loan.status != Loan.Status.DISBURSED:
        return None
    latest = Repayment.objects.filter(loan=loan).live().select_related("entry").order_by("-pk").first()
    if latest is None or not Posting.objects.filter(entry=latest.entry, account__code="cash").exists():
        return None
    return latest


@transaction.atomic
def repayment_reverse(*, by: Any, repayment: Repayment, reason: str,
                      today: datetime.date | None = None, now: datetime.datetime | None = None) -> Repayment:
    """Take back a repayment recorded by mistake: the loan owes it again, and the cash goes back."""
    reason = _reason(reason)
    loan = Loan.objects.select_related("fund").get(pk=repayment.loan_id)
    fund = loan.fund
    require(by, Perm.FUNDS_TREASURY, fund)
    book = _locked_book(fund)
    repayment = Repayment.objects.select_related("entry").get(pk=repayment.pk)
    if selectors.is_reversed(repayment):
        return repayment
    _check_reverser(by, fund, repayment.entry)
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if loan.status == Loan.Status.REPAID:
        raise DomainError(_("This repayment settled the loan and released its guarantors; it cannot be reversed."))
    latest = reversible_repayment(loan=loan)
    if latest is None or latest.pk != repayment.pk:
        raise DomainError(_("Only the loan's latest repayment paid in cash can be reversed; reverse the later ones "
                            "first."))
    _check_cash(book, repayment.amount)
    _reverse(by=by, entry=repayment.entry, what="repayment", pk=repayment.pk, today=today_of(today), now=now)
    audit_record(by=by, action="loan.repay.reverse", obj=loan, scope_path=fund.path or "", now=now,
                 after={"repayment": repayment.pk, "amount": repayment.amount, "principal": repayment.principal,
                        "fee": repayment.fee, "reason": reason})
    return repayment


@transaction.atomic
def late_charge_reverse(*, by: Any, charge: LateCharge, reason: str,
                        today: datetime.date | None = None, now: datetime.datetime | None = None) -> LateCharge:
    """Give back a late charge taken by mistake (the installment was not late, the amount was wrong): the cash
    leaves the charity account's keeping, and the rules' charge on that installment may be collected again.
    Independent of the repayment it came with: either can be reversed without the other. Asking twice reverses
    once."""
    reason = _reason(reason)
    fund = Loan.objects.select_related("fund").get(pk=charge.loan_id).fund
    require(by, Perm.FUNDS_TREASURY, fund)
    book = _locked_book(fund)
    charge = LateCharge.objects.select_related("entry").get(pk=charge.pk)
    if selectors.is_reversed(charge):
        return charge
    _check_reverser(by, fund, charge.entry)
    _check_cash(book, charge.amount)
    _reverse(by=by, entry=charge.entry, what="late_charge", pk=charge.pk, today=today_of(today), now=now)
    audit_record(by=by, action="loan.late_charge.reverse", obj=charge.loan, scope_path=fund.path or "", now=now,
                 after={"late_charge": charge.pk, "installment": charge.installment_number, "amount": charge.amount,
                        "reason": reason})
    return charge


# --- closing a meeting ---------------------------------------------------------------------------------------
def _meeting_summary(fund: Fund, year: int, month: int, after: datetime.date | None,
                     held_on: datetime.date) -> dict[str, int]:
    """What the meeting took in and paid out: the month's contributions, and the repayments and withdrawals
    dated since the last closed meeting; the cash at the end of the meeting's day."""
    def since_last(field: str) -> Q:
        return Q(**{f"{field}__lte": held_on}) & (Q(**{f"{field}__gt": after}) if after else Q())

    counted = {"n": Count("pk"), "s": Sum("amount")}
    contributions = Contribution.objects.filter(membership__fund=fund, year=year, month=month).live().aggregate(
        **counted)
    repayments = Repayment.objects.filter(since_last("paid_on"), loan__fund=fund).live().aggregate(**counted)
    withdrawals = Movement.objects.filter(since_last("occurred_on"), membership__fund=fund,
                                          kind=Movement.Kind.WITHDRAWAL).live().aggregate(**counted)
    cash = Posting.objects.filter(entry__book__unit=fund, account__code="cash",
                                  entry__occurred_on__lte=held_on).aggregate(s=Sum("amount"))
    active = Membership.objects.filter(fund=fund, status=Membership.Status.ACTIVE).count()
    return {"contributions": contributions["n"], "contributions_amount": contributions["s"] or 0,
            "unpaid": max(active - contributions["n"], 0),
            "repayments": repayments["n"], "repayments_amount": repayments["s"] or 0,
            "withdrawals": withdrawals["n"], "withdrawals_amount": withdrawals["s"] or 0,
            "cash": cash["s"] or 0}


@transaction.atomic
def meeting_close(*, by: Any, fund: Fund, year: int, month: int, held_on: datetime.date,
                  today: datetime.date | None = None, now: datetime.datetime | None = None) -> MeetingClose:
    """Close the meeting of Jalali `year`/`month`, held on `held_on`, once its cash is counted. Closing the same
    meeting again returns it as it was."""
    require(by, Perm.FUNDS_TREASURY, fund)
    _locked_book(fund)
    done = selectors.meeting_closed(fund=fund, year=year, month=month)
    if done is not None:
        return done
    if not 1 <= month <= 12:
        raise DomainError(_("Choose a month from 1 to 12."), field="month")
    today = today_of(today)
    check_not_future(held_on, field="held_on", today=today)
    start = from_jalali(year, month, 1)
    if held_on < start:
        raise DomainError(_("The meeting of a month is held in it or after it, not before %(day)s.")
                          % {"day": format_jalali(start)}, field="held_on")
    if held_on < fund.founded_on:
        raise DomainError(_("The date cannot be before the fund was founded (%(limit)s).")
                          % {"limit": format_jalali(fund.founded_on)}, field="held_on")
    last = selectors.last_closed_meeting(fund=fund)
    if last is not None and ((year, month) < (last.year, last.month) or held_on <= last.held_on):
        raise DomainError(_("A later meeting was already closed (on %(day)s); an earlier one cannot be closed now.")
                          % {"day": format_jalali(last.held_on)}, field="held_on")
    now = now or timezone.now()
    summary = _meeting_summary(fund, year, month, last.held_on if last else None, held_on)
    # The book's lock (taken above) makes a second device closing the same meeting wait, then find it closed.
    close = MeetingClose.objects.create(fund=fund, year=year, month=month, held_on=held_on, closed_by=by,
                                        closed_at=now, summary=summary)
    audit_record(by=by, action="meeting.close", obj=fund, scope_path=fund.path or "", now=now,
                 after={"period": f"{year}-{month:02d}", "held_on": held_on.isoformat(), **summary})
    return close

