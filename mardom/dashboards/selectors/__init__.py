"""Which groups a doubling page shows, scoped to the asking user."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from mardom.orgs.models import OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, scope_paths

from .. import doubling


def default_unit(*, user: Any) -> OrgUnit | None:
    """The widest unit the user sees producers in."""
    paths = scope_paths(user, Perm.PRODUCERS_VIEW)
    if getattr(user, "is_superuser", False):
        return OrgUnit.objects.filter(kind=OrgUnit.Kind.NATION).first()
    return OrgUnit.objects.filter(path=paths[0]).first() if paths else None


def unit_get(*, user: Any, pk: int) -> OrgUnit:
    """A unit whose figures the user may see: within their producers scope (a cluster's guide also sees the
    cluster's colonies, which are filed under the county)."""
    from mardom.production.models import Colony

    unit = OrgUnit.objects.filter(pk=pk, kind__in=[OrgUnit.Kind.NATION, OrgUnit.Kind.PROVINCE, OrgUnit.Kind.COUNTY,
                                                   OrgUnit.Kind.CLUSTER, OrgUnit.Kind.COLONY]).first()
    if unit is None:
        raise Http404
    if has_perm_on(user, Perm.PRODUCERS_VIEW, unit):
        return unit
    if unit.kind == OrgUnit.Kind.COLONY:
        colony = Colony.objects.select_related("in_cluster").get(pk=unit.pk)
        if colony.in_cluster and has_perm_on(user, Perm.PRODUCERS_VIEW, colony.in_cluster):
            return unit
    raise Http404


@dataclass
class Row:
    obj: Any  # an OrgUnit, a Producer, or None for the county's producers in no colony
    label: str
    figures: doubling.Figures


def _approved() -> QuerySet[Any]:
    from mardom.production.models import Producer

    return Producer.objects.filter(status=Producer.Status.APPROVED)


def population_of(unit: OrgUnit) -> QuerySet[Any]:
    """The approved producers a unit's figures count: those working in the nation, province or county, whatever
    colonies they are in; a cluster's or a colony's members."""
    approved = _approved()
    if unit.kind == OrgUnit.Kind.NATION:
        return approved
    if unit.kind == OrgUnit.Kind.PROVINCE:
        return approved.filter(unit__parent=unit)
    if unit.kind == OrgUnit.Kind.COUNTY:
        return approved.filter(unit=unit)
    if unit.kind == OrgUnit.Kind.CLUSTER:
        return approved.filter(pk__in=_members(_cluster_ids(unit)).values("producer_id"))
    return approved.filter(pk__in=_colony_members().filter(colony_id=unit.pk).values("producer_id"))


def _colony_members() -> QuerySet[Any]:
    from mardom.production.models import ColonyMember

    return ColonyMember.objects.order_by()


def _members(clusters: list[int]) -> QuerySet[Any]:
    return _colony_members().filter(colony__in_cluster_id__in=clusters)


def _cluster_ids(unit: OrgUnit) -> list[int]:
    """A cluster and, for a province cluster, its county clusters."""
    from mardom.production.models import Cluster

    return [unit.pk, *Cluster.objects.filter(province_cluster_id=unit.pk).values_list("pk", flat=True)]


def _any(figures: doubling.Figures) -> bool:
    return bool(figures.producers or figures.baseline or figures.this_year or figures.last_year)


def level(*, unit: OrgUnit, year: int) -> tuple[doubling.Figures, list[Row]]:
    """A unit's figures for the Jalali year and its parts'. The nation, a province and a county, and the
    provinces and counties they list, are read from the roll-ups (a few queries, whatever the sales behind them);
    the groups the roll-ups do not keep (clusters, colonies, producers) are summed from their members' facts."""
    from mardom.production.models import Cluster, Colony, Producer

    population = population_of(unit)
    if unit.kind in (OrgUnit.Kind.NATION, OrgUnit.Kind.PROVINCE):
        kind = OrgUnit.Kind.PROVINCE if unit.kind == OrgUnit.Kind.NATION else OrgUnit.Kind.COUNTY
        parts = list(OrgUnit.objects.filter(parent=unit, kind=kind).order_by("name"))
        read = doubling.from_rollups([unit, *parts], year=year)
        rows = [Row(part, part.name, read[part.pk]) for part in parts if _any(read[part.pk])]
        if unit.kind == OrgUnit.Kind.PROVINCE:
            # The province's clusters are groups across its counties, drawn after them.
            clusters = list(Cluster.objects.filter(parent=unit).order_by("name"))
            if clusters:
                groups = {c.pk: set(_members(_cluster_ids(c)).values_list("producer_id", flat=True))
                          for c in clusters}
                each = doubling.figures_by(_approved().filter(pk__in=set().union(*groups.values())), "pk",
                                           year=year)
                rows += [Row(c, c.name, doubling.total_of(each[pk] for pk in groups[c.pk] if pk in each))
                         for c in clusters]
        return read[unit.pk], rows
    if unit.kind == OrgUnit.Kind.COUNTY:
        total = doubling.from_rollups([unit], year=year)[unit.pk]
        each = doubling.figures_by(population, "pk", year=year)
        # One read of the county's colony members draws its clusters, its loose colonies and those in none.
        members = list(_colony_members().filter(colony__parent=unit).values_list(
            "colony_id", "colony__in_cluster_id", "colony__in_cluster__province_cluster_id", "producer_id"))
        clusters = list(Cluster.objects.filter(parent=unit).order_by("name"))
        loose = list(Colony.objects.filter(parent=unit, in_cluster__isnull=True).order_by("name"))
        in_cluster: dict[int, set[int]] = defaultdict(set)
        in_colony: dict[int, set[int]] = defaultdict(set)
        for colony, cluster, top, producer in members:
            in_colony[colony].add(producer)
            for pk in (cluster, top):
                if pk:
                    in_cluster[pk].add(producer)
        rows = [Row(c, c.name, doubling.total_of(each[pk] for pk in in_cluster[c.pk] if pk in each))
                for c in clusters]
        rows += [Row(c, c.name, doubling.total_of(each[pk] for pk in in_colony[c.pk] if pk in each))
                 for c in loose]
        grouped = {producer for *_rest, producer in members}
        alone = [f for pk, f in each.items() if pk not in grouped]
        if alone:
            rows.append(Row(None, str(_("Producers in no colony yet")), doubling.total_of(alone)))
        return total, rows
    each = doubling.figures_by(population, "pk", year=year)
    total = doubling.total_of(each.values())
    if unit.kind == OrgUnit.Kind.CLUSTER:
        members = list(_members(_cluster_ids(unit)).values_list("colony_id", "producer_id"))
        by_colony: dict[int, set[int]] = defaultdict(set)
        for colony, producer in members:
            by_colony[colony].add(producer)
        colonies = Colony.objects.filter(pk__in=by_colony).order_by("name")
        return total, [Row(c, c.name, doubling.total_of(each[pk] for pk in by_colony[c.pk] if pk in each))
                       for c in colonies]
    producers = Producer.objects.filter(pk__in=each).select_related("person").order_by("person__last_name", "pk")
    return total, [Row(p, p.person.full_name, each[p.pk]) for p in producers]


def year_from(value: str, *, today: Any = None) -> int:
    """The Jalali year asked for in ?year= (any digits), or this year for anything else."""
    from mardom.core.digits import to_latin_digits

    text = to_latin_digits(value or "").strip()
    choices = doubling.year_choices(today)
    if text.isascii() and text.isdigit() and len(text) == 4 and int(text) in choices:
        return int(text)
    return choices[0]
