"""The life of a loan: apply, guarantors accept in their own login, propose (maker), approve (checker: the
fund's own manager), wait in the queue, pay out with a fixed schedule, repay, and end repaid, written off or
forgiven (ابراء). Forgiveness and write-off are two steps too: the manager proposes with a reason, a second fund
officer confirms. Every status change follows LOAN_TRANSITIONS (and CLOSURE_TRANSITIONS for those proposals);
every rial goes through the books. Officers above the fund oversee: they read, they do not decide."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.jalali import format_jalali
from mardom.core.money import format_money
from mardom.core.text import normalize_text
from mardom.dashboards.sources import funds as fund_figures
from mardom.ledger import services as ledger
from mardom.ledger.models import Account, Book
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, require

from .. import selectors
from ..models import Guarantee, Installment, LateCharge, Loan, LoanClosure, Membership, Repayment
from ..schedule import allocate, build_schedule, fee_amount
from .dates import check_entry_date, today_of

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
C = LoanClosure.Status
CLOSURE_TRANSITIONS: dict[str, frozenset[str]] = {
    C.PENDING: frozenset({C.CONFIRMED, C.WITHDRAWN}),
    C.CONFIRMED: frozenset(),
    C.WITHDRAWN: frozenset(),
}


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


def _audit(by: Any, action: str, loan: Loan, now: datetime.datetime | None = None, **after: Any) -> None:
    audit_record(by=by, action=action, obj=loan, scope_path=loan.fund.path or "", now=now,
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
    if accept:
        fund_figures.counted(fund=guarantee.loan.fund, guarantees=1)
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
    """The checker: the fund's own manager, not the proposer (and not the borrower), approves or rejects."""
    loan = _locked(loan)
    require(by, Perm.FUNDS_DECIDE, loan.fund)
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
    _release_guarantees(loan)
    loan.guarantees.filter(status=Guarantee.Status.REQUESTED).update(status=Guarantee.Status.RELEASED)
    _audit(by, "loan.cancel", loan)
    return loan


def _book(loan: Loan) -> Book:
    # Locked: payouts and repayments decide from cash and from what was repaid before.
    return Book.objects.select_for_update().get(unit_id=loan.fund_id)


@transaction.atomic
def loan_disburse(*, by: Any, loan: Loan, on: datetime.date, idempotency_key: str,
                  today: datetime.date | None = None, now: datetime.datetime | None = None) -> Loan:
    """Pay out the loan at the head of the queue. The fee and the schedule are fixed now, from the rules
    in force today; an upfront fee is kept back from what the member receives. The treasurer pays out what
    the manager approved (the treasury permission, which the officers above the fund do not hold)."""
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
    approved_on = timezone.localdate(loan.decided_at) if loan.decided_at else loan.fund.founded_on
    late = check_entry_date(by=by, fund=loan.fund, day=on, field="on", not_before=approved_on,
                            too_early=_("A loan cannot be paid out before it was approved (%(limit)s)."),
                            today=today_of(today))
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
                      params={"loan": loan.pk, "member": loan.membership.number}, lines=lines, now=now)
    plan = build_schedule(amount=loan.amount, months=loan.months, disbursed_on=on, unit=rules.rounding_unit,
                          fee_policy=rules.fee_policy, fee_permille=rules.fee_permille)
    Installment.objects.bulk_create(
        [Installment(loan=loan, number=p.number, due_on=p.due_on, principal=p.principal, fee=p.fee) for p in plan]
    )
    _move(loan, S.DISBURSED)
    loan.fee, loan.fee_policy, loan.disbursed_on, loan.account = fee, rules.fee_policy, on, account
    loan.disbursed_late = late
    loan.save(update_fields=["status", "fee", "fee_policy", "disbursed_on", "account", "disbursed_late"])
    _audit(by, "loan.disburse", loan, now, amount=loan.amount, fee=fee, upfront=upfront, on=on.isoformat(),
           **({"late_entry": True} if late else {}))
    return loan


def _release_guarantees(loan: Loan, now: datetime.datetime | None = None) -> None:
    released = loan.guarantees.filter(status=Guarantee.Status.ACCEPTED).update(status=Guarantee.Status.RELEASED)
    fund_figures.counted(fund=loan.fund, at=now, guarantees=-released)


@transaction.atomic
def loan_repay(*, by: Any, loan: Loan, amount: int, paid_on: datetime.date, idempotency_key: str,
               today: datetime.date | None = None, now: datetime.datetime | None = None) -> Repayment:
    """Record a repayment: partial, one installment, several, or everything. Never more than is owed."""
    return _repay(by=by, loan=loan, amount=amount, paid_on=paid_on, idempotency_key=idempotency_key, source=None,
                  today=today, now=now)


