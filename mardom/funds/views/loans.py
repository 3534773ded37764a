"""Pages for loans: the fund's loans and queue, applying, guarantees, decisions, payout and repayment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mardom.core.errors import DomainError
from mardom.core.forms_util import run_service
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on

from .. import figures, selectors, services
from ..forms import (
    CloseConfirmForm,
    CloseForm,
    DecisionForm,
    DisburseForm,
    GuaranteeRequestForm,
    LateChargeForm,
    LoanApplyForm,
    RepayForm,
)
from ..models import Guarantee, Loan, LoanClosure


def _post(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@login_required
def loan_list(request: HttpRequest, pk: int) -> HttpResponse:
    fund = selectors.fund_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.FUNDS_VIEW, fund):
        raise PermissionDenied
    status = request.GET.get("status", "")
    status = status if status in Loan.Status.values else ""
    return render(request, "funds/loan_list.html", {
        "fund": fund, "loans": selectors.loan_list(fund=fund, status=status)[:200], "status": status,
        "statuses": Loan.Status.choices, "queue": selectors.loan_queue(fund=fund),
        "portfolio": figures.portfolio(fund=fund, on=timezone.localdate()),
    })


@login_required
def queue(request: HttpRequest, pk: int) -> HttpResponse:
    """The payout queue as members see it: every place, names and amounts only on one's own."""
    fund = selectors.fund_get(user=request.user, pk=pk)  # a member of the fund, or an officer over it
    person_id = request.user.person_id
    return render(request, "funds/queue.html", {
        "fund": fund, "places": selectors.queue_places(fund=fund, person_id=person_id),
        "waiting": selectors.waiting_applications(fund=fund, person_id=person_id),
        "can_see_loans": has_perm_on(request.user, Perm.FUNDS_VIEW, fund),
    })


