"""Pages for formation suggestions, colonies and clusters."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mardom.core.errors import DomainError
from mardom.core.forms_util import run_service
from mardom.geo.models import Place
from mardom.orgs.models import OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, scope_filter

from .. import chains, formation, selectors, services
from ..forms.clusters import (
    ClusterForm,
    ColonyRenameForm,
    CoordinatorForm,
    MemberAddForm,
    SuggestionAcceptForm,
    SuggestionRejectForm,
    parse_id,
    parse_ids,
)
from ..models import Cluster, Colony, Producer, ProducerProduct


def _county_for(request: HttpRequest, perm: str) -> OrgUnit | None:
    """The county the page is about: ?county= among the counties of the user's scope, else the first."""
    counties = scope_filter(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY), request.user, perm).order_by("name")
    wanted = request.GET.get("county") or request.POST.get("county") or ""
    if not wanted:
        return counties.first()
    pk = parse_id(wanted)
    county = counties.filter(pk=pk).first() if pk is not None else None
    if county is None:
        raise PermissionDenied  # a county outside the user's scope, or nonsense
    return county


def _suggestions_url(county: OrgUnit) -> str:
    return f"{reverse('production:suggestions')}?county={county.pk}"


def _producer_label(producer: Producer) -> str:
    return f"{producer.person.full_name} — {producer.place.name}"


def _first_error(form: Any) -> str:
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return _("This suggestion is out of date; here are the current ones.")


def _suggestions_page(request: HttpRequest, county: OrgUnit, *, bound: Any = None) -> HttpResponse:
    """The suggestions page; `bound` is a posted accept or reject form to show again, with its errors, in the
    place of its suggestion. If that suggestion is not offered any more, the officer gets the current page."""
    offers, unplaced = selectors.colony_offers(county=county)
    bound_key = bound.offer_key() if bound is not None else None
    if bound is not None and bound_key not in {offer["key"] for offer in offers}:
        messages.error(request, _first_error(bound))
        return redirect(_suggestions_url(county))
    products = {p.code: p for p in selectors.products()}
    places = {p.pk: p for p in Place.objects.filter(pk__in={offer["place"] for offer in offers})}
    producers = selectors.producers_by_id(ids={i for offer in offers for i in offer["producer_ids"]})
    rows = []
    for i, offer in enumerate(offers):
        product, place = products.get(offer["product_line"]), places.get(offer["place"])
        if product is None or place is None:
            continue
        ids = offer["producer_ids"]
        labels = {pid: _producer_label(producers[pid]) for pid in ids if pid in producers}
        hidden = {"product": product, "place": place.pk, "offer": ids}
        accept = SuggestionAcceptForm(labels=labels, auto_id=f"s{i}-%s", initial={
            **hidden, "producers": list(ids), "name": services.colony_default_name(product=product, place=place)})
        reject = SuggestionRejectForm(auto_id=f"r{i}-%s", initial=hidden)
        if bound_key == offer["key"]:
            if isinstance(bound, SuggestionAcceptForm):
                bound.set_labels(labels, ids)
                accept = bound
            else:
                reject = bound
        rows.append({
            "index": i, "product": product, "place": place, "size": len(ids), "accept": accept, "reject": reject,
            "open": bound_key == offer["key"],
            "reasons": [formation.render_reason((msgid, {**params, "product_line": product.name}), gettext)
                        for msgid, params in offer["reasons"]],
        })
    province_manager = has_perm_on(request.user, Perm.PRODUCERS_MANAGE, county.parent)
    return render(request, "production/suggestions.html", {
        "county": county, "rows": rows, "unplaced": unplaced,
        "rejections": selectors.suggestion_rejections(user=request.user, county=county),
        "colonies": selectors.colonies_of(user=request.user, county=county),
        "cluster_candidates": selectors.cluster_candidates(county=county),
        "province": county.parent if province_manager else None,
        "province_candidates": selectors.province_candidates(province=county.parent) if province_manager else [],
        "clusters": selectors.clusters_of(user=request.user),
        "counties": scope_filter(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY), request.user,
                                 Perm.PRODUCERS_MANAGE).order_by("name")[:500],
    }, status=400 if bound is not None else 200)


