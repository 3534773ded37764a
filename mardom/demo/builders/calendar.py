"""Demo data of the desk's working calendar: the official holidays of this Jalali year and the next (1404 and
1405 come with the database; a later year is added here, as `desk-holidays` would), and a South Khorasan
closure for the summer heat, on a working day of the last summer that has passed."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from mardom.core.jalali import from_jalali, to_jalali
from mardom.desk.models import Holiday
from mardom.desk.services import calendar as calendar_services

HEAT_CLOSURE = "تعطیلی ادارات استان به‌سبب گرمای هوا"


def _heat_day(today: datetime.date) -> datetime.date:
    """The first Wednesday from 15 Mordad of the last summer before `today`."""
    year = to_jalali(today).year
    day = from_jalali(year, 5, 15)
    if day >= today:
        day = from_jalali(year - 1, 5, 15)
    while day.weekday() != 2:  # Wednesday: a full working day, never Friday or Thursday
        day += datetime.timedelta(days=1)
    return day


def build(builder: Any) -> None:
    today = timezone.localdate()
    year = to_jalali(today).year
    calendar_services.holidays_seed(by=None, years=[year, year + 1])
    day = _heat_day(today)
    while Holiday.objects.filter(date=day, province__isnull=True).exists():
        day += datetime.timedelta(days=7)
    calendar_services.holiday_create(by=builder.admin, date=day, name=HEAT_CLOSURE, province=builder.province)
