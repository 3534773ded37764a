"""The working-time arithmetic against a brute-force count, and the calendar read from the holiday table.

The brute force is written apart from the module: it walks the time in steps (15 minutes on inputs aligned to
quarter hours, one minute otherwise) and asks of each step only "is this day off, and is this step inside the
day's office hours?", so it shares no code, and no shortcut, with `WorkCalendar`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mardom.desk import workcal
from mardom.desk.models import Holiday, ProvinceCalendar
from mardom.desk.workcal import CalendarError, WorkCalendar, calendar_for

TEHRAN = ZoneInfo("Asia/Tehran")
SAT, SUN, MON, TUE, WED, THU, FRI = (dt.date(2026, 5, 2) + dt.timedelta(days=i) for i in range(7))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TEHRAN)


# --- the brute force ----------------------------------------------------------------------------------------

def _working_step(cal: WorkCalendar, t: dt.datetime, step: dt.timedelta) -> bool:
    """Whether the step [t, t + step) is working time; t is local, the step lies within one day's hours or not."""
    day = t.date()
    if day in cal.holidays or day.weekday() == 4:  # Friday
        return False
    if day.weekday() == 3 and not cal.thursday_half_day:  # Thursday off
        return False
    closes = cal.half_day_end if day.weekday() == 3 else cal.end
    opens_at = dt.datetime.combine(day, cal.start, tzinfo=TEHRAN)
    closes_at = dt.datetime.combine(day, closes, tzinfo=TEHRAN)
    return opens_at <= t and t + step <= closes_at


def brute_minutes(cal: WorkCalendar, start: dt.datetime, end: dt.datetime, step_minutes: int) -> int:
    step = dt.timedelta(minutes=step_minutes)
    total, t = 0, start
    while t < end:
        if _working_step(cal, t, step):
            total += step_minutes
        t += step
    return total


# --- strategies -----------------------------------------------------------------------------------------------

FIRST_DAY = dt.date(2024, 1, 1)  # Iran has kept no daylight saving since 2022: wall clock and instants agree
LAST_DAY = dt.date(2030, 12, 31)
WINDOW_DAYS = 35


