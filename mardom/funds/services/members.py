"""Writes for loan funds: creating a fund, changing its rules, members joining, contributing, withdrawing
and leaving. Every rial goes through `mardom.ledger.services`; every change writes an audit record."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.jalali import format_jalali, to_jalali
from mardom.core.money import format_money
from mardom.core.text import normalize_text, search_key
from mardom.dashboards.sources import funds as fund_figures
from mardom.ledger import services as ledger
from mardom.ledger.bulk import EntrySpec, entries_post, insert_rows
from mardom.ledger.models import Account, Book
from mardom.orgs.models import Base, OrgUnit
from mardom.orgs.services import unit_set_path
from mardom.people.models import Person
from mardom.people.roles import Perm
from mardom.people.scopes import require

from .. import selectors
from ..models import Contribution, Fund, FundRules, Guarantee, Loan, Membership, Movement
from ..selectors import rules_in_force
from .dates import check_entry_date, check_founding, today_of
from .loans import loan_repay_from_savings

A, S = Account.Type, Account.Side
# The accounts every fund opens with; members' savings and loans get one account each as they appear.
FUND_ACCOUNTS = [
    ("cash", "Cash and bank", A.ASSET, S.DEBIT),
    ("fees", "Fee income", A.INCOME, S.CREDIT),
    ("charity", "Late charges for charity", A.LIABILITY, S.CREDIT),
    ("equity", "Fund capital", A.EQUITY, S.ANY),
]


@dataclass(frozen=True)
class RulesInput:
    monthly_contribution: int
    min_months_before_loan: int
    loan_savings_multiple: int
    loan_cap: int
    max_months: int = 24
    fee_policy: str = FundRules.FeePolicy.NONE
    fee_permille: int = 0
    fee_cap_permille: int = 40
    late_policy: str = FundRules.LatePolicy.NONE
    late_charge: int = 0
    late_charge_cap: int = 0
    rounding_unit: int = 10_000
    allow_transfer: bool = False
    late_entry_days: int = 31
    draw_notice_days: int = 3


def _check_rules(rules: RulesInput) -> None:
    if rules.monthly_contribution <= 0:
        raise DomainError(_("The monthly contribution must be more than zero."), field="monthly_contribution")
    if rules.loan_cap <= 0:
        raise DomainError(_("The loan ceiling must be more than zero."), field="loan_cap")
    if rules.loan_savings_multiple < 1:
        raise DomainError(_("The multiple must be at least one."), field="loan_savings_multiple")
    if not 1 <= rules.max_months <= 120:
        raise DomainError(_("Repayment must take between 1 and 120 months."), field="max_months")
    if rules.fee_permille > rules.fee_cap_permille:
        raise DomainError(_("The fee cannot be above the fund's highest allowed fee."), field="fee_permille")
    if rules.fee_policy == FundRules.FeePolicy.NONE and rules.fee_permille:
        raise DomainError(_("Choose how the fee is taken, or set it to zero."), field="fee_policy")
    if rules.late_policy == FundRules.LatePolicy.NONE and (rules.late_charge or rules.late_charge_cap):
        raise DomainError(_("Late charges need a late-charge policy."), field="late_policy")
    if rules.late_charge > rules.late_charge_cap and rules.late_policy != FundRules.LatePolicy.NONE:
        raise DomainError(_("The monthly late charge cannot exceed its cap."), field="late_charge")
    if rules.rounding_unit <= 0 or rules.rounding_unit > rules.monthly_contribution * 100:
        raise DomainError(_("Choose a sensible rounding unit, for example 10,000 rials."), field="rounding_unit")
    if not 0 <= rules.late_entry_days <= 366:
        raise DomainError(_("Choose from 0 to 366 days."), field="late_entry_days")
    if not 1 <= rules.draw_notice_days <= 90:
        raise DomainError(_("A draw needs between 1 and 90 days of notice."), field="draw_notice_days")


def _marked(after: dict[str, Any], late: bool) -> dict[str, Any]:
    """The audit record's `after`, marked when the record is a late entry."""
    return {**after, "late_entry": True} if late else after


