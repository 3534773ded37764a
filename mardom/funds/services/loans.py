"""The life of a loan: apply, guarantors accept in their own login, propose (maker), approve (checker),
wait in the queue, pay out with a fixed schedule, repay, and end repaid, written off or forgiven (ابراء).
Every status change follows LOAN_TRANSITIONS; every rial goes through the books."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.money import format_money
from mardom.core.text import normalize_text
from mardom.ledger import services as ledger
from mardom.ledger.models import Account, Book
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, require

from .. import selectors
from ..models import Guarantee, Installment, LateCharge, Loan, Membership, Repayment
from ..schedule import allocate, build_schedule, fee_amount

S = Loan.Status
LOAN_TRANSITIONS: dict[str, frozenset[str]] = {
    S.APPLIED: frozenset({S.PROPOSED, S.REJECTED, S.CANCELLED}),
    S.PROPOSED: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.DISBURSED, S.CANCELLED}),
    S.DISBURSED: frozenset({S.REPAID, S.WRITTEN_OFF, S.FORGIVEN}),
    S.REPAID: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
    S.WRITTEN_OFF: frozenset(),
    S.FORGIVEN: frozenset(),
}
OPEN_STATUSES = (S.APPLIED, S.PROPOSED, S.APPROVED, S.DISBURSED)


def _move(loan: Loan, to: str) -> None:
    if to not in LOAN_TRANSITIONS[loan.status]:
        raise DomainError(_("A loan that is “%(current)s” cannot become “%(new)s”.")
                          % {"current": loan.get_status_display(), "new": Loan.Status(to).label})
    loan.status = to


def _locked(loan: Loan) -> Loan:
    # of=("self",): lock the loan row only; PostgreSQL refuses FOR UPDATE on the outer join to `account`.
    return Loan.objects.select_for_update(of=("self",)).select_related(
        "fund", "membership", "membership__savings_account", "account").get(pk=loan.pk)


def _is_self(by: Any, membership: Membership) -> bool:
    return bool(getattr(by, "person_id", None)) and by.person_id == membership.person_id


def _audit(by: Any, action: str, loan: Loan, **after: Any) -> None:
    audit_record(by=by, action=action, obj=loan, scope_path=loan.fund.path or "",
                 after={"status": loan.status, **after})


@transaction.atomic
def loan_apply(*, by: Any, membership: Membership, amount: int, months: int, purpose: str, description: str = "",
               activity: str = "", priority: int = Loan.Priority.NORMAL,
               now: datetime.datetime | None = None) -> Loan:
    """A member applies in their own login, or the treasurer records the application for them. Only the
    treasurer may mark an emergency; production is marked from the purpose."""
    fund = membership.fund
    if not _is_self(by, membership):
        require(by, Perm.FUNDS_TREASURY, fund)
    Book.objects.select_for_update().get(unit=fund)  # one open loan per member, decided one at a time
    now = now or timezone.now()
    problems = selectors.loan_eligibility(membership=membership, amount=amount, months=months,
                                          on=timezone.localdate(now))
    if problems:
        field, message = problems[0]
        raise DomainError(message, field=field)
    if priority == Loan.Priority.EMERGENCY and not has_perm_on(by, Perm.FUNDS_TREASURY, fund):
        priority = Loan.Priority.NORMAL
    if purpose == Loan.Purpose.PRODUCTION and priority == Loan.Priority.NORMAL:
        priority = Loan.Priority.PRODUCER
    loan = Loan.objects.create(fund=fund, membership=membership, amount=amount, months=months, purpose=purpose,
                               description=normalize_text(description), activity=normalize_text(activity),
                               priority=priority, applied_at=now, applied_by=by)
    _audit(by, "loan.apply", loan, amount=amount, months=months, purpose=purpose, priority=priority)
    return loan


@transaction.atomic
def guarantee_request(*, by: Any, loan: Loan, guarantor: Membership, amount: int) -> Guarantee:
    loan = _locked(loan)
    if not _is_self(by, loan.membership):
        require(by, Perm.FUNDS_TREASURY, loan.fund)
    if loan.status != S.APPLIED:
        raise DomainError(_("Guarantors can only be added while the loan is an application."))
    if guarantor.fund_id != loan.fund_id or guarantor.status != Membership.Status.ACTIVE:
        raise DomainError(_("A guarantor must be an active member of the same fund."), field="guarantor")
    if guarantor.pk == loan.membership_id:
        raise DomainError(_("Borrowers cannot guarantee their own loan."), field="guarantor")
    if amount <= 0 or amount > loan.amount:
        raise DomainError(_("The guaranteed amount must be more than zero and at most the loan."), field="amount")
    if Guarantee.objects.filter(loan=loan, guarantor=guarantor).exists():
        raise DomainError(_("This member was already asked to guarantee this loan."), field="guarantor")
    guarantee = Guarantee.objects.create(loan=loan, guarantor=guarantor, amount=amount)
    audit_record(by=by, action="guarantee.request", obj=guarantee, scope_path=loan.fund.path or "",
                 after={"loan": loan.pk, "guarantor": guarantor.pk, "amount": amount})
    return guarantee


@transaction.atomic
def guarantee_respond(*, by: Any, guarantee: Guarantee, accept: bool,
                      now: datetime.datetime | None = None) -> Guarantee:
    """Only the guarantor, in their own login, can accept or decline."""
    Book.objects.select_for_update().get(unit_id=guarantee.loan.fund_id)  # free savings decided one at a time
    guarantee = Guarantee.objects.select_for_update(of=("self",)).select_related(
        "loan", "loan__fund", "guarantor", "guarantor__savings_account").get(pk=guarantee.pk)
    if not _is_self(by, guarantee.guarantor):
        raise DomainError(_("Only the guarantor can answer this request."))
    if guarantee.status != Guarantee.Status.REQUESTED:
        raise DomainError(_("This request was already answered."))
    if guarantee.loan.status != S.APPLIED:
        raise DomainError(_("This loan no longer needs guarantors."))
    if accept:
        free = selectors.guarantee_capacity(membership=guarantee.guarantor)
        if guarantee.amount > free:
            raise DomainError(_("Your savings can back at most %(amount)s more in guarantees.")
                              % {"amount": format_money(max(free, 0))}, field="amount")
    guarantee.status = Guarantee.Status.ACCEPTED if accept else Guarantee.Status.DECLINED
    guarantee.responded_at = now or timezone.now()
    guarantee.save(update_fields=["status", "responded_at"])
    audit_record(by=by, action="guarantee.accept" if accept else "guarantee.decline", obj=guarantee,
                 scope_path=guarantee.loan.fund.path or "", after={"status": guarantee.status})
    return guarantee


@transaction.atomic
def loan_propose(*, by: Any, loan: Loan, now: datetime.datetime | None = None) -> Loan:
    """The maker: the treasurer checks the application again and puts it forward for approval."""
    loan = _locked(loan)
    require(by, Perm.FUNDS_TREASURY, loan.fund)
    now = now or timezone.now()
    problems = selectors.loan_eligibility(membership=loan.membership, amount=loan.amount, months=loan.months,
                                          on=timezone.localdate(now), ignoring=loan)
    if problems:
        raise DomainError(problems[0][1])
    needed = selectors.guarantee_needed(loan=loan)
    covered = loan.guarantees.filter(status=Guarantee.Status.ACCEPTED).aggregate(s=Sum("amount"))["s"] or 0
    if covered < needed:
        raise DomainError(_("Accepted guarantees cover %(covered)s of the %(needed)s needed.")
                          % {"covered": format_money(covered), "needed": format_money(needed)})
    _move(loan, S.PROPOSED)
    loan.proposed_by = by
    loan.save(update_fields=["status", "proposed_by"])
    _audit(by, "loan.propose", loan)
    return loan


@transaction.atomic
def loan_decide(*, by: Any, loan: Loan, approve: bool, note: str = "",
                now: datetime.datetime | None = None) -> Loan:
    """The checker: someone other than the proposer (and not the borrower) approves or rejects."""
    loan = _locked(loan)
    require(by, Perm.FUNDS_MANAGE, loan.fund)
    if loan.status != S.PROPOSED:
        raise DomainError(_("Only a proposed loan can be approved or rejected."))
    if loan.proposed_by_id == getattr(by, "pk", None):
        raise DomainError(_("Whoever proposed a loan cannot also approve it."))
    if _is_self(by, loan.membership):
        raise DomainError(_("No one can decide on their own loan."))
    _move(loan, S.APPROVED if approve else S.REJECTED)
    loan.decided_by, loan.decided_at, loan.decision_note = by, now or timezone.now(), normalize_text(note)
    loan.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _audit(by, "loan.approve" if approve else "loan.reject", loan, note=loan.decision_note)
    return loan


@transaction.atomic
def loan_cancel(*, by: Any, loan: Loan) -> Loan:
    loan = _locked(loan)
    if not _is_self(by, loan.membership):
        require(by, Perm.FUNDS_TREASURY, loan.fund)
    _move(loan, S.CANCELLED)
    loan.save(update_fields=["status"])
    loan.guarantees.filter(status__in=[Guarantee.Status.REQUESTED, Guarantee.Status.ACCEPTED]).update(
        status=Guarantee.Status.RELEASED)
    _audit(by, "loan.cancel", loan)
    return loan


def _book(loan: Loan) -> Book:
    # Locked: payouts and repayments decide from cash and from what was repaid before.
    return Book.objects.select_for_update().get(unit_id=loan.fund_id)


@transaction.atomic
def loan_disburse(*, by: Any, loan: Loan, on: datetime.date, idempotency_key: str) -> Loan:
    """Pay out the loan at the head of the queue. The fee and the schedule are fixed now, from the rules
    in force today; an upfront fee is kept back from what the member receives."""
    loan = _locked(loan)
    require(by, Perm.FUNDS_TREASURY, loan.fund)
    book = _book(loan)
    if loan.status == S.DISBURSED and loan.account and loan.account.postings.filter(
            entry__idempotency_key=idempotency_key).exists():
        return loan  # the same request again
    if loan.status != S.APPROVED:
        raise DomainError(_("Only an approved loan can be paid out."))
    head = selectors.loan_queue(fund=loan.fund).first()
    if head is not None and head.pk != loan.pk:
        raise DomainError(_("Loans are paid out in queue order; %(name)s is first.")
                          % {"name": head.membership.person.full_name})
    rules = selectors.rules_in_force(fund=loan.fund, on=on)
    fee = fee_amount(loan.amount, rules.fee_permille) if rules.fee_policy != "none" else 0
    upfront = fee if rules.fee_policy == "upfront" else 0
    cash = Account.objects.get(book=book, code="cash")
    if loan.amount - upfront > cash.balance:
        raise DomainError(_("The fund's cash (%(cash)s) is not enough to pay out this loan.")
                          % {"cash": format_money(cash.balance)})
    account = ledger.account_open(book=book, code=f"loan:{loan.pk}", name=f"Loan {loan.pk}",
                                  type=Account.Type.ASSET, side=Account.Side.DEBIT)
    lines = [(account, loan.amount), (cash, -(loan.amount - upfront))]
    if upfront:
        lines.append((Account.objects.get(book=book, code="fees"), -upfront))
    ledger.entry_post(by=by, book=book, idempotency_key=idempotency_key, kind="disbursement", occurred_on=on,
                      memo=f"loan {loan.pk} to member {loan.membership.number}",
                      params={"loan": loan.pk, "member": loan.membership.number}, lines=lines)
    plan = build_schedule(amount=loan.amount, months=loan.months, disbursed_on=on, unit=rules.rounding_unit,
                          fee_policy=rules.fee_policy, fee_permille=rules.fee_permille)
    Installment.objects.bulk_create(
        [Installment(loan=loan, number=p.number, due_on=p.due_on, principal=p.principal, fee=p.fee) for p in plan]
    )
    _move(loan, S.DISBURSED)
    loan.fee, loan.fee_policy, loan.disbursed_on, loan.account = fee, rules.fee_policy, on, account
    loan.save(update_fields=["status", "fee", "fee_policy", "disbursed_on", "account"])
    _audit(by, "loan.disburse", loan, amount=loan.amount, fee=fee, upfront=upfront)
    return loan


def _release_guarantees(loan: Loan) -> None:
    loan.guarantees.filter(status=Guarantee.Status.ACCEPTED).update(status=Guarantee.Status.RELEASED)


@transaction.atomic
def loan_repay(*, by: Any, loan: Loan, amount: int, paid_on: datetime.date, idempotency_key: str) -> Repayment:
    """Record a repayment: partial, one installment, several, or everything. Never more than is owed."""
    return _repay(by=by, loan=loan, amount=amount, paid_on=paid_on, idempotency_key=idempotency_key, source=None)


@transaction.atomic
def loan_repay_from_savings(*, by: Any, loan: Loan, savings_account: Account, amount: int, paid_on: datetime.date,
                            idempotency_key: str) -> Repayment:
    """Settle a loan from the borrower's own savings (when they leave the fund): no cash moves."""
    return _repay(by=by, loan=loan, amount=amount, paid_on=paid_on, idempotency_key=idempotency_key,
                  source=savings_account)


