"""Reads for brands, scoped to the asking user; and the public provenance of a label (no user)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from mardom.geo.models import Place
from mardom.orgs.models import OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import holds_anywhere, scope_q
from mardom.production.models import Cluster, Colony, Producer, Product

from .models import Authorisation, Brand, BrandRules, Label, Lot, Sanction


def _staff_q(user: Any, prefix: str = "") -> Q:
    """Brands the user reads in full: their managers (officers over the owner, the cluster's guide), their
    inspectors, and anyone who sees the owner's producers."""
    return (scope_q(user, Perm.BRANDS_MANAGE, path_field=f"{prefix}path")
            | scope_q(user, Perm.BRANDS_INSPECT, path_field=f"{prefix}path")
            | scope_q(user, Perm.PRODUCERS_VIEW, path_field=f"{prefix}path"))


def _brand_q(user: Any, prefix: str = "") -> Q:
    """Brands the user may read: those of `_staff_q`, and the brand's own authorised producers (who see their
    own membership and lots only)."""
    q = _staff_q(user, prefix)
    if getattr(user, "person_id", None):
        q |= Q(**{f"{prefix}authorisations__producer__person_id": user.person_id})
    return q


def brands_of(*, user: Any) -> QuerySet[Brand]:
    return Brand.objects.filter(_brand_q(user)).distinct().select_related("parent").annotate(
        members=Count("authorisations", distinct=True)).order_by("name")


def brand_get(*, user: Any, pk: int) -> Brand:
    brand = brands_of(user=user).filter(pk=pk).first()
    if brand is None:
        raise Http404
    return brand


def authorisations_of(*, brand: Brand, user: Any, manager: bool) -> list[Authorisation]:
    """All members for those who run or inspect the brand; a producer sees only their own."""
    qs = Authorisation.objects.filter(brand=brand).select_related("producer__person", "producer__place",
                                                                  "product")
    if not manager:
        qs = qs.filter(producer__person_id=getattr(user, "person_id", None) or 0)
    return list(qs.order_by("producer__person__last_name", "product__name"))


def sanctions_of(*, brand: Brand) -> list[Sanction]:
    return list(Sanction.objects.filter(authorisation__brand=brand).select_related(
        "authorisation__producer__person", "by__person")[:50])


def lots_of(*, brand: Brand, user: Any, manager: bool) -> list[Lot]:
    qs = Lot.objects.filter(brand=brand).select_related("authorisation__producer__person", "authorisation__product",
                                                        "colony")
    if not manager:
        qs = qs.filter(authorisation__producer__person_id=getattr(user, "person_id", None) or 0)
    return list(qs.order_by("-declared_at", "-pk")[:200])


def lot_get(*, user: Any, pk: int) -> Lot:
    own = Q(authorisation__producer__person_id=user.person_id) if getattr(user, "person_id", None) else Q(pk__in=[])
    # A member reads her own lots, not the other members' lots of the same brand.
    lot = Lot.objects.filter(Q(_staff_q(user, "brand__")) | own).distinct().select_related(
        "brand__parent", "authorisation__producer__person", "authorisation__producer__place",
        "authorisation__product", "colony", "inspected_by").filter(pk=pk).first()
    if lot is None:
        raise Http404
    return lot


def labels_of(*, lot: Lot) -> list[Label]:
    return list(lot.labels.order_by("number"))


def my_authorisations(*, user: Any) -> list[Authorisation]:
    """A producer's own authorisations, to declare lots from."""
    if not getattr(user, "person_id", None):
        return []
    return list(Authorisation.objects.filter(producer__person_id=user.person_id).select_related("brand", "product")
                .order_by("brand__name"))


# --- Added for the pages --------------------------------------------------------------------------------------

def brand_products(*, brand: Brand) -> QuerySet[Product]:
    """The products a member may be authorised on: those of the brand's value chain."""
    return Product.objects.filter(value_chain=brand.value_chain).order_by("name")


def rules_history(*, brand: Brand) -> list[BrandRules]:
    return list(brand.rules.order_by("-version"))


def member_producer(*, brand: Brand, national_id: str, product: Product | None) -> Producer | None:
    """The producer with this national ID among the members of the brand's colonies (no one else is found,
    so a national ID from elsewhere tells the manager nothing); the approved one making `product` first."""
    from .services import colonies_of_owner

    candidates = Producer.objects.filter(
        person__national_id=national_id, colony_memberships__colony_id__in=colonies_of_owner(brand.parent),
    ).exclude(status=Producer.Status.REJECTED).distinct().select_related("person")
    if product is not None:
        best = candidates.filter(status=Producer.Status.APPROVED, products__product=product).first()
        if best is not None:
            return best
    return candidates.order_by("pk").first()


def lot_authorisations(*, brand: Brand, user: Any, manager: bool) -> QuerySet[Authorisation]:
    """What a lot may be declared under: every active member for a manager, one's own for a producer."""
    qs = Authorisation.objects.filter(brand=brand, status=Authorisation.Status.ACTIVE).select_related(
        "producer__person", "product")
    if not manager:
        qs = qs.filter(producer__person_id=getattr(user, "person_id", None) or 0)
    return qs.order_by("producer__person__last_name", "product__name")


def labels_page(*, lot: Lot, start: int = 1, size: int = 240) -> list[Label]:
    """Labels `start`, `start + 1`, ... of a lot, at most `size` of them (a sheet or a screenful)."""
    return list(lot.labels.filter(number__gte=start).order_by("number")[:size])


@dataclass(frozen=True)
class Provenance:
    """What the public page of a label may show: nothing else leaves the database for an anonymous visitor
    (no national ID, mobile or amount; the producer's name only with their consent)."""

    serial: str
    product: str
    unit: str
    brand_id: int
    brand: str
    has_logo: bool
    cluster: str
    colony: str
    place: str
    lot: str
    quantity: Decimal
    made_on: datetime.date
    inspected_on: datetime.date | None
    passed: bool
    producer: str
    scans: int
    first_scanned_at: datetime.datetime | None


def provenance(*, label: Label) -> Provenance:
    lot = label.lot
    brand, authorisation = lot.brand, lot.authorisation
    owner = brand.parent
    colony = lot.colony
    if owner is not None and owner.kind == OrgUnit.Kind.COLONY:
        colony = colony or Colony.objects.filter(pk=owner.pk).select_related("in_cluster").first()
    cluster = ""
    if owner is not None and owner.kind == OrgUnit.Kind.CLUSTER:
        cluster = owner.name
    elif colony is not None and colony.in_cluster_id:
        cluster = Cluster.objects.filter(pk=colony.in_cluster_id).values_list("name", flat=True).first() or ""
    place = authorisation.producer.place
    place_name = Place.objects.select_related("county", "province").get(pk=place.pk).full_name if place else ""
    producer = authorisation.producer.person.full_name if authorisation.name_public else ""
    return Provenance(
        serial=label.serial, product=authorisation.product.name, unit=authorisation.product.get_unit_display(),
        brand_id=brand.pk, brand=brand.name, has_logo=bool(brand.logo), cluster=cluster,
        colony=colony.name if colony is not None else "", place=place_name, lot=lot.code, quantity=lot.quantity,
        made_on=lot.made_on, inspected_on=timezone.localdate(lot.inspected_at) if lot.inspected_at else None,
        passed=lot.status == Lot.Status.PASSED, producer=producer, scans=label.scan_count,
        first_scanned_at=label.first_scanned_at)


def authorisation_get(*, brand: Brand, pk: int) -> Authorisation:
    """One member of a brand the caller already reached through brand_get."""
    member = Authorisation.objects.filter(brand=brand, pk=pk).select_related("producer__person", "product").first()
    if member is None:
        raise Http404
    return member


def public_logo(*, pk: int) -> Brand | None:
    """A brand's logo is public (it is printed on the packs): any active brand's, by number."""
    return Brand.objects.filter(pk=pk, is_active=True).exclude(logo="").only("pk", "logo").first()


def lots_waiting(*, user: Any, limit: int = 10) -> list[Lot]:
    """Lots waiting for this inspector: declared, in the brands she inspects, and not her own (the declarer
    or producer of a lot never inspects it). One more than `limit` is read, to tell whether there are more."""
    if not holds_anywhere(user, Perm.BRANDS_INSPECT):
        return []
    person_id = getattr(user, "person_id", None) or 0
    return list(
        Lot.objects.filter(scope_q(user, Perm.BRANDS_INSPECT, path_field="brand__path"), status=Lot.Status.DECLARED)
        .exclude(declared_by_id=user.pk).exclude(authorisation__producer__person_id=person_id)
        .select_related("brand", "authorisation__producer__person", "authorisation__product")
        .order_by("declared_at", "pk")[:limit + 1]
    )


# --- the person's file (desk) --------------------------------------------------------------------------------

def person_authorisations(*, user: Any, person: Any, limit: int) -> tuple[list[Authorisation], int]:
    """The person's brand authorisations the user may read: all of hers to herself, those of the brands the
    user runs, inspects or whose owner's producers she sees to anyone else; each with `lots`, how many lots
    were declared under it. Every brand named is one `brand_get` opens for the user. And how many there are."""
    own = Q(pk__isnull=False) if getattr(user, "person_id", None) == person.pk else Q(pk__in=[])
    qs = Authorisation.objects.filter(Q(producer__person=person) & (_staff_q(user, "brand__") | own))
    rows = list(qs.select_related("brand", "product").annotate(lots_count=Count("lots"))
                .order_by("status", "brand__name", "pk")[:limit])
    return rows, qs.count()