def _rules_row(fund: Fund, effective_from: datetime.date, rules: RulesInput, by: Any,
               now: datetime.datetime) -> FundRules:
    return FundRules.objects.create(fund=fund, effective_from=effective_from, created_at=now, created_by=by,
                                    **asdict(rules))


@transaction.atomic
def fund_create(*, by: Any, base: Base, name: str, founded_on: datetime.date, rules: RulesInput,
                now: datetime.datetime | None = None) -> Fund:
    require(by, Perm.FUNDS_MANAGE, base)
    now = now or timezone.now()
    check_founding(founded_on, today=timezone.localdate(now))
    _check_rules(rules)
    name = normalize_text(name)
    if OrgUnit.objects.filter(kind=OrgUnit.Kind.FUND, parent=base, search_key=search_key(name)).exists():
        raise DomainError(_("This base already has a fund with this name."), field="name")
    fund = Fund.objects.create(kind=OrgUnit.Kind.FUND, name=name, search_key=search_key(name), parent=base,
                               place=base.place, founded_on=founded_on)
    unit_set_path(fund)
    book = ledger.book_open(unit=fund)
    for code, label, type_, side in FUND_ACCOUNTS:
        ledger.account_open(book=book, code=code, name=label, type=type_, side=side)
    _rules_row(fund, founded_on, rules, by, now)
    audit_record(by=by, action="fund.create", obj=fund, scope_path=fund.path or "",
                 after={"name": name, "founded_on": founded_on.isoformat(), **asdict(rules)}, now=now)
    fund_figures.counted(fund=fund, at=now, active=1)
    return fund


@transaction.atomic
def rules_change(*, by: Any, fund: Fund, effective_from: datetime.date, rules: RulesInput,
                 now: datetime.datetime | None = None) -> FundRules:
    require(by, Perm.FUNDS_MANAGE, fund)
    _check_rules(rules)
    now = now or timezone.now()
    if effective_from < timezone.localdate(now):
        raise DomainError(_("New rules can only apply from today or later."), field="effective_from")
    if FundRules.objects.filter(fund=fund, effective_from=effective_from).exists():
        raise DomainError(_("Another version of the rules starts on that day."), field="effective_from")
    before = rules_in_force(fund=fund, on=effective_from)
    row = _rules_row(fund, effective_from, rules, by, now)
    audit_record(by=by, action="fund.rules", obj=fund, scope_path=fund.path or "", now=now,
                 before={f: getattr(before, f) for f in asdict(rules)},
                 after={"effective_from": effective_from.isoformat(), **asdict(rules)})
    return row


def _book(fund: Fund) -> Book:
    return Book.objects.get(unit=fund)


def _locked_book(fund: Fund) -> Book:
    """The fund's book, row-locked for the rest of the transaction. Services that decide from balances
    (what is free to withdraw, whether a key was already used) take it first, so two requests for the same
    fund decide one after the other, each seeing what the other wrote."""
    return Book.objects.select_for_update().get(unit=fund)


def _cash(book: Book) -> Account:
    return Account.objects.get(book=book, code="cash")