def _repay(*, by: Any, loan: Loan, amount: int, paid_on: datetime.date, idempotency_key: str,
           source: Account | None) -> Repayment:
    loan = _locked(loan)
    require(by, Perm.FUNDS_TREASURY, loan.fund)
    book = _book(loan)
    done = Repayment.objects.filter(loan=loan, entry__idempotency_key=idempotency_key).first()
    if done is not None:
        return done
    if loan.status != S.DISBURSED or loan.account is None:
        raise DomainError(_("Only a loan that was paid out can be repaid."))
    if amount <= 0:
        raise DomainError(_("The amount must be more than zero."), field="amount")
    plan = selectors.loan_plan(loan=loan)
    paid = loan.repayments.aggregate(s=Sum("amount"))["s"] or 0
    remaining = sum(p.total for p in plan) - paid
    if amount > remaining:
        raise DomainError(_("Only %(amount)s is owed on this loan.") % {"amount": format_money(remaining)},
                          field="amount")
    split = allocate(plan, already_paid=paid, payment=amount)
    lines = [(source or Account.objects.get(book=book, code="cash"), amount)]
    if split.principal:
        lines.append((loan.account, -split.principal))
    if split.fee:
        lines.append((Account.objects.get(book=book, code="fees"), -split.fee))
    entry = ledger.entry_post(by=by, book=book, idempotency_key=idempotency_key, kind="repayment",
                              occurred_on=paid_on, memo=f"loan {loan.pk} repayment",
                              params={"loan": loan.pk}, lines=lines)
    repayment = Repayment.objects.create(loan=loan, amount=amount, principal=split.principal, fee=split.fee,
                                         paid_on=paid_on, entry=entry)
    if amount == remaining:
        _move(loan, S.REPAID)
        loan.save(update_fields=["status"])
        _release_guarantees(loan)
    audit_record(by=by, action="loan.repay", obj=loan, scope_path=loan.fund.path or "",
                 after={"amount": amount, "principal": split.principal, "fee": split.fee, "status": loan.status})
    return repayment