@login_required
def suggestions(request: HttpRequest) -> HttpResponse:
    """Colonies suggested from the county's approved producers who are not in a colony of that line yet; the
    officer accepts each (as offered or edited) or rejects it with a reason."""
    county = _county_for(request, Perm.PRODUCERS_MANAGE)
    if county is None:
        raise PermissionDenied
    return _suggestions_page(request, county)


@login_required
@require_POST
def suggestion_accept(request: HttpRequest) -> HttpResponse:
    county = _county_for(request, Perm.PRODUCERS_MANAGE)
    if county is None:
        raise PermissionDenied
    form = SuggestionAcceptForm(request.POST, auto_id="posted-%s")
    if form.is_valid():
        data = form.cleaned_data
        colony = run_service(form, services.suggestion_accept, by=request.user, county=county,
                             product=data["product"], place=data["place"], offered_ids=form.offered(),
                             chosen_ids=data["producers"], name=data["name"],
                             coordinator_producer_id=data["coordinator"])
        if colony is not None:
            messages.success(request, _("The colony “%(name)s” was formed.") % {"name": colony.name})
            return redirect("production:colony", pk=colony.pk)
    return _suggestions_page(request, county, bound=form)


@login_required
@require_POST
def suggestion_reject(request: HttpRequest) -> HttpResponse:
    county = _county_for(request, Perm.PRODUCERS_MANAGE)
    if county is None:
        raise PermissionDenied
    form = SuggestionRejectForm(request.POST, auto_id="posted-%s")
    if form.is_valid():
        data = form.cleaned_data
        if run_service(form, services.suggestion_reject, by=request.user, county=county, product=data["product"],
                       place=data["place"], offered_ids=form.offered(), note=data["note"]):
            messages.success(request, _("The suggestion was rejected; it will not be offered again."))
            return redirect(_suggestions_url(county))
    return _suggestions_page(request, county, bound=form)