@transaction.atomic
def membership_join(*, by: Any, fund: Fund, person: Person, opening_deposit: int, joined_on: datetime.date,
                    idempotency_key: str, today: datetime.date | None = None,
                    now: datetime.datetime | None = None) -> Membership:
    """Enrol a person with an opening deposit; the same key again returns the same membership. `now`, the moment
    it is recorded, is the clock's unless given (the demo replays its history at the moments it happened)."""
    require(by, Perm.FUNDS_TREASURY, fund)
    book = _locked_book(fund)  # also serialises membership numbering
    done = Movement.objects.filter(entry__book=book, entry__idempotency_key=idempotency_key).first()
    if done is not None:
        return done.membership
    if opening_deposit <= 0:
        raise DomainError(_("The opening deposit must be more than zero."), field="opening_deposit")
    if Membership.objects.filter(fund=fund, person=person, status=Membership.Status.ACTIVE).exists():
        raise DomainError(_("This person is already a member of this fund."), field="national_id")
    late = check_entry_date(by=by, fund=fund, day=joined_on, field="joined_on", not_before=fund.founded_on,
                            too_early=_("No one can join before the fund was founded (%(limit)s)."),
                            today=today_of(today))
    number = (Membership.objects.filter(fund=fund).aggregate(n=Max("number"))["n"] or 0) + 1
    account = ledger.account_open(book=book, code=f"savings:{number}",
                                  name=f"Savings of member {number}", type=A.LIABILITY, side=S.CREDIT)
    membership = Membership.objects.create(fund=fund, person=person, number=number, joined_on=joined_on,
                                           savings_account=account)
    entry = ledger.entry_post(by=by, book=book, idempotency_key=idempotency_key, kind="opening",
                              occurred_on=joined_on, memo=f"member {number} joined", params={"member": number},
                              lines=[(_cash(book), opening_deposit), (account, -opening_deposit)], now=now)
    Movement.objects.create(membership=membership, kind=Movement.Kind.OPENING, amount=opening_deposit,
                            occurred_on=joined_on, entry=entry, is_late=late)
    account.refresh_from_db(fields=["balance"])  # the posting moved it in the database
    audit_record(by=by, action="membership.join", obj=membership, scope_path=fund.path or "", now=now,
                 after=_marked({"person": person.pk, "number": number, "opening_deposit": opening_deposit}, late))
    fund_figures.counted(fund=fund, at=now, members=1, joined=1)
    return membership


def contribution_key(membership: Membership, year: int, month: int, attempt: int = 0) -> str:
    # Deterministic, so the same month recorded twice (two treasurers, a double click) posts once. A month
    # paid again after its contribution was reversed is the next attempt, under a key of its own.
    return f"contribution:{membership.pk}:{year}-{month:02d}" + (f":r{attempt}" if attempt else "")


def _attempts(membership_ids: list[int], year: int, month: int) -> dict[int, int]:
    """How many contributions each member has for the month, reversed ones included: the next attempt's number."""
    rows = (Contribution.objects.filter(membership_id__in=membership_ids, year=year, month=month).order_by()
            .values("membership_id").annotate(n=Count("pk")).values_list("membership_id", "n"))
    return dict(rows)


def _record_contribution(*, by: Any, book: Book, cash: Account, membership: Membership, year: int, month: int,
                         amount: int, paid_on: datetime.date, late: bool = False,
                         now: datetime.datetime | None = None) -> tuple[Contribution, bool]:
    """The month's contribution and whether this call recorded it (False: it was there already).
    The caller must hold the book's lock (`_locked_book`)."""
    # One read of the month's rows, reversed ones included: the live one if any, else the next attempt's number.
    rows = list(Contribution.objects.filter(membership=membership, year=year, month=month)
                .annotate(reversed_on=selectors.REVERSED_ON))
    existing = next((row for row in rows if row.reversed_on is None), None)
    if existing is not None:
        return existing, False
    attempt = len(rows)
    entry = ledger.entry_post(
        by=by, book=book, idempotency_key=contribution_key(membership, year, month, attempt), kind="contribution",
        occurred_on=paid_on, memo=f"member {membership.number} {year}/{month:02d}",
        params={"member": membership.number, "year": year, "month": month},
        lines=[(cash, amount), (membership.savings_account, -amount)], now=now,
    )
    # Callers hold the book's lock, so no one else can be recording this month: no savepoint needed.
    return Contribution.objects.create(membership=membership, year=year, month=month, amount=amount,
                                       paid_on=paid_on, entry=entry, is_late=late, attempt=attempt), True


def _before_joining() -> str:
    return _("The date cannot be before the member joined (%(limit)s).")


