"""Pages for job leaders: the list, registering one, its producers and the account with each of them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mardom.core.forms_util import run_service
from mardom.core.paging import paginate
from mardom.orgs.models import OrgUnit
from mardom.people import selectors as people_selectors
from mardom.people.lookup import find_person
from mardom.people.models import ConsentPurpose
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, holds_anywhere, scope_filter

from .. import selectors
from ..forms.jobs import AgreementForm, IssueForm, JobLeaderForm, PaymentForm, ReceiptForm, ReverseForm
from ..models import Cluster, JobEntry, Producer
from ..services import jobs


@login_required
def job_leader_list(request: HttpRequest) -> HttpResponse:
    if not (holds_anywhere(request.user, Perm.PRODUCERS_VIEW) or holds_anywhere(request.user, Perm.JOBS_RECORD)):
        raise PermissionDenied
    query = request.GET.get("q", "")[:100]
    return render(request, "production/job_leader_list.html", {
        "page": paginate(request, selectors.job_leaders_of(user=request.user, query=query)), "query": query,
        "officer": holds_anywhere(request.user, Perm.PRODUCERS_MANAGE),
    })


@login_required
def job_leader_create(request: HttpRequest) -> HttpResponse:
    if not holds_anywhere(request.user, Perm.PRODUCERS_MANAGE):
        raise PermissionDenied
    counties = scope_filter(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY), request.user,
                            Perm.PRODUCERS_MANAGE).order_by("name")
    clusters = scope_filter(Cluster.objects.all(), request.user, Perm.PRODUCERS_MANAGE).order_by("name")
    form = JobLeaderForm(request.POST if request.method == "POST" else None, counties=counties, clusters=clusters)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        found = find_person(request, form, perm=Perm.PRODUCERS_MANAGE, purpose=ConsentPurpose.JOB_LEADER_OWNER,
                            unit=data["county"])
        if found is not None:
            leader = found.run(form, jobs.job_leader_register, by=request.user, county=data["county"],
                               owner=found.person, name=data["name"], functions=data["functions"],
                               cluster=data["cluster"], activities=data["activities"],
                               products=list(data["products"] or []))
            if leader:
                messages.success(request, _("The job leader was registered."))
                if people_selectors.proposal_waits_on(unit=leader):
                    messages.info(request, _("Its manager's job leader role takes effect once a second officer "
                                             "confirms it (Roles waiting for confirmation)."))
                return redirect("production:job-leader", pk=leader.pk)
    return render(request, "production/job_leader_form.html", {"form": form},
                  status=400 if form.is_bound else 200)


def _leader_page(request: HttpRequest, leader: Any, agreement_form: AgreementForm | None = None,
                 status: int = 200) -> HttpResponse:
    may_agree = jobs.may_record(request.user, leader) or has_perm_on(request.user, Perm.PRODUCERS_MANAGE, leader)
    return render(request, "production/job_leader_detail.html", {
        "leader": leader, "agreements": selectors.agreements_of(job_leader=leader),
        "cluster_readable": bool(leader.attached_to_id) and selectors.clusters_of(user=request.user).filter(
            pk=leader.attached_to_id).exists(),
        "totals": selectors.season_totals(job_leader=leader),
        "agreement_form": (agreement_form or AgreementForm()) if may_agree else None,
    }, status=status)


@login_required
def job_leader_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _leader_page(request, selectors.job_leader_get(user=request.user, pk=pk))


@login_required
@require_POST
def agreement_create(request: HttpRequest, pk: int) -> HttpResponse:
    leader = selectors.job_leader_get(user=request.user, pk=pk)
    if not (jobs.may_record(request.user, leader) or has_perm_on(request.user, Perm.PRODUCERS_MANAGE, leader)):
        raise PermissionDenied
    form = AgreementForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        # The person within the job leader's (or officer's) reach, or consenting; then her registration as a
        # producer: she may be one in two places, so prefer the approved one making this product.
        found = find_person(request, form, perm=(Perm.JOBS_RECORD, Perm.PRODUCERS_MANAGE),
                            purpose=ConsentPurpose.JOB_AGREEMENT, unit=leader)
        candidates = Producer.objects.filter(person=found.person).exclude(status=Producer.Status.REJECTED) \
            if found is not None else Producer.objects.none()
        producer = (candidates.filter(status=Producer.Status.APPROVED, products__product=data["product"]).first()
                    or candidates.first())
        if found is not None and producer is None:
            form.add_error("national_id", _("No producer is registered with this national ID."))
        elif found is not None:
            agreement = found.run(
                form, jobs.job_agreement_create, by=request.user, job_leader=leader, producer=producer,
                product=data["product"], pricing=data["pricing"], material=data["material"],
                material_unit=data["material_unit"], output_per_material=data["output_per_material"],
                rate_a=data["rate_a"], rate_b=data["rate_b"], rate_c=data["rate_c"], starts_on=data["starts_on"])
            if agreement:
                messages.success(request, _("The agreement was saved."))
                return redirect("production:agreement", pk=agreement.pk)
    return _leader_page(request, leader, agreement_form=form, status=400)


def _agreement_page(request: HttpRequest, agreement: Any, status: int = 200, **forms: Any) -> HttpResponse:
    recorder = jobs.may_record(request.user, agreement.job_leader)
    totals = jobs.account_totals(agreement)
    context: dict[str, Any] = {
        "agreement": agreement, "lines": selectors.account_lines(agreement=agreement), "totals": totals,
        "room": jobs.buyback_room(agreement, totals), "recorder": recorder,
        "reverse_line": forms.get("reverse_line"),
    }
    if recorder and agreement.is_active:
        context.update({
            "issue_form": forms.get("issue_form") or (IssueForm() if agreement.material else None),
            "receipt_form": forms.get("receipt_form") or ReceiptForm(),
            "payment_form": forms.get("payment_form") or PaymentForm(),
            "reverse_form": forms.get("reverse_form") or ReverseForm(),
            "reverse_form_fresh": ReverseForm(),
        })
    return render(request, "production/agreement_detail.html", context, status=status)


@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _agreement_page(request, selectors.agreement_get(user=request.user, pk=pk))


def _recordable(request: HttpRequest, pk: int) -> Any:
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    if not jobs.may_record(request.user, agreement.job_leader):
        raise PermissionDenied
    return agreement


def _recorded(request: HttpRequest, agreement: Any, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("production:agreement", pk=agreement.pk)


@login_required
@require_POST
def agreement_issue(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _recordable(request, pk)
    form = IssueForm(request.POST)
    if form.is_valid() and run_service(
            form, jobs.materials_issue, by=request.user, agreement=agreement, quantity=form.cleaned_data["quantity"],
            value=form.cleaned_data["value"] or 0, occurred_on=form.cleaned_data["occurred_on"],
            memo=form.cleaned_data["memo"], idempotency_key=form.cleaned_data["key"]):
        return _recorded(request, agreement, _("The materials were recorded."))
    return _agreement_page(request, agreement, status=400, issue_form=form)


@login_required
@require_POST
def agreement_receive(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _recordable(request, pk)
    form = ReceiptForm(request.POST)
    if form.is_valid() and run_service(
            form, jobs.output_receive, by=request.user, agreement=agreement, quantity=form.cleaned_data["quantity"],
            grade=form.cleaned_data["grade"], occurred_on=form.cleaned_data["occurred_on"],
            memo=form.cleaned_data["memo"], idempotency_key=form.cleaned_data["key"]):
        return _recorded(request, agreement, _("The buyback was recorded."))
    return _agreement_page(request, agreement, status=400, receipt_form=form)


@login_required
@require_POST
def agreement_pay(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _recordable(request, pk)
    form = PaymentForm(request.POST)
    if form.is_valid() and run_service(
            form, jobs.settlement_pay, by=request.user, agreement=agreement,
            to_producer=form.cleaned_data["direction"] == "to_producer", amount=form.cleaned_data["amount"],
            occurred_on=form.cleaned_data["occurred_on"], memo=form.cleaned_data["memo"],
            idempotency_key=form.cleaned_data["key"]):
        return _recorded(request, agreement, _("The payment was recorded."))
    return _agreement_page(request, agreement, status=400, payment_form=form)


@login_required
@require_POST
def entry_reverse(request: HttpRequest, pk: int, entry: int) -> HttpResponse:
    agreement = _recordable(request, pk)
    line = JobEntry.objects.filter(agreement=agreement, pk=entry).first()
    if line is None:
        raise Http404
    form = ReverseForm(request.POST)
    if form.is_valid() and run_service(form, jobs.job_entry_reverse, by=request.user, entry=line,
                                       memo=form.cleaned_data["memo"], idempotency_key=form.cleaned_data["key"]):
        return _recorded(request, agreement, _("The line was corrected."))
    return _agreement_page(request, agreement, status=400, reverse_form=form, reverse_line=line.pk)