def _close_with_loss(*, by: Any, loan: Loan, to: str, kind: str, note: str, idempotency_key: str,
                     on: datetime.date) -> Loan:
    loan = _locked(loan)
    require(by, Perm.FUNDS_MANAGE, loan.fund)
    if loan.status == to:
        return loan
    _move(loan, to)
    assert loan.account is not None
    book = _book(loan)
    outstanding = Account.objects.get(pk=loan.account.pk).balance
    if outstanding:
        ledger.entry_post(by=by, book=book, idempotency_key=idempotency_key, kind=kind, occurred_on=on,
                          memo=f"loan {loan.pk}: {normalize_text(note)}"[:300],
                          params={"loan": loan.pk, "note": normalize_text(note)},
                          lines=[(Account.objects.get(book=book, code="equity"), outstanding),
                                 (loan.account, -outstanding)])
    loan.decision_note = normalize_text(note)
    loan.save(update_fields=["status", "decision_note"])
    _release_guarantees(loan)
    _audit(by, f"loan.{kind}", loan, outstanding=outstanding, note=loan.decision_note)
    return loan


@transaction.atomic
def loan_write_off(*, by: Any, loan: Loan, note: str, idempotency_key: str, on: datetime.date) -> Loan:
    """The fund gives up collecting what is left (the loss falls on the fund's capital)."""
    if not normalize_text(note):
        raise DomainError(_("Write down why."), field="note")
    return _close_with_loss(by=by, loan=loan, to=S.WRITTEN_OFF, kind="write_off", note=note,
                            idempotency_key=idempotency_key, on=on)


