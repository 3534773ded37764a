from __future__ import annotations

import datetime
from typing import Any

import pytest

from mardom.funds import services
from mardom.funds.services import RulesInput

FOUNDED = datetime.date(2024, 3, 20)  # 1403/01/01
RULES = RulesInput(monthly_contribution=500_000, min_months_before_loan=6, loan_savings_multiple=3,
                   loan_cap=300_000_000)


@pytest.fixture
def fund(base_officer: Any, base: Any) -> Any:
    return services.fund_create(by=base_officer, base=base, name="صندوق قرض‌الحسنه امام رضا", founded_on=FOUNDED,
                                rules=RULES)


@pytest.fixture
def treasurer(make_person: Any, make_user: Any, fund: Any, base: Any) -> Any:
    return make_user(make_person(base), roles=[("fund_treasurer", fund)])


@pytest.fixture
def join(treasurer: Any, fund: Any, make_person: Any, base: Any) -> Any:
    counter = iter(range(1, 10_000))

    def make(deposit: int = 1_000_000, on: datetime.date = FOUNDED, person: Any = None) -> Any:
        return services.membership_join(by=treasurer, fund=fund, person=person or make_person(base),
                                        opening_deposit=deposit, joined_on=on, idempotency_key=f"join-{next(counter)}",
                                        today=on)

    return make
