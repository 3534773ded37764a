"""The level dashboards in Chromium on the demo data: the national officer goes from her home page to the
nation's dashboard and drills down by clicking, province, county, base and fund; the fund's manager and a member
reach their fund's page from home. Screenshots at 360 px and on a desktop for each level."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from .conftest import shot
from .test_foundation import login

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module", autouse=True)
def _figures(demo_server: str, django_db_blocker: object) -> Iterator[None]:
    """The demo's figures recomputed from its facts (as `rollups-rebuild` after the demo does)."""
    from django.core.management import call_command

    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        call_command("rollups-rebuild", verbosity=0)
    yield


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


def _persian_chart(page: Page) -> None:
    chart = page.locator("[data-test=series-chart]")
    expect(chart).to_be_visible()
    labels = chart.evaluate("svg => [...svg.querySelectorAll('text')].map(t => t.textContent)")
    assert labels and not any(re.search(r"[0-9]", text) for text in labels)  # Persian digits only
    assert any(month in " ".join(labels) for month in ("فروردین", "تیر", "مهر", "دی", "آذر", "اسفند"))
    newest = int(chart.get_attribute("data-newest") or 0)
    oldest = int(chart.get_attribute("data-oldest") or 0)
    assert newest > oldest  # the bars are drawn newest on the left (checked in test_levels)


def _drill(page: Page, kind: str) -> str:
    """Click the first child of a kind (the one with the most members, sorted so) and return its name."""
    page.goto(page.url.split("?")[0] + "?sort=funds.members&dir=desc")
    link = page.locator(f"[data-test=children-{kind}] [data-test=drill]").first
    name = link.inner_text()
    link.click()
    expect(page.locator("h1")).to_have_text(name)
    return name


def test_the_national_officer_drills_down_from_the_nation_to_a_fund(page: Page) -> None:
    login(page, "09120000001")
    page.set_viewport_size(PHONE)
    page.locator("[data-test=home-dashboard]").first.click()
    expect(page.locator("h1")).to_have_text("ایران")
    expect(page.locator("[data-test=group-funds]")).to_be_visible()
    _persian_chart(page)
    _fits(page)
    shots = {}
    shot(page, "dash-nation-phone")
    shots["nation"] = page.url
    for kind, level in (("province", "province"), ("county", "county"), ("base", "base"), ("fund", "fund")):
        _drill(page, kind)
        expect(page.locator("[data-test=unit-kind]")).to_be_visible()
        expect(page.locator("[data-test=breadcrumb] a").first).to_have_text("ایران")
        _fits(page)
        shot(page, f"dash-{level}-phone")
        shots[level] = page.url
    expect(page.locator("[data-test=fund-compare]")).to_be_visible()
    # Drill back up by the breadcrumb.
    page.locator("[data-test=breadcrumb] a").first.click()
    expect(page.locator("h1")).to_have_text("ایران")
    page.set_viewport_size(DESKTOP)
    for level, address in shots.items():
        page.goto(address)
        expect(page.locator("[data-test=series-chart]")).to_be_visible()
        shot(page, f"dash-{level}-desktop")
    # The children table sorts and marks the best and the worst on the desktop too.
    page.goto(shots["nation"].split("?")[0] + "?sort=funds.savings&dir=desc")
    table = page.locator("[data-test=children-province]")
    expect(table.locator("tr.best [data-test=best]")).to_have_count(1)


def test_the_county_officer_sorts_and_downloads(page: Page) -> None:
    login(page, "09120000003")
    page.set_viewport_size(PHONE)
    page.locator("[data-test=home-dashboard]").first.click()
    expect(page.locator("h1")).to_have_text("قاینات")
    page.locator("[data-test=sort-pick] select[name=sort]").select_option("funds.savings")
    page.locator("[data-test=sort-pick] button").click()
    expect(page).to_have_url(re.compile(r"sort=funds\.savings"))
    page.locator("[data-test=metric-pick] select[name=metric]").select_option("funds.savings")
    page.locator("[data-test=metric-pick] button").click()
    expect(page.locator("[data-test=series] h2")).to_contain_text("پس‌انداز اعضا")
    with page.expect_download() as download:
        page.locator("[data-test=children-xlsx]").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    _fits(page)
    shot(page, "dash-county-sorted-phone")


@pytest.mark.parametrize(("who", "mobile"), [("manager", "09120000010"), ("member", "09120000012")])
def test_the_fund_manager_and_a_member_reach_their_fund(page: Page, who: str, mobile: str) -> None:
    login(page, mobile)
    page.set_viewport_size(PHONE)
    page.locator("[data-test=home-dashboard]").first.click()
    expect(page.locator("[data-test=unit-kind]")).to_have_text("صندوق قرض‌الحسنه")
    expect(page.locator("[data-test=fund-compare]")).to_be_visible()
    assert page.locator("[data-test=children]").count() == 0
    if who == "member":
        assert page.locator("[data-test=breadcrumb]").count() == 0
    _persian_chart(page)
    _fits(page)
    shot(page, f"dash-fund-{who}-phone")
    page.set_viewport_size(DESKTOP)
    shot(page, f"dash-fund-{who}-desktop")