@transaction.atomic
def loans_repay_month(*, by: Any, fund: Any, paid_on: datetime.date, payments: list[tuple[Loan, int]],
                      request_id: str, today: datetime.date | None = None) -> list[Repayment]:
    """The repayments of a meeting, all or nothing: one refused (more than is owed, a date before the loan
    was paid out) leaves none written, with the message beside that loan's amount. Sending the same page again
    (the same `request_id`) writes nothing twice."""
    require(by, Perm.FUNDS_TREASURY, fund)
    if len({loan.pk for loan, _amount in payments}) != len(payments):
        raise DomainError(_("Each loan can be repaid once on this page."), field="loans")
    done = []
    for loan, amount in payments:
        if loan.fund_id != fund.pk:
            raise DomainError(_("Only loans of this fund can be included."))
        try:
            done.append(loan_repay(by=by, loan=loan, amount=amount, paid_on=paid_on, today=today,
                                   idempotency_key=f"month-repay:{request_id}:{loan.pk}"))
        except DomainError as error:
            if error.field == "amount":
                raise DomainError(error.message, field=f"amount_{loan.pk}") from error
            raise
    return done


@transaction.atomic
def loan_repay_from_savings(*, by: Any, loan: Loan, savings_account: Account, amount: int, paid_on: datetime.date,
                            idempotency_key: str, today: datetime.date | None = None) -> Repayment:
    """Settle a loan from the borrower's own savings (when they leave the fund): no cash moves."""
    return _repay(by=by, loan=loan, amount=amount, paid_on=paid_on, idempotency_key=idempotency_key,
                  source=savings_account, today=today)


def _before_payout() -> str:
    return _("The date cannot be before the loan was paid out (%(limit)s).")


def _repay(*, by: Any, loan: Loan, amount: int, paid_on: datetime.date, idempotency_key: str,
           source: Account | None, today: datetime.date | None, now: datetime.datetime | None = None) -> Repayment:
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
    assert loan.disbursed_on is not None
    late = check_entry_date(by=by, fund=loan.fund, day=paid_on, field="paid_on", not_before=loan.disbursed_on,
                            too_early=_before_payout(), today=today_of(today))
    plan = selectors.loan_plan(loan=loan)
    paid = loan.repayments.live().aggregate(s=Sum("amount"))["s"] or 0
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
                              params={"loan": loan.pk}, lines=lines, now=now)
    repayment = Repayment.objects.create(loan=loan, amount=amount, principal=split.principal, fee=split.fee,
                                         paid_on=paid_on, entry=entry, is_late=late)
    if amount == remaining:
        _move(loan, S.REPAID)
        loan.save(update_fields=["status"])
        _release_guarantees(loan, now)
    audit_record(by=by, action="loan.repay", obj=loan, scope_path=loan.fund.path or "", now=now,
                 after={"amount": amount, "principal": split.principal, "fee": split.fee, "status": loan.status,
                        "paid_on": paid_on.isoformat(), **({"late_entry": True} if late else {})})
    return repayment


def _move_closure(closure: LoanClosure, to: str) -> None:
    if to not in CLOSURE_TRANSITIONS[closure.status]:
        raise DomainError(_("This proposal is “%(current)s” and cannot become “%(new)s”.")
                          % {"current": closure.get_status_display(), "new": LoanClosure.Status(to).label})
    closure.status = to


def _closure_audit(by: Any, action: str, closure: LoanClosure, **after: Any) -> None:
    audit_record(by=by, action=action, obj=closure.loan, scope_path=closure.loan.fund.path or "",
                 after={"closure": closure.pk, "kind": closure.kind, "status": closure.status,
                        "reason": closure.reason, **after})


@transaction.atomic
def loan_close_propose(*, by: Any, loan: Loan, kind: str, reason: str,
                       now: datetime.datetime | None = None) -> LoanClosure:
    """The maker: the fund's manager proposes to forgive (ابراء) or write off what is left, saying why.
    Nothing is posted until a second fund officer confirms (loan_close_confirm)."""
    loan = _locked(loan)
    require(by, Perm.FUNDS_DECIDE, loan.fund)
    if kind not in LoanClosure.Kind.values:
        raise DomainError(_("Choose forgiveness or write-off."), field="kind")
    reason = normalize_text(reason)
    if not reason:
        raise DomainError(_("Write down why."), field="reason")
    if loan.status != S.DISBURSED:
        raise DomainError(_("Only a loan that was paid out and is still owed can be closed this way."))
    if _is_self(by, loan.membership):
        raise DomainError(_("No one can decide on their own loan."))
    if loan.closures.filter(status=C.PENDING).exists():
        raise DomainError(_("A proposal to close this loan is already waiting; confirm or withdraw it first."))
    closure = LoanClosure.objects.create(loan=loan, kind=kind, reason=reason[:300], proposed_by=by,
                                         proposed_at=now or timezone.now())
    _closure_audit(by, "loan.close_propose", closure)
    return closure


