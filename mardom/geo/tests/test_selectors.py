"""place_search: spelling-tolerant, ranked, filtered, one query."""

from __future__ import annotations

import pytest

from mardom.geo.models import Place
from mardom.geo.selectors import counties_of, place_get, place_search

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["قاینات", "قائنات", "قاينات", " قاین‌ات "])
def test_finds_qaenat_in_any_spelling(query: str) -> None:
    first = place_search(query=query)[0]
    assert (first.kind, first.name, first.code) == ("county", "قاینات", "2904")


def test_arabic_yeh_prefix_ranks_exact_city_then_prefix_county() -> None:
    results = place_search(query="قاين")  # Arabic yeh, as an Arabic keyboard types it
    assert (results[0].kind, results[0].name) == ("city", "قاین")  # exact, and a city before the rest
    first_prefix_only = next(p for p in results if p.search_key != "قاین")
    assert (first_prefix_only.kind, first_prefix_only.name) == ("county", "قاینات")


def test_exact_then_prefix_then_contains() -> None:
    results = place_search(query="قاین", limit=50)
    keys = [p.search_key for p in results]
    exact = [k == "قاین" for k in keys]
    prefix = [k.startswith("قاین") for k in keys]
    assert exact == sorted(exact, reverse=True)
    assert prefix == sorted(prefix, reverse=True)
    assert any(not p for p in prefix), "expected some names that only contain the query"


def test_larger_kinds_first_within_the_same_match_rank() -> None:
    order = ["province", "county", "city", "district", "rural_district", "village"]
    results = place_search(query="مرکزی", limit=100)  # provinces, districts, rural districts, villages
    exact = [p for p in results if p.search_key == "مرکزی"]
    ranks = [order.index(p.kind) for p in exact]
    assert ranks == sorted(ranks)
    assert exact[0].kind == "province"


@pytest.mark.parametrize(("query", "name"), [("بغي", "بغیجان"), ("بكج", "بک جود")])
def test_finds_a_village_from_three_letters_typed_on_an_arabic_keyboard(query: str, name: str) -> None:
    assert name in [p.name for p in place_search(query=query) if p.kind == "village"]


def test_kinds_filter() -> None:
    results = place_search(query="قاین", kinds=["village", "city"], limit=50)
    assert results and {p.kind for p in results} <= {"village", "city"}
    assert results[0].name == "قاین"
    assert place_search(query="قاین", kinds=["nonsense"]) == []


def test_within_restricts_to_descendants() -> None:
    qaenat = Place.objects.get(kind="county", name="قاینات")
    results = place_search(query="آباد", within=qaenat, limit=100)
    assert results and all(p.county_id == qaenat.pk for p in results)
    district = Place.objects.filter(kind="district", parent=qaenat).first()
    assert district is not None
    below = place_search(query="آباد", within=district, limit=100)
    assert below and all(p.parent_id == district.pk or p.parent.parent_id == district.pk for p in below)


@pytest.mark.parametrize("query", ["", " ", "ق", "ي", "‌"])
def test_empty_or_one_letter_query_finds_nothing(query: str) -> None:
    assert place_search(query=query) == []


def test_one_query_however_many_results(django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        results = place_search(query="آباد", limit=50)
        labels = [(p.full_name, p.parent.name if p.parent else "") for p in results]
    assert len(results) == 50 and len(labels) >= 50


def test_place_get_and_counties_of() -> None:
    south_khorasan = Place.objects.get(kind="province", name="خراسان جنوبی")
    counties = counties_of(south_khorasan)
    assert "قاینات" in [c.name for c in counties]
    assert {c.kind for c in counties} == {"county"}
    assert all(c.province_id == south_khorasan.pk for c in counties)
    assert place_get(pk=1_318).name == "قاینات"
    with pytest.raises(Place.DoesNotExist):
        place_get(pk=999_999_999)
