"""Reads for people, filtered to the asking user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from mardom.core.digits import to_latin_digits
from mardom.core.text import search_key

from .models import Person, RoleAssignment
from .roles import Perm
from .scopes import scope_q


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
        .select_related("unit", "granted_by", "granted_by__person", "revoked_by", "revoked_by__person")
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
