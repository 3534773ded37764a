"""Collective brands in the browser: a stranger opens a label's QR address on a phone, without logging in, and
sees where the pack comes from (or a plain warning); the producer declares a lot from her page, is refused a
negative quantity, and the brand's inspector passes it."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from mardom.brands import services
from mardom.brands.models import Label, Lot
from mardom.brands.views import grouped
from mardom.production.models import Producer

from .conftest import shot
from .test_foundation import login


def test_a_labels_qr_code_opens_its_provenance_page_for_anyone(page: Page) -> None:
    label = Label.objects.filter(lot__status="passed", lot__authorisation__status="active",
                                 scan_count=0).select_related("lot__brand", "lot__authorisation__product").first()
    assert label is not None, "the demo has passed lots with labels nobody has checked yet"
    address = services.public_url(label.serial)  # exactly what the printed QR code holds
    page.goto(urlsplit(address).path)  # the same page on this test server, as an anonymous visitor
    expect(page.locator("[data-test=verdict]")).to_have_attribute("data-status", "genuine")
    provenance = page.locator("[data-test=provenance]")
    expect(provenance).to_contain_text(label.lot.brand.name)
    expect(provenance).to_contain_text(label.lot.authorisation.product.name)
    expect(provenance).to_contain_text(grouped(label.serial))
    expect(page.locator("[data-test=logout]")).to_have_count(0)  # nobody is signed in
    html = page.content()
    person = label.lot.authorisation.producer.person
    assert person.national_id not in html and person.mobile not in html
    assert (person.full_name in html) == label.lot.authorisation.name_public
    assert Label.objects.get(pk=label.pk).scan_count == 1
    shot(page, "provenance-phone")

    # Someone without a camera types the code under the QR, in small letters.
    page.goto("/p/")
    page.locator("input[name=serial]").fill(grouped(label.serial).lower())
    shot(page, "provenance-search-phone")
    page.locator("[data-test=check]").click()
    expect(page.locator("[data-test=verdict]")).to_have_attribute("data-status", "genuine")

    # A label copied onto fakes, and a code that was never issued.
    copied = Label.objects.order_by("-scan_count").first()
    assert copied is not None
    page.goto(urlsplit(services.public_url(copied.serial)).path)
    expect(page.locator("[data-test=verdict]")).to_have_attribute("data-status", "suspicious")
    shot(page, "provenance-suspicious-phone")
    page.goto("/p/ABCD-EFGH-JK/")
    expect(page.locator("[data-test=verdict]")).to_have_attribute("data-status", "mistyped")
    shot(page, "provenance-mistyped-phone")


def test_the_producer_declares_a_lot_and_the_inspector_passes_it(page: Page) -> None:
    producer = Producer.objects.get(person__mobile="09120000015")
    login(page, "09120000015")
    page.goto(f"/production/producers/{producer.pk}/")
    page.locator("[data-test=declare-lot]").first.click()
    form = page.locator("[data-test=lot-form]")
    before = Lot.objects.count()
    form.locator("input[name=quantity]").fill("-۵")
    form.locator("[data-test=save]").click()
    expect(page.locator("[data-field=quantity] .errorlist")).to_be_visible()
    assert Lot.objects.count() == before
    page.locator("[data-test=lot-form] input[name=quantity]").fill("۳۵۰")
    page.locator("[data-test=lot-form] [data-test=save]").click()
    expect(page.locator("[data-test=lot-status]")).to_be_visible()
    lot = Lot.objects.order_by("-pk").first()
    assert lot is not None and Lot.objects.count() == before + 1 and lot.status == "declared"
    assert str(lot.quantity) == "350.000"

    page.context.clear_cookies()
    login(page, "09120000016")
    page.goto(f"/brands/{lot.brand_id}/")
    expect(page.locator("[data-test=lots]")).to_be_visible()
    shot(page, "brand-phone")
    page.goto(f"/brands/lots/{lot.pk}/")
    form = page.locator("[data-test=inspect-form]")
    form.locator("input[value=pass]").check()
    form.locator("button.primary").click()
    expect(page.locator(".messages")).to_be_visible()
    assert Lot.objects.get(pk=lot.pk).status == "passed"
    labels = page.locator("[data-test=labels-form]")
    labels.locator("input[name=count]").fill("۲۴")
    labels.locator("button.primary").click()
    expect(page.locator("[data-test=labels] tbody tr")).to_have_count(24)
    assert Lot.objects.get(pk=lot.pk).label_count == 24
    shot(page, "lot-phone")

    # The sheet is made in the background: the progress page, then the download (the tests' task backend runs
    # the job at once, so the page shows it ready; the polling part is checked in core's tests).
    page.locator("[data-test=labels-pdf] button").first.click()
    expect(page.locator("[data-test=document-status]")).to_have_attribute("data-status", "done")
    link = page.locator("[data-test=document-download]")
    expect(link).to_be_visible()
    shot(page, "label-sheet-ready-phone")
    response = page.request.get(link.get_attribute("href") or "")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    # Nobody else gets it: the producer, logged in, sees no such document.
    href = link.get_attribute("href") or ""
    page.context.clear_cookies()
    login(page, "09120000015")
    assert page.request.get(href).status == 404


def test_the_county_officer_suspends_a_member_with_a_reason(page: Page) -> None:
    from mardom.brands.models import Authorisation, Sanction

    authorisation = Authorisation.objects.filter(status="active").exclude(
        producer__person__mobile="09120000015").order_by("-pk").first()
    assert authorisation is not None
    login(page, "09120000003")
    page.goto(f"/brands/{authorisation.brand_id}/")
    row = page.locator("[data-test=members] tr", has_text=authorisation.producer.person.full_name)
    row.locator("[data-test=sanction-open]").click()
    form = row.locator("[data-test=sanction-form]")
    form.locator("input[value=suspend]").check()
    form.locator("button").click()  # no reason: refused beside the field
    expect(page.locator("[data-test=sanction-form] .errorlist").first).to_be_visible()
    assert Authorisation.objects.get(pk=authorisation.pk).status == "active"
    row = page.locator("[data-test=members] tr", has_text=authorisation.producer.person.full_name)
    form = row.locator("[data-test=sanction-form]")
    form.locator("input[value=suspend]").check()
    form.locator("[name=reason]").fill("فروش بسته بدون برچسب")
    form.locator("button").click()
    expect(page.locator("[data-test=sanctions]")).to_contain_text("فروش بسته بدون برچسب")
    assert Authorisation.objects.get(pk=authorisation.pk).status == "suspended"
    assert Sanction.objects.filter(authorisation=authorisation, action="suspend").exists()
