"""Institution performance in the browser, on a phone: the county officer compares Qaenat's institutions and
narrows to one kind of request; the bank's own officer sees her branch alone."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from mardom.desk.models import InstitutionFigures, Request
from mardom.orgs.models import Institution
from mardom.people.models import Person, User

from .conftest import shot
from .test_foundation import login


@pytest.fixture
def answered_requests() -> None:
    """A few requests answered by the demo's Keshavarzi branch (its officer is the institution login), if the
    demo has none of its own yet: made through the request services, so the figures are the services' own."""
    from mardom.desk.services import requests as services

    bank = Institution.objects.get(bank="keshavarzi", name__contains="قاین")
    if InstitutionFigures.objects.filter(receiver_id=bank.pk).exists():
        return
    base_officer = User.objects.get(person__mobile="09120000005")
    bank_officer = User.objects.get(person__mobile="09120000007")
    unit = base_officer.role_assignments.get().unit
    people = list(Person.objects.filter(unit=unit).order_by("pk")[:4])
    now = timezone.now() - datetime.timedelta(days=20)
    for n, person in enumerate(people):
        request = services.request_create(by=base_officer, person=person, unit=unit, kind="bank_loan",
                                          subject=f"وام سرمایه در گردش {n + 1}", amount_asked=200_000_000,
                                          institution=bank, now=now)
        services.request_submit(by=base_officer, request=request, now=now)
        if n == 3:
            continue  # left open, and late by now
        services.request_receive(by=bank_officer, request=request, now=now + datetime.timedelta(hours=2 + n * 30))
        outcome: dict[str, Any] = ({"outcome": "refused", "refusal_reason": "guarantee"} if n == 2 else
                                   {"outcome": "partly", "granted_amount": 150_000_000} if n == 1 else
                                   {"outcome": "granted"})
        services.request_answer(by=bank_officer, request=request, now=now + datetime.timedelta(days=2 + n * 5),
                                **outcome)
    assert Request.objects.filter(institution=bank).count() >= 4


def test_the_county_officer_compares_institutions_on_a_phone(page: Page, answered_requests: None) -> None:
    login(page, "09120000003")
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/")
    expect(page.locator("a[href='/desk/performance/']").first).to_have_text("عملکرد نهادها")  # in the menu
    page.goto("/desk/performance/")
    expect(page.locator("h1")).to_contain_text("عملکرد نهادها")
    expect(page.locator("[data-test=performance-total]")).to_contain_text("٪")
    expect(page.locator("[data-test=performance-branches]")).to_contain_text("بانک کشاورزی شعبه مرکزی قاین")
    expect(page.locator("[data-test=performance-counties]")).to_contain_text("قاینات")
    expect(page.locator("[data-test=performance-refusals]")).to_contain_text("وثیقه")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "desk-performance-county-phone")
    page.locator("[data-test=performance-filters] select[name=kind]").select_option("permit")
    page.locator("[data-test=performance-filters] button").click()
    expect(page).to_have_url(re.compile(r"kind=permit"))
    expect(page.locator("[data-test=performance-branches]")).not_to_contain_text("بانک کشاورزی شعبه مرکزی قاین")


def test_the_bank_officer_sees_her_branch_alone(page: Page, answered_requests: None) -> None:
    login(page, "09120000007")
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/desk/performance/")
    rows = page.locator("[data-test=branch-row]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("بانک کشاورزی شعبه مرکزی قاین")
    expect(page.locator("[data-test=performance-filters] select[name=county]")).to_have_count(0)
    shot(page, "desk-performance-institution-phone")
