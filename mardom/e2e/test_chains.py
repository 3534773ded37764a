"""Value chains in the browser: the Qaenat saffron cluster's chain, drawn right to left with its missing links,
and the province's page of missing links."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import shot
from .test_foundation import login


def _qaenat_saffron() -> int:
    from mardom.production.models import Cluster

    return Cluster.objects.get(level="county", value_chain="saffron", parent__name="قاینات").pk


def test_the_county_officer_sees_the_chain_and_its_missing_links(page: Page) -> None:
    login(page, "09120000003")
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"/production/clusters/{_qaenat_saffron()}/")
    chain = page.locator("[data-test=chain]")
    expect(chain).to_be_visible()
    stages = chain.locator("[data-test=chain-core] > [data-test=chain-stage]")
    expect(stages.first).to_be_visible()
    missing = chain.locator("[data-test=chain-stage][data-missing]")
    assert missing.count() >= 1  # packaging, at least, has nobody in Qaenat
    branding = chain.locator("[data-test=chain-stage]", has_text="برندسازی")
    expect(branding).to_contain_text("زعفران قائنات")  # the cluster's own brand fills its branding stage
    assert branding.get_attribute("data-missing") is None
    expect(chain).not_to_contain_text("کارگاه فرش")  # the carpet workshop is no actor of the saffron chain
    expect(missing.first.locator(".chain-flag")).to_be_visible()  # said in words, not only by colour
    expect(chain.locator("[data-test=chain-remedies] li").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # fits a 360px phone
    chain.scroll_into_view_if_needed()
    shot(page, "cluster-chain-phone")

    page.set_viewport_size({"width": 1280, "height": 900})
    first, second = stages.nth(0).bounding_box(), stages.nth(1).bounding_box()
    assert first and second and first["x"] > second["x"]  # reading order in Persian: the first stage on the right
    shot(page, "cluster-chain-desktop")

    page.locator("[data-test=province-links]").click()
    expect(page.locator("[data-test=cluster-links]").first).to_be_visible()
    expect(page.locator("[data-test=missing-link]").first).to_be_visible()


def test_the_barberry_chain_offers_no_saffron_packer(page: Page) -> None:
    from mardom.production.models import Cluster

    barberry = Cluster.objects.get(level="county", value_chain="barberry", parent__name="قاینات").pk
    login(page, "09120000003")
    page.goto(f"/production/clusters/{barberry}/")
    packaging = page.locator("[data-test=chain-stage][data-missing]", has_text="بسته‌بندی")
    expect(packaging).to_be_visible()
    remedies = page.locator("[data-test=chain-remedies] li")
    expect(remedies.first).to_be_visible()
    texts = remedies.all_inner_texts()
    assert not [t for t in texts if "سحر" in t or "زعفران‌کاران" in t]  # no saffron packer or cooperative


def test_the_province_officer_reads_the_missing_links_of_the_province(page: Page) -> None:
    login(page, "09120000002")
    page.goto("/production/chains/missing-links/")
    rows = page.locator("[data-test=cluster-links]")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 2  # the province's clusters, not only one county's
    expect(page.locator("[data-test=missing-link]").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "province-missing-links-phone")
