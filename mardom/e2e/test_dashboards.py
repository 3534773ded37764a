"""The doubling dashboard in the browser: the county officer sees Qaenat's progress and drills down to a
cluster; the producer sees her own figures from her producer page."""

from __future__ import annotations

from django.utils import timezone
from playwright.sync_api import Page, expect

from mardom.core.digits import to_persian_digits
from mardom.core.jalali import to_jalali
from mardom.dashboards import selectors
from mardom.orgs.models import OrgUnit
from mardom.production.models import Producer

from .conftest import shot
from .test_foundation import login


def test_the_county_officer_drills_down_from_county_to_cluster(page: Page) -> None:
    login(page, "09120000003")
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/dashboards/doubling/")
    expect(page.locator("[data-test=doubling-total]")).to_contain_text("٪")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "doubling-county-phone")
    # The demo has a previous Jalali year of sales; the page compares with it and can show it instead.
    year = to_jalali(timezone.localdate()).year
    qaenat = OrgUnit.objects.get(kind="county", name="قاینات")
    total, _rows = selectors.level(unit=qaenat, year=year)
    assert total.last_year > 0 and total.this_year > 0
    page.locator("[data-test=doubling-year] select").select_option(str(year - 1))
    page.locator("[data-test=doubling-year] button").click()
    expect(page.locator(".page-head .badge")).to_contain_text(to_persian_digits(str(year - 1)))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/dashboards/doubling/")
    shot(page, "doubling-county-desktop")
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/dashboards/doubling/")
    page.locator("[data-test=doubling-rows] a", has_text="زعفران").first.click()
    expect(page.locator("h1")).to_contain_text("زعفران")
    expect(page.locator("[data-test=doubling-rows] tbody tr").first).to_be_visible()


def test_the_producer_sees_her_progress(page: Page) -> None:
    producer = Producer.objects.get(person__mobile="09120000015")
    login(page, "09120000015")
    page.goto(f"/production/producers/{producer.pk}/")
    page.locator("[data-test=doubling-link]").click()
    expect(page.locator("[data-test=doubling-total]")).to_be_visible()
    shot(page, "doubling-producer-phone")
