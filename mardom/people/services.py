"""Writes for people: registering a person, giving them a login, granting and revoking roles."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record, snapshot
from mardom.core.errors import DomainError
from mardom.core.text import normalize_text, search_key
from mardom.geo.models import Place
from mardom.orgs.models import OrgUnit

from .models import Person, RoleAssignment, User
from .roles import ROLE_UNIT_KINDS, Perm, Role
from .scopes import forget_grants, require

_PERSON_FIELDS = ("national_id", "first_name", "last_name", "mobile", "gender", "birth_date", "home_place", "unit")


def registering_unit(*, desk: OrgUnit, home_place: Place) -> OrgUnit:
    """Where a new person is filed: their home county when it lies under the officer's desk (so every
    officer of that county sees them), otherwise the desk itself (a base files its own members)."""
    county = OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY, place_id=home_place.county_id or home_place.pk).first()
    if county is not None and county.is_within(desk):
        return county
    return desk


@transaction.atomic
def person_create(
    *, by: Any, desk: OrgUnit, national_id: str, first_name: str, last_name: str, mobile: str, gender: str,
    home_place: Place, birth_date: datetime.date | None = None,
) -> Person:
    require(by, Perm.PEOPLE_MANAGE, desk)
    if Person.objects.filter(national_id=national_id).exists():
        raise DomainError(_("A person with this national ID is already registered."), field="national_id")
    first_name, last_name = normalize_text(first_name), normalize_text(last_name)
    try:
        with transaction.atomic():  # a concurrent twin may win the unique index; say so, don't 500
            person = Person.objects.create(
                national_id=national_id, first_name=first_name, last_name=last_name,
                search_key=search_key(f"{first_name} {last_name}"), mobile=mobile, gender=gender,
                birth_date=birth_date, home_place=home_place,
                unit=registering_unit(desk=desk, home_place=home_place),
            )
    except IntegrityError as exc:
        raise DomainError(_("A person with this national ID is already registered."), field="national_id") from exc
    audit_record(by=by, action="person.create", obj=person, scope_path=person.unit.path or "",
                 after=snapshot(person, _PERSON_FIELDS))
    return person


@transaction.atomic
def person_update(
    *, by: Any, person: Person, first_name: str, last_name: str, mobile: str, gender: str,
    home_place: Place, birth_date: datetime.date | None = None,
) -> Person:
    person = Person.objects.select_for_update(of=("self",)).select_related("unit").get(pk=person.pk)
    require(by, Perm.PEOPLE_MANAGE, person.unit)
    before = snapshot(person, _PERSON_FIELDS)
    person.first_name, person.last_name = normalize_text(first_name), normalize_text(last_name)
    person.search_key = search_key(f"{person.first_name} {person.last_name}")
    person.mobile, person.gender, person.home_place, person.birth_date = mobile, gender, home_place, birth_date
    person.save()
    after = snapshot(person, _PERSON_FIELDS)
    if after != before:
        audit_record(by=by, action="person.update", obj=person, scope_path=person.unit.path or "",
                     before=before, after=after)
    return person


@transaction.atomic
def account_set_password(*, by: Any, person: Person, password: str) -> User:
    """Create the person's login (username = national ID) or reset its password."""
    require(by, Perm.PEOPLE_MANAGE, person.unit)
    user = User.objects.filter(person=person).first() or User(username=person.national_id, person=person)
    if user.pk is not None:
        # Whoever sets a password can sign in as that user: refuse unless every role the user holds lies
        # within the actor's own reach (a county officer cannot take over a province officer's login).
        if user.is_superuser and not by.is_superuser:
            raise PermissionDenied
        for assignment in user.role_assignments.filter(revoked_at__isnull=True).select_related("unit"):
            require(by, Perm.PEOPLE_MANAGE, assignment.unit)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password") from exc
    created = user.pk is None
    user.set_password(password)
    user.save()
    audit_record(by=by, action="account.create" if created else "account.password", obj=user,
                 scope_path=person.unit.path or "")
    return user


@transaction.atomic
def role_grant(
    *, by: Any, user: User, role: str, unit: OrgUnit, now: datetime.datetime | None = None
) -> RoleAssignment:
    require(by, Perm.ROLES_GRANT, unit)
    if role not in Role.values:
        raise DomainError(_("Unknown role."), field="role")
    if unit.kind not in ROLE_UNIT_KINDS[role]:
        raise DomainError(
            _("The role “%(role)s” cannot be given on a unit of kind “%(kind)s”.")
            % {"role": Role(role).label, "kind": OrgUnit.Kind(unit.kind).label},
            field="unit",
        )
    if RoleAssignment.objects.filter(user=user, role=role, unit=unit, revoked_at__isnull=True).exists():
        raise DomainError(_("This person already has this role here."), field="role")
    assignment = RoleAssignment.objects.create(
        user=user, role=role, unit=unit, granted_by=by, granted_at=now or timezone.now()
    )
    forget_grants(user)
    audit_record(by=by, action="role.grant", obj=assignment, scope_path=unit.path or "",
                 after={"user": user.pk, "role": role, "unit": unit.pk})
    return assignment


@transaction.atomic
def role_revoke(*, by: Any, assignment: RoleAssignment, now: datetime.datetime | None = None) -> RoleAssignment:
    assignment = RoleAssignment.objects.select_for_update(of=("self",)).select_related("unit").get(pk=assignment.pk)
    require(by, Perm.ROLES_GRANT, assignment.unit)
    if assignment.revoked_at is not None:
        raise DomainError(_("This role was already revoked."))
    assignment.revoked_at, assignment.revoked_by = now or timezone.now(), by
    assignment.save(update_fields=["revoked_at", "revoked_by"])
    forget_grants(assignment.user)
    audit_record(by=by, action="role.revoke", obj=assignment, scope_path=assignment.unit.path or "",
                 before={"user": assignment.user_id, "role": assignment.role, "unit": assignment.unit_id})
    return assignment
