"""Writes of the working calendar: holidays (national, or one province's) and a province's Thursday.

A national holiday is edited by an officer holding calendar.manage on the nation, a province's closure and
its Thursday by one holding it on that province (or the nation). Every change is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record, snapshot
from mardom.core.errors import DomainError
from mardom.core.jalali import MAX_YEAR, MIN_YEAR, to_jalali
from mardom.core.text import normalize_text
from mardom.orgs.models import OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import require

from ..models import Holiday, ProvinceCalendar
from ..reference import seed_holidays

_FIELDS = ("date", "name", "estimated", "province")


def nation_unit() -> OrgUnit:
    nation = OrgUnit.objects.filter(kind=OrgUnit.Kind.NATION).order_by("pk").first()
    assert nation is not None, "the nation unit is reference data (orgs migration 0003)"
    return nation


def _owner(province: OrgUnit | None) -> OrgUnit:
    """The unit whose officers edit a holiday of `province` (the nation for a national holiday)."""
    if province is None:
        return nation_unit()
    if province.kind != OrgUnit.Kind.PROVINCE:
        raise DomainError(_("Choose a province."), field="province")
    return province


def _check(*, date: dt.date, name: str, province: OrgUnit | None, exclude_pk: int | None = None) -> str:
    name = normalize_text(name)
    if not name:
        raise DomainError(_("Write the name of the holiday."), field="name")
    if len(name) > 200:
        raise DomainError(_("The name is too long."), field="name")
    if not MIN_YEAR <= to_jalali(date).year <= MAX_YEAR:
        raise DomainError(_("This date is outside the calendar."), field="date")
    clash = Holiday.objects.filter(date=date, province__isnull=True)
    if province is not None:
        clash = clash | Holiday.objects.filter(date=date, province=province)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    found = clash.first()
    if found is not None:
        if found.province_id is None and province is not None:
            raise DomainError(_("This day is already a national holiday: %(name)s.") % {"name": found.name},
                              field="date")
        raise DomainError(_("There is already a holiday on this day: %(name)s.") % {"name": found.name},
                          field="date")
    return name


def _save(holiday: Holiday) -> None:
    """Save in a savepoint: two officers adding the same day at once meet the unique constraint, and the
    second gets the same message as if she had come later."""
    try:
        with transaction.atomic():
            holiday.save()
    except IntegrityError:
        raise DomainError(_("There is already a holiday on this day."), field="date") from None


@transaction.atomic
def holiday_create(*, by: Any, date: dt.date, name: str, estimated: bool = False,
                   province: OrgUnit | None = None) -> Holiday:
    owner = _owner(province)
    require(by, Perm.CALENDAR_MANAGE, owner)
    name = _check(date=date, name=name, province=province)
    holiday = Holiday(date=date, name=name, estimated=estimated, province=province)
    _save(holiday)
    audit_record(by=by, action="holiday.create", obj=holiday, scope_path=owner.path or "",
                 after=snapshot(holiday, _FIELDS))
    return holiday


@transaction.atomic
def holiday_update(*, by: Any, holiday: Holiday, date: dt.date, name: str, estimated: bool) -> Holiday:
    """A holiday's date, name and mark; whether it is national or a province's stays as it is."""
    holiday = Holiday.objects.select_for_update(of=("self",)).select_related("province").get(pk=holiday.pk)
    owner = _owner(holiday.province)
    require(by, Perm.CALENDAR_MANAGE, owner)
    name = _check(date=date, name=name, province=holiday.province, exclude_pk=holiday.pk)
    before = snapshot(holiday, _FIELDS)
    holiday.date, holiday.name, holiday.estimated = date, name, estimated
    _save(holiday)
    after = snapshot(holiday, _FIELDS)
    if after != before:
        audit_record(by=by, action="holiday.update", obj=holiday, scope_path=owner.path or "",
                     before=before, after=after)
    return holiday


@transaction.atomic
def holiday_delete(*, by: Any, holiday: Holiday) -> None:
    holiday = Holiday.objects.select_for_update(of=("self",)).select_related("province").get(pk=holiday.pk)
    owner = _owner(holiday.province)
    require(by, Perm.CALENDAR_MANAGE, owner)
    audit_record(by=by, action="holiday.delete", obj=holiday, scope_path=owner.path or "",
                 before=snapshot(holiday, _FIELDS))
    holiday.delete()


@transaction.atomic
def thursday_set(*, by: Any, province: OrgUnit, half_day: bool) -> ProvinceCalendar:
    """Whether Thursday is a half working day in `province` (otherwise it is off, as in the country)."""
    _owner(province)
    require(by, Perm.CALENDAR_MANAGE, province)
    setting, _created = ProvinceCalendar.objects.select_for_update().get_or_create(province=province)
    if setting.thursday_half_day != half_day:
        before = {"thursday_half_day": setting.thursday_half_day}
        setting.thursday_half_day = half_day
        setting.save()
        audit_record(by=by, action="calendar.thursday", obj=setting, scope_path=province.path or "",
                     before=before, after={"thursday_half_day": half_day})
    return setting


@transaction.atomic
def holidays_seed(*, by: Any, years: Iterable[int]) -> int:
    """Add Iran's official holidays of the Jalali `years` that the table lacks (`mardom.desk.reference`).
    `by` is None when run by the `desk-holidays` command (the system acts); otherwise it must hold
    calendar.manage on the nation."""
    years = sorted(set(years))
    nation = nation_unit()
    if by is not None:
        require(by, Perm.CALENDAR_MANAGE, nation)
    added = seed_holidays(Holiday, years=years)
    if added:
        audit_record(by=by, action="holiday.seed", obj=nation, scope_path=nation.path or "",
                     after={"years": years, "count": added})
    return added