@login_required
@require_POST
def suggestion_reoffer(request: HttpRequest, pk: int) -> HttpResponse:
    decision = selectors.rejection_get(user=request.user, pk=pk)
    try:
        services.suggestion_reoffer(by=request.user, decision=decision)
        messages.success(request, _("The rejection was taken back; the group is suggested again if its producers "
                                    "are still free."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect(_suggestions_url(decision.county))


# --- Colonies ----------------------------------------------------------------------------------------------

def _members(colony: Colony) -> list[Any]:
    return list(colony.members.select_related("producer__person", "producer__place")
                .order_by("producer__person__last_name", "producer__person__first_name", "pk"))


def _coordinator_choices(members: list[Any]) -> list[tuple[int, str]]:
    return list(dict.fromkeys((m.producer.person_id, m.producer.person.full_name) for m in members))


def _may_coordinate(user: Any, colony: Colony) -> bool:
    return has_perm_on(user, Perm.PRODUCERS_MANAGE, colony.parent) or services.guides_cluster(user, colony.in_cluster)


def _colony_page(request: HttpRequest, colony: Colony, *, members: list[Any] | None = None, status: int = 200,
                 **bound: Any) -> HttpResponse:
    """The colony page; `bound` holds a posted form to show again with its errors."""
    members = _members(colony) if members is None else members
    can_manage = has_perm_on(request.user, Perm.PRODUCERS_MANAGE, colony.parent)
    can_coordinate = can_manage or services.guides_cluster(request.user, colony.in_cluster)
    forms: dict[str, Any] = {"rename_form": None, "coordinator_form": None, "add_form": None}
    if can_manage:
        forms["rename_form"] = ColonyRenameForm(initial={"name": colony.name}, auto_id="rename-%s")
        forms["add_form"] = MemberAddForm(candidates=selectors.colony_candidates(user=request.user, colony=colony),
                                          auto_id="add-%s")
    if can_coordinate:
        forms["coordinator_form"] = CoordinatorForm(initial={"coordinator": colony.coordinator_id},
                                                    people=_coordinator_choices(members), auto_id="coord-%s")
    forms.update(bound)
    return render(request, "production/colony_detail.html", {
        "colony": colony, "members": members, "can_manage": can_manage, **forms,
        "capacity": sum(line.capacity for line in ProducerProduct.objects.filter(
            producer__colony_memberships__colony=colony, product=colony.product)),
        "baseline": sum(m.producer.baseline_sales for m in members),
    }, status=status)


@login_required
def colony_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _colony_page(request, selectors.colony_get(user=request.user, pk=pk))


@login_required
@require_POST
def colony_rename(request: HttpRequest, pk: int) -> HttpResponse:
    colony = selectors.colony_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.PRODUCERS_MANAGE, colony.parent):
        raise PermissionDenied
    form = ColonyRenameForm(request.POST, auto_id="rename-%s")
    if form.is_valid() and run_service(form, services.colony_rename, by=request.user, colony=colony,
                                       name=form.cleaned_data["name"]):
        messages.success(request, _("The colony was renamed."))
        return redirect("production:colony", pk=colony.pk)
    return _colony_page(request, colony, rename_form=form, status=400)


@login_required
@require_POST
def colony_coordinator(request: HttpRequest, pk: int) -> HttpResponse:
    colony = selectors.colony_get(user=request.user, pk=pk)
    if not _may_coordinate(request.user, colony):
        raise PermissionDenied
    members = _members(colony)
    form = CoordinatorForm(request.POST, people=_coordinator_choices(members), auto_id="coord-%s")
    if form.is_valid():
        person_id = form.cleaned_data["coordinator"]
        person = next((m.producer.person for m in members if m.producer.person_id == person_id), None)
        if run_service(form, services.colony_set_coordinator, by=request.user, colony=colony, coordinator=person):
            messages.success(request, _("The coordinator was saved."))
            return redirect("production:colony", pk=colony.pk)
    return _colony_page(request, colony, members=members, coordinator_form=form, status=400)


@login_required
@require_POST
def colony_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    colony = selectors.colony_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.PRODUCERS_MANAGE, colony.parent):
        raise PermissionDenied
    candidates = selectors.colony_candidates(user=request.user, colony=colony)
    form = MemberAddForm(request.POST, candidates=candidates, auto_id="add-%s")
    if form.is_valid():
        national_id = form.cleaned_data["national_id"]
        field = "national_id" if national_id else "producer"
        producer = (selectors.producer_for_colony(user=request.user, colony=colony, national_id=national_id)
                    if national_id else next(p for p in candidates if p.pk == form.cleaned_data["producer"]))
        if producer is None:
            form.add_error(field, _("No producer of this county is registered with this national ID."))
        else:
            try:
                services.colony_add_member(by=request.user, colony=colony, producer=producer)
            except DomainError as error:  # beside what the officer typed or chose
                form.add_error(field, str(error.message))
            else:
                messages.success(request, _("%(name)s joined the colony.") % {"name": producer.person.full_name})
                return redirect("production:colony", pk=colony.pk)
    return _colony_page(request, colony, add_form=form, status=400)


@login_required
@require_POST
def colony_member_remove(request: HttpRequest, pk: int, producer: int) -> HttpResponse:
    colony = selectors.colony_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.PRODUCERS_MANAGE, colony.parent):
        raise PermissionDenied
    member = next((m for m in _members(colony) if m.producer_id == producer), None)
    if member is None:
        messages.error(request, _("This producer is no longer in the colony."))
        return redirect("production:colony", pk=colony.pk)
    try:
        services.colony_remove_member(by=request.user, colony=colony, producer=member.producer)
        messages.success(request, _("%(name)s left the colony.") % {"name": member.producer.person.full_name})
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("production:colony", pk=colony.pk)


# --- Clusters ----------------------------------------------------------------------------------------------

@login_required
@require_POST
def cluster_form(request: HttpRequest) -> HttpResponse:
    """Accept a cluster candidate: county colonies of one chain, or county clusters of one province."""
    region_id, focus_id = parse_id(request.POST.get("region")), parse_id(request.POST.get("focus"))
    region = scope_filter(OrgUnit.objects.filter(pk=region_id), request.user, Perm.PRODUCERS_MANAGE).first() \
        if region_id is not None else None
    focus = selectors.products().filter(pk=focus_id).first() if focus_id is not None else None
    ids = parse_ids(request.POST.getlist("members"))
    if region is None:
        raise PermissionDenied
    back = _suggestions_url(region) if region.kind == OrgUnit.Kind.COUNTY else reverse("production:suggestions")
    if focus is None:
        messages.error(request, _("This suggestion is out of date; here are the current ones."))
        return redirect(back)
    try:
        if region.kind == OrgUnit.Kind.PROVINCE:
            cluster = services.province_cluster_create(by=request.user, province=region, focus_product=focus,
                                                       county_clusters=list(Cluster.objects.filter(pk__in=ids)))
        else:
            cluster = services.county_cluster_create(by=request.user, county=region, focus_product=focus,
                                                     colonies=list(Colony.objects.filter(pk__in=ids)))
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(back)
    # The same words whether the cluster was formed now or already existed and was joined.
    messages.success(request, _("They are now in the cluster “%(name)s”.") % {"name": cluster.name})
    return redirect("production:cluster", pk=cluster.pk)


