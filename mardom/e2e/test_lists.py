"""Lists on a 360 px phone: the funds list with its search and filters, the advantaged products one region at a
time."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import shot
from .test_foundation import login


def test_the_funds_list_on_a_360_px_phone(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 780})
    login(page, "09120000001")  # the national officer
    page.goto("/funds/")
    rows = page.locator("[data-test=funds] tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator("[data-test=fund-filters] select[name=province]")).to_be_visible()
    expect(page.locator("[data-test=fund-export]")).to_be_visible()
    # Nothing wider than the phone: the filters wrap, the table stacks.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "funds-list-360")
    page.fill("[data-test=fund-filters] input[name=q]", "امام")
    page.click("[data-test=fund-filters] button")
    expect(page.locator("[data-test=funds] tbody tr").first).to_contain_text("امام")
    assert "q=" in page.url


def test_advantaged_products_one_region_at_a_time(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 780})
    login(page, "09120000001")
    page.goto("/production/advantaged/")
    expect(page.locator("[data-test=region-select] select")).to_be_visible()
    assert page.locator("form[action$='/add/']").count() <= 1
    page.select_option("[data-test=region-select] select", label="استان خراسان جنوبی")
    page.click("[data-test=region-select] button")
    expect(page.locator("body")).to_contain_text("زعفران")
    shot(page, "advantaged-region-360")
