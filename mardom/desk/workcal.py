"""Working time on the Iranian office calendar: deadlines are counted in working minutes, not hours on a clock.

A request's service level says "first answer within 3 working days"; this module turns that into a moment and
measures how much working time lay between two moments. Friday is off, Saturday to Wednesday are full days,
Thursday is off or a half day, and official holidays are off.

The interface is what the desk relies on; a day-by-day walk keeps it obviously right, and a deadline of a few
dozen working days walks a few dozen days.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

START = datetime.time(8, 0)
END = datetime.time(16, 0)
HALF_DAY_END = datetime.time(12, 0)
DAY_MINUTES = 8 * 60  # one working day in a service level

_SATURDAY, _THURSDAY, _FRIDAY = 5, 3, 4  # date.weekday()


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[datetime.date] = field(default_factory=frozenset)
    thursday_half_day: bool = False

    def hours_of(self, day: datetime.date) -> tuple[datetime.time, datetime.time] | None:
        """The working span of `day` in local time, or None for a day off."""
        if day in self.holidays or day.weekday() == _FRIDAY:
            return None
        if day.weekday() == _THURSDAY:
            return (START, HALF_DAY_END) if self.thursday_half_day else None
        return START, END

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
            day += datetime.timedelta(days=1)
        return int(total.total_seconds() // 60)

    def add_working_minutes(self, start: datetime.datetime, minutes: int) -> datetime.datetime:
        """The moment at which `minutes` working minutes have passed since `start`."""
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        start = timezone.localtime(start)
        left = datetime.timedelta(minutes=minutes)
        day = start.date()
        while True:
            span = self._span(day)
            if span is not None:
                lo = max(span[0], start)
                if lo < span[1] or (left == datetime.timedelta() and lo <= span[1]):
                    available = span[1] - lo
                    if left <= available:
                        return lo + left
                    left -= available
            day += datetime.timedelta(days=1)

    def add_working_days(self, start: datetime.datetime, days: int) -> datetime.datetime:
        return self.add_working_minutes(start, days * DAY_MINUTES)


def calendar_for(*, holidays: Iterable[datetime.date] = (), thursday_half_day: bool = False) -> WorkCalendar:
    """The calendar deadlines are counted on. (The holiday table and the Thursday setting are read here.)"""
    return WorkCalendar(holidays=frozenset(holidays), thursday_half_day=thursday_half_day)
