"""Writes for organisations: bases, volunteer groups, institutions, linkages and referrals.

Referrals are requests on the facilitation desk (kind "referral"): they are made and answered through the
desk's services, with its transition table, deadlines and sweep. The old `Referral` model is read-only: its
rows were copied to the desk by the desk's migration and nothing writes it any more."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import transaction
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record, snapshot
from mardom.core.errors import DomainError
from mardom.core.text import normalize_text, search_key
from mardom.geo.models import Place
from mardom.people.roles import Perm
from mardom.people.scopes import require

from .models import Base, Institution, Linkage, OrgUnit, VolunteerGroup

if TYPE_CHECKING:
    from mardom.desk.models import Request

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


# --- referrals: requests of kind "referral" on the desk (mardom.desk.services.referrals) ---------------------

def referral_create(*, by: Any, from_unit: OrgUnit, to_unit: OrgUnit, need: str, subject: str,
                    person: Any = None, now: datetime.datetime | None = None) -> Request:
    """Refer a person or a need from one unit to another of the province: a desk request of kind "referral"."""
    from mardom.desk.services.referrals import referral_make

    return referral_make(by=by, from_unit=from_unit, to_unit=to_unit, need=need, subject=subject, person=person,
                         now=now)


def referral_set_status(*, by: Any, referral: Request, status: str, answer: str = "", said_by: str = "",
                        channel: str = "", now: datetime.datetime | None = None) -> Request:
    """The receiving side's answer to a referral: "accepted", "declined" or "done" (the desk's services)."""
    from mardom.desk.services.referrals import referral_answer

    return referral_answer(by=by, request=referral, answer=status, text=answer, said_by=said_by, channel=channel,
                           now=now)
