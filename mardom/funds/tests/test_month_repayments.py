"""The month page's repayments: each loan with something due by the month's end, a tick and an amount, all or
nothing, once per page sent; refused for anyone but the fund's treasurer."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from mardom.core.errors import DomainError
from mardom.funds import selectors, services
from mardom.funds.models import Repayment
from mardom.funds.tests.test_loans import TODAY, approved_loan, verified, world  # noqa: F401 - fixture
from mardom.ledger.models import Entry

pytestmark = pytest.mark.django_db
AT = datetime.datetime(2024, 12, 10, 10, 0, tzinfo=datetime.UTC)  # 1403/09/20: the first installment is due
ON = datetime.date(2024, 12, 10)


@pytest.fixture
def loan(world: dict[str, Any]) -> Any:  # noqa: F811 - the imported fixture
    """20,000,000 rials over 10 months, paid out on 1403/08/15: 2,000,000 due on the 15th of each month."""
    return services.loan_disburse(by=world["treasurer"], loan=approved_loan(world), on=TODAY, idempotency_key="d",
                                  today=TODAY)


def state() -> tuple[int, int]:
    return Repayment.objects.count(), Entry.objects.count()


def month_url(fund: Any) -> str:
    return reverse("funds:month", args=[fund.pk])


def post(client: Any, fund: Any, loan: Any, amount: str, request_id: str | None = None, **extra: Any) -> Any:
    return client.post(month_url(fund), {
        "part": "repayments", "year": "1403", "month": "9", "paid_on": "1403/09/20", "loans": [str(loan.pk)],
        f"amount_{loan.pk}": amount, "request_id": request_id or str(uuid.uuid4()), **extra})


def test_what_is_due_by_the_months_end_arrears_included_less_what_was_repaid(
        loan: Any, world: dict[str, Any]) -> None:  # noqa: F811
    fund = world["fund"]
    assert selectors.repayments_due(fund=fund, year=1403, month=8) == []  # nothing due before the first month
    assert [(d.loan.pk, d.due) for d in selectors.repayments_due(fund=fund, year=1403, month=9)] == [
        (loan.pk, 2_000_000)]
    assert selectors.repayments_due(fund=fund, year=1403, month=11)[0].due == 6_000_000
    services.loan_repay(by=world["treasurer"], loan=loan, amount=500_000, paid_on=ON, idempotency_key="p",
                        today=ON)
    assert selectors.repayments_due(fund=fund, year=1403, month=9)[0].due == 1_500_000
    assert selectors.repayments_due(fund=fund, year=1405, month=1)[0].due == 19_500_000  # never more than owed


def test_the_due_list_is_one_query_whatever_the_loans(loan: Any, world: dict[str, Any],  # noqa: F811
                                                      django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        rows = selectors.repayments_due(fund=world["fund"], year=1403, month=9)
        assert rows[0].loan.membership.person.full_name


@time_machine.travel(AT, tick=False)
def test_the_treasurer_records_the_meetings_repayments_once(client: Any, loan: Any,
                                                            world: dict[str, Any]) -> None:  # noqa: F811
    client.force_login(world["treasurer"])
    page = client.get(month_url(world["fund"]), {"year": "1403", "month": "9"})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-test="repay-form"' in html and f'data-loan="{loan.pk}"' in html
    assert "۲۰۰٬۰۰۰" in html  # the amount due, in the display unit with Persian digits
    request_id = str(uuid.uuid4())
    response = post(client, world["fund"], loan, "۲٬۰۰۰٬۰۰۰ ریال", request_id)
    assert response.status_code == 302 and response["Location"].endswith("?year=1403&month=9")
    assert list(Repayment.objects.values_list("loan_id", "amount", "paid_on")) == [(loan.pk, 2_000_000, ON)]
    before = state()
    post(client, world["fund"], loan, "۲٬۰۰۰٬۰۰۰ ریال", request_id)  # the same page sent again
    assert state() == before
    assert selectors.repayments_due(fund=world["fund"], year=1403, month=9) == []
    assert verified(world["fund"])


@time_machine.travel(AT, tick=False)
@pytest.mark.parametrize("amount,message", [
    ("۳۰٬۰۰۰٬۰۰۰ ریال", "بدهی این وام فقط"),  # more than is owed: the message says how much is
    ("", "مبلغ بازپرداخت را بنویسید."),
    ("سیصد", None),
    ("-5", None),
])
def test_bad_amounts_are_refused_beside_the_loan_and_change_nothing(client: Any, loan: Any,
                                                                    world: dict[str, Any],  # noqa: F811
                                                                    amount: str, message: str | None) -> None:
    client.force_login(world["treasurer"])
    before = state()
    response = post(client, world["fund"], loan, amount)
    html = response.content.decode()
    assert response.status_code == 200
    cell = html.split(f'data-field="amount_{loan.pk}"', 1)[1].split("</td>", 1)[0]
    assert f'class="field invalid" data-field="amount_{loan.pk}"' in html and 'class="errorlist"' in cell
    if message:
        assert message in cell
    assert state() == before


@time_machine.travel(AT, tick=False)
def test_nothing_ticked_is_refused(client: Any, loan: Any, world: dict[str, Any]) -> None:  # noqa: F811
    client.force_login(world["treasurer"])
    before = state()
    response = client.post(month_url(world["fund"]), {
        "part": "repayments", "year": "1403", "month": "9", "paid_on": "1403/09/20",
        f"amount_{loan.pk}": "200000", "request_id": str(uuid.uuid4())})
    assert response.status_code == 200 and 'class="field invalid" data-field="loans"' in response.content.decode()
    assert state() == before


def second_loan(world: dict[str, Any], make_user: Any) -> Any:  # noqa: F811
    from mardom.funds.tests.test_loans import _now

    borrower = make_user(world["other"].person)
    loan = services.loan_apply(by=borrower, membership=world["other"], amount=5_000_000, months=5,
                               purpose="production", now=_now())
    needed = selectors.guarantee_needed(loan=loan)
    if needed:
        asked = services.guarantee_request(by=borrower, loan=loan, guarantor=world["guarantor"], amount=needed)
        services.guarantee_respond(by=world["guarantor_user"], guarantee=asked, accept=True)
    services.loan_propose(by=world["treasurer"], loan=loan, now=_now())
    loan = services.loan_decide(by=world["manager"], loan=loan, approve=True, now=_now())
    return services.loan_disburse(by=world["treasurer"], loan=loan, on=TODAY, idempotency_key="d2", today=TODAY)


def test_one_refused_repayment_writes_none_of_the_meeting(loan: Any, world: dict[str, Any],  # noqa: F811
                                                          make_user: Any) -> None:
    other = second_loan(world, make_user)
    before = state()
    with pytest.raises(DomainError) as refused:
        services.loans_repay_month(by=world["treasurer"], fund=world["fund"], paid_on=ON, today=ON,
                                   payments=[(loan, 2_000_000), (other, 9_000_000)], request_id="m")
    assert refused.value.field == f"amount_{other.pk}"
    assert state() == before
    with pytest.raises(DomainError):  # one loan twice in one meeting is a mistake, not two repayments
        services.loans_repay_month(by=world["treasurer"], fund=world["fund"], paid_on=ON, today=ON,
                                   payments=[(loan, 1_000_000), (loan, 1_000_000)], request_id="twice")
    assert state() == before
    done = services.loans_repay_month(by=world["treasurer"], fund=world["fund"], paid_on=ON, today=ON,
                                      payments=[(loan, 2_000_000), (other, 1_000_000)], request_id="ok")
    assert [r.amount for r in done] == [2_000_000, 1_000_000] and verified(world["fund"])


@time_machine.travel(AT, tick=False)
def test_no_one_but_the_treasurer_records_them(client: Any, loan: Any, world: dict[str, Any],  # noqa: F811
                                               make_user: Any, make_person: Any, base: Any,
                                               base_officer: Any, county_officer: Any) -> None:
    from mardom.funds.tests.conftest import FOUNDED, RULES

    other_fund = services.fund_create(by=base_officer, base=base, name="صندوق دیگر", founded_on=FOUNDED, rules=RULES)
    other_treasurer = make_user(make_person(base), roles=[("fund_treasurer", other_fund)])
    before = state()
    # (The fund's manager may record money: the role holds funds.treasury by design.)
    for who in (world["borrower_user"], other_treasurer, county_officer, base_officer):
        client.force_login(who)
        response = post(client, world["fund"], loan, "۲٬۰۰۰٬۰۰۰ ریال")
        assert response.status_code in (403, 404), who
        with pytest.raises((PermissionDenied, DomainError)):
            services.loans_repay_month(by=who, fund=world["fund"], paid_on=ON, today=ON,
                                       payments=[(loan, 2_000_000)], request_id=f"x{who.pk}")
    assert state() == before
    # The other fund's treasurer on her own fund cannot slip this fund's loan in either.
    with pytest.raises(DomainError):
        services.loans_repay_month(by=other_treasurer, fund=other_fund, paid_on=ON, today=ON,
                                   payments=[(loan, 2_000_000)], request_id="slip")
    assert state() == before
