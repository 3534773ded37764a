"""Writes for colonies and clusters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.text import normalize_text, search_key
from mardom.geo.models import Place
from mardom.orgs.models import OrgUnit
from mardom.orgs.services import unit_set_path
from mardom.people.models import Person
from mardom.people.roles import Perm
from mardom.people.scopes import require

from ..models import Cluster, Colony, ColonyMember, Producer, Product


@transaction.atomic
def colony_create(*, by: Any, county: OrgUnit, product: Product, place: Place, producers: Sequence[Producer],
                  name: str = "", coordinator: Person | None = None) -> Colony:
    """Form a colony (accepting a suggestion, or by hand): approved producers of one product line, all in
    one county, none already in a colony of that line."""
    require(by, Perm.PRODUCERS_MANAGE, county)
    if county.kind != OrgUnit.Kind.COUNTY:
        raise DomainError(_("Choose a county."), field="county")
    if len(producers) < 2:
        raise DomainError(_("A colony needs at least two producers."), field="producers")
    ids = [p.pk for p in producers]
    rows = list(Producer.objects.select_for_update(of=("self",)).filter(pk__in=ids).prefetch_related("products"))
    if len(rows) != len(set(ids)):
        raise DomainError(_("Some of these producers do not exist."), field="producers")
    for producer in rows:
        if producer.unit_id != county.pk:
            raise DomainError(_("%(name)s works in another county.") % {"name": producer}, field="producers")
        if producer.status != Producer.Status.APPROVED:
            raise DomainError(_("%(name)s is not approved yet.") % {"name": producer}, field="producers")
        if product.pk not in {line.product_id for line in producer.products.all()}:
            raise DomainError(_("%(name)s does not make %(product)s.") % {"name": producer, "product": product},
                              field="producers")
    taken = ColonyMember.objects.filter(producer_id__in=ids, product=product).select_related("producer").first()
    if taken is not None:
        raise DomainError(_("%(name)s is already in a colony of %(product)s.")
                          % {"name": taken.producer, "product": product}, field="producers")
    with translation.override(settings.LANGUAGE_CODE):  # a stored name, in the site's language
        label = normalize_text(name) or _("Colony of %(product)s, %(place)s") % {"product": product.name,
                                                                               "place": place.name}
    colony = Colony.objects.create(kind=OrgUnit.Kind.COLONY, name=label, search_key=search_key(label),
                                   parent=county, place=place, product=product, coordinator=coordinator,
                                   created_by=by)
    unit_set_path(colony)
    ColonyMember.objects.bulk_create([ColonyMember(colony=colony, producer=p, product=product) for p in rows])
    audit_record(by=by, action="colony.create", obj=colony, scope_path=colony.path or "",
                 after={"product": product.code, "place": place.pk, "producers": sorted(ids)})
    return colony


def _cluster_name(name: str, product: Product, region: OrgUnit) -> str:
    with translation.override(settings.LANGUAGE_CODE):  # a stored name, in the site's language
        return normalize_text(name) or _("Cluster of %(product)s, %(region)s") % {"product": product.name,
                                                                                 "region": region.name}


@transaction.atomic
def county_cluster_create(*, by: Any, county: OrgUnit, focus_product: Product, colonies: Sequence[Colony],
                          name: str = "", goals: str = "") -> Cluster:
    """Group colonies of one value chain in one county into a cluster (or add them to the county's existing
    cluster of that chain)."""
    require(by, Perm.PRODUCERS_MANAGE, county)
    if county.kind != OrgUnit.Kind.COUNTY:
        raise DomainError(_("Choose a county."), field="county")
    rows = list(Colony.objects.select_for_update(of=("self",)).filter(pk__in=[c.pk for c in colonies])
                .select_related("product"))
    if len(rows) < 2:
        raise DomainError(_("A cluster needs at least two colonies."), field="colonies")
    for colony in rows:
        if colony.parent_id != county.pk:
            raise DomainError(_("“%(name)s” is in another county.") % {"name": colony.name}, field="colonies")
        if colony.product.value_chain != focus_product.value_chain:
            raise DomainError(_("“%(name)s” belongs to another value chain.") % {"name": colony.name},
                              field="colonies")
        if colony.in_cluster_id:
            raise DomainError(_("“%(name)s” is already in a cluster.") % {"name": colony.name}, field="colonies")
    cluster = Cluster.objects.filter(parent=county, level=Cluster.Level.COUNTY,
                                     value_chain=focus_product.value_chain).first()
    if cluster is None:
        label = _cluster_name(name, focus_product, county)
        cluster = Cluster.objects.create(
            kind=OrgUnit.Kind.CLUSTER, name=label, search_key=search_key(label), parent=county, place=county.place,
            level=Cluster.Level.COUNTY, value_chain=focus_product.value_chain, focus_product=focus_product,
            goals=normalize_text(goals), created_by=by)
        unit_set_path(cluster)
    Colony.objects.filter(pk__in=[c.pk for c in rows]).update(in_cluster=cluster)
    audit_record(by=by, action="cluster.colonies", obj=cluster, scope_path=cluster.path or "",
                 after={"colonies": sorted(c.pk for c in rows), "value_chain": cluster.value_chain})
    return cluster


@transaction.atomic
def province_cluster_create(*, by: Any, province: OrgUnit, focus_product: Product,
                            county_clusters: Sequence[Cluster], name: str = "", goals: str = "") -> Cluster:
    """Group county clusters of one value chain in one province into a province cluster."""
    require(by, Perm.PRODUCERS_MANAGE, province)
    if province.kind != OrgUnit.Kind.PROVINCE:
        raise DomainError(_("Choose a province."), field="province")
    rows = list(Cluster.objects.select_for_update(of=("self",)).filter(
        pk__in=[c.pk for c in county_clusters], level=Cluster.Level.COUNTY).select_related("parent"))
    if len(rows) < 2:
        raise DomainError(_("A province cluster needs county clusters from at least two counties."),
                          field="county_clusters")
    for cluster in rows:
        if cluster.parent is None or cluster.parent.parent_id != province.pk:
            raise DomainError(_("“%(name)s” is in another province.") % {"name": cluster.name},
                              field="county_clusters")
        if cluster.value_chain != focus_product.value_chain or cluster.province_cluster_id:
            raise DomainError(_("“%(name)s” cannot join this province cluster.") % {"name": cluster.name},
                              field="county_clusters")
    label = _cluster_name(name, focus_product, province)
    top = Cluster.objects.create(
        kind=OrgUnit.Kind.CLUSTER, name=label, search_key=search_key(label), parent=province, place=province.place,
        level=Cluster.Level.PROVINCE, value_chain=focus_product.value_chain, focus_product=focus_product,
        goals=normalize_text(goals), created_by=by)
    unit_set_path(top)
    Cluster.objects.filter(pk__in=[c.pk for c in rows]).update(province_cluster=top)
    audit_record(by=by, action="cluster.province", obj=top, scope_path=top.path or "",
                 after={"county_clusters": sorted(c.pk for c in rows)})
    return top