def _quarter(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


@st.composite
def calendars(draw: st.DrawFn, *, origin: dt.date, quarter: bool = True) -> WorkCalendar:
    unit = 15 if quarter else 1
    start = draw(st.integers(6 * 60 // unit, 10 * 60 // unit)) * unit
    end = draw(st.integers(start // unit + 1, 18 * 60 // unit)) * unit
    half = draw(st.integers(start // unit + 1, end // unit)) * unit
    days = st.integers(0, WINDOW_DAYS).map(lambda n: origin + dt.timedelta(days=n))
    holidays = draw(st.frozensets(days, max_size=20))
    return WorkCalendar(holidays=holidays, thursday_half_day=draw(st.booleans()), start=_quarter(start),
                        end=_quarter(end), half_day_end=_quarter(half))


@st.composite
def worlds(draw: st.DrawFn, *, quarter: bool = True, span_days: int = WINDOW_DAYS) -> tuple:
    """A calendar and two moments of its window (on quarter hours, or on whole minutes)."""
    origin = draw(st.dates(FIRST_DAY, LAST_DAY))
    cal = draw(calendars(origin=origin, quarter=quarter))
    unit = 15 if quarter else 1
    moments = st.integers(0, span_days * 24 * 60 // unit).map(
        lambda n: dt.datetime.combine(origin, dt.time(0), tzinfo=TEHRAN) + dt.timedelta(minutes=n * unit))
    a, b = draw(moments), draw(moments)
    return cal, a, b


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- properties -----------------------------------------------------------------------------------------------

@FAST
@given(worlds())
def test_working_minutes_equals_the_brute_force_in_quarter_hours(world):
    cal, a, b = world
    assert cal.working_minutes(a, b) == brute_minutes(cal, a, b, 15)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(quarter=False, span_days=5))
def test_working_minutes_equals_the_brute_force_minute_by_minute(world):
    cal, a, b = world
    assert cal.working_minutes(a, b) == brute_minutes(cal, a, b, 1)


@FAST
@given(worlds(), st.integers(0, 40 * 8 * 4).map(lambda n: n * 15))
def test_add_working_minutes_is_the_first_moment_with_that_count(world, minutes):
    cal, start, _ = world
    t = cal.add_working_minutes(start, minutes)
    assert t >= start
    assert brute_minutes(cal, start, t, 15) == minutes
    if minutes:
        # A quarter hour earlier the count was not reached yet; in between every step is working time (the
        # count only grows by whole working steps), so t is the first moment of the quarter-hour grid.
        assert brute_minutes(cal, start, t - dt.timedelta(minutes=15), 15) == minutes - 15
    else:
        assert t == start


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(quarter=False, span_days=3), st.integers(0, 3 * 60))
def test_add_working_minutes_is_the_first_whole_minute_with_that_count(world, minutes):
    cal, start, _ = world
    t = cal.add_working_minutes(start, minutes)
    assert brute_minutes(cal, start, t, 1) == minutes
    if minutes:
        assert brute_minutes(cal, start, t - dt.timedelta(minutes=1), 1) == minutes - 1


@FAST
@given(worlds(), st.integers(0, 30 * 24 * 4).map(lambda n: dt.timedelta(minutes=15 * n)))
def test_working_minutes_is_additive(world, gap):
    cal, a, b = world
    a, b = min(a, b), max(a, b)
    c = b + gap
    assert cal.working_minutes(a, c) == cal.working_minutes(a, b) + cal.working_minutes(b, c)


@FAST
@given(worlds(), st.integers(0, 2000), st.integers(0, 2000))
def test_adding_in_two_steps_is_adding_once(world, first, second):
    cal, start, _ = world
    assert cal.add_working_minutes(cal.add_working_minutes(start, first), second) == \
        cal.add_working_minutes(start, first + second)


@FAST
@given(worlds(quarter=False), st.integers(0, 5000))
def test_working_minutes_undoes_add_working_minutes(world, minutes):
    cal, start, _ = world
    assert cal.working_minutes(start, cal.add_working_minutes(start, minutes)) == minutes


@FAST
@given(worlds(quarter=False), st.integers(0, 3 * 24 * 60).map(lambda n: dt.timedelta(minutes=n)))
def test_working_minutes_is_monotone(world, later):
    cal, a, b = world
    assert cal.working_minutes(a, b) <= cal.working_minutes(a, b + later)  # a later end counts no less
    assert cal.working_minutes(a + later, b) <= cal.working_minutes(a, b)  # a later start counts no more
    if b <= a:
        assert cal.working_minutes(a, b) == 0  # an end not after the start counts nothing


# --- plain cases ------------------------------------------------------------------------------------------------

def test_a_full_day_and_a_working_day():
    cal = WorkCalendar()
    assert cal.day_minutes == workcal.DAY_MINUTES == 7 * 60
    assert cal.working_minutes(at(SAT, 0), at(SUN, 0)) == 7 * 60
    assert cal.add_working_days(at(SAT, 9), 1) == at(SUN, 9)
    assert cal.add_working_days(at(SAT, 9), 5) == at(SAT + dt.timedelta(days=7), 9)  # Thursday, Friday off


def test_a_friday_start_counts_from_saturday_morning():
    cal = WorkCalendar()
    friday_noon = at(FRI, 12)
    assert cal.working_minutes(friday_noon, at(FRI, 23, 59)) == 0
    assert cal.add_working_minutes(friday_noon, 1) == at(FRI + dt.timedelta(days=1), 7, 1)
    assert cal.add_working_days(friday_noon, 1) == at(FRI + dt.timedelta(days=1), 14)


def test_a_late_evening_start_counts_from_the_next_morning():
    cal = WorkCalendar()
    evening = at(SUN, 22, 30)
    assert cal.working_minutes(evening, at(MON, 7)) == 0
    assert cal.working_minutes(evening, at(MON, 8)) == 60
    assert cal.add_working_minutes(evening, 90) == at(MON, 8, 30)
    # Wednesday evening: Thursday and Friday are off, Saturday is the next working day.
    assert cal.add_working_minutes(at(WED, 20), 30) == at(SAT + dt.timedelta(days=7), 7, 30)


def test_thursday_is_off_or_a_half_day():
    off, half = WorkCalendar(), WorkCalendar(thursday_half_day=True)
    assert off.working_minutes(at(THU, 0), at(FRI, 0)) == 0
    assert half.working_minutes(at(THU, 0), at(FRI, 0)) == 5 * 60  # 07:00 to 12:00
    assert half.add_working_minutes(at(WED, 13), 2 * 60) == at(THU, 8)
    assert half.add_working_minutes(at(THU, 11), 90) == at(SAT + dt.timedelta(days=7), 7, 30)
    assert off.add_working_minutes(at(WED, 13), 2 * 60) == at(SAT + dt.timedelta(days=7), 8)


def test_zero_minutes_is_the_start_itself_whenever_it_is():
    cal = WorkCalendar()
    for moment in (at(SAT, 10), at(FRI, 3), at(SUN, 22), at(THU, 9)):
        assert cal.add_working_minutes(moment, 0) == moment
        assert cal.working_minutes(moment, moment) == 0


def test_a_count_running_out_at_closing_time_ends_then_not_next_morning():
    cal = WorkCalendar()
    assert cal.add_working_minutes(at(SAT, 13), 60) == at(SAT, 14)
    assert cal.add_working_minutes(at(SAT, 13), 61) == at(SUN, 7, 1)


def test_moments_in_utc_are_counted_in_tehran_time():
    cal = WorkCalendar()
    utc = dt.UTC
    start = at(SAT, 9).astimezone(utc)
    assert cal.working_minutes(start, at(SAT, 10).astimezone(utc)) == 60
    assert cal.add_working_minutes(start, 60) == at(SAT, 10)


def test_nowruz_holidays_push_a_deadline_into_farvardin():
    # Asked on Monday 1404/12/25 (2026-03-16). Esfand 29 (oil nationalisation day) and Farvardin 1-4 (Nowruz)
    # are holidays, and so are Farvardin 12 and 13.
    nowruz = frozenset({dt.date(2026, 3, 20), *(dt.date(2026, 3, 21) + dt.timedelta(days=n) for n in range(4)),
                        dt.date(2026, 4, 1), dt.date(2026, 4, 2)})
    cal = WorkCalendar(holidays=nowruz)
    submitted = at(dt.date(2026, 3, 16), 10)
    # Tuesday 17 and Wednesday 18 are the first two working days; Thursday 19 to Tuesday 24 are all off.
    assert cal.add_working_days(submitted, 3) == at(dt.date(2026, 3, 25), 10)
    assert cal.working_minutes(submitted, at(dt.date(2026, 3, 25), 10)) == 3 * cal.day_minutes
    assert cal.working_minutes(at(dt.date(2026, 3, 19), 0), at(dt.date(2026, 3, 25), 0)) == 0
    # Without the holidays the same deadline would fall on Nowruz itself.
    assert WorkCalendar().add_working_days(submitted, 3) == at(dt.date(2026, 3, 21), 10)


@pytest.mark.django_db
def test_the_seeded_table_closes_nowruz_1405():
    cal = calendar_for()  # the official holidays every install starts with (migration desk 0002)
    assert {dt.date(2026, 3, 20) + dt.timedelta(days=n) for n in range(5)} <= cal.holidays
    assert cal.add_working_days(at(dt.date(2026, 3, 16), 10), 3) == at(dt.date(2026, 3, 25), 10)


def test_negative_minutes_are_refused():
    with pytest.raises(ValueError, match="negative"):
        WorkCalendar().add_working_minutes(at(SAT, 9), -1)


def test_a_year_of_holidays_ends_the_search_with_a_clear_error():
    closed = frozenset(SAT + dt.timedelta(days=n) for n in range(400))
    cal = WorkCalendar(holidays=closed)
    with pytest.raises(CalendarError, match="No working time in the 366 days"):
        cal.add_working_minutes(at(SAT, 9), 1)
    assert cal.working_minutes(at(SAT, 9), at(SAT + dt.timedelta(days=30), 9)) == 0


def test_a_deadline_too_far_ahead_is_refused():
    with pytest.raises(CalendarError, match="more than"):
        WorkCalendar().add_working_days(at(SAT, 9), 10 * workcal.MAX_SEARCH_DAYS)


def test_office_hours_come_from_the_setting(settings):
    settings.MARDOM_WORKDAY = {"START": "08:00", "END": "16:00", "HALF_DAY_END": "13:00"}
    cal = calendar_for(holidays=(), thursday_half_day=True)
    assert (cal.start, cal.end, cal.half_day_end) == (dt.time(8), dt.time(16), dt.time(13))
    assert cal.day_minutes == 480
    assert cal.add_working_days(at(SAT, 9), 1) == at(SUN, 9)


@pytest.mark.parametrize("config", [{"START": "8"}, {"END": "06:00"}, {"HALF_DAY_END": "15:00"},
                                    {"START": "25:00"}])
def test_a_wrong_office_hours_setting_is_reported(settings, config):
    from django.core.exceptions import ImproperlyConfigured

    settings.MARDOM_WORKDAY = config
    with pytest.raises(ImproperlyConfigured, match="MARDOM_WORKDAY"):
        calendar_for(holidays=(), thursday_half_day=False)


# --- the calendar read from the table -----------------------------------------------------------------------

@pytest.fixture
def table(db, south_khorasan):
    """A national holiday, a South Khorasan closure and a Tehran closure, on days that are otherwise working."""
    from mardom.orgs.models import OrgUnit

    Holiday.objects.all().delete()  # the seeded holidays: these tests name their own
    tehran = OrgUnit.objects.get(kind="province", name="تهران")
    Holiday.objects.create(date=SAT, name="تعطیل سراسری")
    Holiday.objects.create(date=SUN, name="تعطیل خراسان جنوبی", province=south_khorasan)
    Holiday.objects.create(date=MON, name="تعطیل تهران", province=tehran)
    return tehran


def test_the_national_calendar_has_only_national_holidays(table, django_assert_num_queries):
    with django_assert_num_queries(1):
        cal = calendar_for()
    assert cal.holidays == {SAT}
    assert cal.thursday_half_day is False


def test_a_province_adds_its_own_closures_not_another_provinces(table, south_khorasan, qaenat,
                                                               django_assert_num_queries):
    with django_assert_num_queries(2):
        by_province = calendar_for(province=south_khorasan)
    assert by_province.holidays == {SAT, SUN}
    assert calendar_for(province=south_khorasan.pk).holidays == {SAT, SUN}
    with django_assert_num_queries(2):
        by_county = calendar_for(unit=qaenat)
    assert by_county == by_province
    assert calendar_for(province=table).holidays == {SAT, MON}


def test_the_provinces_thursday_setting_is_read(table, south_khorasan, qaenat):
    assert calendar_for(unit=qaenat).thursday_half_day is False
    ProvinceCalendar.objects.create(province=south_khorasan, thursday_half_day=True)
    assert calendar_for(unit=qaenat).thursday_half_day is True
    assert calendar_for(province=table).thursday_half_day is False
    assert calendar_for().thursday_half_day is False


def test_given_values_win_over_the_table(table, south_khorasan, django_assert_num_queries):
    ProvinceCalendar.objects.create(province=south_khorasan, thursday_half_day=True)
    with django_assert_num_queries(0):
        cal = calendar_for(province=south_khorasan, holidays=[TUE], thursday_half_day=False)
    assert cal.holidays == {TUE} and cal.thursday_half_day is False
    assert calendar_for(province=south_khorasan, holidays=[]).thursday_half_day is True
    assert calendar_for(province=south_khorasan, thursday_half_day=False).holidays == {SAT, SUN}


def test_a_cache_block_reads_the_table_once_for_every_unit(table, south_khorasan, qaenat, birjand,
                                                          django_assert_num_queries):
    ProvinceCalendar.objects.create(province=south_khorasan, thursday_half_day=True)
    with django_assert_num_queries(2), workcal.calendar_cache():
        calendars_ = [calendar_for(unit=qaenat), calendar_for(unit=birjand), calendar_for(province=table),
                      calendar_for(), calendar_for(province=south_khorasan)]
        with workcal.calendar_cache():  # nested: the same cache
            calendars_.append(calendar_for(unit=qaenat))
    assert [c.holidays for c in calendars_] == [{SAT, SUN}, {SAT, SUN}, {SAT, MON}, {SAT}, {SAT, SUN}, {SAT, SUN}]
    assert [c.thursday_half_day for c in calendars_] == [True, True, False, False, True, True]
    # After the block the table is read again: an edit is seen.
    Holiday.objects.create(date=WED, name="تعطیل تازه")
    assert WED in calendar_for(unit=qaenat).holidays


def test_a_province_and_a_unit_together_are_refused(table, south_khorasan, qaenat):
    with pytest.raises(TypeError):
        calendar_for(province=south_khorasan, unit=qaenat)
