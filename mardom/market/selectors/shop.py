"""Reads of the storefront. Public reads (catalogue, listing page, an order by its token) show nothing
private: no national ID, no producer's mobile, and a producer's name only where she agreed to it. The
producers' and officers' reads are filtered to the user."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from mardom.brands.models import Authorisation, Brand
from mardom.core.text import normalize_text, search_key
from mardom.orgs.models import OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import scope_filter
from mardom.production.models import ColonyMember, Producer, Product

from ..models import Listing, Order, OrderPart, PayoutEntry


def _on_sale(today: datetime.date) -> Q:
    return (Q(active=True, authorisation__status=Authorisation.Status.ACTIVE, authorisation__valid_from__lte=today)
            & (Q(authorisation__valid_to__isnull=True) | Q(authorisation__valid_to__gte=today)))


def catalogue(*, q: str = "", province: int | None = None, county: int | None = None, category: str = "",
              brand: int | None = None, today: datetime.date | None = None) -> QuerySet[Listing]:
    """Listings on sale, filtered; every word of `q` must be found (normalised: «قائن» finds «قاین»)."""
    today = today or timezone.localdate()
    listings = Listing.objects.filter(_on_sale(today)).select_related(
        "authorisation__brand", "authorisation__product", "producer__place", "producer__unit__parent")
    for word in normalize_text(q[:100]).split(" ")[:8]:
        key = search_key(word)
        if key:
            listings = listings.filter(search_key__contains=key)
    if province:
        listings = listings.filter(producer__unit__parent_id=province)
    if county:
        listings = listings.filter(producer__unit_id=county)
    if category:
        listings = listings.filter(authorisation__product__category=category)
    if brand:
        listings = listings.filter(authorisation__brand_id=brand)
    return listings.order_by("-created_at", "-pk")


def facets(*, today: datetime.date | None = None) -> dict[str, Any]:
    """The choices of the catalogue's filters: only places, categories and brands that have listings."""
    today = today or timezone.localdate()
    on_sale = Listing.objects.filter(_on_sale(today))
    county_ids = set(on_sale.values_list("producer__unit_id", flat=True))
    counties = list(OrgUnit.objects.filter(pk__in=county_ids).order_by("name"))
    provinces = list(OrgUnit.objects.filter(pk__in={c.parent_id for c in counties}).order_by("name"))
    brands = list(Brand.objects.filter(pk__in=set(on_sale.values_list("authorisation__brand_id", flat=True)))
                  .order_by("name"))
    used = set(on_sale.values_list("authorisation__product__category", flat=True))
    categories = [(value, label) for value, label in Product.Category.choices if value in used]
    return {"provinces": provinces, "counties": counties, "brands": brands, "categories": categories}


def listing_public(*, pk: int, today: datetime.date | None = None) -> Listing:
    today = today or timezone.localdate()
    listing = Listing.objects.filter(_on_sale(today), pk=pk).select_related(
        "authorisation__brand__parent", "authorisation__product", "producer__place", "producer__unit__parent",
        "producer__person").first()
    if listing is None:
        raise Http404
    return listing


def provenance_facts(listing: Listing) -> dict[str, Any]:
    """What a buyer may know about where it comes from: brand, cluster, colony, village, county, province,
    and the producer's name only if she agreed to show it."""
    auth = listing.authorisation
    producer = listing.producer
    membership = ColonyMember.objects.filter(producer=producer, product=auth.product).select_related(
        "colony__in_cluster").first()
    colony = membership.colony if membership else None
    owner = auth.brand.parent
    cluster = colony.in_cluster if colony and colony.in_cluster_id else (
        owner if owner is not None and owner.kind == OrgUnit.Kind.CLUSTER else None)
    return {
        "brand": auth.brand, "product": auth.product, "cluster": cluster, "colony": colony,
        "village": producer.place, "county": producer.unit, "province": producer.unit.parent,
        "producer_name": str(producer) if auth.name_public else "",
    }


def order_by_token(*, token: str) -> Order:
    order = Order.objects.filter(token=str(token)[:40]).first() if token else None
    if order is None:
        raise Http404
    return order


def order_parts_public(order: Order) -> list[OrderPart]:
    return list(order.parts.select_related("producer__place").prefetch_related("lines__listing"))


