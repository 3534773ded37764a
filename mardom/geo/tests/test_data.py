"""The divisions loaded by migration 0002: complete, normalised, with the ids other apps rely on."""

from __future__ import annotations

import pytest
from django.db.models import Count, F, Q

from mardom.geo.loading import OFFSETS, clean_name, read_rows
from mardom.geo.models import Place

pytestmark = pytest.mark.django_db

SOURCE_COUNTS = {
    "province": 31,
    "county": 448,
    "district": 1_099,
    "city": 1_554,
    "rural_district": 2_637,
    "village": 98_100,
}


def test_counts_per_kind_equal_the_source() -> None:
    counts = dict(Place.objects.values_list("kind").annotate(n=Count("id")).order_by())
    assert counts == SOURCE_COUNTS
    assert {kind: sum(1 for _ in read_rows(kind)) for kind in OFFSETS} == SOURCE_COUNTS


def test_qaenat_is_a_county_of_south_khorasan_with_code_2904() -> None:
    qaenat = Place.objects.select_related("province", "parent").get(kind="county", name="قاینات")
    assert qaenat.code == "2904"
    assert qaenat.pk == 1_318  # county id 318 in the source + 1,000: other apps' migrations use it
    assert qaenat.province.name == "خراسان جنوبی"
    assert qaenat.parent == qaenat.province
    assert qaenat.county_id is None

    qaen = Place.objects.select_related("parent").get(kind="city", name="قاین")
    assert qaen.county == qaenat and qaen.province == qaenat.province
    assert qaen.parent.kind == "district" and qaen.parent.parent == qaenat


def test_tree_is_consistent() -> None:
    expected_parent_kind = {
        "county": "province",
        "district": "county",
        "city": "district",
        "rural_district": "district",
        "village": "rural_district",
    }
    for kind, parent_kind in expected_parent_kind.items():
        assert not Place.objects.filter(kind=kind).exclude(parent__kind=parent_kind).exists(), kind
    assert not Place.objects.filter(kind="province").exclude(parent=None, province=None, county=None).exists()
    # Below county level, a place's county and province are those of its parent.
    below = Place.objects.filter(kind__in=["city", "rural_district", "village"])
    assert not below.exclude(province=F("parent__province")).exists()
    assert not below.exclude(county=F("parent__county")).exists()


def test_ids_are_deterministic_offsets() -> None:
    ranges = {
        "province": (1, 31),
        "county": (1_001, 1_448),
        "district": (10_001, 11_099),
        "city": (20_001, 21_554),
        "rural_district": (30_001, 32_637),
        "village": (100_001, 198_100),
    }
    for kind, (low, high) in ranges.items():
        ids = Place.objects.filter(kind=kind).values_list("pk", flat=True)
        assert (min(ids), max(ids)) == (low, high), kind


def test_new_rows_do_not_collide_with_loaded_ids() -> None:
    # On PostgreSQL this needs the sequence reset after the explicit ids.
    place = Place.objects.create(kind="village", name="آزمایشی", search_key="ازمایشی", code="0")
    assert place.pk > 198_100


def test_no_arabic_yeh_or_kaf_and_clean_names() -> None:
    arabic = Q(name__contains="ي") | Q(name__contains="ك") | Q(name__contains="ى")
    assert not Place.objects.filter(arabic).exists()
    assert not Place.objects.filter(Q(name__startswith=" ") | Q(name__endswith=" ") | Q(name="")).exists()
    assert not Place.objects.filter(Q(name__contains="( ") | Q(name__contains=" )")).exists()
    # The source's whole-name-in-parentheses quirk.
    assert Place.objects.filter(pk=100_002, name="اسلامیه", code="2911030001511836").exists()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(اسلامیه)", "اسلامیه"),
        ("آجر زرنما ( خبیری)", "آجر زرنما (خبیری)"),
        ("(کلوییم)کلوییم", "(کلوییم)کلوییم"),
        ("علي آباد  كهنه", "علی آباد کهنه"),
    ],
)
def test_clean_name(raw: str, expected: str) -> None:
    assert clean_name(raw) == expected


def test_full_name_is_kind_name_county_and_province() -> None:
    from django.utils import translation

    village = (
        Place.objects.select_related("county", "province")
        .filter(kind="village", county__name="قاینات")
        .first()
    )
    assert village is not None
    with translation.override("en"):
        assert village.full_name == f"Village {village.name}, County قاینات, خراسان جنوبی"
        qaenat = Place.objects.select_related("province").get(kind="county", name="قاینات")
        assert qaenat.full_name == "County قاینات, خراسان جنوبی"
        assert qaenat.province.full_name == "Province خراسان جنوبی"
