"""Writes for producers and advantaged products."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.text import normalize_text, search_key
from mardom.geo.models import Place
from mardom.orgs.models import OrgUnit
from mardom.orgs.services import unit_set_path
from mardom.people.models import Person
from mardom.people.roles import Perm, Role
from mardom.people.scopes import grants_of, has_perm_on, require

from .models import AdvantagedProduct, Cluster, Colony, ColonyMember, Producer, ProducerProduct, Product

PRODUCER_TRANSITIONS = {
    Producer.Status.PENDING: frozenset({Producer.Status.APPROVED, Producer.Status.REJECTED}),
    Producer.Status.APPROVED: frozenset(),
    Producer.Status.REJECTED: frozenset(),
}


def guides_in(user: Any, county: OrgUnit) -> bool:
    """Whether the user guides a cluster of this county (guides may register its producers directly)."""
    return any(g.role == Role.CLUSTER_GUIDE and county.path and g.path.startswith(county.path)
               for g in grants_of(user))


def county_unit_of(place: Place) -> OrgUnit:
    county_id = place.pk if place.kind == Place.Kind.COUNTY else place.county_id
    return OrgUnit.objects.get(kind=OrgUnit.Kind.COUNTY, place_id=county_id)


@transaction.atomic
def producer_register(
    *, by: Any, person: Person, place: Place, activities: str, started_on: datetime.date, baseline_sales: int,
    products: Sequence[tuple[Product, int]], business_name: str = "", kind: str = Producer.Kind.HOME,
    now: datetime.datetime | None = None,
) -> Producer:
    """A person registers themselves (waiting for the county's approval), or an officer registers a producer
    directly (approved at once)."""
    now = now or timezone.now()
    if place.kind not in (Place.Kind.VILLAGE, Place.Kind.CITY):
        raise DomainError(_("Choose a village or a city."), field="place")
    unit = county_unit_of(place)
    officer = has_perm_on(by, Perm.PRODUCERS_MANAGE, unit) or guides_in(by, unit)
    if not officer and getattr(by, "person_id", None) != person.pk:
        raise PermissionDenied
    if not products:
        raise DomainError(_("Add at least one product."), field="products")
    if len({product.pk for product, _capacity in products}) != len(products):
        raise DomainError(_("Each product once, please."), field="products")
    if any(capacity <= 0 for _product, capacity in products):
        raise DomainError(_("Capacity must be more than zero."), field="products")
    if baseline_sales < 0:
        raise DomainError(_("Sales cannot be negative."), field="baseline_sales")
    if started_on > timezone.localdate(now):
        raise DomainError(_("The start date cannot be in the future."), field="started_on")
    if Producer.objects.filter(person=person, place=place).exclude(status=Producer.Status.REJECTED).exists():
        raise DomainError(_("This person is already registered as a producer in this place."), field="place")
    producer = Producer.objects.create(
        person=person, business_name=normalize_text(business_name), kind=kind, place=place, unit=unit,
        activities=normalize_text(activities), started_on=started_on, baseline_sales=baseline_sales,
        registered_by=by, registered_at=now,
        status=Producer.Status.APPROVED if officer else Producer.Status.PENDING,
        decided_by=by if officer else None, decided_at=now if officer else None,
    )
    ProducerProduct.objects.bulk_create(
        [ProducerProduct(producer=producer, product=product, capacity=capacity) for product, capacity in products]
    )
    audit_record(by=by, action="producer.register", obj=producer, scope_path=unit.path or "",
                 after={"person": person.pk, "place": place.pk, "status": producer.status,
                        "baseline_sales": baseline_sales, "products": [p.code for p, _c in products]})
    return producer


@transaction.atomic
def producer_decide(*, by: Any, producer: Producer, approve: bool, note: str = "",
                    now: datetime.datetime | None = None) -> Producer:
    producer = Producer.objects.select_for_update(of=("self",)).select_related("unit").get(pk=producer.pk)
    require(by, Perm.PRODUCERS_MANAGE, producer.unit)
    target = Producer.Status.APPROVED if approve else Producer.Status.REJECTED
    if target not in PRODUCER_TRANSITIONS[producer.status]:
        raise DomainError(_("This registration was already decided."))
    producer.status, producer.decided_by, producer.decided_at = target, by, now or timezone.now()
    producer.decision_note = normalize_text(note)
    producer.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(by=by, action="producer.approve" if approve else "producer.reject", obj=producer,
                 scope_path=producer.unit.path or "", after={"status": target, "note": producer.decision_note})
    return producer


@transaction.atomic
def advantaged_add(*, by: Any, region: OrgUnit, product: Product, note: str = "") -> AdvantagedProduct:
    if region.kind not in (OrgUnit.Kind.COUNTY, OrgUnit.Kind.PROVINCE):
        raise DomainError(_("Choose a county or a province."), field="region")
    require(by, Perm.PRODUCERS_MANAGE, region)
    if AdvantagedProduct.objects.filter(region=region, product=product).exists():
        raise DomainError(_("This product is already listed for this region."), field="product")
    advantage = AdvantagedProduct.objects.create(region=region, product=product, note=normalize_text(note),
                                                 created_by=by)
    audit_record(by=by, action="advantage.add", obj=advantage, scope_path=region.path or "",
                 after={"region": region.pk, "product": product.code})
    return advantage


@transaction.atomic
def advantaged_remove(*, by: Any, advantage: AdvantagedProduct) -> None:
    require(by, Perm.PRODUCERS_MANAGE, advantage.region)
    audit_record(by=by, action="advantage.remove", obj=advantage, scope_path=advantage.region.path or "",
                 before={"region": advantage.region_id, "product": advantage.product_id})
    advantage.delete()


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
