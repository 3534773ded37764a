"""Working time on the Iranian office calendar: deadlines are counted in working minutes, not hours on a clock.

A request's service level says "first answer within 3 working days"; this module turns that into a moment and
measures how much working time lay between two moments. Friday is off, Saturday to Wednesday are full days,
Thursday is off or (where the province says so) a half day, and official holidays are off. Office hours are
the `MARDOM_WORKDAY` setting (Iranian government office hours by default, 07:00–14:00, a half day ending at
12:00); one working day of a service level is one full day of those hours (`WorkCalendar.day_minutes`).

`calendar_for(province=...)` or `calendar_for(unit=...)` reads the holiday table (national holidays and that
province's own closures) and the province's Thursday setting. A day-by-day walk keeps the arithmetic
obviously right: a deadline of a few dozen working days walks a few dozen days.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

if TYPE_CHECKING:
    from mardom.orgs.models import OrgUnit

# Iranian government office hours (Saturday to Wednesday), the defaults of the MARDOM_WORKDAY setting.
START = datetime.time(7, 0)
END = datetime.time(14, 0)
HALF_DAY_END = datetime.time(12, 0)
DAY_MINUTES = 7 * 60  # one working day of the default hours; a calendar's own is `calendar.day_minutes`

# The search for a deadline gives up (CalendarError) after this many days in a row without a working
# minute, or this many days in all: a holiday table closing a whole year is a mistake to report, not wait out.
MAX_IDLE_DAYS = 366
MAX_SEARCH_DAYS = 20 * 366

_THURSDAY, _FRIDAY = 3, 4  # date.weekday()
_ONE_DAY = datetime.timedelta(days=1)


class CalendarError(ValueError):
    """No deadline can be found: the calendar has no working time for too long."""


def _minutes_of(t: datetime.time) -> int:
    return t.hour * 60 + t.minute


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[datetime.date] = field(default_factory=frozenset)
    thursday_half_day: bool = False
    start: datetime.time = START
    end: datetime.time = END
    half_day_end: datetime.time = HALF_DAY_END

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ImproperlyConfigured("MARDOM_WORKDAY: the working day must end after it starts.")
        if not self.start < self.half_day_end <= self.end:
            raise ImproperlyConfigured("MARDOM_WORKDAY: a half day must end after the day starts and by its end.")

    @property
    def day_minutes(self) -> int:
        """The length of one full working day: what "one working day" of a service level means."""
        return _minutes_of(self.end) - _minutes_of(self.start)

    def hours_of(self, day: datetime.date) -> tuple[datetime.time, datetime.time] | None:
        """The working span of `day` in local time, or None for a day off."""
        if day in self.holidays or day.weekday() == _FRIDAY:
            return None
        if day.weekday() == _THURSDAY:
            return (self.start, self.half_day_end) if self.thursday_half_day else None
        return self.start, self.end

    def _span(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime] | None:
        hours = self.hours_of(day)
        if hours is None:
            return None
        tz = timezone.get_current_timezone()
        combine = datetime.datetime.combine
        return combine(day, hours[0], tzinfo=tz), combine(day, hours[1], tzinfo=tz)

    def working_minutes(self, start: datetime.datetime, end: datetime.datetime) -> int:
        """Whole working minutes from `start` to `end` (0 when end is not after start)."""
        if end <= start:
            return 0
        start, end = timezone.localtime(start), timezone.localtime(end)
        total = datetime.timedelta()
        day = start.date()
        while day <= end.date():
            span = self._span(day)
            if span is not None:
                lo, hi = max(span[0], start), min(span[1], end)
                if hi > lo:
                    total += hi - lo
            day += _ONE_DAY
        return int(total.total_seconds() // 60)

    def add_working_minutes(self, start: datetime.datetime, minutes: int) -> datetime.datetime:
        """The first moment at which `minutes` working minutes have passed since `start` (`start` itself for
        zero; the end of a working span rather than the next morning when the count runs out exactly there).

        Raises CalendarError when no working minute is found for MAX_IDLE_DAYS days in a row, or the moment
        lies more than MAX_SEARCH_DAYS days ahead."""
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        start = timezone.localtime(start)
        if minutes == 0:
            return start
        left = datetime.timedelta(minutes=minutes)
        day, idle = start.date(), 0
        for _walked in range(MAX_SEARCH_DAYS):
            span = self._span(day)
            if span is not None and max(span[0], start) < span[1]:
                idle = 0
                lo = max(span[0], start)
                available = span[1] - lo
                if left <= available:
                    return lo + left
                left -= available
            else:
                idle += 1
                if idle >= MAX_IDLE_DAYS:
                    raise CalendarError(
                        f"No working time in the {MAX_IDLE_DAYS} days before {day.isoformat()}: "
                        "check the holiday table.")
            day += _ONE_DAY
        raise CalendarError(f"The deadline lies more than {MAX_SEARCH_DAYS} days after {start.isoformat()}.")

    def add_working_days(self, start: datetime.datetime, days: int) -> datetime.datetime:
        return self.add_working_minutes(start, days * self.day_minutes)


# --- the office hours setting --------------------------------------------------------------------------------

def _parse_time(value: Any, key: str) -> datetime.time:
    if isinstance(value, datetime.time):
        return value
    try:
        hours, minutes = (int(part) for part in str(value).strip().split(":"))
        return datetime.time(hours, minutes)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"MARDOM_WORKDAY[{key!r}] must be a time as HH:MM, not {value!r}.") from None


def workday_hours() -> tuple[datetime.time, datetime.time, datetime.time]:
    """(start, end, half-day end) from the MARDOM_WORKDAY setting, read at each call (override_settings)."""
    config = getattr(settings, "MARDOM_WORKDAY", None) or {}
    return (_parse_time(config.get("START", START), "START"), _parse_time(config.get("END", END), "END"),
            _parse_time(config.get("HALF_DAY_END", HALF_DAY_END), "HALF_DAY_END"))


# --- reading the holiday table ---------------------------------------------------------------------------------
#
# The whole table for a province is read at once: a year has two or three dozen holidays, so even decades of
# them are a few hundred dates, cheaper to load than to query range by range, and a calendar built from them
# answers any deadline without going back to the database. A lookup costs two queries (holidays, Thursday);
# inside `calendar_cache()` (a sweep over many requests, a page showing many deadlines) the whole table of
# every province is read once and each calendar is built from it in memory.

@dataclass
class _Table:
    national: frozenset[datetime.date]
    by_province: dict[int, frozenset[datetime.date]]
    half_day: frozenset[int]
    built: dict[frozenset[int], tuple[frozenset[datetime.date], bool]] = field(default_factory=dict)


_cache: contextvars.ContextVar[dict[str, _Table | None] | None] = contextvars.ContextVar(
    "mardom_workcal_cache", default=None)


@contextlib.contextmanager
def calendar_cache() -> Iterator[None]:
    """Within this block (or a function decorated with it) calendars are built from one read of the table.

    Holidays edited by someone else meanwhile are seen by the next block: keep a block to one request or one
    sweep. Nested blocks share the outer one's cache."""
    if _cache.get() is not None:
        yield
        return
    token = _cache.set({"table": None})
    try:
        yield
    finally:
        _cache.reset(token)


