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
from .roles import ROLE_PERMISSIONS, ROLE_UNIT_KINDS, SENSITIVE_PERMS, Perm, Role
from .scopes import forget_grants, grants_of, has_perm_on, perms_on, require

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
    # Changing someone's mobile is one step from taking over their login (it signs in by mobile, and a reset
    # code would go there): the same reach as for setting their password.
    user = User.objects.filter(person=person).first()
    if user is not None and not within_reach(by=by, user=user):
        raise PermissionDenied
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


def within_reach(*, by: Any, user: User) -> bool:
    """Whether `by` may act on `user`'s login and profile: every role the user holds or is proposed for lies
    within `by`'s people.manage reach (a county officer cannot take over a province officer's login, nor
    edit their name or mobile), and only a superuser touches a superuser."""
    if user.is_superuser and not getattr(by, "is_superuser", False):
        return False
    return all(has_perm_on(by, Perm.PEOPLE_MANAGE, assignment.unit)
               for assignment in user.role_assignments.filter(revoked_at__isnull=True).select_related("unit"))


@transaction.atomic
def account_set_password(*, by: Any, person: Person, password: str) -> User:
    """Create the person's login (username = national ID) or reset its password."""
    require(by, Perm.PEOPLE_MANAGE, person.unit)
    user = User.objects.filter(person=person).first() or User(username=person.national_id, person=person)
    if user.pk is not None and not within_reach(by=by, user=user):
        raise PermissionDenied
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


def missing_perms(*, by: Any, role: str, unit: OrgUnit) -> frozenset[str]:
    """The sensitive permissions (roles.SENSITIVE_PERMS: money, inspection) of `role` that `by` does not hold on
    `unit` themselves: if any, granting the role is only a proposal that a second officer must confirm. Other
    permissions an officer lacks on purpose (answering for an institution, teaching) are granted directly: they
    move no money and certify nothing, and the officer's own lack of them is separation, not a limit of rank."""
    return (ROLE_PERMISSIONS[role] & SENSITIVE_PERMS) - perms_on(by, unit)


def _proposer_unit(by: Any, unit: OrgUnit) -> OrgUnit:
    """The highest unit through which `by` holds roles.grant over `unit`: a confirming officer must hold
    roles.grant there (the same unit or above), so a proposer's subordinate cannot confirm."""
    covering = [g for g in grants_of(by) if Perm.ROLES_GRANT in ROLE_PERMISSIONS.get(g.role, ())
                and unit.path and unit.path.startswith(g.path)]
    if not covering:
        return unit
    return OrgUnit.objects.get(pk=min(covering, key=lambda g: len(g.path)).unit_id)


@transaction.atomic
def role_grant(
    *, by: Any, user: User, role: str, unit: OrgUnit, now: datetime.datetime | None = None
) -> RoleAssignment:
    """Grant `role` on `unit`. Nobody grants a role to themselves (a superuser neither). A role carrying a
    permission the granter does not hold on the unit (a treasurer's, a fund manager's, an inspector's, a job
    leader's) is created as a proposal: it gives no power until another officer confirms it (role_confirm)."""
    if getattr(by, "pk", None) is not None and by.pk == user.pk:
        raise DomainError(_("Nobody can grant a role to themselves; ask another officer."), field="role")
    require(by, Perm.ROLES_GRANT, unit)
    if role not in Role.values:
        raise DomainError(_("Unknown role."), field="role")
    if unit.kind not in ROLE_UNIT_KINDS[role]:
        raise DomainError(
            _("The role “%(role)s” cannot be given on a unit of kind “%(kind)s”.")
            % {"role": Role(role).label, "kind": OrgUnit.Kind(unit.kind).label},
            field="unit",
        )
    existing = RoleAssignment.objects.filter(user=user, role=role, unit=unit, revoked_at__isnull=True).first()
    if existing is not None and existing.confirmed_at is None:
        raise DomainError(_("This role is already proposed here and waits for a second officer."), field="role")
    if existing is not None:
        raise DomainError(_("This person already has this role here."), field="role")
    now = now or timezone.now()
    missing = missing_perms(by=by, role=role, unit=unit)
    if missing:
        assignment = RoleAssignment.objects.create(
            user=user, role=role, unit=unit, granted_by=by, granted_at=now, confirmed_at=None,
            proposer_unit=_proposer_unit(by, unit),
        )
        audit_record(by=by, action="role.propose", obj=assignment, scope_path=unit.path or "",
                     after={"user": user.pk, "role": role, "unit": unit.pk,
                            "proposer_unit": assignment.proposer_unit_id, "missing": sorted(missing)})
    else:
        assignment = RoleAssignment.objects.create(
            user=user, role=role, unit=unit, granted_by=by, granted_at=now, confirmed_at=now, confirmed_by=by,
        )
        audit_record(by=by, action="role.grant", obj=assignment, scope_path=unit.path or "",
                     after={"user": user.pk, "role": role, "unit": unit.pk})
    forget_grants(user)
    return assignment


def _locked_proposal(assignment: RoleAssignment) -> RoleAssignment:
    return RoleAssignment.objects.select_for_update(of=("self",)).select_related("unit", "proposer_unit").get(
        pk=assignment.pk)


def _forget(original: RoleAssignment, locked: RoleAssignment) -> None:
    """Drop the cached grants of the assignment's user: the object loaded here and the caller's, if any."""
    forget_grants(locked.user)
    if RoleAssignment.user.is_cached(original):  # type: ignore[attr-defined]
        forget_grants(original.user)


