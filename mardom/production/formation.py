"""Formation suggestions: colonies, county clusters and province clusters from unorganised producers.

Pure Python over plain rows (no ORM), so it is fast, testable and benchmarkable; the app feeds it rows from the
database and shows the result to an officer, who accepts, edits or rejects each suggestion.

Our places have no coordinates, so "close together" is the official hierarchy. Producers are grouped greedily,
one pass per level, from the closest to the widest, and what is left at one level is regrouped at the next:

1. same village;
2. same city (city dwellers have no village or rural district; a city lies inside a district, so same-city is
   tried before the district);
3. same rural district (دهستان);
4. same district (بخش).

A group key is always (county, value chain, product line, place), so a colony never crosses a county and has one
product line (and so one value chain). A group smaller than `min_colony` goes on to the next level; a group
larger than `max_colony` is split into balanced chunks of consecutive producer ids. Producers left after the
district level are returned as `unplaced`.

Clusters: the colonies of one value chain in one county (suggested here, plus existing colonies not yet in a
cluster) become a county cluster when there are at least `min_cluster_colonies` of them; if the county already
has a cluster of that value chain, they are suggested as joining it instead. Province clusters: a value chain
with a county cluster (existing or suggested) in at least two counties of a province; if the province already
has a cluster of that value chain, the newly suggested county clusters are suggested as joining it.

Every step is dict grouping plus a sort of the group keys, so time grows close to linearly with the number of
producers and memory is proportional to it. Output order depends only on the data, never on the input order.

Reasons are (msgid, params) pairs: the msgid is an English sentence with %(name)s placeholders, marked for
extraction; the UI translates the msgid and formats it with the params (see `render_reason`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, TypeVar


def gettext_noop(message: str) -> str:
    """Marks a msgid for `makemessages` (xgettext knows this name) without needing Django settings here."""
    return message

Reason = tuple[str, dict[str, Any]]
T = TypeVar("T")

# (level name, ProducerRow attribute), closest first.
LEVELS: tuple[tuple[str, str], ...] = (
    ("village", "village"),
    ("city", "city"),
    ("rural_district", "rural_district"),
    ("district", "district"),
)

_SAME_PLACE = {
    "village": gettext_noop("%(count)s producers of %(product_line)s in the same village"),
    "city": gettext_noop("%(count)s producers of %(product_line)s in the same city"),
    "rural_district": gettext_noop("%(count)s producers of %(product_line)s in the same rural district"),
    "district": gettext_noop("%(count)s producers of %(product_line)s in the same district"),
}


@dataclass(frozen=True, slots=True)
class ProducerRow:
    """One registered producer not yet in a colony, with one product line (a producer with two lines is two
    rows only if the caller wants it in two colonies; ids must be unique)."""

    id: int
    product_line: str
    value_chain: str
    village: int | None
    rural_district: int | None
    district: int | None
    city: int | None
    county: int
    province: int


@dataclass(frozen=True, slots=True)
class ExistingColony:
    """A colony already on record and not yet in any cluster; it counts towards a county cluster."""

    id: int
    value_chain: str
    county: int
    province: int


@dataclass(frozen=True, slots=True)
class ExistingCluster:
    """A county cluster already on record (province is needed to build province clusters on it)."""

    value_chain: str
    county: int
    province: int


@dataclass(frozen=True)
class ColonySuggestion:
    product_line: str
    value_chain: str
    province: int
    county: int
    level: str  # "village" | "city" | "rural_district" | "district"
    place: int
    producer_ids: tuple[int, ...]  # ascending
    reasons: tuple[Reason, ...]

    @property
    def key(self) -> tuple[str, int, str, int, int]:
        """Unique among the suggested colonies (chunks of one split group differ by their first id)."""
        return (self.product_line, self.county, self.level, self.place, self.producer_ids[0])


@dataclass(frozen=True)
class ClusterSuggestion:
    value_chain: str
    province: int
    county: int
    colony_indexes: tuple[int, ...]  # indexes into Suggestions.colonies
    existing_colony_ids: tuple[int, ...]
    producer_count: int  # producers in the suggested colonies (existing colonies' sizes are not known here)
    extends_existing: bool  # True: join the county's existing cluster of this value chain
    reasons: tuple[Reason, ...]

    @property
    def key(self) -> tuple[str, int]:
        return (self.value_chain, self.county)


@dataclass(frozen=True)
class ProvinceClusterSuggestion:
    value_chain: str
    province: int
    county_clusters: tuple[tuple[str, int], ...]  # (value_chain, county) keys, existing and suggested, by county
    existing_counties: tuple[int, ...]
    suggested_counties: tuple[int, ...]
    extends_existing: bool  # True: the suggested county clusters join the province's existing cluster
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Suggestions:
    colonies: tuple[ColonySuggestion, ...]
    clusters: tuple[ClusterSuggestion, ...]
    province_clusters: tuple[ProvinceClusterSuggestion, ...]
    unplaced: tuple[int, ...]  # producer ids that no level could place, ascending


def render_reason(reason: Reason, translate: Callable[[str], str] = str) -> str:
    """The reason as a sentence: `render_reason(r, gettext)` in the UI, plain English by default."""
    msgid, params = reason
    return translate(msgid) % params


def _chunks(ids: list[T], min_size: int, max_size: int) -> tuple[list[list[T]], list[T]]:
    """Split a sorted list into balanced chunks within [min_size, max_size]; returns (chunks, left over).

    Balanced (sizes differ by at most one) when that fits; when it cannot (only if min_size > max_size / 2),
    full chunks of max_size and the remainder is left over for the next level."""
    n = len(ids)
    if n <= max_size:
        return [ids], []
    parts = -(-n // max_size)
    if n // parts >= min_size:
        base, extra = divmod(n, parts)
        out, start = [], 0
        for i in range(parts):
            size = base + (1 if i < extra else 0)
            out.append(ids[start : start + size])
            start += size
        return out, []
    parts = n // max_size
    return [ids[i * max_size : (i + 1) * max_size] for i in range(parts)], ids[parts * max_size :]


def _colony_reasons(level: str, product_line: str, members: list[ProducerRow], min_colony: int,
                    group_size: int, parts: int, max_colony: int) -> tuple[Reason, ...]:
    reasons: list[Reason] = [
        (_SAME_PLACE[level], {"count": len(members), "product_line": product_line}),
        (gettext_noop("together they reach the minimum of %(minimum)s"), {"minimum": min_colony}),
    ]
    if level in ("rural_district", "district"):
        villages = len({m.village for m in members if m.village is not None})
        if villages > 1:
            reasons.append((
                gettext_noop("they come from %(villages)s different villages"),
                {"villages": villages},
            ))
    if parts > 1:
        reasons.append((
            gettext_noop("the %(total)s producers there are split into %(parts)s colonies of at most %(maximum)s"),
            {"total": group_size, "parts": parts, "maximum": max_colony},
        ))
    return tuple(reasons)


def suggest(
    producers: Iterable[ProducerRow],
    *,
    min_colony: int = 5,
    max_colony: int = 40,
    min_cluster_colonies: int = 2,
    existing_colonies: Iterable[ExistingColony] = (),
    existing_county_clusters: Iterable[ExistingCluster | tuple[str, int, int]] = (),
    existing_province_clusters: Iterable[tuple[str, int]] = (),
) -> Suggestions:
    """Suggest colonies, county clusters and province clusters (see the module docstring for the rules).

    `producers` are the producers not yet in any colony; `existing_colonies` the colonies not yet in a cluster;
    `existing_county_clusters` the county clusters on record, as ExistingCluster or (value_chain, county,
    province); `existing_province_clusters` the (value_chain, province) pairs that already have a province
    cluster (then suggested county clusters are suggested as joining it).
    Raises ValueError on bad limits or a repeated producer id."""
    if not 1 <= min_colony <= max_colony:
        raise ValueError("need 1 <= min_colony <= max_colony")
    if min_cluster_colonies < 1:
        raise ValueError("need min_cluster_colonies >= 1")

    rows = list(producers)
    if len({r.id for r in rows}) != len(rows):
        raise ValueError("producer ids must be unique")

    # --- colonies, one greedy pass per level -------------------------------------------------------------
    found: list[tuple[tuple[Any, ...], ColonySuggestion]] = []
    by_id = attrgetter("id")
    for rank, (level, attr) in enumerate(LEVELS):
        get_place = attrgetter(attr)
        groups: dict[tuple[int, str, str, int], list[ProducerRow]] = defaultdict(list)
        rest: list[ProducerRow] = []
        for r in rows:
            place = get_place(r)
            if place is None:
                rest.append(r)
            else:
                groups[(r.county, r.value_chain, r.product_line, place)].append(r)
        for key in sorted(groups):
            members = groups[key]
            if len(members) < min_colony:
                rest.extend(members)
                continue
            members.sort(key=by_id)
            county, value_chain, product_line, place = key
            chunks, left = _chunks(members, min_colony, max_colony)
            rest.extend(left)
            for chunk in chunks:
                colony = ColonySuggestion(
                    product_line=product_line,
                    value_chain=value_chain,
                    province=chunk[0].province,
                    county=county,
                    level=level,
                    place=place,
                    producer_ids=tuple(m.id for m in chunk),
                    reasons=_colony_reasons(level, product_line, chunk, min_colony, len(members), len(chunks),
                                            max_colony),
                )
                found.append(((chunk[0].province, county, value_chain, product_line, rank, place, chunk[0].id),
                              colony))
        rows = rest
        if not rows:
            break

    found.sort(key=lambda item: item[0])
    colonies = tuple(c for _, c in found)
    unplaced = tuple(sorted(r.id for r in rows))

    # --- county clusters -----------------------------------------------------------------------------------
    existing_clusters = {ExistingCluster(*c) if not isinstance(c, ExistingCluster) else c
                         for c in existing_county_clusters}
    existing_cluster_keys = {(c.value_chain, c.county) for c in existing_clusters}

    new_by_chain: dict[tuple[str, int], list[int]] = defaultdict(list)
    province_of: dict[tuple[str, int], int] = {}
    for i, c in enumerate(colonies):
        new_by_chain[(c.value_chain, c.county)].append(i)
        province_of[(c.value_chain, c.county)] = c.province
    old_by_chain: dict[tuple[str, int], list[int]] = defaultdict(list)
    for e in existing_colonies:
        old_by_chain[(e.value_chain, e.county)].append(e.id)
        province_of.setdefault((e.value_chain, e.county), e.province)

    clusters: list[ClusterSuggestion] = []
    for key in sorted(province_of, key=lambda k: (province_of[k], k[1], k[0])):
        value_chain, county = key
        new = new_by_chain.get(key, [])
        old = sorted(old_by_chain.get(key, []))
        total = len(new) + len(old)
        producers_in_new = sum(len(colonies[i].producer_ids) for i in new)
        extends = key in existing_cluster_keys
        if extends:
            reasons: list[Reason] = [(
                gettext_noop("the county already has a %(value_chain)s cluster; %(colonies)s colonies can join it"),
                {"value_chain": value_chain, "colonies": total},
            )]
        elif total >= min_cluster_colonies:
            reasons = [
                (gettext_noop("%(colonies)s colonies of the %(value_chain)s value chain in one county"),
                 {"colonies": total, "value_chain": value_chain}),
                (gettext_noop("together they reach the minimum of %(minimum)s colonies"),
                 {"minimum": min_cluster_colonies}),
            ]
        else:
            continue
        if new:
            reasons.append((gettext_noop("%(producers)s producers in the %(colonies)s suggested colonies"),
                            {"producers": producers_in_new, "colonies": len(new)}))
        if old:
            reasons.append((gettext_noop("%(colonies)s of these colonies already exist"), {"colonies": len(old)}))
        clusters.append(ClusterSuggestion(
            value_chain=value_chain,
            province=province_of[key],
            county=county,
            colony_indexes=tuple(new),
            existing_colony_ids=tuple(old),
            producer_count=producers_in_new,
            extends_existing=extends,
            reasons=tuple(reasons),
        ))

    # --- province clusters ---------------------------------------------------------------------------------
    counties: dict[tuple[str, int], dict[int, bool]] = defaultdict(dict)  # (chain, province) -> county -> existing
    for e in existing_clusters:
        counties[(e.value_chain, e.province)][e.county] = True
    for c in clusters:
        counties[(c.value_chain, c.province)].setdefault(c.county, False)

    province_keys = set(existing_province_clusters)
    province_clusters: list[ProvinceClusterSuggestion] = []
    for value_chain, province in sorted(counties, key=lambda k: (k[1], k[0])):
        members = counties[(value_chain, province)]
        existing = tuple(sorted(c for c, old in members.items() if old))
        suggested = tuple(sorted(c for c, old in members.items() if not old))
        extends = (value_chain, province) in province_keys
        if extends:
            if not suggested:
                continue
            reasons = [(
                gettext_noop("the province already has a %(value_chain)s cluster; "
                             "%(counties)s new county clusters can join it"),
                {"value_chain": value_chain, "counties": len(suggested)},
            )]
        elif len(members) >= 2:
            reasons = [
                (gettext_noop("%(counties)s counties of the province have a %(value_chain)s cluster"),
                 {"counties": len(members), "value_chain": value_chain}),
                (gettext_noop("%(existing)s of them exist already and %(suggested)s are suggested"),
                 {"existing": len(existing), "suggested": len(suggested)}),
            ]
        else:
            continue
        province_clusters.append(ProvinceClusterSuggestion(
            value_chain=value_chain,
            province=province,
            county_clusters=tuple((value_chain, c) for c in (suggested if extends else sorted(members))),
            existing_counties=() if extends else existing,
            suggested_counties=suggested,
            extends_existing=extends,
            reasons=tuple(reasons),
        ))

    return Suggestions(colonies=colonies, clusters=tuple(clusters), province_clusters=tuple(province_clusters),
                       unplaced=unplaced)