def _load_table() -> _Table:
    from .models import Holiday, ProvinceCalendar

    national: set[datetime.date] = set()
    by_province: dict[int, set[datetime.date]] = {}
    for date, province_id in Holiday.objects.values_list("date", "province_id"):
        (national if province_id is None else by_province.setdefault(province_id, set())).add(date)
    half_day = ProvinceCalendar.objects.filter(thursday_half_day=True).values_list("province_id", flat=True)
    return _Table(frozenset(national), {k: frozenset(v) for k, v in by_province.items()}, frozenset(half_day))


def _candidate_ids(province: OrgUnit | int | None, unit: OrgUnit | None) -> frozenset[int]:
    """Ids among which the province is: the unit's path (whatever its kind, only a province has holidays or
    a Thursday setting, so no query is needed to find which id it is), or the province given."""
    if unit is not None:
        return frozenset(int(part) for part in (unit.path or "").strip("/").split("/") if part)
    if province is None:
        return frozenset()
    return frozenset({province if isinstance(province, int) else province.pk})


def _read(ids: frozenset[int]) -> tuple[frozenset[datetime.date], bool]:
    from django.db.models import Q

    from .models import Holiday, ProvinceCalendar

    dates = Holiday.objects.filter(Q(province__isnull=True) | Q(province_id__in=ids)).values_list("date", flat=True)
    half_day = bool(ids) and ProvinceCalendar.objects.filter(province_id__in=ids, thursday_half_day=True).exists()
    return frozenset(dates), half_day


def calendar_for(*, province: OrgUnit | int | None = None, unit: OrgUnit | None = None,
                 holidays: Iterable[datetime.date] | None = None,
                 thursday_half_day: bool | None = None) -> WorkCalendar:
    """The calendar deadlines are counted on for `province` (a province unit or its id), or for the province
    `unit` lies in (a county, an institution, a base...); the national calendar when neither is given.

    Holidays are the national ones and the province's own; Thursday is a half day where the province says so.
    `holidays` or `thursday_half_day`, when given, are used as they are instead of the table (tests, and
    callers that already hold a calendar); with both given no query is made."""
    if province is not None and unit is not None:
        raise TypeError("calendar_for takes a province or a unit, not both")
    start, end, half_day_end = workday_hours()
    if holidays is not None and thursday_half_day is not None:
        return WorkCalendar(frozenset(holidays), thursday_half_day, start, end, half_day_end)
    ids = _candidate_ids(province, unit)
    cache = _cache.get()
    if cache is None:
        table_dates, table_half_day = _read(ids)
    else:
        table = cache["table"]
        if table is None:
            table = cache["table"] = _load_table()
        key = ids & (table.by_province.keys() | table.half_day)
        if key not in table.built:
            dates = table.national.union(*(table.by_province.get(pk, frozenset()) for pk in key))
            table.built[key] = (dates, bool(key & table.half_day))
        table_dates, table_half_day = table.built[key]
    return WorkCalendar(
        frozenset(holidays) if holidays is not None else table_dates,
        thursday_half_day if thursday_half_day is not None else table_half_day,
        start, end, half_day_end,
    )
