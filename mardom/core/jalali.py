"""The Jalali (Solar Hijri) calendar for display and input; storage stays Gregorian `date`/`datetime`.

jdatetime does the arithmetic. This module adds what jdatetime leaves out: Tehran local time for aware
datetimes, input in any digits, and error messages a person can act on.
"""

from __future__ import annotations

import datetime as dt
import re

import jdatetime
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .digits import localize_digits, to_latin_digits
from .text import normalize_text

MIN_YEAR, MAX_YEAR = 1300, 1500
# Month names are calendar data, not prose to translate: Persian must be right before any .po file exists,
# and the English names are transliterations that no translator would change.
MONTHS_FA = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)  # fmt: skip
MONTHS_EN = (
    "Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
    "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand",
)  # fmt: skip
# Weekday names in date.weekday() order (Monday first), calendar data like the month names.
WEEKDAYS_FA = ("دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EXAMPLE = "1403/01/31"
# 1 Farvardin 1358: no fund, agreement or brand of the programme is older; money and rules dates stop here.
PROGRAMME_EPOCH = dt.date(1979, 3, 21)

_SHORT = re.compile(r"([0-9]{4})\s*[/\-.]\s*([0-9]{1,2})\s*[/\-.]\s*([0-9]{1,2})")
_LONG = re.compile(r"([0-9]{1,2})\s+(\S+)\s+([0-9]{4})")
# Invisible direction marks and isolates, which pasting from right-to-left text often brings along.
_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
_MONTH_BY_NAME = {name.casefold(): i for names in (MONTHS_FA, MONTHS_EN) for i, name in enumerate(names, 1)}


def _is_persian() -> bool:
    return (translation.get_language() or "fa").startswith("fa")


def month_name(month: int) -> str:
    """The name of Jalali month 1..12 in the active language."""
    return (MONTHS_FA if _is_persian() else MONTHS_EN)[month - 1]


def weekday_name(value: dt.date) -> str:
    """The name of the day of the week of `value` in the active language ("شنبه" for a Saturday)."""
    return (WEEKDAYS_FA if _is_persian() else WEEKDAYS_EN)[value.weekday()]


def days_in_month(year: int, month: int) -> int:
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


def to_jalali(value: dt.date | dt.datetime) -> jdatetime.date:
    """The Jalali date of `value`; an aware datetime is first moved to local (Tehran) time, because the
    same instant can fall on different days in UTC and in Iran."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    return jdatetime.date.fromgregorian(date=value)


def from_jalali(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of Jalali year/month/day; ValueError with a translated message if there is none
    or the year is outside the supported MIN_YEAR..MAX_YEAR (the same range `parse_jalali` accepts)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(
            _("The year must be between %(min)s and %(max)s.")
            % {"min": localize_digits(str(MIN_YEAR)), "max": localize_digits(str(MAX_YEAR))}
        )
    if not 1 <= month <= 12:
        raise ValueError(
            _("The month must be between %(min)s and %(max)s.")
            % {"min": localize_digits("1"), "max": localize_digits("12")}
        )
    days = days_in_month(year, month)
    if not 1 <= day <= days:
        raise ValueError(
            _("There is no day %(day)s in %(month)s %(year)s; it has %(days)s days.")
            % {
                "day": localize_digits(str(day)),
                "month": month_name(month),
                "year": localize_digits(str(year)),
                "days": localize_digits(str(days)),
            }
        )
    return jdatetime.date(year, month, day).togregorian()


def parse_jalali(text: str) -> dt.date:
    """A date typed as Jalali year/month/day ("1403/12/30", "۱۴۰۳-۱۲-۳۰", "30 Esfand 1403") in any digits."""
    text = to_latin_digits(normalize_text(str(text or ""))).translate(_BIDI_CONTROLS).strip()
    if not text:
        raise ValueError(_("Enter a date."))
    if match := _SHORT.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif (match := _LONG.fullmatch(text)) and match[2].casefold() in _MONTH_BY_NAME:
        year, month, day = int(match[3]), _MONTH_BY_NAME[match[2].casefold()], int(match[1])
    else:
        raise ValueError(
            _("Enter the date as year/month/day, for example %(example)s.")
            % {"example": localize_digits(EXAMPLE)}
        )
    return from_jalali(year, month, day)


def format_jalali(value: dt.date | jdatetime.date | None, style: str = "short") -> str:
    """ "۱۴۰۳/۱۲/۳۰" (short) or "۳۰ اسفند ۱۴۰۳" (long) in Persian; Latin digits and names in English."""
    if value is None:
        return ""
    if style not in ("short", "long"):
        raise ValueError(f"unknown date style {style!r}")
    j = value if isinstance(value, jdatetime.date) else to_jalali(value)
    if style == "long":
        return localize_digits(f"{j.day} {month_name(j.month)} {j.year}")
    return localize_digits(f"{j.year:04d}/{j.month:02d}/{j.day:02d}")


def format_jalali_datetime(value: dt.datetime | dt.date | None) -> str:
    """Short Jalali date and local HH:MM, e.g. "۱۴۰۳/۱۲/۳۰ ۱۴:۰۵"; a plain date is shown without a time."""
    if value is None:
        return ""
    if not isinstance(value, dt.datetime):
        return format_jalali(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{format_jalali(value.date())} {localize_digits(value.strftime('%H:%M'))}"


def add_jalali_months(value: dt.date, months: int) -> dt.date:
    """The same day `months` Jalali months later (or earlier), clamped to the month's length: installments
    fall due "on the 30th of every month" as people count months here, not every 30 days."""
    j = to_jalali(value)
    index = j.year * 12 + (j.month - 1) + months
    year, month = divmod(index, 12)
    # Date arithmetic, not input: it may pass the range a person can type (the day is already valid).
    return jdatetime.date(year, month + 1, min(j.day, days_in_month(year, month + 1))).togregorian()


def jalali_month_start(value: dt.date, shift: int = 0) -> dt.date:
    """The first day of the Jalali month `shift` months from the month of `value`."""
    j = to_jalali(value)
    year, month = divmod(j.year * 12 + (j.month - 1) + shift, 12)
    return jdatetime.date(year, month + 1, 1).togregorian()
