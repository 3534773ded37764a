"""Jalali periods as integers: a month `yyyymm`, its year `yyyy00`, all time `0` (see models.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from mardom.core.jalali import from_jalali, to_jalali

ALL_TIME = 0


def month_of(moment: dt.datetime | dt.date) -> int:
    """The Jalali month a moment (in Tehran time) or a day falls in."""
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    j = to_jalali(moment)
    return j.year * 100 + j.month


def year_of(period: int) -> int:
    return period // 100 * 100


def is_year(period: int) -> bool:
    return period != ALL_TIME and period % 100 == 0


def shift(month: int, months: int) -> int:
    index = (month // 100) * 12 + (month % 100 - 1) + months
    year, m = divmod(index, 12)
    return year * 100 + m + 1


def months_between(first: int, last: int) -> Iterator[int]:
    """Every month from `first` to `last`, both included."""
    month = first
    while month <= last:
        yield month
        month = shift(month, 1)


def start_of(month: int) -> dt.date:
    return from_jalali(month // 100, month % 100, 1)


def start_moment(month: int) -> dt.datetime:
    """Tehran midnight at the start of a Jalali month: the bound a fact's recording time is compared with."""
    return dt.datetime.combine(start_of(month), dt.time(), tzinfo=timezone.get_current_timezone())


def periods_of(moment: dt.datetime) -> tuple[int, int]:
    month = month_of(moment)
    return month, year_of(month)
