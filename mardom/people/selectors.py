"""Reads for people, filtered to the asking user's scope."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from mardom.core.digits import to_latin_digits
from mardom.core.text import search_key
from mardom.orgs.models import OrgUnit

from .models import Person, RoleAssignment
from .roles import ROLE_PERMISSIONS, Perm, Role
from .scopes import grants_of, is_global, perms_on, scope_q


def person_list(*, user: Any, query: str = "") -> QuerySet[Person]:
    qs = Person.objects.filter(scope_q(user, Perm.PEOPLE_VIEW, path_field="unit__path"))
    query = query.strip()
    if query:
        digits = to_latin_digits(query).replace(" ", "")
        if digits.isdigit():
            qs = qs.filter(Q(national_id__startswith=digits) | Q(mobile__contains=digits))
        else:
            qs = qs.filter(search_key__contains=search_key(query))
    return qs.select_related("home_place", "home_place__county", "unit").order_by("last_name", "first_name", "pk")


def person_get(*, user: Any, pk: int) -> Person:
    """A person in scope, or the user's own record; anything else is a 404."""
    own = Q(pk=user.person_id) if getattr(user, "person_id", None) else Q(pk__in=[])
    person = (
        Person.objects.filter(scope_q(user, Perm.PEOPLE_VIEW, path_field="unit__path") | own, pk=pk)
        .select_related("home_place", "home_place__county", "home_place__province", "unit")
        .first()
    )
    if person is None:
        raise Http404
    return person


def roles_of(*, person: Person) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.filter(user__person=person)
        .select_related("unit", "granted_by", "granted_by__person", "revoked_by", "revoked_by__person",
                        "confirmed_by", "confirmed_by__person", "proposer_unit")
        .order_by("revoked_at", "-granted_at")
    )


def assignment_get(*, user: Any, pk: int) -> RoleAssignment:
    assignment = (
        RoleAssignment.objects.filter(scope_q(user, Perm.ROLES_GRANT, path_field="unit__path"), pk=pk)
        .select_related("unit", "user", "user__person")
        .first()
    )
    if assignment is None:
        raise Http404
    return assignment


_REACH_KINDS = ("nation", "province", "county")


def person_reach(*, user: Any, perm: str | Iterable[str], unit: Any = None) -> list[str]:
    """The unit paths under which `user` may find a person by national ID for an action needing `perm`
    (any of them, when several): each grant carrying it reaches people filed in its own county, or in its
    province or the nation when granted that high (a treasurer's fund, a job leader or a cluster reach their
    county). With `unit`, only grants that cover that unit count, so an action on a Qaenat fund never
    reaches Birjand through the same user's Birjand fund."""
    perms = {perm} if isinstance(perm, str) else set(perm)
    paths = {g.path for g in grants_of(user) if perms & ROLE_PERMISSIONS.get(g.role, frozenset())
             and (unit is None or (unit.path or "").startswith(g.path))}
    if not paths:
        return []
    ids = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    tops = sorted(OrgUnit.objects.filter(pk__in=ids, kind__in=_REACH_KINDS).values_list("path", flat=True),
                  key=len, reverse=True)
    reach = {next((top for top in tops if path.startswith(top)), None) for path in paths}
    kept: list[str] = []
    for path in sorted(p for p in reach if p):
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return kept


def person_find_in_scope(*, user: Any, national_id: str, perm: str | Iterable[str], unit: Any = None) -> Person | None:
    """The person with this national ID when she is filed within the user's reach for this action (see
    `person_reach`), or the user herself; None otherwise, whether or not anyone holds the ID elsewhere.
    Every national-ID field goes through here: nothing of a person outside the reach is read."""
    if not national_id or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if is_global(user):
        return Person.objects.filter(national_id=national_id).select_related("unit").first()
    q = Q(pk__in=[])
    for path in person_reach(user=user, perm=perm, unit=unit):
        q |= Q(unit__path__startswith=path)
    if getattr(user, "person_id", None):
        q |= Q(pk=user.person_id)
    return Person.objects.filter(q, national_id=national_id).select_related("unit").first()


def proposals_awaiting(*, user: Any) -> QuerySet[RoleAssignment]:
    """Proposed roles this officer may confirm or decline: proposed through a unit on which they hold
    roles.grant (the same unit or above), neither by them nor for them."""
    uid = getattr(user, "pk", None)
    return (
        RoleAssignment.objects.filter(scope_q(user, Perm.ROLES_GRANT, path_field="proposer_unit__path"),
                                      confirmed_at__isnull=True, revoked_at__isnull=True)
        .exclude(granted_by_id=uid).exclude(user_id=uid)
        .select_related("unit", "user", "user__person", "granted_by", "granted_by__person", "proposer_unit")
        .order_by("granted_at", "pk")
    )


def proposals_made(*, user: Any) -> QuerySet[RoleAssignment]:
    """The officer's own proposals still waiting for a second officer (they may withdraw them)."""
    return (
        RoleAssignment.objects.filter(granted_by_id=getattr(user, "pk", None), confirmed_at__isnull=True,
                                      revoked_at__isnull=True)
        .select_related("unit", "user", "user__person", "proposer_unit")
        .order_by("granted_at", "pk")
    )


def roles_needing_confirmation(*, user: Any) -> list[str]:
    """Labels of the roles that, granted by `user` anywhere in their reach, would wait for a second officer:
    those carrying a permission the user does not hold themselves."""
    if is_global(user):
        return []
    tops = {g.unit_id for g in grants_of(user) if Perm.ROLES_GRANT in ROLE_PERMISSIONS.get(g.role, ())}
    units = list(OrgUnit.objects.filter(pk__in=tops))
    return [str(Role(role).label) for role, perms in ROLE_PERMISSIONS.items()
            if any(perms - perms_on(user, unit) for unit in units)]


def proposal_waits_on(*, unit: OrgUnit) -> bool:
    """Whether some role on `unit` is proposed and waits for a second officer (to say so after registering)."""
    return RoleAssignment.objects.filter(unit=unit, confirmed_at__isnull=True, revoked_at__isnull=True).exists()
