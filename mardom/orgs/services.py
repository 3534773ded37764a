"""Writes for organisations: bases, volunteer groups, institutions, linkages and referrals."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import transaction
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record, snapshot
from mardom.core.errors import DomainError
from mardom.core.text import normalize_text, search_key
from mardom.geo.models import Place
from mardom.people.roles import Perm
from mardom.people.scopes import require

from .models import Base, Institution, Linkage, OrgUnit, Referral, VolunteerGroup

U = TypeVar("U", bound=OrgUnit)

_UNIT_FIELDS = ("name", "parent", "place", "is_active")
_FIELDS: dict[type[OrgUnit], tuple[str, ...]] = {
    Base: (*_UNIT_FIELDS, "address", "phone"),
    VolunteerGroup: (*_UNIT_FIELDS, "fields_of_work", "leader_name", "leader_mobile", "member_count"),
    Institution: (*_UNIT_FIELDS, "type", "bank", "address", "phone", "services"),
}


def unit_set_path(unit: OrgUnit) -> None:
    """Give a freshly saved unit its materialised path (it needs its own id, hence a second write)."""
    prefix = unit.parent.path if unit.parent_id and unit.parent else "/"
    unit.path = f"{prefix}{unit.pk}/"
    OrgUnit.objects.filter(pk=unit.pk).update(path=unit.path)


def _check_place(*, county: OrgUnit, place: Place | None) -> None:
    if county.kind != OrgUnit.Kind.COUNTY:
        raise DomainError(_("Choose a county."), field="county")
    if place is not None and place.pk != county.place_id and place.county_id != county.place_id:
        raise DomainError(_("This place is not in the chosen county."), field="place")


def _check_unique_name(*, kind: str, parent: OrgUnit, name: str, exclude_pk: int | None = None) -> None:
    clash = OrgUnit.objects.filter(kind=kind, parent=parent, search_key=search_key(name))
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise DomainError(_("One with this name already exists in this county."), field="name")


@transaction.atomic
def _unit_create(model: type[U], *, by: Any, kind: str, county: OrgUnit, place: Place | None,
                 name: str, **fields: Any) -> U:
    require(by, Perm.ORGS_MANAGE, county)
    name = normalize_text(name)
    _check_place(county=county, place=place)
    _check_unique_name(kind=kind, parent=county, name=name)
    unit = model.objects.create(
        kind=kind, name=name, search_key=search_key(name), parent=county, place=place, **fields
    )
    unit_set_path(unit)
    audit_record(by=by, action=f"{kind}.create", obj=unit, scope_path=unit.path or "",
                 after=snapshot(unit, _FIELDS[model]))
    return unit


@transaction.atomic
def _unit_update(unit: U, *, by: Any, place: Place | None, name: str, **fields: Any) -> U:
    # Lock the row so two officers editing at once cannot silently overwrite each other's audit trail.
    unit = type(unit).objects.select_for_update().get(pk=unit.pk)
    require(by, Perm.ORGS_MANAGE, unit)
    county = unit.parent
    assert county is not None
    name = normalize_text(name)
    _check_place(county=county, place=place)
    _check_unique_name(kind=unit.kind, parent=county, name=name, exclude_pk=unit.pk)
    before = snapshot(unit, _FIELDS[type(unit)])
    unit.name, unit.search_key, unit.place = name, search_key(name), place
    for key, value in fields.items():
        setattr(unit, key, value)
    unit.save()
    after = snapshot(unit, _FIELDS[type(unit)])
    if after != before:
        audit_record(by=by, action=f"{unit.kind}.update", obj=unit, scope_path=unit.path or "",
                     before=before, after=after)
    return unit


def base_create(*, by: Any, county: OrgUnit, name: str, place: Place | None, address: str = "",
                phone: str = "") -> Base:
    return _unit_create(Base, by=by, kind=OrgUnit.Kind.BASE, county=county, place=place, name=name,
                        address=normalize_text(address), phone=phone)


def base_update(*, by: Any, base: Base, name: str, place: Place | None, address: str = "",
                phone: str = "") -> Base:
    return _unit_update(base, by=by, name=name, place=place, address=normalize_text(address), phone=phone)


def group_create(*, by: Any, county: OrgUnit, name: str, place: Place | None, fields_of_work: list[str],
                 leader_name: str = "", leader_mobile: str = "", member_count: int = 0) -> VolunteerGroup:
    return _unit_create(
        VolunteerGroup, by=by, kind=OrgUnit.Kind.GROUP, county=county, place=place, name=name,
        fields_of_work=sorted(set(fields_of_work)), leader_name=normalize_text(leader_name),
        leader_mobile=leader_mobile, member_count=member_count,
    )


def group_update(*, by: Any, group: VolunteerGroup, name: str, place: Place | None, fields_of_work: list[str],
                 leader_name: str = "", leader_mobile: str = "", member_count: int = 0) -> VolunteerGroup:
    return _unit_update(
        group, by=by, name=name, place=place, fields_of_work=sorted(set(fields_of_work)),
        leader_name=normalize_text(leader_name), leader_mobile=leader_mobile, member_count=member_count,
    )


def _check_bank(type_: str, bank: str) -> str:
    if type_ == Institution.Type.BANK_BRANCH and not bank:
        raise DomainError(_("Choose the bank this branch belongs to."), field="bank")
    return bank if type_ == Institution.Type.BANK_BRANCH else ""


def institution_create(*, by: Any, county: OrgUnit, name: str, place: Place | None, type: str,
                       bank: str = "", address: str = "", phone: str = "", services: str = "") -> Institution:
    return _unit_create(
        Institution, by=by, kind=OrgUnit.Kind.INSTITUTION, county=county, place=place, name=name, type=type,
        bank=_check_bank(type, bank), address=normalize_text(address), phone=phone,
        services=normalize_text(services),
    )


def institution_update(*, by: Any, institution: Institution, name: str, place: Place | None, type: str,
                       bank: str = "", address: str = "", phone: str = "", services: str = "") -> Institution:
    return _unit_update(
        institution, by=by, name=name, place=place, type=type, bank=_check_bank(type, bank),
        address=normalize_text(address), phone=phone, services=normalize_text(services),
    )


@transaction.atomic
def linkage_create(*, by: Any, base: Base, group: VolunteerGroup) -> Linkage:
    require(by, Perm.ORGS_MANAGE, base)
    if group.parent_id is None or group.parent.parent_id != base.parent.parent_id:  # type: ignore[union-attr]
        raise DomainError(_("Only groups of the same province can be linked."), field="group")
    if Linkage.objects.filter(base=base, group=group).exists():
        raise DomainError(_("This group is already linked to this base."), field="group")
    linkage = Linkage.objects.create(base=base, group=group, created_by=by)
    audit_record(by=by, action="linkage.create", obj=linkage, scope_path=base.path or "",
                 after={"base": base.pk, "group": group.pk})
    return linkage


# The transition table for referrals: who answers (the receiving unit) moves it forward.
REFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    Referral.Status.OPEN: frozenset({Referral.Status.ACCEPTED, Referral.Status.DECLINED}),
    Referral.Status.ACCEPTED: frozenset({Referral.Status.DONE, Referral.Status.DECLINED}),
    Referral.Status.DECLINED: frozenset(),
    Referral.Status.DONE: frozenset(),
}


@transaction.atomic
def referral_create(*, by: Any, from_unit: OrgUnit, to_unit: OrgUnit, need: str, subject: str,
                    person: Any = None) -> Referral:
    require(by, Perm.REFERRALS_MANAGE, from_unit)
    if from_unit.pk == to_unit.pk:
        raise DomainError(_("A unit cannot refer to itself."), field="to_unit")
    # Referrals stay within a province: "/<nation>/<province>/" is the first two segments of the path.
    province_path = "/".join((from_unit.path or "").split("/")[:3]) + "/"
    if to_unit.kind == OrgUnit.Kind.NATION or not (to_unit.path or "").startswith(province_path):
        raise DomainError(_("Referrals can only be made within the same province."), field="to_unit")
    referral = Referral.objects.create(
        from_unit=from_unit, to_unit=to_unit, need=need, subject=normalize_text(subject), person=person,
        created_by=by,
    )
    audit_record(by=by, action="referral.create", obj=referral, scope_path=from_unit.path or "",
                 after=snapshot(referral, ("from_unit", "to_unit", "person", "need", "subject", "status")))
    return referral


@transaction.atomic
def referral_set_status(*, by: Any, referral: Referral, status: str, answer: str = "") -> Referral:
    referral = Referral.objects.select_for_update(of=("self",)).select_related("to_unit").get(pk=referral.pk)
    require(by, Perm.REFERRALS_MANAGE, referral.to_unit)
    if status not in REFERRAL_TRANSITIONS[referral.status]:
        raise DomainError(
            _("A referral that is “%(current)s” cannot become “%(new)s”.")
            % {"current": referral.get_status_display(), "new": Referral.Status(status).label},
            field="status",
        )
    before = snapshot(referral, ("status", "answer"))
    referral.status, referral.answer = status, normalize_text(answer)
    referral.save(update_fields=["status", "answer", "updated_at"])
    audit_record(by=by, action="referral.status", obj=referral, scope_path=referral.to_unit.path or "",
                 before=before, after=snapshot(referral, ("status", "answer")))
    return referral
