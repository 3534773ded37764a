"""Statements in the browser: the demo member reads her statement and downloads it as a Persian PDF; the
treasurer reads the fund's monthly statement. The first page of each PDF is saved as a PNG for a reviewer."""

from __future__ import annotations

from pathlib import Path

from django.urls import reverse
from playwright.sync_api import Page, expect

from mardom.core.tests.pdfs import pdf_render_first_page
from mardom.funds.models import Fund, Membership

from .conftest import _TAKEN, ARTIFACTS, shot
from .test_foundation import login


def pdf_first_page(content: bytes, name: str) -> Path:
    """Render page 1 of a PDF to test-artifacts/screenshots/<name>.png (60 dpi) with PDFium (pypdfium2)."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(content)
    path = pdf_render_first_page(content, folder / f"{name}.png")
    _TAKEN.append(path)
    return path


def test_the_demo_member_reads_and_downloads_her_statement(page: Page) -> None:
    fund = Fund.objects.order_by("pk").first()
    membership = Membership.objects.select_related("person").get(fund=fund, person__mobile="09120000012")
    login(page, "09120000012")
    page.goto(reverse("funds:statement-member", args=[membership.pk]))
    expect(page.locator("[data-test=member-name]")).to_have_text(membership.person.full_name)
    expect(page.locator("[data-test=statement-passbook] tbody tr").first).to_be_visible()
    shot(page, "statement-member-phone")
    # Issue 10: the PDF is made in the background; the button leads to its page and then the download.
    page.locator("[data-test=statement-pdf]").click()
    expect(page.locator("[data-test=document-status]")).to_have_attribute("data-status", "done")
    href = page.locator("[data-test=document-download]").get_attribute("href")
    assert href
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    assert pdf_first_page(body, "statement-member-pdf").stat().st_size > 0
    # Another member's statement is not hers to see.
    other = Membership.objects.filter(fund=fund).exclude(pk=membership.pk).first()
    assert other is not None
    assert page.request.get(reverse("funds:statement-member-pdf", args=[other.pk])).status == 404


def test_the_treasurer_reads_the_months_statement(page: Page) -> None:
    fund = Fund.objects.order_by("pk").first()
    assert fund is not None
    login(page, "09120000011")
    page.goto(reverse("funds:statement-fund", args=[fund.pk]) + "?month=13")  # a bad month: the default
    expect(page.locator("[data-test=balance-sheet]")).to_be_visible()
    assets = page.locator("[data-test=total-assets]").inner_text()
    assert assets == page.locator("[data-test=total-liabilities-equity]").inner_text()
    shot(page, "statement-fund-phone")
    page.locator("a[rel=prev]").click()
    expect(page.locator("[data-test=balance-sheet]")).to_be_visible()
    href = page.locator("[data-test=statement-pdf]").get_attribute("href")
    assert href
    response = page.request.get(href)
    assert response.status == 200 and response.body().startswith(b"%PDF")
    pdf_first_page(response.body(), "statement-fund-pdf")