@login_required
def loan_apply(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_get(user=request.user, pk=pk)
    treasurer = has_perm_on(request.user, Perm.FUNDS_TREASURY, membership.fund)
    if not treasurer and membership.person_id != request.user.person_id:
        raise PermissionDenied
    form = LoanApplyForm(_post(request), treasurer=treasurer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        loan = run_service(form, services.loan_apply, by=request.user, membership=membership, amount=data["amount"],
                           months=data["months"], purpose=data["purpose"], description=data["description"],
                           activity=data["activity"], priority=data.get("priority", Loan.Priority.NORMAL))
        if loan:
            messages.success(request, _("The application was recorded. Now ask members to guarantee it."))
            return redirect("funds:loan", pk=loan.pk)
    problems = selectors.loan_eligibility(membership=membership, amount=1, months=1, on=timezone.localdate())
    return render(request, "funds/loan_apply.html", {"membership": membership, "fund": membership.fund,
                                                     "form": form, "problems": problems})


def _context(request: HttpRequest, loan: Loan, **forms: Any) -> dict[str, Any]:
    user = request.user
    treasurer = has_perm_on(user, Perm.FUNDS_TREASURY, loan.fund)
    manager = has_perm_on(user, Perm.FUNDS_DECIDE, loan.fund)  # the fund's own manager, not the officers above
    borrower = loan.membership.person_id == user.person_id
    closures = list(loan.closures.select_related("proposed_by__person", "decided_by__person").order_by("-pk"))
    pending = next((c for c in closures if c.status == LoanClosure.Status.PENDING), None)
    today = timezone.localdate()
    plan = selectors.loan_plan(loan=loan)
    # What the viewer recorded before the last close, another officer reverses (as on the month page).
    last = selectors.last_closed_meeting(fund=loan.fund) if treasurer else None
    charges = selectors.late_charges_collected(loan=loan)
    for charge in charges:
        charge.another_reverses = treasurer and selectors.recorder_must_leave_it(user=user, entry=charge.entry,
                                                                                 last=last)
    context: dict[str, Any] = {
        "loan": loan, "fund": loan.fund, "plan": plan, "standing": selectors.loan_standing(loan=loan, on=today),
        "guarantees": loan.guarantees.select_related("guarantor", "guarantor__person").order_by("pk"),
        "repayments": selectors.repayment_history(loan=loan),
        "late_charges": charges,
        "can_reverse_charges": treasurer,
        "reversible": (reversible := services.reversible_repayment(loan=loan) if treasurer else None),
        "another_reverses": reversible is not None and selectors.recorder_must_leave_it(
            user=user, entry=reversible.entry, last=last),
        "needed": selectors.guarantee_needed(loan=loan) if loan.status == Loan.Status.APPLIED else 0,
        "queue_position": next((i for i, q in enumerate(selectors.loan_queue(fund=loan.fund), 1) if q.pk == loan.pk),
                               None),
        "my_guarantee": loan.guarantees.filter(guarantor__person_id=user.person_id,
                                               status=Guarantee.Status.REQUESTED).first() if user.person_id else None,
        "guarantee_form": None, "decision_form": None, "disburse_form": None, "repay_form": None, "close_form": None,
        "can_propose": treasurer and loan.status == Loan.Status.APPLIED,
        "closures": closures, "pending_closure": pending,
        # A second fund officer confirms: another manager or the treasurer, never the proposer or the borrower.
        "confirm_form": CloseConfirmForm() if pending and (manager or treasurer) and not borrower
        and pending.proposed_by_id != user.pk else None,
        "can_withdraw_closure": bool(pending and manager),
        "can_cancel": (treasurer or borrower) and loan.status in (Loan.Status.APPLIED, Loan.Status.PROPOSED,
                                                                  Loan.Status.APPROVED),
    }
    if loan.status == Loan.Status.APPLIED and (treasurer or borrower):
        context["guarantee_form"] = GuaranteeRequestForm(loan=loan)
    if loan.status == Loan.Status.PROPOSED and manager:
        context["decision_form"] = DecisionForm()
    if loan.status == Loan.Status.APPROVED and treasurer:
        context["disburse_form"] = DisburseForm()
    if loan.status == Loan.Status.DISBURSED and treasurer:
        context["repay_form"] = RepayForm(initial={"amount": _next_amount(plan, context["standing"].paid)})
    if loan.status == Loan.Status.DISBURSED and manager and pending is None and not borrower:
        context["close_form"] = CloseForm()
    if loan.status == Loan.Status.DISBURSED and treasurer:
        context["late_forms"] = [
            LateChargeForm(initial={"installment_number": number, "amount": amount}, prefix=f"late{number}")
            for number, amount in selectors.late_charges_due(loan=loan, on=today).items()
        ]
    context.update(forms)
    return context


def _next_amount(plan: Any, paid: int) -> int | None:
    """What brings the loan up to date with its next installment, given what was repaid so far."""
    cumulative = 0
    for item in plan:
        cumulative += item.total
        if cumulative > paid:
            return cumulative - paid
    return None


@login_required
def loan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    loan = selectors.loan_get(user=request.user, pk=pk)
    return render(request, "funds/loan_detail.html", _context(request, loan))


def _act(request: HttpRequest, pk: int, form_name: str, form: Any, build: Any, call: Any, done: str) -> HttpResponse:
    """Validate `form`, call the service with the arguments `build` makes from it, and either go back to
    the loan with a message or show the form again with the error beside its field."""
    loan = selectors.loan_get(user=request.user, pk=pk)
    if form.is_valid() and run_service(form, call, loan=loan, **build(form.cleaned_data)):
        messages.success(request, done)
        return redirect("funds:loan", pk=loan.pk)
    loan.refresh_from_db()
    return render(request, "funds/loan_detail.html", _context(request, loan, **{form_name: form}), status=400)


@login_required
@require_POST
def guarantee_add(request: HttpRequest, pk: int) -> HttpResponse:
    loan = selectors.loan_get(user=request.user, pk=pk)
    return _act(request, pk, "guarantee_form", GuaranteeRequestForm(request.POST, loan=loan),
                lambda d: {"guarantor": d["guarantor"], "amount": d["amount"]},
                lambda loan, **kw: services.guarantee_request(by=request.user, loan=loan, **kw),
                _("The guarantor was asked; they answer in their own login."))


@login_required
@require_POST
def guarantee_answer(request: HttpRequest, pk: int) -> HttpResponse:
    guarantee = Guarantee.objects.select_related("loan", "guarantor").filter(
        pk=pk, guarantor__person_id=request.user.person_id or -1).first()
    if guarantee is None:
        raise PermissionDenied
    accept = request.POST.get("answer") == "accept"
    try:
        services.guarantee_respond(by=request.user, guarantee=guarantee, accept=accept)
        messages.success(request, _("You accepted the guarantee.") if accept else _("You declined the guarantee."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("funds:loan", pk=guarantee.loan_id)


def _simple(request: HttpRequest, pk: int, call: Any, done: str) -> HttpResponse:
    loan = selectors.loan_get(user=request.user, pk=pk)
    try:
        call(loan)
        messages.success(request, done)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("funds:loan", pk=loan.pk)


@login_required
@require_POST
def loan_propose(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple(request, pk, lambda loan: services.loan_propose(by=request.user, loan=loan),
                   _("The loan was proposed for approval."))


@login_required
@require_POST
def loan_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple(request, pk, lambda loan: services.loan_cancel(by=request.user, loan=loan),
                   _("The loan was cancelled."))


@login_required
@require_POST
def loan_decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "decision_form", DecisionForm(request.POST),
                lambda d: {"approve": d["decision"] == "approve", "note": d["note"]},
                lambda loan, **kw: services.loan_decide(by=request.user, loan=loan, **kw), _("The decision was saved."))


@login_required
@require_POST
def loan_disburse(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "disburse_form", DisburseForm(request.POST),
                lambda d: {"on": d["on"], "idempotency_key": f"payout:{d['request_id']}"},
                lambda loan, **kw: services.loan_disburse(by=request.user, loan=loan, **kw),
                _("The loan was paid out and its schedule fixed."))


@login_required
@require_POST
def loan_repay(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "repay_form", RepayForm(request.POST),
                lambda d: {"amount": d["amount"], "paid_on": d["paid_on"],
                           "idempotency_key": f"repay:{d['request_id']}"},
                lambda loan, **kw: services.loan_repay(by=request.user, loan=loan, **kw),
                _("The repayment was recorded."))


@login_required
@require_POST
def loan_close(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager proposes forgiveness or a write-off; nothing is posted yet."""
    return _act(request, pk, "close_form", CloseForm(request.POST),
                lambda d: {"kind": d["kind"], "reason": d["reason"]},
                lambda loan, **kw: services.loan_close_propose(by=request.user, loan=loan, **kw),
                _("The proposal was recorded; a second fund officer must confirm it before the loan is closed."))


def _closure(request: HttpRequest, pk: int) -> LoanClosure:
    """A closure proposal on a loan the user may see (404 otherwise)."""
    closure = LoanClosure.objects.filter(pk=pk).first()
    if closure is None:
        raise Http404
    selectors.loan_get(user=request.user, pk=closure.loan_id)
    return closure


@login_required
@require_POST
def loan_close_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    closure = _closure(request, pk)
    form = CloseConfirmForm(request.POST)
    if form.is_valid() and run_service(form, services.loan_close_confirm, by=request.user, closure=closure,
                                       idempotency_key=f"close:{form.cleaned_data['request_id']}"):
        messages.success(request, _("The loan was closed."))
        return redirect("funds:loan", pk=closure.loan_id)
    loan = selectors.loan_get(user=request.user, pk=closure.loan_id)
    return render(request, "funds/loan_detail.html", _context(request, loan, confirm_form=form), status=400)


@login_required
@require_POST
def loan_close_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    closure = _closure(request, pk)
    try:
        services.loan_close_withdraw(by=request.user, closure=closure)
        messages.success(request, _("The proposal was withdrawn."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("funds:loan", pk=closure.loan_id)


@login_required
@require_POST
def late_charge(request: HttpRequest, pk: int) -> HttpResponse:
    number = request.POST.get("number", "")
    form = LateChargeForm(request.POST, prefix=f"late{number}" if number.isdigit() else "late")
    loan = selectors.loan_get(user=request.user, pk=pk)
    if form.is_valid() and run_service(
        form, services.late_charge_collect, by=request.user, loan=loan,
        installment_number=form.cleaned_data["installment_number"], amount=form.cleaned_data["amount"],
        paid_on=form.cleaned_data["paid_on"], idempotency_key=f"late:{form.cleaned_data['request_id']}",
    ):
        messages.success(request, _("The late charge was recorded for charity."))
        return redirect("funds:loan", pk=loan.pk)
    loan.refresh_from_db()
    return render(request, "funds/loan_detail.html", _context(request, loan, late_forms=[form]), status=400)