def my_producers(user: Any) -> QuerySet[Producer]:
    if not getattr(user, "person_id", None):
        return Producer.objects.none()
    return Producer.objects.filter(person_id=user.person_id)


def my_authorisations(user: Any, today: datetime.date | None = None) -> QuerySet[Authorisation]:
    today = today or timezone.localdate()
    return Authorisation.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today), producer__in=my_producers(user),
        status=Authorisation.Status.ACTIVE, valid_from__lte=today).select_related("brand", "product")


def my_listings(user: Any) -> QuerySet[Listing]:
    return Listing.objects.filter(producer__in=my_producers(user)).select_related(
        "authorisation__brand", "authorisation__product")


def my_listing(user: Any, pk: int) -> Listing:
    listing = my_listings(user).filter(pk=pk).first()
    if listing is None:
        raise Http404
    return listing


def my_parts(user: Any) -> QuerySet[OrderPart]:
    """Paid order parts the user's own producers send (with the address to send to)."""
    return OrderPart.objects.filter(producer__in=my_producers(user)).exclude(
        status__in=[OrderPart.Status.PENDING, OrderPart.Status.CANCELLED]).select_related(
        "order").prefetch_related("lines__listing").order_by("-paid_at", "-pk")


def my_part(user: Any, pk: int) -> OrderPart:
    part = my_parts(user).filter(pk=pk).first()
    if part is None:
        raise Http404
    return part


def ledger_of(producer: Producer) -> dict[str, Any]:
    entries = PayoutEntry.objects.filter(producer=producer).select_related("part")
    return {"entries": entries[:500], "balance": entries.aggregate(s=Sum("amount"))["s"] or 0}


def payout_producers(user: Any) -> QuerySet[Producer]:
    """Producers the officer pays out: approved ones in the counties where they manage producers."""
    return scope_filter(Producer.objects.filter(payout_entries__isnull=False).distinct(), user,
                        Perm.PRODUCERS_MANAGE, path_field="unit__path").select_related("person", "place")


def payout_producer(user: Any, pk: int) -> Producer:
    producer = scope_filter(Producer.objects.filter(pk=pk), user, Perm.PRODUCERS_MANAGE,
                            path_field="unit__path").select_related("unit", "place", "person").first()
    if producer is None:
        raise Http404
    return producer


def parts_to_send(user: Any) -> QuerySet[OrderPart]:
    """The user's own paid order parts not sent yet, oldest first (the first to send)."""
    return OrderPart.objects.filter(producer__in=my_producers(user), status=OrderPart.Status.PAID).select_related(
        "order").order_by("paid_at", "pk")


# --- the person's file (desk) --------------------------------------------------------------------------------

def person_shop(*, user: Any, person: Any, limit: int, today: datetime.date | None = None) -> dict[str, Any]:
    """The person's shop as the user may read it (herself, or officers over her producer registration): her
    listings, first those on sale, each with `on_sale` (only those have a public page), how many there are,
    and her orders: how many were paid and their amount. A fixed number of queries."""
    from django.db.models import BooleanField, Case, Count, Value, When

    from mardom.people.scopes import scope_q

    today = today or timezone.localdate()
    own = Q(pk__isnull=False) if getattr(user, "person_id", None) == person.pk else Q(pk__in=[])
    reach = own | scope_q(user, Perm.PRODUCERS_VIEW, path_field="producer__unit__path")
    listings = Listing.objects.filter(Q(producer__person=person) & reach)
    on_sale = Case(When(_on_sale(today), then=Value(True)), default=Value(False), output_field=BooleanField())
    rows = list(listings.select_related("authorisation__brand", "authorisation__product").annotate(on_sale=on_sale)
                .order_by("-on_sale", "title", "pk")[:limit])
    counts = listings.aggregate(n=Count("pk"), selling=Count("pk", filter=_on_sale(today)))
    sold = OrderPart.objects.filter(Q(producer__person=person) & reach).exclude(
        status__in=[OrderPart.Status.PENDING, OrderPart.Status.CANCELLED]).aggregate(n=Count("pk"), s=Sum("amount"))
    return {"listings": rows, "listings_total": counts["n"], "on_sale": counts["selling"],
            "orders": sold["n"], "sold": sold["s"] or 0}
