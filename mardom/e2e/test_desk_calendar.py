"""The working calendar in the browser on a 360 px phone: the province officer reads her province's calendar
(national holidays, the demo's heat closure, lunar dates marked estimated), is refused a closure on Nowruz
beside the date, adds one on a free day, makes Thursday a half day and removes the closure again; the county
officer only reads; a person without a role is refused."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from mardom.core.jalali import format_jalali, from_jalali, to_jalali
from mardom.demo.builders.calendar import HEAT_CLOSURE
from mardom.desk.models import Holiday, ProvinceCalendar

from .conftest import shot
from .test_foundation import login


def _free_wednesday(year: int) -> dt.date:
    """A Wednesday of Jalali `year` that is nobody's holiday yet."""
    day = from_jalali(year, 8, 1)
    taken = set(Holiday.objects.values_list("date", flat=True))
    while day.weekday() != 2 or day in taken:
        day += dt.timedelta(days=1)
    return day


def _fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_province_officer_keeps_her_provinces_calendar(page: Page) -> None:
    year = to_jalali(timezone.localdate()).year
    nowruz = from_jalali(year, 1, 1)
    free = _free_wednesday(year)
    page.set_viewport_size({"width": 360, "height": 800})
    login(page, "09120000002")
    page.locator("summary").first.click()  # the menu, as on a phone
    page.locator("nav a", has_text="تقویم کاری").first.click()
    expect(page).to_have_url(f"{page.url.split('/desk/')[0]}/desk/calendar/")
    holidays = page.locator("[data-test=holidays]")
    expect(holidays).to_contain_text("نوروز")
    expect(holidays).to_contain_text(HEAT_CLOSURE)
    expect(page.locator("[data-test=thursday-state]")).to_contain_text("تعطیل")
    assert _fits(page)
    shot(page, "desk-calendar-phone")

    # Nowruz is a national holiday already: refused beside the date, nothing added.
    before = Holiday.objects.count()
    page.locator("[data-test=holiday-new-province]").click()
    form = page.locator("[data-test=holiday-form]")
    form.locator("input[name=date]").fill(format_jalali(nowruz))
    form.locator("input[name=name]").fill("تعطیلی آزمایشی")
    form.locator("[data-test=save]").click()
    error = page.locator("[data-field=date] .errorlist")
    expect(error).to_contain_text("سراسری")
    assert Holiday.objects.count() == before
    assert _fits(page)
    shot(page, "desk-calendar-holiday-refused-phone")

    page.locator("[data-test=holiday-form] input[name=date]").fill(format_jalali(free))
    page.locator("[data-test=holiday-form] [data-test=save]").click()
    row = page.locator(f"[data-test=holiday-row][data-date='{free.isoformat()}']")
    expect(row).to_contain_text("تعطیلی آزمایشی")
    expect(row).to_contain_text("چهارشنبه")
    assert Holiday.objects.get(date=free).province.name == "خراسان جنوبی"

    # Thursday becomes a half day in South Khorasan, and back.
    page.locator("[data-test=thursday-form] input[name=thursday_half_day]").check()
    page.locator("[data-test=thursday-save]").click()
    expect(page.locator("[data-test=thursday-state]")).to_contain_text("نیم‌روز")
    shot(page, "desk-calendar-thursday-phone")
    page.locator("[data-test=thursday-form] input[name=thursday_half_day]").uncheck()
    page.locator("[data-test=thursday-save]").click()
    expect(page.locator("[data-test=thursday-state]")).not_to_contain_text("نیم‌روز")
    assert not ProvinceCalendar.objects.filter(thursday_half_day=True).exists()

    # Removing asks first; dismissed, nothing goes; accepted, the closure is gone.
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.locator("[data-test=holiday-delete]").click()
    expect(row).to_be_visible()
    assert Holiday.objects.filter(date=free).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("[data-test=holiday-delete]").click()
    expect(row).to_have_count(0)
    assert not Holiday.objects.filter(date=free).exists()


def test_the_county_officer_reads_and_a_person_without_a_role_is_refused(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    login(page, "09120000003")
    page.goto("/desk/calendar/")
    expect(page.locator("[data-test=holidays]")).to_contain_text(HEAT_CLOSURE)
    expect(page.locator("[data-test=holiday-edit]")).to_have_count(0)
    expect(page.locator("[data-test=thursday-form]")).to_have_count(0)
    assert _fits(page)
    shot(page, "desk-calendar-county-phone")
    page.locator("[data-test=logout]").click()

    login(page, "09120000009")
    response = page.goto("/desk/calendar/")
    assert response is not None and response.status == 403
    expect(page.locator("html")).to_have_attribute("lang", "fa")
