"""Producers in the browser: the county officer approves a self-registration; a person registers herself."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from mardom.production.models import Producer

from .conftest import shot
from .test_foundation import login


def test_county_officer_approves_a_waiting_producer(page: Page) -> None:
    producer = Producer.objects.filter(status="pending").first()
    assert producer is not None
    login(page, "09120000003")
    page.goto("/production/producers/?status=pending")
    shot(page, "producers-phone")
    page.locator("[data-test=producers] a").first.click()
    form = page.locator("[data-test=decision-form]")
    form.locator("input[value=approve]").check()
    form.locator("button.primary").click()
    expect(page.locator("[data-test=status]")).to_have_text("تأییدشده")
    assert Producer.objects.get(pk=producer.pk).status == "approved"


def test_advantaged_products_of_the_province(page: Page) -> None:
    login(page, "09120000002")
    page.goto("/production/advantaged/")
    expect(page.locator("body")).to_contain_text("زعفران")
    shot(page, "advantaged-phone")


def test_county_officer_forms_a_suggested_colony(page: Page) -> None:
    from mardom.production.models import Colony

    login(page, "09120000003")
    page.goto("/production/suggestions/")
    suggestion = page.locator("[data-test=suggestion]").first
    expect(suggestion).to_be_visible()
    shot(page, "colony-suggestions-phone")
    before = Colony.objects.count()
    suggestion.locator("[data-test=accept]").click()
    expect(page.locator("[data-test=colony-members] tbody tr").first).to_be_visible()
    assert Colony.objects.count() == before + 1
    shot(page, "colony-phone")


def test_the_province_saffron_cluster_rolls_up_its_counties(page: Page) -> None:
    from mardom.production.models import Cluster

    cluster = Cluster.objects.get(level="province")
    login(page, "09120000002")
    page.goto(f"/production/clusters/{cluster.pk}/")
    expect(page.locator("[data-test=cluster-rollup]")).to_be_visible()
    expect(page.locator("[data-test=cluster-colonies] tbody tr").first).to_be_visible()
    shot(page, "province-cluster-phone")


def test_the_cluster_guide_opens_her_cluster_from_home(page: Page) -> None:
    login(page, "09120000013")
    page.locator("[data-test=home-clusters] a").first.click()
    expect(page.locator("[data-test=cluster-rollup]")).to_be_visible()
    page.goto("/production/producers/")
    expect(page.locator("[data-test=producers] tbody tr").first).to_be_visible()