@transaction.atomic
def loan_forgive(*, by: Any, loan: Loan, note: str, idempotency_key: str, on: datetime.date) -> Loan:
    """ابراء: the fund releases the borrower from what is left, as an act of charity."""
    if not normalize_text(note):
        raise DomainError(_("Write down why."), field="note")
    return _close_with_loss(by=by, loan=loan, to=S.FORGIVEN, kind="forgiveness", note=note,
                            idempotency_key=idempotency_key, on=on)


@transaction.atomic
def late_charge_collect(*, by: Any, loan: Loan, installment_number: int, amount: int, paid_on: datetime.date,
                        idempotency_key: str) -> LateCharge:
    """Collect a late charge the rules allow on one late installment; it goes to the charity account."""
    loan = _locked(loan)
    require(by, Perm.FUNDS_TREASURY, loan.fund)
    done = LateCharge.objects.filter(loan=loan, entry__idempotency_key=idempotency_key).first()
    if done is not None:
        return done
    allowed = selectors.late_charges_due(loan=loan, on=paid_on).get(installment_number, 0)
    if amount <= 0 or amount > allowed:
        raise DomainError(_("The rules allow at most %(amount)s of late charge on this installment.")
                          % {"amount": format_money(allowed)}, field="amount")
    book = _book(loan)
    entry = ledger.entry_post(by=by, book=book, idempotency_key=idempotency_key, kind="late_charge",
                              occurred_on=paid_on, memo=f"loan {loan.pk} installment {installment_number} late charge",
                              params={"loan": loan.pk, "installment": installment_number},
                              lines=[(Account.objects.get(book=book, code="cash"), amount),
                                     (Account.objects.get(book=book, code="charity"), -amount)])
    charge = LateCharge.objects.create(loan=loan, installment_number=installment_number, amount=amount,
                                       paid_on=paid_on, entry=entry)
    _audit(by, "loan.late_charge", loan, installment=installment_number, amount=amount)
    return charge