def _check_period(membership: Membership, year: int, month: int, paid_on: datetime.date) -> None:
    if not 1 <= month <= 12:
        raise DomainError(_("Choose a month from 1 to 12."), field="month")
    joined = to_jalali(membership.joined_on)
    if (year, month) < (joined.year, joined.month):
        raise DomainError(_("This member had not joined yet in that month."), field="month")
    today = to_jalali(paid_on)
    if (year, month) > (today.year, today.month + 12):
        raise DomainError(_("Contributions can be paid at most a year ahead."), field="month")
    if paid_on < membership.joined_on:
        raise DomainError(_before_joining() % {"limit": format_jalali(membership.joined_on)}, field="paid_on")


@transaction.atomic
def contribution_record(*, by: Any, membership: Membership, year: int, month: int, paid_on: datetime.date,
                        amount: int | None = None, today: datetime.date | None = None,
                        now: datetime.datetime | None = None) -> Contribution:
    fund = membership.fund
    require(by, Perm.FUNDS_TREASURY, fund)
    if membership.status != Membership.Status.ACTIVE:
        raise DomainError(_("This membership is not active."))
    _check_period(membership, year, month, paid_on)
    late = check_entry_date(by=by, fund=fund, day=paid_on, field="paid_on", not_before=membership.joined_on,
                            too_early=_before_joining(), today=today_of(today))
    rules = rules_in_force(fund=fund, on=paid_on)
    amount = rules.monthly_contribution if amount is None else amount
    if amount <= 0:
        raise DomainError(_("The amount must be more than zero."), field="amount")
    if amount > rules.monthly_contribution * 12:
        raise DomainError(_("That is more than a year of contributions; record it as an extra deposit."),
                          field="amount")
    book = _locked_book(fund)
    contribution, created = _record_contribution(by=by, book=book, cash=_cash(book), membership=membership,
                                                 year=year, month=month, amount=amount, paid_on=paid_on,
                                                 late=late, now=now)
    if created:  # a second treasurer recording the same month leaves no second trace
        audit_record(by=by, action="contribution.record", obj=contribution, scope_path=fund.path or "", now=now,
                     after=_marked({"membership": membership.pk, "period": f"{year}-{month:02d}", "amount": amount},
                                   late))
    return contribution


@transaction.atomic
def contributions_record_month(*, by: Any, fund: Fund, year: int, month: int, paid_on: datetime.date,
                               memberships: Iterable[Membership], today: datetime.date | None = None,
                               now: datetime.datetime | None = None) -> list[Contribution]:
    """Record one month for many members at once, all or nothing: if anything fails (or the process
    dies) nothing of the batch is written, and running it again completes it; members who had already
    paid that month are left as they were."""
    require(by, Perm.FUNDS_TREASURY, fund)
    late = check_entry_date(by=by, fund=fund, day=paid_on, field="paid_on", not_before=fund.founded_on,
                            too_early=_("The date cannot be before the fund was founded (%(limit)s)."),
                            today=today_of(today))
    rules = rules_in_force(fund=fund, on=paid_on)
    book = _locked_book(fund)
    cash = _cash(book)
    recorded = []
    for membership in memberships:
        if membership.fund_id != fund.pk or membership.status != Membership.Status.ACTIVE:
            raise DomainError(_("Only active members of this fund can be included."))
        _check_period(membership, year, month, paid_on)
        contribution, _created = _record_contribution(by=by, book=book, cash=cash, membership=membership,
                                                      year=year, month=month, amount=rules.monthly_contribution,
                                                      paid_on=paid_on, late=late, now=now)
        recorded.append(contribution)
    audit_record(by=by, action="contribution.month", obj=fund, scope_path=fund.path or "", now=now,
                 after=_marked({"period": f"{year}-{month:02d}", "members": len(recorded),
                                "amount": rules.monthly_contribution}, late))
    return recorded


def withdrawable(membership: Membership) -> int:
    """Savings the member may take out now: what their own loans and their guarantees do not hold."""
    return membership.savings - selectors.savings_held(membership=membership)


