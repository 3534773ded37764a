"""Pages for formation suggestions, colonies and clusters."""

from __future__ import annotations

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
from mardom.geo.models import Place
from mardom.orgs.models import OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, scope_filter

from .. import formation, selectors, services
from ..models import Cluster, Colony, Producer, ProducerProduct


def _county_for(request: HttpRequest, perm: str) -> OrgUnit | None:
    """The county the page is about: ?county= among the counties of the user's scope, else the first."""
    counties = scope_filter(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY), request.user, perm).order_by("name")
    wanted = request.GET.get("county") or request.POST.get("county") or ""
    if not wanted:
        return counties.first()
    county = counties.filter(pk=wanted).first() if wanted.isdigit() else None
    if county is None:
        raise PermissionDenied  # a county outside the user's scope, or nonsense
    return county


@login_required
def suggestions(request: HttpRequest) -> HttpResponse:
    """Colonies suggested from the county's approved producers who are not in a colony of that line yet;
    the officer accepts one (it becomes a colony) or leaves it."""
    county = _county_for(request, Perm.PRODUCERS_MANAGE)
    if county is None:
        raise PermissionDenied
    rows_in, producer_of = selectors.formation_rows(county=county)
    result = formation.suggest(rows_in, min_colony=5, max_colony=40)
    places = {p.pk: p for p in Place.objects.filter(pk__in=[c.place for c in result.colonies])}
    products = {p.code: p for p in selectors.products()}
    rows = [{
        "index": i, "suggestion": s, "place": places.get(s.place), "product": products.get(s.product_line),
        "producer_ids": sorted(producer_of[row_id] for row_id in s.producer_ids),
        "reasons": [formation.render_reason((msgid, {**params, "product_line": products[s.product_line].name}
                                             if s.product_line in products else params), gettext)
                    for msgid, params in s.reasons],
    } for i, s in enumerate(result.colonies)]
    return render(request, "production/suggestions.html", {
        "county": county, "rows": rows, "unplaced": len(result.unplaced),
        "colonies": selectors.colonies_of(user=request.user, county=county),
        "cluster_candidates": selectors.cluster_candidates(county=county),
        "province": county.parent if has_perm_on(request.user, Perm.PRODUCERS_MANAGE, county.parent) else None,
        "province_candidates": selectors.province_candidates(province=county.parent)
        if has_perm_on(request.user, Perm.PRODUCERS_MANAGE, county.parent) else [],
        "clusters": selectors.clusters_of(user=request.user),
        "counties": scope_filter(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY), request.user,
                                 Perm.PRODUCERS_MANAGE).order_by("name")[:500],
    })


@login_required
@require_POST
def suggestion_accept(request: HttpRequest) -> HttpResponse:
    county = _county_for(request, Perm.PRODUCERS_MANAGE)
    if county is None:
        raise PermissionDenied
    product = selectors.products().filter(code=request.POST.get("product", "")).first()
    place = Place.objects.filter(pk=request.POST.get("place") or 0).first()
    ids = [int(x) for x in request.POST.getlist("producers") if x.isdigit()]
    if product is None or place is None:
        messages.error(request, _("This suggestion is out of date; here are the current ones."))
        return redirect(f"{reverse('production:suggestions')}?county={county.pk}")
    try:
        colony = services.colony_create(by=request.user, county=county, product=product, place=place,
                                        producers=list(Producer.objects.filter(pk__in=ids)))
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(f"{reverse('production:suggestions')}?county={county.pk}")
    messages.success(request, _("The colony “%(name)s” was formed.") % {"name": colony.name})
    return redirect("production:colony", pk=colony.pk)


@login_required
def colony_detail(request: HttpRequest, pk: int) -> HttpResponse:
    colony = selectors.colony_get(user=request.user, pk=pk)
    members = list(colony.members.select_related("producer__person", "producer__place")
                   .order_by("producer__person__last_name"))
    return render(request, "production/colony_detail.html", {
        "colony": colony, "members": members,
        "capacity": sum(line.capacity for line in ProducerProduct.objects.filter(
            producer__colony_memberships__colony=colony, product=colony.product)),
        "baseline": sum(m.producer.baseline_sales for m in members),
    })


@login_required
@require_POST
def cluster_form(request: HttpRequest) -> HttpResponse:
    """Accept a cluster candidate: county colonies of one chain, or county clusters of one province."""
    region = scope_filter(OrgUnit.objects.filter(pk=request.POST.get("region") or 0), request.user,
                          Perm.PRODUCERS_MANAGE).first()
    focus = selectors.products().filter(pk=request.POST.get("focus") or 0).first()
    ids = [int(x) for x in request.POST.getlist("members") if x.isdigit()]
    if region is None or focus is None:
        raise PermissionDenied
    try:
        if region.kind == OrgUnit.Kind.PROVINCE:
            cluster = services.province_cluster_create(by=request.user, province=region, focus_product=focus,
                                                       county_clusters=list(Cluster.objects.filter(pk__in=ids)))
        else:
            cluster = services.county_cluster_create(by=request.user, county=region, focus_product=focus,
                                                     colonies=list(Colony.objects.filter(pk__in=ids)))
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("production:suggestions")
    messages.success(request, _("The cluster “%(name)s” was formed.") % {"name": cluster.name})
    return redirect("production:cluster", pk=cluster.pk)


@login_required
def cluster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = selectors.cluster_get(user=request.user, pk=pk)
    return render(request, "production/cluster_detail.html", {
        "cluster": cluster, **selectors.cluster_rollup(cluster=cluster)})
