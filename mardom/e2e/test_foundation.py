"""A person's walk through the foundation, in a real Chromium: sign in as every demo role, see Persian
right-to-left pages, be refused on bad input, switch language, sign out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from mardom.demo.builders import DEMO_PASSWORD, LOGINS
from mardom.people.models import Person

from .conftest import shot

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"


def to_persian(text: str) -> str:
    return text.translate(str.maketrans("0123456789", PERSIAN_DIGITS))


def login(page: Page, identifier: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login/")
    page.fill("#id_username", identifier)
    page.fill("#id_password", password)
    page.click("[data-test=login]")


@pytest.mark.parametrize("demo_login", LOGINS, ids=[login.key for login in LOGINS])
def test_every_demo_role_signs_in_and_sees_persian_rtl(page: Page, demo_login: object) -> None:
    # Type the mobile in Persian digits, as a phone keyboard would.
    login(page, to_persian(demo_login.mobile))  # type: ignore[attr-defined]
    expect(page).to_have_url(re.compile(r"/$"))
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "fa")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_contain_text("خوش آمدید")
    if demo_login.role:  # type: ignore[attr-defined]
        expect(page.locator("[data-test=grant]").first).to_be_visible()
    # Numbers on the page are Persian: no Latin digit in the visible text of the cards.
    cards = page.locator(".cards").inner_text()
    assert not re.search(r"[0-9]", cards), cards
    shot(page, f"home-{demo_login.key}-phone")  # type: ignore[attr-defined]
    page.click("[data-test=logout]")
    expect(page).to_have_url(re.compile(r"/login/"))


def test_wrong_password_is_refused_in_persian(page: Page) -> None:
    login(page, "09120000003", "not-the-password")
    expect(page.locator(".errorlist.nonfield")).to_contain_text("نادرست")
    shot(page, "login-wrong-password")


def test_register_person_bad_input_shows_persian_messages_and_saves_nothing(page: Page) -> None:
    login(page, "09120000003")
    page.goto("/people/new/")
    count = Person.objects.count()
    page.fill("#id_national_id", "۱۲۳۴۵۶۷۸۹۰")  # wrong checksum
    page.fill("#id_first_name", "علي")
    page.fill("#id_last_name", "<b>كريمي</b>")
    page.fill("#id_mobile", "12345")
    page.fill("#id_birth_date", "۱۴۰۴/۱۲/۳۰")  # 1404 is not a leap year
    page.click("[data-test=save]")
    form = page.locator("[data-test=person-form]")
    expect(form.locator("[data-field=national_id] .errorlist")).to_contain_text("کد ملی")
    expect(form.locator("[data-field=birth_date] .errorlist")).to_contain_text("اسفند")
    expect(form.locator("[data-field=mobile] .errorlist")).to_be_visible()
    expect(form.locator("[data-field=last_name] .errorlist")).to_contain_text("HTML")
    expect(form.locator("[data-field=home_place] .errorlist")).to_be_visible()
    shot(page, "person-form-bad-input-phone")
    assert Person.objects.count() == count


def test_register_person_with_place_picker(page: Page) -> None:
    login(page, "09120000003")
    page.goto("/people/new/")
    page.fill("#id_national_id", "0499370899")
    page.fill("#id_first_name", "رقیه")
    page.fill("#id_last_name", "نخعی")
    page.fill("#id_mobile", "۰۹۱۵ ۱۲۳ ۴۵۶۷")
    page.check("input[name=gender][value=female]")
    page.fill("#id_birth_date", "1365/06/31")
    page.fill("#id_home_place_search", "قائن")  # the common spelling; the data says قاین
    option = page.locator("#id_home_place_results [data-place-id]").first
    expect(option).to_be_visible()
    shot(page, "place-picker-phone")
    option.click()
    page.click("[data-test=save]")
    expect(page.locator(".msg")).to_be_visible()
    expect(page.locator("h1")).to_have_text("رقیه نخعی")
    expect(page.locator("dl.facts")).to_contain_text("۳۱ شهریور ۱۳۶۵")
    shot(page, "person-detail-phone")
    assert Person.objects.get(national_id="0499370899").mobile == "09151234567"


def test_create_base_and_see_linkage_page_on_desktop(page: Page) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "09120000003")
    page.goto("/orgs/bases/")
    shot(page, "bases-desktop")
    page.click("[data-test=org-new]")
    page.fill("#id_name", "پایگاه مقاومت شهید آزمون")
    page.fill("#id_place_search", "قاین")
    page.locator("#id_place_results [data-place-id]").first.click()
    page.click("[data-test=save]")
    expect(page.locator("h1")).to_have_text("پایگاه مقاومت شهید آزمون")
    expect(page.locator("[data-test=funds]")).to_be_visible()
    page.goto("/orgs/bases/")
    page.click("text=پایگاه مقاومت امام علی (ع)")
    expect(page.locator("[data-test=referrals] tbody tr").first).to_be_visible()
    shot(page, "base-linkage-desktop")


def test_switch_to_english_and_back(page: Page) -> None:
    login(page, "09120000001")
    page.click("[data-test=lang-en]")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Welcome")
    shot(page, "home-english-phone")
    page.click("[data-test=lang-fa]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def test_other_scope_gets_persian_404(page: Page) -> None:
    login(page, "09120000004")  # Birjand county officer
    qaen_person = Person.objects.filter(unit__name="قاینات").first()
    assert qaen_person is not None
    response = page.goto(f"/people/{qaen_person.pk}/")
    assert response is not None and response.status == 404
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    shot(page, "not-found-other-scope")


def test_calendar_button_fills_a_jalali_date(page: Page) -> None:
    login(page, "09120000003")
    page.goto("/people/new/")
    page.locator("[data-field=birth_date] .calendar-button").click()
    picker = page.locator("jdp-container")
    expect(picker).to_be_visible()
    shot(page, "date-picker-phone", full_page=False)
    picker.locator(".jdp-day:not(.not-in-month)").first.click()
    # The first day of the month shown, written in the page's (Persian) digits.
    expect(page.locator("#id_birth_date")).to_have_value(re.compile("^۱[۳۴][۰-۹]{2}/[۰-۹]{2}/۰۱$"))


def test_the_calendar_opens_on_the_date_a_field_already_holds(page: Page) -> None:
    """A field holding a date in Persian digits used to open the picker on Farvardin with no years or days."""
    login(page, "09120000003")
    page.goto("/people/new/")
    page.fill("#id_birth_date", "۱۳۷۰/۰۵/۱۲")
    page.locator("[data-field=birth_date] .calendar-button").click()
    picker = page.locator("jdp-container")
    expect(picker).to_be_visible()
    years = picker.locator("select").first
    assert years.locator("option").count() > 10
    assert years.input_value() == "1370"
    assert picker.locator(".jdp-day:not(.not-in-month)").count() == 31  # Mordad has 31 days
    shot(page, "date-picker-filled-phone", full_page=False)
    picker.locator(".jdp-day:not(.not-in-month)", has_text="۱۵").first.click()
    expect(page.locator("#id_birth_date")).to_have_value("۱۳۷۰/۰۵/۱۵")


def test_a_refused_form_takes_a_phone_user_to_the_first_field_in_error(page: Page) -> None:
    login(page, "09120000003")
    page.goto("/people/new/")
    page.fill("#id_national_id", "۱۲۳")  # too short, and the required names left empty
    page.click("[data-test=save]")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("نیاز به اصلاح")
    first_invalid = page.locator(".field.invalid input, .field.invalid select").first
    expect(first_invalid).to_be_focused()
    assert summary.evaluate("e => e.getBoundingClientRect().top") < page.viewport_size["height"]  # type: ignore[index]
    summary.locator("a").nth(1).click()  # each line leads to its field
    shot(page, "form-error-summary-phone", full_page=False)