@transaction.atomic
def withdrawal_record(*, by: Any, membership: Membership, amount: int, occurred_on: datetime.date,
                      idempotency_key: str, today: datetime.date | None = None) -> Movement:
    fund = membership.fund
    require(by, Perm.FUNDS_TREASURY, fund)
    # Locked before `withdrawable` is computed: two withdrawals (or a withdrawal and a guarantee) may not
    # both spend the same free savings.
    book = _locked_book(fund)
    done = Movement.objects.filter(entry__book=book, entry__idempotency_key=idempotency_key).first()
    if done is not None:
        return done
    membership = Membership.objects.select_related("savings_account").get(pk=membership.pk)
    if membership.status != Membership.Status.ACTIVE:
        raise DomainError(_("This membership is not active."))
    if amount <= 0:
        raise DomainError(_("The amount must be more than zero."), field="amount")
    if amount > withdrawable(membership):
        limit = format_money(withdrawable(membership))
        raise DomainError(_("At most %(amount)s can be withdrawn.") % {"amount": limit}, field="amount")
    cash = _cash(book)
    if amount > cash.balance:
        raise DomainError(_("The fund's cash is not enough for this withdrawal."), field="amount")
    late = check_entry_date(by=by, fund=fund, day=occurred_on, field="occurred_on", not_before=membership.joined_on,
                            too_early=_before_joining(), today=today_of(today))
    entry = ledger.entry_post(by=by, book=book, idempotency_key=idempotency_key, kind="withdrawal",
                              occurred_on=occurred_on, memo=f"member {membership.number} withdrawal",
                              params={"member": membership.number},
                              lines=[(membership.savings_account, amount), (cash, -amount)])
    movement = Movement.objects.create(membership=membership, kind=Movement.Kind.WITHDRAWAL, amount=amount,
                                       occurred_on=occurred_on, entry=entry, is_late=late)
    audit_record(by=by, action="membership.withdraw", obj=membership, scope_path=fund.path or "",
                 after=_marked({"amount": amount, "occurred_on": occurred_on.isoformat()}, late))
    return movement


@transaction.atomic
def membership_leave(*, by: Any, membership: Membership, left_on: datetime.date,
                     idempotency_key: str, today: datetime.date | None = None) -> Membership:
    """The member leaves; their savings (less what they owe, once loans exist) are paid back."""
    fund = membership.fund
    require(by, Perm.FUNDS_TREASURY, fund)
    book = _locked_book(fund)
    if Movement.objects.filter(entry__book=book, entry__idempotency_key=idempotency_key).exists():
        return Membership.objects.get(pk=membership.pk)  # the same request again
    membership = Membership.objects.select_for_update(of=("self",)).select_related("savings_account").get(
        pk=membership.pk)
    if membership.status == Membership.Status.LEFT and membership.left_on == left_on:
        return membership  # the same request again, for a member who had nothing to take back
    if membership.status != Membership.Status.ACTIVE:
        raise DomainError(_("This membership is not active."))
    if Guarantee.objects.filter(guarantor=membership, status=Guarantee.Status.ACCEPTED).exists():
        raise DomainError(_("This member guarantees a loan that is still open; they can leave once it is "
                            "repaid or another guarantor takes their place."))
    if Loan.objects.filter(membership=membership, status__in=["applied", "proposed", "approved"]).exists():
        raise DomainError(_("Cancel this member's loan application first."))
    today = today_of(today)
    late = check_entry_date(by=by, fund=fund, day=left_on, field="left_on", not_before=membership.joined_on,
                            too_early=_before_joining(), today=today)
    paid_out = Loan.objects.filter(membership=membership, status=Loan.Status.DISBURSED).aggregate(
        last=Max("disbursed_on"))["last"]
    if paid_out is not None and left_on < paid_out:
        raise DomainError(_("The date cannot be before the member's loan was paid out (%(limit)s).")
                          % {"limit": format_jalali(paid_out)}, field="left_on")
    balance = membership.savings
    # What the member still owes is settled from their savings first; the rest is paid back in cash.
    for loan in Loan.objects.filter(membership=membership, status=Loan.Status.DISBURSED).select_related("account"):
        owed = sum(p.total for p in selectors.loan_plan(loan=loan)) - sum(
            loan.repayments.live().values_list("amount", flat=True))
        if owed > balance:
            raise DomainError(_("The member owes %(owed)s, more than their savings; the loan must be repaid "
                                "first.") % {"owed": format_money(owed)})
        if owed:
            loan_repay_from_savings(by=by, loan=loan, savings_account=membership.savings_account, amount=owed,
                                    paid_on=left_on, idempotency_key=f"{idempotency_key}:loan:{loan.pk}",
                                    today=today)
            balance -= owed
    if balance:
        cash = _cash(book)
        if balance > cash.balance:
            raise DomainError(_("The fund's cash is not enough to return this member's savings."))
        entry = ledger.entry_post(by=by, book=book, idempotency_key=idempotency_key, kind="settlement",
                                  occurred_on=left_on, memo=f"member {membership.number} left",
                                  params={"member": membership.number},
                                  lines=[(membership.savings_account, balance), (cash, -balance)])
        Movement.objects.create(membership=membership, kind=Movement.Kind.SETTLEMENT, amount=balance,
                                occurred_on=left_on, entry=entry, is_late=late)
    membership.status, membership.left_on = Membership.Status.LEFT, left_on
    membership.save(update_fields=["status", "left_on"])
    audit_record(by=by, action="membership.leave", obj=membership, scope_path=fund.path or "",
                 after=_marked({"returned": balance, "left_on": left_on.isoformat()}, late))
    fund_figures.counted(fund=fund, members=-1, left=1)
    return membership


