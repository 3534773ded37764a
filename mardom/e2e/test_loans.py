"""A loan's life in the browser, as the people who move it: guarantor, treasurer and manager."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from mardom.funds.models import Guarantee, Loan

from .conftest import shot
from .test_foundation import login


def test_the_demo_member_accepts_a_guarantee_from_her_home_page(page: Page) -> None:
    login(page, "09120000012")
    requests = page.locator("[data-test=guarantee-requests]")
    expect(requests).to_be_visible()
    shot(page, "home-guarantee-request-phone")
    requests.locator("a").first.click()
    expect(page.locator("[data-test=my-guarantee]")).to_be_visible()
    shot(page, "loan-guarantee-ask-phone")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("[data-test=accept]")  # she is asked first; saying no changes nothing
    expect(page.locator("[data-test=my-guarantee]")).to_be_visible()
    assert asked and "ضمانت" in asked[0] and "۱" in asked[0]
    assert not Guarantee.objects.filter(guarantor__person__mobile="09120000012", status="accepted").exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-test=accept]")
    expect(page.locator(".msg")).to_be_visible()
    assert Guarantee.objects.filter(guarantor__person__mobile="09120000012", status="accepted").exists()


def test_manager_approves_what_the_treasurer_proposed(page: Page) -> None:
    loan = Loan.objects.get(status="proposed")
    login(page, "09120000010")
    page.goto(f"/funds/loans/{loan.pk}/")
    form = page.locator("[data-test=decision-form]")
    form.locator("input[value=approve]").check()
    form.locator("button.primary").click()
    expect(page.locator("[data-test=status]")).to_have_text("تصویب‌شده، در نوبت پرداخت")
    expect(page.locator("[data-test=queue-position]")).to_be_visible()


def test_treasurer_pays_out_the_head_of_the_queue_and_records_a_repayment(page: Page) -> None:
    login(page, "09120000011")
    fund_id = Loan.objects.filter(status="approved").first().fund_id  # type: ignore[union-attr]
    page.goto(f"/funds/{fund_id}/loans/")
    shot(page, "fund-loans-phone")
    page.locator("[data-test=queue] a").first.click()
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.locator("[data-test=disburse-form] button.primary").click()
    expect(page.locator("[data-test=status]")).to_have_text("واریزشده، در حال بازپرداخت")
    expect(page.locator("[data-test=schedule] tbody tr").first).to_be_visible()
    assert asked and "پرداخت" in asked[0]  # a one-tap payout is confirmed first
    loan = Loan.objects.filter(status="disbursed").order_by("-disbursed_on", "-pk").first()
    assert loan is not None and loan.installments.exists()
    page.locator("[data-test=repay-form] button.primary").click()  # the next installment is filled in
    expect(page.locator(".msg")).to_be_visible()
    assert loan.repayments.count() == 1
    shot(page, "loan-detail-phone")


def test_a_repayment_above_the_debt_is_refused_in_persian(page: Page) -> None:
    loan = Loan.objects.filter(status="disbursed").first()
    assert loan is not None
    before = loan.repayments.count()
    login(page, "09120000011")
    page.goto(f"/funds/loans/{loan.pk}/")
    form = page.locator("[data-test=repay-form]")
    form.locator("input[name=amount]").fill("۹۹۹۹۹۹۹۹۹۹")
    form.locator("button.primary").click()
    expect(page.locator("[data-test=repay-form] [data-field=amount] .errorlist")).to_contain_text("بدهی")
    assert loan.repayments.count() == before
