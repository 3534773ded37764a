"""Reads for organisations, always filtered to the asking user's scope."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Q, QuerySet
from django.http import Http404

from mardom.core.text import search_key
from mardom.people.roles import Perm
from mardom.people.scopes import grants_of, is_global, scope_filter, scope_paths, scope_q

from .models import Base, Institution, Linkage, OrgUnit, VolunteerGroup

U = TypeVar("U", bound=OrgUnit)


def _listing(model: type[U], user: Any, query: str = "", county_id: int | None = None) -> QuerySet[U]:
    qs = scope_filter(model.objects.all(), user, Perm.ORGS_VIEW)
    if query:
        qs = qs.filter(search_key__contains=search_key(query))
    if county_id:
        qs = qs.filter(parent_id=county_id)
    return qs.select_related("parent", "place").order_by("parent__name", "name")


def base_list(*, user: Any, query: str = "", county_id: int | None = None) -> QuerySet[Base]:
    return _listing(Base, user, query, county_id)


def group_list(*, user: Any, query: str = "", county_id: int | None = None) -> QuerySet[VolunteerGroup]:
    """Groups in the user's scope, plus groups linked to a base in it (a base officer sees its partners)."""
    qs = VolunteerGroup.objects.filter(
        scope_q(user, Perm.ORGS_VIEW) | Q(linkages__base__in=scope_filter(Base.objects.all(), user, Perm.ORGS_VIEW))
    ).distinct()
    if query:
        qs = qs.filter(search_key__contains=search_key(query))
    if county_id:
        qs = qs.filter(parent_id=county_id)
    return qs.select_related("parent", "place").order_by("parent__name", "name")


def institution_list(*, user: Any, query: str = "", county_id: int | None = None) -> QuerySet[Institution]:
    return _listing(Institution, user, query, county_id)


def _get(qs: QuerySet[U], pk: int) -> U:
    # Outside the scope looks exactly like missing: a 404 tells a stranger nothing.
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def base_get(*, user: Any, pk: int) -> Base:
    return _get(base_list(user=user), pk)


def group_get(*, user: Any, pk: int) -> VolunteerGroup:
    return _get(group_list(user=user), pk)


def institution_get(*, user: Any, pk: int) -> Institution:
    return _get(institution_list(user=user), pk)


def counties_for(*, user: Any, perm: str) -> QuerySet[OrgUnit]:
    """County units where the user may act with `perm` (to place a new base, group or institution)."""
    qs = OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY)
    if is_global(user):
        return qs.order_by("parent__name", "name")
    paths = scope_paths(user, perm)
    # A county is eligible when it lies under a scope (officers above) - a base officer has none.
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return qs.filter(q).select_related("parent").order_by("parent__name", "name")


def units_for(*, user: Any, perm: str) -> list[OrgUnit]:
    """The units on which the user was granted a role carrying `perm` (their own desks); for a system
    administrator, the nation."""
    if is_global(user):
        return list(OrgUnit.objects.filter(kind=OrgUnit.Kind.NATION))
    ids = [g.unit_id for g in grants_of(user) if g.path in scope_paths(user, perm)]
    return list(OrgUnit.objects.filter(pk__in=ids).order_by("path"))


def linkage_page(*, user: Any, base: Base) -> dict[str, Any]:
    """Everything the base's linkage page shows: its funds, linked groups, and referrals among them (desk
    requests of kind "referral")."""
    from mardom.desk.selectors import referrals as desk_referrals

    linkages = list(
        Linkage.objects.filter(base=base).select_related("group", "group__parent").order_by("group__name")
    )
    funds = list(OrgUnit.objects.filter(parent=base, kind=OrgUnit.Kind.FUND).order_by("name"))
    own_ids = [base.pk, *(fund.pk for fund in funds)]
    group_ids = [link.group_id for link in linkages]
    referrals = desk_referrals.among(user=user, own_ids=own_ids, group_ids=group_ids)
    return {"linkages": linkages, "funds": funds, "referrals": referrals}


def linkable_groups(*, user: Any, base: Base) -> QuerySet[VolunteerGroup]:
    """Groups of the base's province that are not linked to it yet."""
    province = base.parent.parent if base.parent else None
    return (
        VolunteerGroup.objects.filter(parent__parent=province)
        .exclude(linkages__base=base)
        .select_related("parent")
        .order_by("name")
    )


def referral_targets(*, user: Any, base: Base) -> QuerySet[OrgUnit]:
    """Units a base may refer to: the base itself, its funds, its linked groups and institutions of its
    province."""
    province = base.parent.parent if base.parent else None
    return OrgUnit.objects.filter(
        Q(parent=base, kind=OrgUnit.Kind.FUND)
        | Q(pk__in=Linkage.objects.filter(base=base).values("group_id"))
        | Q(kind=OrgUnit.Kind.INSTITUTION, parent__parent=province)
        | Q(pk=base.pk)
    ).order_by("kind", "name")


def referral_get(*, user: Any, pk: int) -> Any:
    """A referral (a desk request of kind "referral") made by or sent to a unit within the user's scope."""
    from mardom.desk.selectors import referrals as desk_referrals

    return desk_referrals.referral_get(user=user, pk=pk)


def referrals_to(*, user: Any, status: str = "") -> QuerySet[Any]:
    """Referrals sent to the units on which the user answers requests (an institution officer: her own
    institution's; a group leader: his group's), newest first. Nothing else: a unit sees only what was sent
    to it."""
    from mardom.desk.selectors import referrals as desk_referrals

    return desk_referrals.received(user=user, status=status)


def receives_referrals(*, user: Any) -> bool:
    """Whether the user holds a role on a unit that lets her answer the referrals sent to it."""
    from mardom.desk.selectors import referrals as desk_referrals

    return desk_referrals.receives(user=user)
