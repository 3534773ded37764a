"""The one scope-filtering helper every selector uses.

A user's active role assignments are read once per request (cached on the user object) and turned into
the set of unit paths on which they hold a permission; a queryset is then filtered by path prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet

from .roles import ROLE_PERMISSIONS

if TYPE_CHECKING:
    from mardom.orgs.models import OrgUnit

M = TypeVar("M", bound=Model)
_CACHE_ATTR = "_mardom_grants"


@dataclass(frozen=True)
class Grant:
    assignment_id: int
    role: str
    unit_id: int
    unit_kind: str
    unit_name: str
    path: str


def grants_of(user: Any) -> list[Grant]:
    """Active role grants of `user`, cached on the instance for the rest of the request. A role that is only
    proposed (waiting for a second officer's confirmation) is not a grant and gives no power."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        rows = user.role_assignments.filter(
            revoked_at__isnull=True, confirmed_at__isnull=False, unit__is_active=True,
        ).values_list(
            "pk", "role", "unit_id", "unit__kind", "unit__name", "unit__path"
        )
        cached = [Grant(*row) for row in rows.order_by("unit__path", "role")]
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_grants(user: Any) -> None:
    """Drop the cached grants (after granting or revoking a role for this very user object)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def scope_paths(user: Any, perm: str) -> list[str]:
    """The smallest set of unit paths under which `user` holds `perm` (nested ones are dropped)."""
    paths = sorted({g.path for g in grants_of(user) if perm in ROLE_PERMISSIONS.get(g.role, ())})
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return kept


def is_global(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_superuser and user.is_active)


def holds_anywhere(user: Any, perm: str) -> bool:
    """Whether the user holds `perm` on some unit at all (to show a section, or refuse it outright)."""
    return is_global(user) or bool(scope_paths(user, perm))


def scope_q(user: Any, perm: str, *, path_field: str = "path") -> Q:
    """A filter matching objects whose unit path lies under one of the user's `perm` scopes."""
    if is_global(user):
        # Not an empty Q(): `Q() | other` is just `other`, which would narrow a superuser to "her own".
        return Q(pk__isnull=False)
    q = Q(pk__in=[])
    for path in scope_paths(user, perm):
        q |= Q(**{f"{path_field}__startswith": path})
    return q


def scope_filter(queryset: QuerySet[M], user: Any, perm: str, *, path_field: str = "path") -> QuerySet[M]:
    return queryset.filter(scope_q(user, perm, path_field=path_field))


def has_perm_on(user: Any, perm: str, unit: OrgUnit | None) -> bool:
    if unit is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_global(user):
        return True
    return any(unit.path and unit.path.startswith(path) for path in scope_paths(user, perm))


def perms_on(user: Any, unit: OrgUnit) -> frozenset[str]:
    """Every permission `user` holds on `unit` (through grants on it or above it)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if is_global(user):
        return frozenset().union(*ROLE_PERMISSIONS.values())
    held: set[str] = set()
    for g in grants_of(user):
        if unit.path and unit.path.startswith(g.path):
            held |= ROLE_PERMISSIONS.get(g.role, frozenset())
    return frozenset(held)


def require(user: Any, perm: str, unit: OrgUnit | None) -> None:
    """Raise PermissionDenied (the Persian 403 page) unless `user` holds `perm` on `unit`."""
    if not has_perm_on(user, perm, unit):
        raise PermissionDenied
