"""The demo's onboarded fund: «صندوق قرض‌الحسنه الزهرا (س)» of the Imam Ali base in Qaen comes into Mardom
from its own workbook (mardom/demo/data/onboard-fund.xlsx, written by mardom/demo/data/make_onboard_fund.py),
imported by the base officer (09120000005) exactly as the upload page does: 30 members with their savings on
the cut-over day 1403/01/01, a year of contributions since, loans being repaid with their guarantors.

`build(builder)` runs last in `Builder.build()` and draws nothing from the builder's rng, so the data made
before it stays as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import timezone

from mardom.funds.onboarding.posting import fund_import
from mardom.orgs.models import Base
from mardom.people.models import Person

WORKBOOK = Path(__file__).resolve().parent.parent / "data" / "onboard-fund.xlsx"
BASE_NAME = "پایگاه مقاومت امام علی (ع)"
BASE_OFFICER_MOBILE = "09120000005"


def build(builder: Any) -> None:
    base = Base.objects.get(name=BASE_NAME)
    by = Person.objects.get(mobile=BASE_OFFICER_MOBILE).user
    today = getattr(builder, "today", None) or timezone.localdate()
    record = fund_import(by=by, base=base, data=WORKBOOK.read_bytes(), filename=WORKBOOK.name, today=today)
    if record.status != record.Status.DONE:  # the kept workbook is clean: anything else is a bug to see at once
        raise RuntimeError(f"the demo's workbook did not import: {record.problems[:5]}")
