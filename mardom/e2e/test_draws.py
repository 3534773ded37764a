"""Draws (mardom-draw-v2) in the browser, on the demo fund: the member keeps her announcement, the manager
cannot hold a draw inside the notice period."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from mardom.core.digits import to_persian_digits
from mardom.core.jalali import format_jalali
from mardom.funds import draw_v2
from mardom.funds.models import Draw

from .conftest import shot
from .test_foundation import login


def test_the_member_saves_the_announcement_and_reads_what_to_keep(page: Page) -> None:
    draw = Draw.objects.get(status="announced", protocol="mardom-draw-v2")
    login(page, "09120000012")
    page.goto("/funds/")
    page.locator("table.list a").first.click()
    page.click("[data-test=own-passbook]")
    expect(page.locator("[data-test=member-draws]")).to_be_visible()
    page.locator(f"[data-test=member-draws] a[href='/funds/draws/{draw.pk}/']").click()
    expect(page.locator("[data-test=keep]")).to_contain_text("نگه دارید")
    expect(page.locator("[data-test=source]")).to_contain_text("رقیه خزاعی")  # she seals one of the numbers
    expect(page.locator("[data-test=digest]")).to_have_text(draw.digest)
    expect(page.locator("[data-test=perform-form]")).to_have_count(0)
    expect(page.locator("[data-test=cancel-form]")).to_have_count(0)
    shot(page, "draw-announced-member-phone")
    with page.expect_download() as info:
        page.click("[data-test=announcement]")
    saved = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert draw_v2.verify_announcement(saved).ok and saved["digest"] == draw.digest


def test_the_cancelled_draw_shows_its_reason(page: Page) -> None:
    draw = Draw.objects.get(status="cancelled")
    login(page, "09120000012")
    page.goto(f"/funds/draws/{draw.pk}/")
    expect(page.locator("[data-test=cancelled]")).to_contain_text(draw.cancel_reason)


def test_the_manager_cannot_announce_inside_the_notice_period(page: Page) -> None:
    draw = Draw.objects.get(status="announced", protocol="mardom-draw-v2")
    before = list(Draw.objects.values_list("pk", "status"))
    login(page, "09120000010")
    page.goto(f"/funds/{draw.fund_id}/draws/")
    form = page.locator("[data-test=announce-form]")
    expect(form).to_be_visible()
    shot(page, "draw-announce-form-phone")
    tomorrow = to_persian_digits(format_jalali(timezone.localdate() + datetime.timedelta(days=1)))
    form.locator("input[name=winners_count]").fill("۱")
    form.locator("input[name=held_on]").fill(tomorrow)
    form.locator("input[name=source_name]").fill("شاخص کل بورس تهران")
    form.locator("input[name=source_date]").fill(tomorrow)
    form.locator("button.primary").click()
    expect(page.locator("[data-test=announce-form] [data-field=held_on] .errorlist")).to_contain_text("روز")
    assert list(Draw.objects.values_list("pk", "status")) == before
