import datetime as dt
import zoneinfo

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from mardom.core.jalali import (
    format_jalali,
    format_jalali_datetime,
    from_jalali,
    parse_jalali,
    to_jalali,
)

FIRST = dt.date(1921, 3, 21)  # 1300/01/01
LAST = dt.date(2122, 3, 20)  # 1500/12/29 or 30, whichever is the last day of 1500
TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")


def test_known_pairs():
    assert from_jalali(1404, 1, 1) == dt.date(2025, 3, 21)
    j = to_jalali(dt.date(2025, 3, 21))
    assert (j.year, j.month, j.day) == (1404, 1, 1)
    assert from_jalali(1403, 12, 30) == dt.date(2025, 3, 20)
    assert from_jalali(1300, 1, 1) == FIRST


def test_leap_esfand():
    assert from_jalali(1403, 12, 30) == dt.date(2025, 3, 20)
    with translation.override("en"), pytest.raises(ValueError) as error:
        from_jalali(1404, 12, 30)
    assert str(error.value) == "There is no day 30 in Esfand 1404; it has 29 days."


def test_bad_month_message():
    with translation.override("en"), pytest.raises(ValueError, match="month must be between 1 and 12"):
        from_jalali(1403, 13, 1)


def test_aware_datetime_uses_tehran_day():
    # 21:00 UTC on 20 March 2025 is 00:30 on 21 March in Tehran: already 1404/01/01.
    instant = dt.datetime(2025, 3, 20, 21, 0, tzinfo=dt.UTC)
    j = to_jalali(instant)
    assert (j.year, j.month, j.day) == (1404, 1, 1)
    with translation.override("fa"):
        assert format_jalali_datetime(instant) == "۱۴۰۴/۰۱/۰۱ ۰۰:۳۰"
    with translation.override("en"):
        assert format_jalali_datetime(instant) == "1404/01/01 00:30"


@pytest.mark.parametrize(
    "text", ["1403/12/30", "1403-12-30", "۱۴۰۳/۱۲/۳۰", "١٤٠٣/١٢/٣٠", "  1403/12/30\t", "\u200f۱۴۰۳/۱۲/۳۰"]
)
def test_parse_accepts_forms(text):
    assert parse_jalali(text) == dt.date(2025, 3, 20)


def test_parse_single_digit_month_and_day():
    assert parse_jalali("1404/1/1") == dt.date(2025, 3, 21)
    assert parse_jalali("۱۴۰۴-۱-۹") == dt.date(2025, 3, 29)


def test_parse_long_form():
    assert parse_jalali("۳۰ اسفند ۱۴۰۳") == dt.date(2025, 3, 20)
    assert parse_jalali("1 farvardin 1404") == dt.date(2025, 3, 21)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a date."),
        ("hello", "Enter the date as year/month/day, for example 1403/01/31."),
        ("03/12/30", "Enter the date as year/month/day, for example 1403/01/31."),
        ("1403/12/30/1", "Enter the date as year/month/day, for example 1403/01/31."),
        ("1403/120/1", "Enter the date as year/month/day, for example 1403/01/31."),
        ("1299/12/29", "The year must be between 1300 and 1500."),
        ("2025/03/21", "The year must be between 1300 and 1500."),
        ("1404/12/30", "There is no day 30 in Esfand 1404; it has 29 days."),
        ("1404/07/31", "There is no day 31 in Mehr 1404; it has 30 days."),
        ("1404/00/10", "The month must be between 1 and 12."),
        ("1404/01/00", "There is no day 0 in Farvardin 1404; it has 31 days."),
    ],
)
def test_parse_rejects_with_message(text, message):
    with translation.override("en"), pytest.raises(ValueError) as error:
        parse_jalali(text)
    assert str(error.value) == message


def test_persian_message_has_persian_digits_and_month():
    with translation.override("fa"), pytest.raises(ValueError) as error:
        parse_jalali("1404/12/30")
    assert "اسفند" in str(error.value) and "۱۴۰۴" in str(error.value)


def test_format_short_and_long():
    day = dt.date(2025, 3, 20)
    with translation.override("fa"):
        assert format_jalali(day) == "۱۴۰۳/۱۲/۳۰"
        assert format_jalali(day, "long") == "۳۰ اسفند ۱۴۰۳"
        assert format_jalali(dt.date(2025, 3, 21), "long") == "۱ فروردین ۱۴۰۴"
    with translation.override("en"):
        assert format_jalali(day) == "1403/12/30"
        assert format_jalali(day, "long") == "30 Esfand 1403"
    assert format_jalali(None) == ""
    assert format_jalali_datetime(None) == ""


def test_format_naive_datetime_is_taken_as_local():
    with translation.override("en"):
        assert format_jalali_datetime(dt.datetime(2025, 3, 20, 14, 5)) == "1403/12/30 14:05"  # noqa: DTZ001


def test_last_year_in_range_parses():
    last = from_jalali(1500, 12, 29)
    assert parse_jalali("1500/12/29") == last
    assert FIRST < last <= LAST


@given(
    st.dates(min_value=FIRST, max_value=LAST),
    st.sampled_from(["fa", "en"]),
    st.sampled_from(["short", "long"]),
)
def test_parse_inverts_format(day, language, style):
    with translation.override(language):
        assert parse_jalali(format_jalali(day, style)) == day


# Hypothesis takes naive bounds and attaches the zone itself.
_NAIVE_FROM, _NAIVE_TO = dt.datetime(1990, 1, 1), dt.datetime(2100, 1, 1)  # noqa: DTZ001


@given(st.datetimes(min_value=_NAIVE_FROM, max_value=_NAIVE_TO, timezones=st.just(TEHRAN)))
def test_aware_datetime_day_matches_local_date(instant):
    assert to_jalali(instant).togregorian() == instant.astimezone(TEHRAN).date()


def test_adding_jalali_months_keeps_the_day_and_clamps_it():
    from mardom.core.jalali import add_jalali_months, from_jalali

    assert add_jalali_months(from_jalali(1403, 6, 31), 1) == from_jalali(1403, 7, 30)
    assert add_jalali_months(from_jalali(1403, 11, 30), 1) == from_jalali(1403, 12, 30)  # 1403 is leap
    assert add_jalali_months(from_jalali(1404, 11, 30), 1) == from_jalali(1404, 12, 29)
    assert add_jalali_months(from_jalali(1403, 12, 15), 1) == from_jalali(1404, 1, 15)
    assert add_jalali_months(from_jalali(1404, 1, 15), -2) == from_jalali(1403, 11, 15)


@given(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2100, 1, 1)), st.integers(-240, 240))
def test_month_start_is_the_first_of_a_jalali_month(day, shift):
    from mardom.core.jalali import jalali_month_start

    assert to_jalali(jalali_month_start(day, shift)).day == 1


@pytest.mark.parametrize("year", [1299, 1501, 1, 3000])
def test_from_jalali_refuses_years_outside_the_supported_range(year):
    with translation.override("en"), pytest.raises(ValueError) as error:
        from_jalali(year, 1, 1)
    assert str(error.value) == "The year must be between 1300 and 1500."
