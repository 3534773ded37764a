"""Pages for funds and memberships: the fund list and export, a fund's page, joining, the month's contributions,
rules, and a member's page with contributions, withdrawals, leaving and transfers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mardom.core.csv_export import csv_response, jalali_cell
from mardom.core.digits import localize_digits
from mardom.core.forms_util import run_service
from mardom.core.paging import kept_query, paginate
from mardom.orgs.models import Base
from mardom.people.lookup import Found, find_person
from mardom.people.models import ConsentPurpose
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, holds_anywhere, scope_filter

from .. import selectors, services
from ..forms import (
    RULE_FIELDS,
    ContributionForm,
    FundFilterForm,
    FundForm,
    JoinForm,
    LeaveForm,
    MeetingCloseForm,
    MonthChoiceForm,
    MonthForm,
    MonthRepaymentsForm,
    RulesChangeForm,
    TransferForm,
    WithdrawForm,
)
from ..models import Membership


def _person_for(request: HttpRequest, form: Any, fund: Any, purpose: str) -> Found | None:
    """The person whose national ID the form carries, if filed within the treasurer's reach or consenting
    (people.lookup); otherwise None with the message, the same for an ID registered elsewhere or nowhere."""
    return find_person(request, form, perm=Perm.FUNDS_TREASURY, purpose=purpose, unit=fund)


def _post(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@login_required
def fund_list(request: HttpRequest) -> HttpResponse:
    form = FundFilterForm(request.GET, user=request.user)
    page = paginate(request, selectors.fund_list(user=request.user, **form.filters()))
    can_create = scope_filter(Base.objects.all(), request.user, Perm.FUNDS_MANAGE).exists()
    return render(request, "funds/fund_list.html", {
        "page": page, "form": form, "can_create": can_create,
        "can_export": holds_anywhere(request.user, Perm.FUNDS_VIEW), "query": kept_query(request)})


@login_required
def fund_export(request: HttpRequest) -> StreamingHttpResponse:
    """The funds list as CSV, with the same filters and scope as the page; for officers, not members."""
    if not holds_anywhere(request.user, Perm.FUNDS_VIEW):
        raise PermissionDenied
    form = FundFilterForm(request.GET, user=request.user)
    rows = selectors.fund_export_rows(user=request.user, **form.filters())
    header = [_("Code"), _("Fund"), _("Base"), _("County"), _("Province"), _("Founded on"), _("Status"),
              _("Active members"), _("Cash (rials)")]
    active, closed = _("Active"), _("Closed")
    return csv_response("funds.csv", header, (
        (pk, name, base, county, province, jalali_cell(founded), active if is_active else closed, members, cash)
        for pk, name, base, county, province, founded, is_active, members, cash in rows))


@login_required
def fund_create(request: HttpRequest) -> HttpResponse:
    bases = scope_filter(Base.objects.all(), request.user, Perm.FUNDS_MANAGE).order_by("name")
    if not bases.exists():
        raise PermissionDenied
    form = FundForm(_post(request), bases=bases)
    if request.method == "POST" and form.is_valid():
        fund = run_service(form, services.fund_create, by=request.user, base=form.cleaned_data["base"],
                           name=form.cleaned_data["name"], founded_on=form.cleaned_data["founded_on"],
                           rules=services.RulesInput(**form.rules_data()))
        if fund:
            messages.success(request, _("The fund “%(name)s” was created.") % {"name": fund.name})
            return redirect("funds:detail", pk=fund.pk)
    return render(request, "funds/fund_form.html", {"form": form})


@login_required
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fund = selectors.fund_get(user=request.user, pk=pk)
    sees_members = has_perm_on(request.user, Perm.FUNDS_VIEW, fund)
    own = Membership.objects.filter(fund=fund, person_id=request.user.person_id).first() \
        if request.user.person_id else None
    return render(request, "funds/fund_detail.html", {
        "fund": fund, "totals": selectors.fund_totals(fund=fund),
        "rules": services.rules_in_force(fund=fund, on=max(fund.founded_on, timezone.localdate())),
        "memberships": selectors.membership_list(fund=fund, query=request.GET.get("q", "")[:100])
        if sees_members else None,
        "entries": selectors.recent_entries(fund=fund) if sees_members else None,
        "own": own,
        "can_treasure": has_perm_on(request.user, Perm.FUNDS_TREASURY, fund),
        "can_manage": has_perm_on(request.user, Perm.FUNDS_MANAGE, fund),
    })


def _treasury_fund(request: HttpRequest, pk: int) -> Any:
    fund = selectors.fund_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.FUNDS_TREASURY, fund):
        raise PermissionDenied
    return fund


@login_required
def member_join(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _treasury_fund(request, pk)
    form = JoinForm(_post(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        found = _person_for(request, form, fund, ConsentPurpose.FUND_JOIN)
        if found is not None:
            person = found.person
            membership = found.run(form, services.membership_join, by=request.user, fund=fund, person=person,
                                     opening_deposit=data["opening_deposit"], joined_on=data["joined_on"],
                                     idempotency_key=f"join:{data['request_id']}")
            if membership:
                messages.success(request, _("%(name)s joined as member %(number)s.") % {
                    "name": person.full_name, "number": membership.number})
                return redirect("funds:membership", pk=membership.pk)
    return render(request, "funds/simple_form.html", {
        "fund": fund, "form": form, "title": _("New member"), "submit": _("Enrol")})


@login_required
def month_record(request: HttpRequest, pk: int) -> HttpResponse:
    """One screen for a whole month: every active member who has not paid it yet, ticked by default, and
    every loan with a repayment due by the month's end, with the amount due (two forms, told apart by `part`)."""
    fund = _treasury_fund(request, pk)
    year, month = MonthChoiceForm(request.POST if request.method == "POST" else request.GET or None).period()
    unpaid = selectors.unpaid_members(fund=fund, year=year, month=month)
    due = selectors.repayments_due(fund=fund, year=year, month=month)
    part = request.POST.get("part", "contributions") if request.method == "POST" else None
    closed = selectors.meeting_closed(fund=fund, year=year, month=month)
    last = selectors.last_closed_meeting(fund=fund)
    close_form = MeetingCloseForm(request.POST if part == "close" else None) if closed is None else None
    if part == "close" and close_form is not None and close_form.is_valid() and run_service(
            close_form, services.meeting_close, by=request.user, fund=fund, year=year, month=month,
            held_on=close_form.cleaned_data["held_on"]) is not None:
        messages.success(request, _("The meeting was closed. From now on its records are corrected by reversals."))
        return redirect(f"{reverse('funds:month', args=[fund.pk])}?year={year}&month={month}")
    form = MonthForm(request.POST if part == "contributions" else None, unpaid=unpaid,
                     initial={"year": year, "month": month})
    repay_form = MonthRepaymentsForm(request.POST if part == "repayments" else None, due=due)
    if part == "contributions" and form.is_valid():
        chosen = set(form.cleaned_data["members"])
        paid = run_service(form, services.contributions_record_month, by=request.user, fund=fund,
                           year=year, month=month, paid_on=form.cleaned_data["paid_on"],
                           memberships=[m for m in unpaid if str(m.pk) in chosen])
        if paid is not None:
            messages.success(request, ngettext("%(count)s contribution was recorded.",
                                               "%(count)s contributions were recorded.", len(paid))
                             % {"count": localize_digits(str(len(paid)))})
            return redirect("funds:detail", pk=fund.pk)
    if part == "repayments" and repay_form.is_valid():
        repaid = run_service(repay_form, services.loans_repay_month, by=request.user, fund=fund,
                             paid_on=repay_form.cleaned_data["paid_on"], payments=repay_form.payments(),
                             request_id=str(repay_form.cleaned_data["request_id"]))
        if repaid is not None:
            messages.success(request, ngettext("%(count)s repayment was recorded.",
                                               "%(count)s repayments were recorded.", len(repaid))
                             % {"count": localize_digits(str(len(repaid)))})
            return redirect(f"{reverse('funds:month', args=[fund.pk])}?year={year}&month={month}")
    recorded = selectors.month_records(fund=fund, year=year, month=month)
    for row in (*recorded["contributions"], *recorded["repayments"]):
        # Once the meeting is closed, whoever recorded a payment does not reverse it alone (corrections).
        row.another_reverses = selectors.recorder_must_leave_it(user=request.user, entry=row.entry, last=last)
    return render(request, "funds/month_form.html", {
        "fund": fund, "form": form, "repay_form": repay_form, "year": year, "month": month, "unpaid": unpaid,
        "picker": MonthChoiceForm(initial={"year": year, "month": month}), "closed": closed, "close_form": close_form,
        # Nothing can be dated today once today's meeting is closed: the record forms wait for tomorrow.
        "locked_today": last is not None and last.held_on >= timezone.localdate(),
        "recorded": recorded,
        "here": request.get_full_path()})