@transaction.atomic
def membership_transfer(*, by: Any, membership: Membership, to_person: Person, on: datetime.date,
                        idempotency_key: str, today: datetime.date | None = None) -> Membership:
    """Hand a membership to another person where the fund's rules allow it (an heir, a family member): the
    savings move to a new membership of that person, with the old one's seniority, and the old one closes."""
    fund = membership.fund
    require(by, Perm.FUNDS_TREASURY, fund)
    book = _locked_book(fund)
    done = Movement.objects.filter(entry__book=book, entry__idempotency_key=idempotency_key,
                                   kind=Movement.Kind.DEPOSIT).select_related("membership").first()
    if done is not None:
        return done.membership
    membership = Membership.objects.select_for_update(of=("self",)).select_related("savings_account").get(
        pk=membership.pk)
    if not rules_in_force(fund=fund, on=on).allow_transfer:
        raise DomainError(_("This fund's rules do not allow memberships to be transferred."))
    if membership.status != Membership.Status.ACTIVE:
        raise DomainError(_("This membership is not active."))
    if to_person.pk == membership.person_id:
        raise DomainError(_("Choose another person."), field="national_id")
    if Membership.objects.filter(fund=fund, person=to_person, status=Membership.Status.ACTIVE).exists():
        raise DomainError(_("This person is already a member of this fund."), field="national_id")
    open_loans = Loan.objects.filter(membership=membership, status__in=["applied", "proposed", "approved", "disbursed"])
    if open_loans.exists() or Guarantee.objects.filter(guarantor=membership, status="accepted").exists():
        raise DomainError(_("A membership with an open loan or guarantee cannot be transferred."))
    late = check_entry_date(by=by, fund=fund, day=on, field="on", not_before=membership.joined_on,
                            too_early=_before_joining(), today=today_of(today))
    number = (Membership.objects.filter(fund=fund).aggregate(n=Max("number"))["n"] or 0) + 1
    account = ledger.account_open(book=book, code=f"savings:{number}", name=f"Savings of member {number}",
                                  type=A.LIABILITY, side=S.CREDIT)
    successor = Membership.objects.create(fund=fund, person=to_person, number=number,
                                          joined_on=membership.joined_on, savings_account=account)
    balance = membership.savings
    if balance:
        entry = ledger.entry_post(by=by, book=book, idempotency_key=idempotency_key, kind="transfer",
                                  occurred_on=on, memo=f"member {membership.number} -> member {number}",
                                  params={"member": membership.number, "to_member": number},
                                  lines=[(membership.savings_account, balance), (account, -balance)])
        Movement.objects.create(membership=successor, kind=Movement.Kind.DEPOSIT, amount=balance, occurred_on=on,
                                entry=entry, is_late=late)
    membership.status, membership.left_on = Membership.Status.TRANSFERRED, on
    membership.save(update_fields=["status", "left_on"])
    audit_record(by=by, action="membership.transfer", obj=membership, scope_path=fund.path or "",
                 after=_marked({"to_person": to_person.pk, "new_number": number, "savings": balance}, late))
    fund_figures.counted(fund=fund, joined=1, left=1)
    return successor


