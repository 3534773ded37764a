"""Which groups a doubling page shows, scoped to the asking user."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from mardom.orgs.models import OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, scope_paths


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


def rows_of(unit: OrgUnit) -> list[tuple[Any, str, set[int]]]:
    """The unit's parts, each as (unit or producer, label, its approved producers' ids)."""
    from mardom.production.models import Cluster, Colony, ColonyMember, Producer

    approved = Producer.objects.filter(status=Producer.Status.APPROVED)
    if unit.kind == OrgUnit.Kind.NATION:
        parts = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.PROVINCE).order_by("name"))
        ids: dict[int, set[int]] = {p.pk: set() for p in parts}
        for pk, province in approved.values_list("pk", "unit__parent_id"):
            ids.setdefault(province, set()).add(pk)
        return [(p, p.name, ids[p.pk]) for p in parts if ids[p.pk]]
    if unit.kind == OrgUnit.Kind.PROVINCE:
        counties = list(OrgUnit.objects.filter(parent=unit, kind=OrgUnit.Kind.COUNTY).order_by("name"))
        ids = {c.pk: set() for c in counties}
        for pk, county in approved.filter(unit__parent=unit).values_list("pk", "unit_id"):
            ids[county].add(pk)
        rows = [(c, c.name, ids[c.pk]) for c in counties if ids[c.pk]]
        for cluster in Cluster.objects.filter(parent=unit).order_by("name"):
            rows.append((cluster, cluster.name, _cluster_producers(cluster)))
        return rows
    if unit.kind == OrgUnit.Kind.COUNTY:
        rows = [(c, c.name, _cluster_producers(c)) for c in Cluster.objects.filter(parent=unit).order_by("name")]
        loose = Colony.objects.filter(parent=unit, in_cluster__isnull=True).order_by("name")
        return rows + [(c, c.name, set(ColonyMember.objects.filter(colony=c).values_list("producer_id", flat=True)))
                       for c in loose]
    if unit.kind == OrgUnit.Kind.CLUSTER:
        cluster = Cluster.objects.get(pk=unit.pk)
        clusters = [cluster.pk, *cluster.county_clusters.values_list("pk", flat=True)]
        members: dict[int, set[int]] = {}
        for colony, producer in ColonyMember.objects.filter(colony__in_cluster_id__in=clusters).values_list(
                "colony_id", "producer_id"):
            members.setdefault(colony, set()).add(producer)
        return [(c, c.name, members.get(c.pk, set()))
                for c in Colony.objects.filter(in_cluster_id__in=clusters).order_by("name")]
    producers = approved.filter(colony_memberships__colony_id=unit.pk).select_related("person").order_by(
        "person__last_name")
    return [(p, p.person.full_name, {p.pk}) for p in producers]


def _cluster_producers(cluster: Any) -> set[int]:
    from mardom.production.models import ColonyMember

    clusters = [cluster.pk, *cluster.county_clusters.values_list("pk", flat=True)]
    return set(ColonyMember.objects.filter(colony__in_cluster_id__in=clusters).values_list("producer_id", flat=True))
