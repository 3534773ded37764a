"""Reads of places. Divisions are public reference data, so these take no user and need no scope filter."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from mardom.core.text import search_key

from .models import Place

# Larger divisions first: someone typing "قاین" most likely means the county or the city, not a village.
KIND_ORDER: list[str] = [
    Place.Kind.PROVINCE,
    Place.Kind.COUNTY,
    Place.Kind.CITY,
    Place.Kind.DISTRICT,
    Place.Kind.RURAL_DISTRICT,
    Place.Kind.VILLAGE,
]
MIN_QUERY_LENGTH = 2  # one letter matches tens of thousands of villages and tells us nothing


def _labelled() -> QuerySet[Place]:
    # Everything full_name and the picker read, in the same query.
    return Place.objects.select_related("parent", "county", "province")


def _within(place: Place) -> Q:
    """Everything below `place` in the tree."""
    if place.kind == Place.Kind.PROVINCE:
        return Q(province=place)
    if place.kind == Place.Kind.COUNTY:
        return Q(county=place)
    if place.kind == Place.Kind.DISTRICT:
        # Cities and rural districts hang on the district; villages on its rural districts.
        return Q(parent=place) | Q(parent__parent=place)
    return Q(parent=place)


def place_search(
    *,
    query: str,
    kinds: Iterable[str] | None = None,
    within: Place | None = None,
    limit: int = 20,
) -> list[Place]:
    """Places whose name matches `query` in any common spelling, best first, in one query.

    Ranked: exact name, then names starting with the query, then names containing it; within each, larger
    kinds first (province, county, city, district, rural district, village), then by name.
    """
    key = search_key(query)
    if len(key) < MIN_QUERY_LENGTH or limit <= 0:
        return []
    places = _labelled().filter(search_key__contains=key)
    if kinds is not None:
        wanted = [kind for kind in kinds if kind in Place.Kind.values]
        if not wanted:
            return []
        places = places.filter(kind__in=wanted)
    if within is not None:
        places = places.filter(_within(within))
    places = places.annotate(
        match_rank=Case(
            When(search_key=key, then=Value(0)),
            When(search_key__startswith=key, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        kind_rank=Case(
            *(When(kind=kind, then=Value(rank)) for rank, kind in enumerate(KIND_ORDER)),
            output_field=IntegerField(),
        ),
    )
    return list(places.order_by("match_rank", "kind_rank", "name", "pk")[:limit])


def place_get(*, pk: int | str) -> Place:
    """One place with what its label needs. Raises Place.DoesNotExist (and ValueError for a non-number)."""
    return _labelled().get(pk=pk)


def counties_of(province: Place) -> list[Place]:
    """The counties of a province, by name."""
    return list(_labelled().filter(kind=Place.Kind.COUNTY, province=province).order_by("name", "pk"))
