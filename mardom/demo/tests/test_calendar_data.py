"""The demo's working calendar: this year's and next year's official holidays, and a South Khorasan closure
on a past summer working day; built twice, it adds the holidays once."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine

from mardom.core.jalali import to_jalali
from mardom.demo.builders import calendar as workcal_data
from mardom.desk.models import Holiday
from mardom.desk.reference import jalali_year_range
from mardom.desk.workcal import calendar_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def builder(make_user, south_khorasan):
    return SimpleNamespace(admin=make_user(is_superuser=True, is_staff=True), province=south_khorasan)


@pytest.mark.parametrize("today", [dt.date(2026, 12, 2), dt.date(2027, 5, 1)])
def test_the_demo_calendar_covers_this_year_and_the_next(builder, qaenat, birjand, today):
    with time_machine.travel(dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC), tick=False):
        workcal_data.build(builder)
    year = to_jalali(today).year
    for y in (year, year + 1):
        assert Holiday.objects.filter(province__isnull=True, date__range=jalali_year_range(y)).count() > 20
    closure = Holiday.objects.get(province=builder.province)
    assert closure.name == workcal_data.HEAT_CLOSURE and closure.date < today
    assert closure.date.weekday() == 2 and to_jalali(closure.date).month == 5
    assert closure.date in calendar_for(unit=qaenat).holidays and closure.date not in calendar_for().holidays
