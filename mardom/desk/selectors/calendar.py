"""Reads of the working calendar, filtered to what the asking officer may see.

An officer holding calendar.manage reads the calendar of every province at or under her grants and of the
province her grant lies in (a county officer reads her province's calendar; she edits none of it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from mardom.core.jalali import to_jalali, weekday_name
from mardom.orgs.models import OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, holds_anywhere, is_global, scope_paths, scope_q

from ..models import Holiday, ProvinceCalendar
from ..reference import jalali_year_range
from ..services.calendar import nation_unit
from ..workcal import WorkCalendar, workday_hours


def may_read_calendar(user: Any) -> bool:
    return holds_anywhere(user, Perm.CALENDAR_MANAGE)


def calendar_provinces(*, user: Any) -> QuerySet[OrgUnit]:
    """The provinces whose calendar `user` may read, by name."""
    provinces = OrgUnit.objects.filter(kind=OrgUnit.Kind.PROVINCE).order_by("name")
    if is_global(user):
        return provinces
    paths = scope_paths(user, Perm.CALENDAR_MANAGE)
    above = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    return provinces.filter(Q(pk__in=above) | scope_q(user, Perm.CALENDAR_MANAGE))


def calendar_province_get(*, user: Any, pk: int) -> OrgUnit:
    province = calendar_provinces(user=user).filter(pk=pk).first()
    if province is None:
        raise Http404
    return province


def holiday_get(*, user: Any, pk: int) -> Holiday:
    """A national holiday (for anyone who reads a calendar) or one of a province she reads; 404 otherwise."""
    if not may_read_calendar(user):
        raise Http404
    holiday = Holiday.objects.select_related("province").filter(pk=pk).first()
    if holiday is None or (holiday.province_id is not None
                           and not calendar_provinces(user=user).filter(pk=holiday.province_id).exists()):
        raise Http404
    return holiday


def may_edit(user: Any, province: OrgUnit | None) -> bool:
    """Whether `user` edits the holidays of `province` (the national ones for None)."""
    return has_perm_on(user, Perm.CALENDAR_MANAGE, province if province is not None else nation_unit())


@dataclass
class HolidayRow:
    holiday: Holiday
    weekday: str
    editable: bool


@dataclass
class YearCalendar:
    year: int
    province: OrgUnit | None
    rows: list[HolidayRow]
    thursday_half_day: bool
    working_days: int  # days with working hours in the year (a Thursday half day counts as one)
    can_edit_national: bool
    can_edit_province: bool


def year_calendar(*, user: Any, year: int, province: OrgUnit | None) -> YearCalendar:
    """Jalali `year`'s holidays, national and (when given) `province`'s own, in date order: three queries."""
    if not may_read_calendar(user):
        raise Http404
    first, last = jalali_year_range(year)
    holidays = Holiday.objects.filter(date__gte=first, date__lte=last).filter(
        Q(province__isnull=True) | Q(province=province) if province is not None else Q(province__isnull=True)
    ).order_by("date", "province_id")
    rows = list(holidays)
    half_day = province is not None and ProvinceCalendar.objects.filter(province=province,
                                                                         thursday_half_day=True).exists()
    start, end, half_day_end = workday_hours()
    cal = WorkCalendar(frozenset(h.date for h in rows), half_day, start, end, half_day_end)
    days = (last - first).days + 1
    working = sum(1 for n in range(days) if cal.hours_of(first + dt.timedelta(days=n)) is not None)
    national = may_edit(user, None)
    own = province is not None and may_edit(user, province)
    return YearCalendar(
        year=year, province=province, thursday_half_day=half_day, working_days=working,
        rows=[HolidayRow(h, weekday_name(h.date), national if h.province_id is None else own) for h in rows],
        can_edit_national=national, can_edit_province=own,
    )


def current_year(today: dt.date) -> int:
    return to_jalali(today).year