def _cluster_extras(request: HttpRequest, cluster: Cluster, edit_form: ClusterForm | None = None) -> dict[str, Any]:
    """What the cluster page adds for managing it: the edit form, its guides, and whether the viewer may
    manage the cluster or appoint guides."""
    can_manage = has_perm_on(request.user, Perm.PRODUCERS_MANAGE, cluster)
    if can_manage and edit_form is None:
        edit_form = ClusterForm(value_chain=cluster.value_chain, auto_id="cluster-%s", initial={
            "name": cluster.name, "goals": cluster.goals, "focus_product": cluster.focus_product_id})
    return {
        "can_manage": can_manage, "edit_form": edit_form if can_manage else None,
        "guides": selectors.cluster_guides(cluster=cluster),
        "can_grant": has_perm_on(request.user, Perm.ROLES_GRANT, cluster),
        "job_leaders": selectors.job_leaders_of_cluster(cluster=cluster),
    }


@login_required
def cluster_detail(request: HttpRequest, pk: int, edit_form: ClusterForm | None = None) -> HttpResponse:
    cluster = selectors.cluster_get(user=request.user, pk=pk)
    chain = chains.chain_map(cluster=cluster)
    extras = _cluster_extras(request, cluster, edit_form)
    stages = (*chain.core, *chain.support)
    urls = [*(a.url for s in stages for a in s.actors if a.url), *(r.url for s in stages for r in s.remedies if r.url),
            *(reverse("production:job-leader", args=[leader.pk]) for leader in extras["job_leaders"])]
    return render(request, "production/cluster_detail.html", {
        "cluster": cluster, **selectors.cluster_rollup(cluster=cluster), "chain": chain, **extras,
        # The chain is drawn for the whole province: link only what this viewer can open.
        "openable": selectors.openable_links(user=request.user, urls=urls)})


@login_required
@require_POST
def cluster_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = selectors.cluster_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.PRODUCERS_MANAGE, cluster):
        raise PermissionDenied
    form = ClusterForm(request.POST, value_chain=cluster.value_chain, auto_id="cluster-%s")
    data = form.cleaned_data if form.is_valid() else {}
    if data and run_service(form, services.cluster_update, by=request.user, cluster=cluster, name=data["name"],
                            goals=data["goals"], focus_product=data["focus_product"]):
        messages.success(request, _("The changes were saved."))
        return redirect("production:cluster", pk=cluster.pk)
    response = cluster_detail(request, pk=cluster.pk, edit_form=form)
    response.status_code = 400
    return response


@login_required
@require_POST
def cluster_colony_remove(request: HttpRequest, pk: int, colony: int) -> HttpResponse:
    cluster = selectors.cluster_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.PRODUCERS_MANAGE, cluster):
        raise PermissionDenied
    member = selectors.colony_get(user=request.user, pk=colony)
    try:
        services.cluster_remove_colony(by=request.user, cluster=cluster, colony=member)
        messages.success(request, _("“%(name)s” left the cluster.") % {"name": member.name})
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("production:cluster", pk=cluster.pk)


@login_required
@require_POST
def cluster_county_remove(request: HttpRequest, pk: int, county_cluster: int) -> HttpResponse:
    cluster = selectors.cluster_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.PRODUCERS_MANAGE, cluster):
        raise PermissionDenied
    member = selectors.cluster_get(user=request.user, pk=county_cluster)
    try:
        services.province_cluster_remove(by=request.user, cluster=cluster, county_cluster=member)
        messages.success(request, _("“%(name)s” left the cluster.") % {"name": member.name})
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("production:cluster", pk=cluster.pk)
