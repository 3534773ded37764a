"""The Content-Security-Policy in a real Chromium: the pages that use htmx (the place picker), the date
picker and the storefront run with no violation reported."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .test_foundation import login


def _violations(page: Page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


def test_pages_run_under_the_policy_with_no_violation(page: Page) -> None:
    violations = _violations(page)
    login(page, "09120000003")
    page.goto("/people/new/")
    page.fill("#id_home_place_search", "قائن")
    expect(page.locator("#id_home_place_results [data-place-id]").first).to_be_visible()  # htmx ran
    page.locator("[data-field=birth_date] .calendar-button").click()
    expect(page.locator("jdp-container")).to_be_visible()  # the date picker ran
    for url in ("/", "/shop/", "/dashboards/doubling/", "/market/exhibitions/"):
        response = page.goto(url)
        assert response is not None and response.headers.get("content-security-policy")
    assert violations == []
