"""Writes for producers and advantaged products."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.text import normalize_text
from mardom.dashboards.sources import production as production_figures
from mardom.geo.models import Place
from mardom.orgs.models import OrgUnit
from mardom.people.models import Person
from mardom.people.roles import Perm, Role
from mardom.people.scopes import grants_of, has_perm_on, require

from ..models import AdvantagedProduct, Producer, ProducerProduct, Product

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
    if officer:
        production_figures.producer_approved(producer=producer, path=unit.path, at=now)
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
    if approve:
        production_figures.producer_approved(producer=producer, path=producer.unit.path, at=producer.decided_at)
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