@login_required
def rules_change(request: HttpRequest, pk: int) -> HttpResponse:
    fund = selectors.fund_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.FUNDS_MANAGE, fund):
        raise PermissionDenied
    current = services.rules_in_force(fund=fund, on=max(fund.founded_on, timezone.localdate()))
    form = RulesChangeForm(_post(request), initial={f: getattr(current, f) for f in RULE_FIELDS})
    if request.method == "POST" and form.is_valid() and run_service(
        form, services.rules_change, by=request.user, fund=fund, effective_from=form.cleaned_data["effective_from"],
        rules=services.RulesInput(**form.rules_data()),
    ):
        messages.success(request, _("The new rules were saved."))
        return redirect("funds:detail", pk=fund.pk)
    return render(request, "funds/rules.html", {"fund": fund, "form": form,
                                                "history": fund.rules.select_related("created_by")})


def _membership_page(request: HttpRequest, membership: Membership, *, status: int = 200,
                     **forms: Any) -> HttpResponse:
    """The member's page; `forms` replace the blank ones (a form sent back with its errors)."""
    can_treasure = has_perm_on(request.user, Perm.FUNDS_TREASURY, membership.fund)
    active = membership.status == Membership.Status.ACTIVE
    treasury = can_treasure and active
    passbook = selectors.passbook(membership=membership)
    if treasury:  # what she recorded before the last close, another officer reverses (as on the month page)
        last = selectors.last_closed_meeting(fund=membership.fund)
        for row in passbook:
            row["another_reverses"] = bool(row["reverse"]) and selectors.recorder_must_leave_it(
                user=request.user, entry=row["entry"], last=last)
    context = {
        "membership": membership, "fund": membership.fund, "passbook": passbook,
        "loans": membership.loans.prefetch_related("closures").order_by("-applied_at"),
        "can_apply": active and (can_treasure or membership.person_id == request.user.person_id),
        "can_reverse": treasury,
        "contributions": selectors.contribution_history(membership=membership)[:24],
        "draws": selectors.draw_list(fund=membership.fund)[:5],
        "contribution_form": ContributionForm() if treasury else None,
        "withdraw_form": WithdrawForm() if treasury else None,
        "leave_form": LeaveForm() if treasury else None,
        "transfer_form": TransferForm() if treasury and services.rules_in_force(
            fund=membership.fund, on=max(membership.fund.founded_on, timezone.localdate())).allow_transfer else None,
        **forms,
    }
    return render(request, "funds/membership_detail.html", context, status=status)


