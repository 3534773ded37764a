"""Pages for producers and advantaged products."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mardom.brands import selectors as brand_selectors
from mardom.core.csv_export import csv_response, jalali_cell
from mardom.core.errors import DomainError
from mardom.core.forms_util import run_service
from mardom.core.paging import kept_query, paginate
from mardom.orgs.models import OrgUnit
from mardom.people.lookup import Found, find_person
from mardom.people.models import ConsentPurpose
from mardom.people.roles import Perm, Role
from mardom.people.scopes import grants_of, has_perm_on, holds_anywhere, scope_filter

from .. import selectors, services
from ..forms import AdvantageForm, DecisionForm, ProducerForm
from ..models import AdvantagedProduct, Producer


@login_required
def producer_list(request: HttpRequest) -> HttpResponse:
    query, status, product = (request.GET.get(k, "")[:100] for k in ("q", "status", "product"))
    page = paginate(request, selectors.producer_list(user=request.user, query=query, status=status,
                                                      product=product))
    return render(request, "production/producer_list.html", {
        "page": page, "query": query, "status": status, "product": product, "statuses": Producer.Status.choices,
        "products": selectors.products(), "totals": selectors.producer_totals(user=request.user),
        "officer": holds_anywhere(request.user, Perm.PRODUCERS_MANAGE),
        "can_export": holds_anywhere(request.user, Perm.PRODUCERS_VIEW), "kept": kept_query(request),
    })


@login_required
def producer_export(request: HttpRequest) -> StreamingHttpResponse:
    """The producers list as CSV, with the page's filters and scope; for officers (not a producer's own)."""
    if not holds_anywhere(request.user, Perm.PRODUCERS_VIEW):
        raise PermissionDenied
    query, status, product = (request.GET.get(k, "")[:100] for k in ("q", "status", "product"))
    producers = selectors.producer_list(user=request.user, query=query, status=status, product=product)
    header = [_("Code"), _("Producer"), _("Business name"), _("Products"), _("Place"), _("County"), _("Status"),
              _("Registered on"), _("Yearly sales at enrolment (rials)")]
    return csv_response("producers.csv", header, (
        (p.pk, p.person.full_name, p.business_name, "، ".join(pp.product.name for pp in p.products.all()),
         p.place.name, p.unit.name, p.get_status_display(), jalali_cell(p.registered_at), p.baseline_sales)
        for p in producers.iterator(chunk_size=2000)))


@login_required
def producer_create(request: HttpRequest) -> HttpResponse:
    officer = holds_anywhere(request.user, Perm.PRODUCERS_MANAGE) or any(
        g.role == Role.CLUSTER_GUIDE for g in grants_of(request.user))
    if not officer and not request.user.person_id:
        raise PermissionDenied
    form = ProducerForm(request.POST if request.method == "POST" else None, officer=officer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # An officer or guide types the national ID: found within their reach, or with the person's consent.
        found = find_person(request, form, perm=(Perm.PRODUCERS_MANAGE, Perm.PRODUCERS_VIEW),
                            purpose=ConsentPurpose.PRODUCER_REGISTER) if officer else Found(request.user.person)
        if found is not None:
            producer = found.run(
                form, services.producer_register, by=request.user, person=found.person, place=data["place"],
                activities=data["activities"], started_on=data["started_on"], baseline_sales=data["baseline_sales"],
                products=form.product_rows(), business_name=data["business_name"], kind=data["kind"])
            if producer:
                messages.success(request, _("The producer was registered.") if producer.status == "approved"
                                 else _("Your registration was sent to the county for approval."))
                return redirect("production:producer", pk=producer.pk)
    return render(request, "production/producer_form.html", {"form": form, "officer": officer})


@login_required
def producer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    producer = selectors.producer_get(user=request.user, pk=pk)
    can_decide = producer.status == Producer.Status.PENDING and has_perm_on(request.user, Perm.PRODUCERS_MANAGE,
                                                                              producer.unit)
    return render(request, "production/producer_detail.html", {
        "producer": producer, "decision_form": DecisionForm() if can_decide else None,
        "agreements": selectors.agreements_for_producer(user=request.user, producer=producer),
        # Her own brand authorisations, to declare lots from (officers reach brands from the Brands section).
        "brand_authorisations": [a for a in brand_selectors.my_authorisations(user=request.user)
                                 if a.producer_id == producer.pk]})


@login_required
@require_POST
def producer_decide(request: HttpRequest, pk: int) -> HttpResponse:
    producer = selectors.producer_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.PRODUCERS_MANAGE, producer.unit):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if form.is_valid() and run_service(form, services.producer_decide, by=request.user, producer=producer,
                                       approve=form.cleaned_data["decision"] == "approve",
                                       note=form.cleaned_data["note"]):
        messages.success(request, _("The decision was saved."))
        return redirect("production:producer", pk=producer.pk)
    return render(request, "production/producer_detail.html", {"producer": producer, "decision_form": form},
                  status=400)


@login_required
def advantaged(request: HttpRequest) -> HttpResponse:
    """One region at a time: a select of the provinces in reach (and the chosen province's counties); the
    page shows that region's products and form, and for a province its counties' products, each a link to
    that county. A national officer's page is one province, not 31 forms."""
    if not holds_anywhere(request.user, Perm.PRODUCERS_VIEW):
        raise PermissionDenied
    regions = selectors.regions_for(user=request.user)
    raw = str(request.GET.get("region", ""))[:12]
    chosen = regions.filter(pk=int(raw)).first() if raw.isdigit() else None
    error = _("Choose a region from the list.") if raw and chosen is None else ""
    if chosen is None:
        chosen = regions.first()
    if chosen is None:  # a base officer or cluster guide: producers in view, but no county or province
        return render(request, "production/advantaged.html", {"chosen": None})
    province = chosen if chosen.kind == OrgUnit.Kind.PROVINCE else chosen.parent
    provinces = list(regions.filter(kind=OrgUnit.Kind.PROVINCE).order_by("name"))
    counties = list(regions.filter(kind=OrgUnit.Kind.COUNTY, parent=province).order_by("name")) \
        if province is not None else []
    shown = [chosen] if chosen.kind == OrgUnit.Kind.COUNTY else [chosen, *counties]
    grouped = selectors.advantaged_in(regions=regions.filter(pk__in=[r.pk for r in shown]))
    manageable = has_perm_on(request.user, Perm.PRODUCERS_MANAGE, chosen)
    return render(request, "production/advantaged.html", {
        "chosen": chosen, "chosen_items": grouped.get(chosen.pk, []), "error": error,
        "form": AdvantageForm(prefix=f"r{chosen.pk}") if manageable else None,
        "counties_items": [(c, grouped.get(c.pk, [])) for c in counties] if chosen.kind == OrgUnit.Kind.PROVINCE
        else [],
        "provinces": provinces, "counties": counties, "province": province,
    })


def _advantaged_of(region: int) -> HttpResponse:
    return redirect(f"{reverse('production:advantaged')}?region={region}")


@login_required
@require_POST
def advantaged_add(request: HttpRequest, region: int) -> HttpResponse:
    unit = scope_filter(OrgUnit.objects.filter(pk=region), request.user, Perm.PRODUCERS_MANAGE).first()
    if unit is None:
        raise PermissionDenied
    form = AdvantageForm(request.POST, prefix=f"r{unit.pk}")
    if form.is_valid():
        try:
            services.advantaged_add(by=request.user, region=unit, product=form.cleaned_data["product"],
                                    note=form.cleaned_data["note"])
            messages.success(request, _("The advantaged product was added."))
        except DomainError as error:
            messages.error(request, str(error.message))
    else:
        messages.error(request, _("Choose a product from the list."))
    return _advantaged_of(unit.pk)


@login_required
@require_POST
def advantaged_remove(request: HttpRequest, pk: int) -> HttpResponse:
    advantage = AdvantagedProduct.objects.select_related("region").filter(pk=pk).first()
    if advantage is None or not has_perm_on(request.user, Perm.PRODUCERS_MANAGE, advantage.region):
        raise PermissionDenied
    services.advantaged_remove(by=request.user, advantage=advantage)
    messages.success(request, _("The advantaged product was removed."))
    return _advantaged_of(advantage.region_id)
