"""Job leaders in the browser: the job leader records a buyback on a phone, is refused one beyond what the
materials yield, and the producer reads the same account from her own login."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from mardom.production.models import JobAgreement, JobEntry

from .conftest import shot
from .test_foundation import login


def test_the_job_leader_records_a_buyback_and_is_refused_one_too_many(page: Page) -> None:
    agreement = JobAgreement.objects.get(producer__person__mobile="09120000015")
    login(page, "09120000014")
    page.goto("/production/job-leaders/")
    page.locator("[data-test=job-leaders] a").first.click()
    expect(page.locator("[data-test=season-totals]")).to_be_visible()
    shot(page, "job-leader-phone")
    page.goto(f"/production/agreements/{agreement.pk}/")
    expect(page.locator("[data-test=statement] tbody tr").first).to_be_visible()
    before = JobEntry.objects.filter(agreement=agreement).count()

    form = page.locator("[data-test=receipt-form]")
    page.locator("[data-test=receipt-open]").click()
    form.locator("input[name=quantity]").fill("۱۰۰۰۰")  # far beyond what the corms can yield
    form.locator("button.primary").click()
    expect(page.locator("[data-field=quantity] .errorlist")).to_contain_text("حداکثر")
    assert JobEntry.objects.filter(agreement=agreement).count() == before
    shot(page, "job-buyback-refused-phone")

    form = page.locator("[data-test=receipt-form]")
    form.locator("input[name=quantity]").fill("۲٫۵")
    form.locator("input[value=b]").check()
    form.locator("button.primary").click()
    expect(page.locator(".messages")).to_be_visible()
    line = JobEntry.objects.filter(agreement=agreement).order_by("-pk").first()
    assert line is not None and line.kind == "receipt" and str(line.quantity) == "2.500" and line.grade == "b"
    assert JobEntry.objects.filter(agreement=agreement).count() == before + 1
    shot(page, "job-account-phone")


def test_the_producer_reads_her_account_with_the_job_leader(page: Page) -> None:
    agreement = JobAgreement.objects.get(producer__person__mobile="09120000015")
    login(page, "09120000015")
    page.goto(f"/production/producers/{agreement.producer_id}/")
    page.locator("[data-test=producer-agreements] a").first.click()
    expect(page.locator("[data-test=statement] tbody tr").first).to_be_visible()
    expect(page.locator("[data-test=receipt-form]")).to_have_count(0)  # she reads, the job leader records
    shot(page, "producer-account-phone")