@transaction.atomic
def role_confirm(*, by: Any, assignment: RoleAssignment, now: datetime.datetime | None = None) -> RoleAssignment:
    """The second officer confirms a proposed role: someone other than the proposer and the person receiving
    it, holding roles.grant on the proposer's unit or above. From then on the role works."""
    locked = _locked_proposal(assignment)
    require(by, Perm.ROLES_GRANT, locked.unit)
    if not locked.is_proposal:
        raise DomainError(_("This role is not waiting for confirmation."))
    if locked.granted_by_id == getattr(by, "pk", None):
        raise DomainError(_("Whoever proposed a role cannot also confirm it; another officer must."))
    if locked.user_id == getattr(by, "pk", None):
        raise DomainError(_("Nobody can confirm a role for themselves."))
    require(by, Perm.ROLES_GRANT, locked.proposer_unit or locked.unit)
    locked.confirmed_at, locked.confirmed_by = now or timezone.now(), by
    locked.save(update_fields=["confirmed_at", "confirmed_by"])
    _forget(assignment, locked)
    audit_record(by=by, action="role.confirm", obj=locked, scope_path=locked.unit.path or "",
                 after={"user": locked.user_id, "role": locked.role, "unit": locked.unit_id,
                        "proposed_by": locked.granted_by_id})
    return locked


@transaction.atomic
def role_decline(*, by: Any, assignment: RoleAssignment, now: datetime.datetime | None = None) -> RoleAssignment:
    """A proposed role is withdrawn by its proposer or declined by an officer who could have confirmed it.
    It never took effect; the row stays, stamped revoked without a confirmation."""
    locked = _locked_proposal(assignment)
    require(by, Perm.ROLES_GRANT, locked.unit)
    if not locked.is_proposal:
        raise DomainError(_("This role is not waiting for confirmation."))
    withdraw = locked.granted_by_id == getattr(by, "pk", None)
    if not withdraw:
        require(by, Perm.ROLES_GRANT, locked.proposer_unit or locked.unit)
    locked.revoked_at, locked.revoked_by = now or timezone.now(), by
    locked.save(update_fields=["revoked_at", "revoked_by"])
    _forget(assignment, locked)
    audit_record(by=by, action="role.withdraw" if withdraw else "role.decline", obj=locked,
                 scope_path=locked.unit.path or "",
                 before={"user": locked.user_id, "role": locked.role, "unit": locked.unit_id,
                         "proposed_by": locked.granted_by_id})
    return locked


@transaction.atomic
def role_revoke(*, by: Any, assignment: RoleAssignment, now: datetime.datetime | None = None) -> RoleAssignment:
    """Revoking takes effect at once: the next permission check of the user (this request's too, for the user
    object the assignment carries) no longer finds the role."""
    original = assignment
    assignment = RoleAssignment.objects.select_for_update(of=("self",)).select_related("unit").get(pk=assignment.pk)
    require(by, Perm.ROLES_GRANT, assignment.unit)
    if assignment.revoked_at is not None:
        raise DomainError(_("This role was already revoked."))
    if assignment.confirmed_at is None:
        raise DomainError(_("This role is only proposed: decline or withdraw the proposal instead."))
    assignment.revoked_at, assignment.revoked_by = now or timezone.now(), by
    assignment.save(update_fields=["revoked_at", "revoked_by"])
    _forget(original, assignment)
    audit_record(by=by, action="role.revoke", obj=assignment, scope_path=assignment.unit.path or "",
                 before={"user": assignment.user_id, "role": assignment.role, "unit": assignment.unit_id})
    return assignment


@transaction.atomic
def persons_create(*, by: Any, desk: OrgUnit, people: list[dict[str, Any]], home_place: Place) -> list[Person]:
    """`person_create` for many people at once (a fund's members onboarded from its workbook): the same
    checks and one audit record per person, but one permission check, one look-up of the IDs already
    registered and one filing unit for the shared home place, instead of each of those per person.
    `people` holds national_id, first_name, last_name, mobile, gender (and optionally birth_date)."""
    require(by, Perm.PEOPLE_MANAGE, desk)
    ids = [p["national_id"] for p in people]
    if len(set(ids)) != len(ids) or Person.objects.filter(national_id__in=ids).exists():
        raise DomainError(_("A person with this national ID is already registered."), field="national_id")
    unit = registering_unit(desk=desk, home_place=home_place)
    made = []
    for p in people:
        first_name, last_name = normalize_text(p["first_name"]), normalize_text(p["last_name"])
        made.append(Person(national_id=p["national_id"], first_name=first_name, last_name=last_name,
                           search_key=search_key(f"{first_name} {last_name}"), mobile=p["mobile"],
                           gender=p["gender"], birth_date=p.get("birth_date"), home_place=home_place, unit=unit))
    try:
        with transaction.atomic():
            made = Person.objects.bulk_create(made)
    except IntegrityError as exc:
        raise DomainError(_("A person with this national ID is already registered."), field="national_id") from exc
    if any(p.pk is None for p in made):
        by_id = {p.national_id: p for p in Person.objects.filter(national_id__in=ids)}
        made = [by_id[p.national_id] for p in made]
    for person in made:
        person.unit = unit
        audit_record(by=by, action="person.create", obj=person, scope_path=unit.path or "",
                     after=snapshot(person, _PERSON_FIELDS))
    return made