@login_required
def membership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _membership_page(request, selectors.membership_get(user=request.user, pk=pk))


def _membership_action(request: HttpRequest, pk: int) -> Membership:
    membership = selectors.membership_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.FUNDS_TREASURY, membership.fund):
        raise PermissionDenied
    return membership


def _rerender(request: HttpRequest, membership: Membership, **forms: Any) -> HttpResponse:
    return _membership_page(request, membership, status=400, **forms)


@login_required
def contribution_add(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership_action(request, pk)
    form = ContributionForm(_post(request))
    if request.method == "POST" and form.is_valid() and run_service(
        form, services.contribution_record, by=request.user, membership=membership, year=form.cleaned_data["year"],
        month=form.cleaned_data["month"], paid_on=form.cleaned_data["paid_on"], amount=form.cleaned_data["amount"],
    ):
        messages.success(request, _("The contribution was recorded."))
        return redirect("funds:membership", pk=membership.pk)
    return _rerender(request, membership, contribution_form=form)


@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership_action(request, pk)
    form = WithdrawForm(_post(request))
    if request.method == "POST" and form.is_valid() and run_service(
        form, services.withdrawal_record, by=request.user, membership=membership, amount=form.cleaned_data["amount"],
        occurred_on=form.cleaned_data["occurred_on"], idempotency_key=f"withdraw:{form.cleaned_data['request_id']}",
    ):
        messages.success(request, _("The withdrawal was recorded."))
        return redirect("funds:membership", pk=membership.pk)
    return _rerender(request, membership, withdraw_form=form)


@login_required
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership_action(request, pk)
    form = LeaveForm(_post(request))
    if request.method == "POST" and form.is_valid() and run_service(
        form, services.membership_leave, by=request.user, membership=membership,
        left_on=form.cleaned_data["left_on"], idempotency_key=f"leave:{form.cleaned_data['request_id']}",
    ):
        messages.success(request, _("The member has left and their savings were returned."))
        return redirect("funds:membership", pk=membership.pk)
    return _rerender(request, membership, leave_form=form)


@login_required
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership_action(request, pk)
    form = TransferForm(_post(request))
    if request.method == "POST" and form.is_valid():
        found = _person_for(request, form, membership.fund, ConsentPurpose.FUND_TRANSFER)
        if found is not None:
            person = found.person
            successor = found.run(form, services.membership_transfer, by=request.user, membership=membership,
                                    to_person=person, on=form.cleaned_data["on"],
                                    idempotency_key=f"transfer:{form.cleaned_data['request_id']}")
            if successor:
                messages.success(request, _("The membership was transferred to %(name)s.") % {"name": person.full_name})
                return redirect("funds:membership", pk=successor.pk)
    return _rerender(request, membership, transfer_form=form)
