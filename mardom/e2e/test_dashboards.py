"""The doubling dashboard in the browser: the county officer sees Qaenat's progress and drills down to a
cluster; the producer sees her own figures from her producer page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from mardom.production.models import Producer

from .conftest import shot
from .test_foundation import login


def test_the_county_officer_drills_down_from_county_to_cluster(page: Page) -> None:
    login(page, "09120000003")
    page.goto("/dashboards/doubling/")
    expect(page.locator("[data-test=doubling-total]")).to_contain_text("٪")
    shot(page, "doubling-county-phone")
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