def _locked_closure(closure: LoanClosure) -> LoanClosure:
    return LoanClosure.objects.select_for_update(of=("self",)).select_related("loan", "loan__fund").get(
        pk=closure.pk)


@transaction.atomic
def loan_close_confirm(*, by: Any, closure: LoanClosure, idempotency_key: str,
                       on: datetime.date | None = None, now: datetime.datetime | None = None) -> Loan:
    """The checker: a second fund officer (another manager, or the fund's treasurer), never the proposer
    nor the borrower, confirms; only now is the loss posted to the fund's capital and the loan closed."""
    closure = _locked_closure(closure)
    loan = _locked(closure.loan)
    if not (has_perm_on(by, Perm.FUNDS_DECIDE, loan.fund) or has_perm_on(by, Perm.FUNDS_TREASURY, loan.fund)):
        raise PermissionDenied
    to = S.FORGIVEN if closure.kind == LoanClosure.Kind.FORGIVE else S.WRITTEN_OFF
    if closure.status == C.CONFIRMED and loan.status == to:
        return loan  # the same request again
    if closure.proposed_by_id == getattr(by, "pk", None):
        raise DomainError(_("Whoever proposed closing a loan cannot also confirm it: a second officer must."))
    if _is_self(by, loan.membership):
        raise DomainError(_("No one can decide on their own loan."))
    now = now or timezone.now()
    today = timezone.localdate(now)
    on = on or today
    assert loan.disbursed_on is not None
    if on > today or on < loan.disbursed_on:
        raise DomainError(_("The date cannot be before the loan was paid out (%(limit)s) or after today.")
                          % {"limit": format_jalali(loan.disbursed_on)})
    _move_closure(closure, C.CONFIRMED)
    _move(loan, to)
    assert loan.account is not None
    book = _book(loan)
    kind = "forgiveness" if to == S.FORGIVEN else "write_off"
    outstanding = Account.objects.get(pk=loan.account.pk).balance
    if outstanding:
        ledger.entry_post(by=by, book=book, idempotency_key=idempotency_key, kind=kind, occurred_on=on,
                          memo=f"loan {loan.pk}: {closure.reason}"[:300],
                          params={"loan": loan.pk, "note": closure.reason},
                          lines=[(Account.objects.get(book=book, code="equity"), outstanding),
                                 (loan.account, -outstanding)])
    closure.decided_by, closure.decided_at = by, now
    closure.save(update_fields=["status", "decided_by", "decided_at"])
    loan.decision_note = closure.reason
    loan.save(update_fields=["status", "decision_note"])
    _release_guarantees(loan)
    _closure_audit(by, f"loan.{kind}", closure, outstanding=outstanding, proposed_by=closure.proposed_by_id,
                   loan_status=loan.status)
    return loan


@transaction.atomic
def loan_close_withdraw(*, by: Any, closure: LoanClosure, now: datetime.datetime | None = None) -> LoanClosure:
    """A fund manager withdraws a proposal that is still waiting; nothing was posted, nothing is."""
    closure = _locked_closure(closure)
    require(by, Perm.FUNDS_DECIDE, closure.loan.fund)
    if closure.status == C.WITHDRAWN:
        return closure
    _move_closure(closure, C.WITHDRAWN)
    closure.decided_by, closure.decided_at = by, now or timezone.now()
    closure.save(update_fields=["status", "decided_by", "decided_at"])
    _closure_audit(by, "loan.close_withdraw", closure)
    return closure


@transaction.atomic
def late_charge_collect(*, by: Any, loan: Loan, installment_number: int, amount: int, paid_on: datetime.date,
                        idempotency_key: str, today: datetime.date | None = None) -> LateCharge:
    """Collect a late charge the rules allow on one late installment; it goes to the charity account."""
    loan = _locked(loan)
    require(by, Perm.FUNDS_TREASURY, loan.fund)
    done = LateCharge.objects.filter(loan=loan, entry__idempotency_key=idempotency_key).first()
    if done is not None:
        return done
    if loan.disbursed_on is None:
        raise DomainError(_("Only a loan that was paid out can be repaid."))
    late = check_entry_date(by=by, fund=loan.fund, day=paid_on, field="paid_on", not_before=loan.disbursed_on,
                            too_early=_before_payout(), today=today_of(today))
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
                                       paid_on=paid_on, entry=entry, is_late=late)
    _audit(by, "loan.late_charge", loan, installment=installment_number, amount=amount,
           **({"late_entry": True} if late else {}))
    return charge
