"""Fixtures of the request tests (imported by each tests/test_requests_*.py module): a Qaenat world with a bank
branch that has its own officer, an agency with none, a base with its officer, people in and out of scope."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from mardom.orgs import services as orgs


def at(day: int, hour: int = 9, minute: int = 0, month: int = 6) -> datetime.datetime:
    """A moment in June 2025 (Asia/Tehran). 2025-06-07 is a Saturday; Fridays are the 6th, 13th, 20th, 27th."""
    return datetime.datetime(2025, month, day, hour, minute, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def desk(county_officer: Any, birjand_officer: Any, qaenat: Any, birjand: Any, qaenat_village: Any, base: Any,
         base_officer: Any, make_person: Any, make_user: Any, south_khorasan: Any) -> SimpleNamespace:
    by = county_officer
    bank = orgs.institution_create(by=by, county=qaenat, name="بانک کشاورزی قاین", place=qaenat_village,
                                   type="bank_branch", bank="keshavarzi", services="تسهیلات کشاورزی و دام")
    other_bank = orgs.institution_create(by=by, county=qaenat, name="بانک ملی قاین", place=None,
                                         type="bank_branch", bank="melli", services="قرض‌الحسنه")
    agency = orgs.institution_create(by=by, county=qaenat, name="جهاد کشاورزی قاینات", place=None,
                                     type="agency", services="مجوز کشاورزی")
    centre = orgs.institution_create(by=by, county=qaenat, name="فنی و حرفه‌ای قاین", place=None,
                                     type="training_centre", services="قالی‌بافی خیاطی")
    birjand_bank = orgs.institution_create(by=birjand_officer, county=birjand, name="بانک سپه بیرجند", place=None,
                                           type="bank_branch", bank="sepah")
    bank_officer = make_user(make_person(qaenat), roles=[("institution_officer", bank)])
    other_bank_officer = make_user(make_person(qaenat), roles=[("institution_officer", other_bank)])
    person = make_person(base)
    person_user = make_user(person)
    stranger = make_user(make_person(qaenat))  # a person with no role, not the one the request is for
    birjand_person = make_person(birjand)
    province = make_user(make_person(qaenat), roles=[("province_officer", south_khorasan)])
    return SimpleNamespace(county=qaenat, birjand=birjand, base=base, officer=by, birjand_officer=birjand_officer,
                           base_officer=base_officer,
                           bank=bank, other_bank=other_bank, agency=agency, centre=centre, birjand_bank=birjand_bank,
                           bank_officer=bank_officer, other_bank_officer=other_bank_officer, person=person,
                           person_user=person_user, stranger=stranger, birjand_person=birjand_person,
                           province=province)


@pytest.fixture
def make_request(desk: SimpleNamespace) -> Any:
    """make_request(**over): a draft bank-loan request for desk.person made by the base, through the service."""
    from mardom.desk.services.requests import request_create

    def make(**over: Any) -> Any:
        kw: dict[str, Any] = {"by": desk.base_officer, "person": desk.person, "unit": desk.base,
                              "kind": "bank_loan", "subject": "وام خرید دام", "amount_asked": 500_000_000,
                              "institution": desk.bank, "now": at(7, 9)}
        kw.update(over)
        return request_create(**kw)

    return make


@pytest.fixture
def plain_calendar(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Deadlines on the bare office week (Saturday to Wednesday 8 to 16, no holidays, Thursday off), so tests
    can state the expected moments whatever the holiday table holds."""
    from mardom.desk.services import requests as services
    from mardom.desk.workcal import WorkCalendar

    calendar = WorkCalendar(start=datetime.time(8), end=datetime.time(16), half_day_end=datetime.time(12))
    monkeypatch.setattr(services, "calendar_for", lambda **kw: calendar)
    return calendar
