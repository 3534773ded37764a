"""Formation suggestions (pure Python, no database): colonies, county clusters, province clusters."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mardom.production.formation import (
    LEVELS,
    ExistingCluster,
    ExistingColony,
    ProducerRow,
    Suggestions,
    render_reason,
    suggest,
)

_ids = iter(range(1, 10**9))


def row(product_line="saffron", value_chain=None, *, village=None, rural_district=None, district=None, city=None,
        county=100, province=1, id=None) -> ProducerRow:
    return ProducerRow(
        id=next(_ids) if id is None else id,
        product_line=product_line,
        value_chain=value_chain or product_line,
        village=village,
        rural_district=rural_district,
        district=district,
        city=city,
        county=county,
        province=province,
    )


def villagers(n, product_line="saffron", value_chain=None, *, village=1, rural_district=10, district=20, county=100,
              province=1) -> list[ProducerRow]:
    return [row(product_line, value_chain, village=village, rural_district=rural_district, district=district,
                county=county, province=province) for _ in range(n)]


def check_invariants(result: Suggestions, producers: list[ProducerRow], min_colony: int, max_colony: int) -> None:
    by_id = {p.id: p for p in producers}
    seen = Counter(pid for c in result.colonies for pid in c.producer_ids)
    assert all(n == 1 for n in seen.values()), "a producer is in two colonies"
    assert not set(seen) & set(result.unplaced)
    assert set(seen) | set(result.unplaced) == set(by_id), "every producer is placed or reported unplaced"
    assert list(result.unplaced) == sorted(result.unplaced)
    level_attr = dict(LEVELS)
    for c in result.colonies:
        members = [by_id[i] for i in c.producer_ids]
        assert min_colony <= len(members) <= max_colony
        assert list(c.producer_ids) == sorted(c.producer_ids)
        assert {m.product_line for m in members} == {c.product_line}
        assert {m.value_chain for m in members} == {c.value_chain}
        assert {m.county for m in members} == {c.county}, "a colony crosses counties"
        assert {getattr(m, level_attr[c.level]) for m in members} == {c.place}
        assert c.reasons[0][1]["count"] == len(members)
    assert len({c.key for c in result.colonies}) == len(result.colonies)
    for k in result.clusters:
        assert all(result.colonies[i].value_chain == k.value_chain for i in k.colony_indexes)
        assert all(result.colonies[i].county == k.county for i in k.colony_indexes)
        assert k.producer_count == sum(len(result.colonies[i].producer_ids) for i in k.colony_indexes)
    indexes = [i for k in result.clusters for i in k.colony_indexes]
    assert len(indexes) == len(set(indexes)), "a colony is in two clusters"


# --- colonies ------------------------------------------------------------------------------------------------


def test_same_village_forms_one_colony_with_its_reasons():
    producers = villagers(12)
    result = suggest(producers)
    assert len(result.colonies) == 1
    colony = result.colonies[0]
    assert (colony.level, colony.place, colony.county, colony.product_line) == ("village", 1, 100, "saffron")
    assert colony.producer_ids == tuple(sorted(p.id for p in producers))
    assert [render_reason(r) for r in colony.reasons] == [
        "12 producers of saffron in the same village",
        "together they reach the minimum of 5",
    ]
    assert result.unplaced == ()


def test_reason_msgids_use_named_placeholders_and_translate():
    colony = suggest(villagers(6)).colonies[0]
    msgid, params = colony.reasons[0]
    assert "%(count)s" in msgid and params == {"count": 6, "product_line": "saffron"}
    assert render_reason(colony.reasons[0], lambda s: s.replace("producers", "تولیدکننده")).startswith("6 تولیدکننده")


def test_below_minimum_stays_unplaced():
    producers = villagers(4)
    result = suggest(producers)
    assert result.colonies == ()
    assert result.unplaced == tuple(sorted(p.id for p in producers))


def test_minimum_is_configurable():
    assert len(suggest(villagers(3), min_colony=3).colonies) == 1


def test_small_villages_regroup_at_rural_district_then_district():
    a = villagers(3, village=1, rural_district=10)
    b = villagers(3, village=2, rural_district=10)
    c = villagers(2, village=3, rural_district=11)
    d = villagers(3, village=4, rural_district=12)
    result = suggest(a + b + c + d)
    levels = [(col.level, col.place, len(col.producer_ids)) for col in result.colonies]
    assert levels == [("rural_district", 10, 6), ("district", 20, 5)]
    rd = result.colonies[0]
    assert ("they come from %(villages)s different villages", {"villages": 2}) in rd.reasons
    assert result.unplaced == ()


def test_village_colony_first_then_leftovers_are_not_reused():
    big = villagers(7, village=1)
    small = villagers(3, village=2)
    result = suggest(big + small)
    assert [(c.level, len(c.producer_ids)) for c in result.colonies] == [("village", 7)]
    assert set(result.unplaced) == {p.id for p in small}


def test_city_dwellers_group_by_city_before_district():
    city_a = [row(city=5, district=20) for _ in range(5)]
    city_b = [row(city=6, district=20) for _ in range(3)]
    rural = villagers(2, village=9, rural_district=19, district=20)
    result = suggest(city_a + city_b + rural)
    assert [(c.level, c.place, len(c.producer_ids)) for c in result.colonies] == [("city", 5, 5), ("district", 20, 5)]
    assert result.colonies[0].reasons[0] == (
        "%(count)s producers of %(product_line)s in the same city", {"count": 5, "product_line": "saffron"})


def test_different_product_lines_never_share_a_colony():
    result = suggest(villagers(5, "saffron") + villagers(5, "barberry"))
    assert sorted(c.product_line for c in result.colonies) == ["barberry", "saffron"]


def test_leftovers_are_never_grouped_across_counties():
    # Same (made-up) district and rural district ids in two counties: still two counties.
    a = villagers(3, village=1, county=100)
    b = villagers(3, village=2, county=200)
    result = suggest(a + b)
    assert result.colonies == ()
    assert len(result.unplaced) == 6


def test_large_group_is_split_into_balanced_chunks():
    producers = villagers(101)
    result = suggest(producers, max_colony=40)
    sizes = [len(c.producer_ids) for c in result.colonies]
    assert sizes == [34, 34, 33]
    assert result.unplaced == ()
    ids = [i for c in result.colonies for i in c.producer_ids]
    assert ids == sorted(p.id for p in producers)
    assert ("the %(total)s producers there are split into %(parts)s colonies of at most %(maximum)s",
            {"total": 101, "parts": 3, "maximum": 40}) in result.colonies[0].reasons


def test_split_when_balance_is_impossible_leaves_remainder_for_next_level():
    # min 5, max 6, 7 producers: 4 + 3 would break the minimum, so one colony of 6 and one left over.
    producers = villagers(7, village=1) + villagers(4, village=2)
    result = suggest(producers, min_colony=5, max_colony=6)
    assert [(c.level, len(c.producer_ids)) for c in result.colonies] == [("village", 6), ("rural_district", 5)]
    assert result.unplaced == ()


def test_bad_limits_and_duplicate_ids_are_refused():
    with pytest.raises(ValueError):
        suggest([], min_colony=6, max_colony=5)
    with pytest.raises(ValueError):
        suggest([], min_colony=0)
    with pytest.raises(ValueError):
        suggest([], min_cluster_colonies=0)
    with pytest.raises(ValueError):
        suggest([row(id=1), row(id=1)])


def test_empty_input():
    assert suggest([]) == Suggestions(colonies=(), clusters=(), province_clusters=(), unplaced=())


def test_deterministic_whatever_the_input_order():
    rng = random.Random(7)
    producers = random_producers(rng, 400)
    first = suggest(producers)
    for _ in range(3):
        shuffled = producers[:]
        rng.shuffle(shuffled)
        assert suggest(shuffled) == first
    assert suggest(iter(producers)) == first  # any iterable, read once


# --- county clusters ------------------------------------------------------------------------------------------


def test_colonies_of_one_value_chain_in_a_county_form_a_cluster():
    producers = (villagers(6, "saffron", "saffron", village=1) + villagers(5, "saffron-bulb", "saffron", village=2)
                 + villagers(5, "barberry", village=3))
    result = suggest(producers)
    assert len(result.colonies) == 3
    assert len(result.clusters) == 1
    cluster = result.clusters[0]
    assert (cluster.value_chain, cluster.county, cluster.province) == ("saffron", 100, 1)
    assert cluster.producer_count == 11
    assert sorted(result.colonies[i].product_line for i in cluster.colony_indexes) == ["saffron", "saffron-bulb"]
    assert not cluster.extends_existing
    assert [render_reason(r) for r in cluster.reasons] == [
        "2 colonies of the saffron value chain in one county",
        "together they reach the minimum of 2 colonies",
        "11 producers in the 2 suggested colonies",
    ]


def test_one_colony_is_not_a_cluster_unless_minimum_is_one():
    assert suggest(villagers(6)).clusters == ()
    assert len(suggest(villagers(6), min_cluster_colonies=1).clusters) == 1


def test_colonies_in_two_counties_are_not_one_county_cluster():
    producers = villagers(5, village=1, county=100) + villagers(5, village=2, county=200)
    assert suggest(producers).clusters == ()


def test_existing_colonies_count_towards_a_cluster():
    result = suggest(villagers(5), existing_colonies=[ExistingColony(id=77, value_chain="saffron", county=100,
                                                                     province=1)])
    (cluster,) = result.clusters
    assert cluster.colony_indexes == (0,)
    assert cluster.existing_colony_ids == (77,)
    assert ("%(colonies)s of these colonies already exist", {"colonies": 1}) in cluster.reasons


def test_new_colonies_join_an_existing_county_cluster():
    result = suggest(villagers(5), existing_county_clusters=[("saffron", 100, 1)])
    (cluster,) = result.clusters
    assert cluster.extends_existing
    assert cluster.reasons[0][1] == {"value_chain": "saffron", "colonies": 1}


# --- province clusters ----------------------------------------------------------------------------------------


def two_colonies(county: int, province: int = 1, chain: str = "saffron") -> list[ProducerRow]:
    return (villagers(5, chain, village=county * 10 + 1, county=county, province=province)
            + villagers(5, chain, village=county * 10 + 2, county=county, province=province))


def test_county_clusters_in_two_counties_form_a_province_cluster():
    result = suggest(two_colonies(100) + two_colonies(200) + two_colonies(300, province=2))
    assert [(k.province, k.county) for k in result.clusters] == [(1, 100), (1, 200), (2, 300)]
    (pc,) = result.province_clusters
    assert (pc.value_chain, pc.province) == ("saffron", 1)
    assert pc.county_clusters == (("saffron", 100), ("saffron", 200))
    assert pc.suggested_counties == (100, 200) and pc.existing_counties == ()
    assert [render_reason(r) for r in pc.reasons] == [
        "2 counties of the province have a saffron cluster",
        "0 of them exist already and 2 are suggested",
    ]


def test_province_cluster_builds_on_an_existing_county_cluster():
    result = suggest(two_colonies(100), existing_county_clusters=[ExistingCluster("saffron", 200, 1)])
    (pc,) = result.province_clusters
    assert pc.county_clusters == (("saffron", 100), ("saffron", 200))
    assert pc.existing_counties == (200,) and pc.suggested_counties == (100,)


def test_existing_clusters_alone_in_two_counties_suggest_a_province_cluster():
    result = suggest([], existing_county_clusters=[("carpet", 100, 1), ("carpet", 200, 1), ("carpet", 300, 2)])
    (pc,) = result.province_clusters
    assert (pc.province, pc.existing_counties, pc.suggested_counties) == (1, (100, 200), ())


def test_one_county_or_different_chains_make_no_province_cluster():
    assert suggest(two_colonies(100)).province_clusters == ()
    assert suggest(two_colonies(100) + two_colonies(200, chain="barberry")).province_clusters == ()


def test_new_county_clusters_join_an_existing_province_cluster():
    result = suggest(two_colonies(100), existing_province_clusters=[("saffron", 1)])
    (pc,) = result.province_clusters
    assert pc.extends_existing and pc.county_clusters == (("saffron", 100),)
    assert suggest([], existing_county_clusters=[("saffron", 100, 1), ("saffron", 200, 1)],
                   existing_province_clusters=[("saffron", 1)]).province_clusters == ()


# --- properties -------------------------------------------------------------------------------------------------

CHAINS = {"saffron": "saffron", "saffron-bulb": "saffron", "barberry": "barberry", "carpet": "carpet"}


def random_producers(rng: random.Random, n: int) -> list[ProducerRow]:
    """A tiny hierarchy: 2 provinces x 2 counties x 2 districts x 2 rural districts x 3 villages, and a city per
    district. Place ids are deliberately reused across counties, so only the county key keeps them apart."""
    out = []
    for i in range(n):
        province = rng.randint(1, 2)
        county = province * 10 + rng.randint(0, 1)
        district = rng.randint(0, 1)
        line = rng.choice(list(CHAINS))
        if rng.random() < 0.2:
            out.append(ProducerRow(i, line, CHAINS[line], None, None, district, district, county, province))
        else:
            rd = district * 2 + rng.randint(0, 1)
            village = rd * 3 + rng.randint(0, 2) if rng.random() < 0.9 else None
            out.append(ProducerRow(i, line, CHAINS[line], village, rd, district, None, county, province))
    return out


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 300), min_colony=st.integers(1, 8),
       spread=st.integers(0, 30), min_cluster=st.integers(1, 3))
def test_invariants_hold_for_random_producers(seed, n, min_colony, spread, min_cluster):
    rng = random.Random(seed)
    producers = random_producers(rng, n)
    max_colony = min_colony + spread
    result = suggest(producers, min_colony=min_colony, max_colony=max_colony, min_cluster_colonies=min_cluster)
    check_invariants(result, producers, min_colony, max_colony)

    # Nothing left that the widest level could still have grouped.
    by_id = {p.id: p for p in producers}
    left = Counter((p.county, p.product_line, p.district) for p in map(by_id.get, result.unplaced)
                   if p.district is not None)
    assert all(n < min_colony for n in left.values())

    # Clusters: exactly the (chain, county) pairs with enough colonies.
    per_key = Counter((c.value_chain, c.county) for c in result.colonies)
    assert {k.key for k in result.clusters} == {key for key, n in per_key.items() if n >= min_cluster}
    # Province clusters: exactly the (chain, province) pairs with clusters in >= 2 counties.
    counties = Counter((k.value_chain, k.province) for k in result.clusters)
    assert {(p.value_chain, p.province) for p in result.province_clusters} == {
        key for key, n in counties.items() if n >= 2}

    shuffled = producers[:]
    rng.shuffle(shuffled)
    assert suggest(shuffled, min_colony=min_colony, max_colony=max_colony, min_cluster_colonies=min_cluster) == result
