"""A treasurer's month and a member's passbook, in a real Chromium, on the demo funds."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from mardom.funds.models import Contribution, Fund, Membership, Movement

from .conftest import shot
from .test_foundation import login


def first_fund() -> Fund:
    return Fund.objects.order_by("pk").first()  # type: ignore[return-value]


def test_treasurer_records_a_month_for_the_late_payers(page: Page) -> None:
    login(page, "09120000011")
    fund = first_fund()
    page.goto(f"/funds/{fund.pk}/")
    expect(page.locator("[data-test=totals]")).to_be_visible()
    shot(page, "fund-detail-phone")
    page.click("[data-test=month]")
    form = page.locator("[data-test=month-form]")
    expect(form).to_be_visible()
    ticked = form.locator("input[name=members]:checked").count()
    assert ticked > 0
    before = Contribution.objects.count()
    shot(page, "fund-month-phone")
    page.click("[data-test=save]")
    expect(page.locator(".msg")).to_be_visible()
    assert Contribution.objects.count() == before + ticked


def test_withdrawal_above_savings_is_refused_with_a_persian_message(page: Page) -> None:
    login(page, "09120000011")
    membership = Membership.objects.filter(fund=first_fund(), status="active").order_by("number").first()
    assert membership is not None
    page.goto(f"/funds/members/{membership.pk}/")
    before = Movement.objects.count()
    form = page.locator("[data-test=withdraw-form]")
    form.locator("input[name=amount]").fill("۹۹۹٬۹۹۹٬۹۹۹٬۹۹۹")
    form.locator("button.primary").click()
    expect(page.locator("[data-test=withdraw-form] [data-field=amount] .errorlist")).to_contain_text("حداکثر")
    shot(page, "withdraw-refused-phone")
    assert Movement.objects.count() == before


def test_member_sees_own_passbook_and_not_others(page: Page) -> None:
    login(page, "09120000012")
    page.goto("/funds/")
    page.locator("table.list a").first.click()
    expect(page.locator("[data-test=members]")).to_have_count(0)  # other members are private
    page.click("[data-test=own-passbook]")
    expect(page.locator("[data-test=passbook] tbody tr").first).to_be_visible()
    assert not re.search(r"[0-9]", page.locator("[data-test=savings]").inner_text())
    shot(page, "member-passbook-phone")
    other = Membership.objects.filter(fund=first_fund()).exclude(person__mobile="09120000012").first()
    assert other is not None
    response = page.goto(f"/funds/members/{other.pk}/")
    assert response is not None and response.status == 404


def test_the_auditor_reads_the_books_but_has_nothing_to_press(page: Page) -> None:
    login(page, "09120000006")
    fund = first_fund()
    page.goto(f"/funds/{fund.pk}/")
    expect(page.locator("[data-test=members]")).to_be_visible()
    expect(page.locator("[data-test=join]")).to_have_count(0)
    expect(page.locator("[data-test=month]")).to_have_count(0)
    page.click("[data-test=loans]")
    expect(page.locator("[data-test=portfolio]")).to_be_visible()
    shot(page, "auditor-loans-phone")


def test_the_demo_books_pass_bean_check_and_ledger_verify(demo_server: str, tmp_path: object) -> None:
    """The beancount export of a real demo fund, checked by beancount's own bean-check."""
    import subprocess
    import sys
    from pathlib import Path

    from django.core.management import call_command

    call_command("ledger-verify")
    fund = first_fund()
    out = Path(str(tmp_path)) / "fund.beancount"
    call_command("export-beancount", "--fund", str(fund.pk), "--output", str(out))
    bean_check = Path(sys.executable).parent / "bean-check"
    result = subprocess.run([str(bean_check), str(out)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
