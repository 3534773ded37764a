"""Loan reminders by SMS, computed from the facts (schedules and repayments) on a given day.

- `due_soon`: an installment falls due within the next `days` days (or today) and is not fully covered by
  repayments yet: one reminder to the borrower per installment.
- `overdue`: an installment's due date has passed (the loan is at least one day past due) and it is not
  covered: one reminder to the borrower per installment.
- `guarantor_notices`: the loan is 30 days or more past due: one notice per loan to each guarantor whose
  guarantee is accepted.

Each function only says what should be sent; `send_reminders` sends it through `mardom.core.notify.notify`,
whose Notification log (one row per key) makes every reminder go out at most once, whatever the cron does.
Reminders are written in Persian, whatever language the process runs in: the recipients read Persian.
Other messages (draw results, ...) go through `notify` directly with a key of their own.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mardom.core.digits import localize_digits
from mardom.core.jalali import format_jalali
from mardom.core.money import format_money
from mardom.core.notify import notify
from mardom.core.sms import SmsError, mask_mobile

from .models import Fund, Guarantee, Installment, Loan, Repayment
from .schedule import Planned, Standing, standing

__all__ = [
    "GUARANTOR_NOTICE_DAYS",
    "LoanFacts",
    "Reminder",
    "due_soon",
    "guarantor_notices",
    "loan_facts",
    "notify",
    "overdue",
    "send_reminders",
]

logger = logging.getLogger("mardom.reminders")

# Guarantors hear about a loan once it is this many days past due.
GUARANTOR_NOTICE_DAYS = 30
REMINDER_LANGUAGE = "fa"


@dataclass(frozen=True)
class Reminder:
    kind: str  # "due_soon", "overdue" or "guarantors"
    key: str
    to: str
    text: str


@dataclass(frozen=True)
class LoanFacts:
    """A disbursed loan with its schedule and everything repaid on it so far."""

    loan: Loan
    plan: list[Planned]
    paid: int

    def standing_on(self, on: datetime.date) -> Standing:
        return standing(self.plan, paid=self.paid, on=on)

    def unpaid_installments(self) -> list[tuple[Planned, int]]:
        """Installments not fully covered by repayments (applied in order), each with what is left of it."""
        cumulative, unpaid = 0, []
        for item in self.plan:
            cumulative += item.total
            if cumulative > self.paid:
                unpaid.append((item, min(item.total, cumulative - self.paid)))
        return unpaid


def loan_facts(*, on: datetime.date, fund: Fund | None = None) -> list[LoanFacts]:
    """Every loan outstanding on `on` (of one fund, or of all), in three queries whatever their number.
    Every repayment recorded so far counts, so nothing already paid is ever reminded."""
    loans_qs = Loan.objects.filter(status=Loan.Status.DISBURSED, disbursed_on__lte=on)
    if fund is not None:
        loans_qs = loans_qs.filter(fund=fund)
    loans = list(loans_qs.select_related("fund", "membership__person").order_by("pk"))
    ids = loans_qs.values("pk")
    paid = dict(Repayment.objects.filter(loan_id__in=ids).live().values("loan_id").annotate(s=Sum("amount"))
                .values_list("loan_id", "s"))
    plans: dict[int, list[Planned]] = {}
    for loan_id, number, due_on, principal, fee in Installment.objects.filter(loan_id__in=ids).order_by(
            "loan_id", "number").values_list("loan_id", "number", "due_on", "principal", "fee"):
        plans.setdefault(loan_id, []).append(Planned(number, due_on, principal, fee))
    return [LoanFacts(loan=loan, plan=plans.get(loan.pk, []), paid=paid.get(loan.pk) or 0) for loan in loans]


def _installment_key(kind: str, loan: Loan, item: Planned) -> str:
    return f"{kind}:loan{loan.pk}:inst{item.number}:{item.due_on.isoformat()}"


def due_soon(*, on: datetime.date, days: int = 3, facts: Sequence[LoanFacts] | None = None) -> list[Reminder]:
    """Installments due from `on` to `days` days later and not yet covered: one reminder each."""
    if facts is None:
        facts = loan_facts(on=on)
    last = on + datetime.timedelta(days=days)
    reminders = []
    with translation.override(REMINDER_LANGUAGE):
        for fact in facts:
            loan = fact.loan
            for item, left in fact.unpaid_installments():
                if on <= item.due_on <= last:
                    text = _("%(fund)s: installment %(number)s of your loan, %(amount)s, is due on %(date)s.") % {
                        "fund": loan.fund.name, "number": localize_digits(str(item.number)),
                        "amount": format_money(left), "date": format_jalali(item.due_on, "long")}
                    reminders.append(Reminder("due_soon", _installment_key("due", loan, item),
                                              loan.membership.person.mobile, text))
    return reminders


def overdue(*, on: datetime.date, facts: Sequence[LoanFacts] | None = None) -> list[Reminder]:
    """Installments whose due date is before `on` and that are not covered: one reminder each."""
    if facts is None:
        facts = loan_facts(on=on)
    reminders = []
    with translation.override(REMINDER_LANGUAGE):
        for fact in facts:
            loan = fact.loan
            for item, left in fact.unpaid_installments():
                if item.due_on < on:
                    text = _("%(fund)s: installment %(number)s of your loan, %(amount)s, was due on %(date)s and "
                             "is not paid yet. Please pay it as soon as you can.") % {
                        "fund": loan.fund.name, "number": localize_digits(str(item.number)),
                        "amount": format_money(left), "date": format_jalali(item.due_on, "long")}
                    reminders.append(Reminder("overdue", _installment_key("overdue", loan, item),
                                              loan.membership.person.mobile, text))
    return reminders


def guarantor_notices(*, on: datetime.date, facts: Sequence[LoanFacts] | None = None) -> list[Reminder]:
    """Loans `GUARANTOR_NOTICE_DAYS` or more days past due: one notice per loan to each accepted guarantor."""
    if facts is None:
        facts = loan_facts(on=on)
    late: dict[int, tuple[Loan, Standing]] = {}
    for fact in facts:
        state = fact.standing_on(on)
        if state.days_past_due >= GUARANTOR_NOTICE_DAYS:
            late[fact.loan.pk] = (fact.loan, state)
    if not late:
        return []
    guarantees = Guarantee.objects.filter(loan_id__in=list(late), status=Guarantee.Status.ACCEPTED) \
        .select_related("guarantor__person").order_by("loan_id", "pk")
    reminders = []
    with translation.override(REMINDER_LANGUAGE):
        for guarantee in guarantees:
            loan, state = late[guarantee.loan_id]
            text = _("%(fund)s: the loan of %(borrower)s, which you guaranteed, is %(days)s days past due "
                     "(%(amount)s unpaid). Please follow it up with the borrower.") % {
                "fund": loan.fund.name, "borrower": loan.membership.person.full_name,
                "days": localize_digits(str(state.days_past_due)), "amount": format_money(state.overdue)}
            reminders.append(Reminder("guarantors", f"guarantor:loan{loan.pk}:member{guarantee.guarantor_id}",
                                      guarantee.guarantor.person.mobile, text))
    return reminders


def send_reminders(*, on: datetime.date, days: int = 3, fund: Fund | None = None) -> dict[str, int]:
    """Send every reminder due on `on` that was not sent before. Each one commits on its own (or with the
    caller's transaction, if there is one), so a run that stops halfway loses nothing; a number that
    cannot receive an SMS is logged and counted as failed without stopping the others.

    Returns how many of each kind were sent, how many were already sent before, and how many failed."""
    facts = loan_facts(on=on, fund=fund)
    counts = {"due_soon": 0, "overdue": 0, "guarantors": 0, "already_sent": 0, "failed": 0}
    now = timezone.now()
    for reminder in [*due_soon(on=on, days=days, facts=facts), *overdue(on=on, facts=facts),
                     *guarantor_notices(on=on, facts=facts)]:
        try:
            sent = notify(key=reminder.key, to=reminder.to, text=reminder.text, now=now)
        except SmsError as error:
            logger.warning("Reminder %s to %s not sent: %s", reminder.key, mask_mobile(reminder.to or ""), error)
            counts["failed"] += 1
            continue
        counts[reminder.kind if sent else "already_sent"] += 1
    return counts
