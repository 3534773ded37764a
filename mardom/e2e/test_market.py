"""Exhibitions in the browser: the organiser sees the floor plan and the fairness report of the Qaen
exhibition; a producer applies for a booth at a new term from her phone."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from mardom.market.models import Application, Exhibition

from .conftest import shot
from .test_foundation import login


def test_the_organiser_sees_the_floor_plan_and_the_fairness_report(page: Page) -> None:
    fair = Exhibition.objects.get(name="نمایشگاه اقتصاد به دست مردم")
    login(page, "09120000017")
    page.goto("/market/exhibitions/")
    page.locator("[data-test=exhibitions] a").first.click()
    expect(page.locator("[data-test=floor-plan] svg .booth").first).to_be_visible()
    assert page.locator("[data-test=floor-plan] svg .booth").count() == fair.booths.count()
    expect(page.locator("[data-test=fairness]")).to_be_visible()
    expect(page.locator("[data-test=applications] tbody tr").first).to_be_visible()
    shot(page, "exhibition-phone")


def test_a_producer_applies_and_a_bad_size_is_refused_beside_the_field(page: Page) -> None:
    fair = Exhibition.objects.get(name="نمایشگاه اقتصاد به دست مردم")
    login(page, "09120000009")  # معصومه عباسی: her producer registration waits for approval, so she may not apply
    page.goto(f"/market/exhibitions/{fair.pk}/")
    expect(page.locator("[data-test=floor-plan]")).to_be_visible()
    expect(page.locator("[data-test=apply-form]")).to_have_count(0)

    # The producer login already applied in the demo; a second application for the term is refused.
    page.context.clear_cookies()
    login(page, "09120000015")
    page.goto(f"/market/exhibitions/{fair.pk}/")
    before = Application.objects.count()
    page.locator("[data-test=apply-form]").locator("xpath=..").locator("summary").click()
    form = page.locator("[data-test=apply-form]")
    form.locator("input[name=products]").fill("زعفران نگین")
    form.locator("input[name=wants_size]").fill("۰")
    form.locator("[data-test=apply]").click()
    expect(page.locator("[data-field=wants_size] .errorlist")).to_be_visible()
    form = page.locator("[data-test=apply-form]")
    form.locator("input[name=wants_size]").fill("۹")
    form.locator("[data-test=apply]").click()
    expect(page.locator("[data-test=apply-form] .errorlist").first).to_be_visible()
    assert Application.objects.count() == before
    shot(page, "exhibition-apply-refused-phone")


def test_the_booth_seller_records_a_sale_on_her_phone(page: Page) -> None:
    from mardom.market.models import Sale

    login(page, "09120000015")
    page.goto("/market/exhibitions/")
    page.locator("[data-test=my-booths] a").first.click()
    expect(page.locator("[data-test=sale-form]")).to_be_visible()
    before = Sale.objects.count()
    form = page.locator("[data-test=sale-form]")
    form.locator("select[name=product_1]").select_option(label="زعفران")
    form.locator("input[name=quantity_1]").fill("-۴")
    form.locator("input[name=price_1]").fill("۱۵۰٬۰۰۰")
    form.locator("[data-test=sell]").click()
    expect(page.locator("[data-field=quantity_1] .errorlist")).to_be_visible()
    assert Sale.objects.count() == before
    form = page.locator("[data-test=sale-form]")
    form.locator("input[name=quantity_1]").fill("۴")
    form.locator("input[value=card]").check()
    form.locator("[data-test=sell]").click()
    expect(page.locator("[data-test=sales] tbody tr").first).to_contain_text("زعفران")
    sale = Sale.objects.order_by("-pk").first()
    assert Sale.objects.count() == before + 1 and sale.total == 6_000_000 and sale.method == "card"
    shot(page, "booth-sale-phone")
