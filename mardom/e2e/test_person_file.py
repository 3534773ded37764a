"""The person's file (پرونده) in a real Chromium at 360 px, on the demo: a fund member opens her own from her home
page; the county officer opens a producer's by national ID (typed in Persian digits) and is refused, in the same
words, an ID nobody in her county holds and one filed in Birjand."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from mardom.conftest import national_id_for
from mardom.core.models import AuditEntry
from mardom.people.models import Person

from .conftest import shot
from .test_foundation import login, to_persian

NOT_FOUND = "هیچ‌کس با این کد ملی در حوزهٔ شما ثبت نشده است."


def _phone(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 800})


def _fits(page: Page) -> None:
    """Nothing runs off a 360 px screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width


def test_a_member_opens_her_file_from_her_home_page(page: Page) -> None:
    _phone(page)
    login(page, "09120000012")
    before = AuditEntry.objects.filter(action="person_file.view").count()
    page.click("[data-test=my-file]")
    expect(page).to_have_url(re.compile(r"/desk/file/me/$"))
    me = Person.objects.get(mobile="09120000012")
    expect(page.locator("[data-test=file-name]")).to_have_text(me.full_name)
    funds = page.locator("[data-test=file-funds]")
    expect(funds).to_be_visible()
    expect(funds).to_contain_text("پس‌انداز")
    # Persian digits and Jalali dates only: no Latin digit in the visible text of the file.
    text = page.locator("main").inner_text()
    assert not re.search(r"[0-9]", text), text
    assert re.search(r"۱۴۰[0-9۰-۹]/", text), "a Jalali date"
    _fits(page)
    shot(page, "person-file-member-360")
    # Her membership opens from the file.
    funds.locator("a").first.click()
    expect(page.locator("[data-test=passbook]")).to_be_visible()
    assert AuditEntry.objects.filter(action="person_file.view").count() == before  # her own: not recorded


def test_the_county_officer_opens_a_producers_file_by_national_id(page: Page) -> None:
    _phone(page)
    login(page, "09120000003")
    producer = Person.objects.get(mobile="09120000015")
    before = AuditEntry.objects.filter(action="person_file.view", object_id=str(producer.pk)).count()
    page.locator("summary").first.click()  # the menu
    page.locator("nav a[href='/desk/file/']").first.click()
    expect(page.locator("[data-test=file-lookup]")).to_be_visible()
    shot(page, "person-file-lookup-360")
    page.fill("#id_national_id", to_persian(producer.national_id))
    page.click("[data-test=file-open]")
    expect(page).to_have_url(re.compile(rf"/desk/file/{producer.pk}/$"))
    expect(page.locator("[data-test=file-name]")).to_have_text(producer.full_name)
    for key in ("production", "colonies", "jobs", "brands"):
        expect(page.locator(f"[data-test=file-{key}]")).to_be_visible()
    _fits(page)
    shot(page, "person-file-county-officer-360")
    assert AuditEntry.objects.filter(action="person_file.view", object_id=str(producer.pk)).count() == before + 1

    # An ID nobody holds, and one filed in Birjand: the same Persian answer beside the field.
    birjand = Person.objects.filter(unit__path__startswith=_birjand_path()).exclude(
        mobile__startswith="0912000000").first()
    assert birjand is not None
    nobody = next(n for n in (national_id_for(900_000 + i) for i in range(100))
                  if not Person.objects.filter(national_id=n).exists())
    for national_id in (nobody, birjand.national_id):
        page.goto("/desk/file/")
        page.fill("#id_national_id", to_persian(national_id))
        page.click("[data-test=file-open]")
        expect(page.locator("[data-field=national_id] .errorlist")).to_have_text(NOT_FOUND)
        expect(page.locator("[data-test=file-name]")).to_have_count(0)
    _fits(page)
    shot(page, "person-file-not-in-area-360")


def _birjand_path() -> str:
    from mardom.orgs.models import OrgUnit

    return OrgUnit.objects.get(kind="county", name="بیرجند").path or ""