@transaction.atomic
def contributions_record_month_bulk(*, by: Any, fund: Fund, year: int, month: int, paid_on: datetime.date,
                                    memberships: Iterable[Membership], today: datetime.date | None = None
                                    ) -> list[Contribution]:
    """`contributions_record_month` for a whole fund at once, set-based: the same checks, the same entries
    (keys, memos, sequence, hashes) and the same rows, written by `ledger.bulk.entries_post` in a fixed handful
    of statements instead of about ten round trips per member. All or nothing; members who had already paid
    that month are left as they were. Single contributions keep going through `contribution_record`."""
    require(by, Perm.FUNDS_TREASURY, fund)
    late = check_entry_date(by=by, fund=fund, day=paid_on, field="paid_on", not_before=fund.founded_on,
                            too_early=_("The date cannot be before the fund was founded (%(limit)s)."),
                            today=today_of(today))
    rules = rules_in_force(fund=fund, on=paid_on)
    book = _locked_book(fund)
    cash = _cash(book)
    wanted = [m.pk for m in memberships]
    loaded = {m.pk: m for m in Membership.objects.filter(pk__in=wanted).select_related("savings_account")}
    paid = {c.membership_id: c for c in Contribution.objects.filter(membership_id__in=wanted, year=year,
                                                                     month=month).live()}
    attempts = _attempts(wanted, year, month)
    specs: list[EntrySpec] = []
    todo: list[Membership] = []
    queued: set[int] = set()
    for pk in wanted:
        membership = loaded.get(pk)
        if membership is None or membership.fund_id != fund.pk or membership.status != Membership.Status.ACTIVE:
            raise DomainError(_("Only active members of this fund can be included."))
        _check_period(membership, year, month, paid_on)
        if pk in paid or pk in queued:  # a member listed twice is recorded once (a set: no O(n²) scan)
            continue
        queued.add(pk)
        amount = rules.monthly_contribution
        specs.append(EntrySpec(
            idempotency_key=contribution_key(membership, year, month, attempts.get(pk, 0)), kind="contribution",
            occurred_on=paid_on,
            memo=f"member {membership.number} {year}/{month:02d}",
            params={"member": membership.number, "year": year, "month": month},
            lines=[(cash, amount), (membership.savings_account, -amount)]))
        todo.append(membership)
    entries = entries_post(by=by, book=book, entries=specs)
    amount = rules.monthly_contribution
    ids = insert_rows(Contribution,
                      ["membership", "year", "month", "amount", "paid_on", "is_late", "attempt", "entry"],
                      [(m.pk, year, month, amount, paid_on, late, attempts.get(m.pk, 0), e.pk)
                       for m, e in zip(todo, entries, strict=True)])
    made = {}
    for m, entry, pk in zip(todo, entries, ids, strict=True):
        contribution = Contribution(pk=pk, membership=m, year=year, month=month, amount=amount, paid_on=paid_on,
                                    entry=entry, is_late=late, attempt=attempts.get(m.pk, 0))
        contribution._state.adding = False
        made[m.pk] = contribution
    recorded = [paid.get(pk) or made[pk] for pk in dict.fromkeys(wanted)]
    audit_record(by=by, action="contribution.month", obj=fund, scope_path=fund.path or "",
                 after=_marked({"period": f"{year}-{month:02d}", "members": len(recorded),
                                "amount": rules.monthly_contribution}, late))
    return recorded
