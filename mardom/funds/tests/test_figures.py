"""Figures that agree: the loans page, the fund page, the fund's monthly statement (screen and PDF) show the
same numbers for the same fund and day, and today's stored-balance path agrees with a past day's postings
path over random repayment histories."""

from __future__ import annotations

import datetime
import re
from typing import Any

import time_machine
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mardom.core.digits import localize_digits
from mardom.core.jalali import from_jalali
from mardom.core.money import format_money
from mardom.core.tests.pdfs import pdf_text
from mardom.funds import figures, selectors, services, statements
from mardom.funds.models import Loan

from .test_statements import TODAY, _now, approved_loan, disbursed, world  # noqa: F401 (fixtures)

# The disbursed fixture's loan: 30,000,000 paid out 1403/08/15, installment 1 repaid 1403/09/15, installment 2
# (due 1403/10/15) never: on 1403/10/30 it is 15 days late, on 1403/11/30 45 days (PAR30).
DEC_END = from_jalali(1403, 10, 30)
JAN_END = from_jalali(1403, 11, 30)
LATER = from_jalali(1403, 12, 10)


def _figure(html: str, name: str) -> str:
    match = re.search(rf'data-test="figure-{name}"[^>]*>([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_loans_page_and_the_statement_agree_on_the_same_day(client, world, disbursed):  # noqa: F811
    fund = world["fund"]
    client.force_login(world["manager"])
    for end, month in ((DEC_END, 10), (JAN_END, 11)):
        # The loans page on the month's last day, "as of today".
        with time_machine.travel(_now(end), tick=False):
            page = client.get(reverse("funds:loans", args=[fund.pk])).content.decode()
            today = figures.portfolio(fund=fund, on=end)
            running = statements.fund_statement(fund, year=1403, month=month)
        # The same month's statement read later, "as of the month's end", from the postings.
        with time_machine.travel(_now(LATER), tick=False):
            past = statements.fund_statement(fund, year=1403, month=month)
            html = client.get(reverse("funds:statement-fund", args=[fund.pk]) + f"?year=1403&month={month}")
            pdf = client.get(reverse("funds:statement-fund-pdf", args=[fund.pk]) + f"?year=1403&month={month}")
        assert today == running["portfolio"] == past["portfolio"] == figures.portfolio_posted(fund=fund, on=end)
        assert past["on"] == end and today["on"] == end
        statement = html.content.decode()
        text = _flat(pdf_text(pdf.content))
        for name, shown in (("loans", localize_digits(str(today["loans"]))),
                            ("outstanding", format_money(today["outstanding"])),
                            ("late", localize_digits(str(today["late"]))),
                            ("arrears", format_money(today["arrears"]))):
            assert _figure(page, name) == _figure(statement, name) == shown, name
            assert _flat(shown) in text, name
        assert _flat(format_money(today["par30"])) in text
    assert today["late"] == 1 and today["par30"] == today["outstanding"] == 27_000_000
    assert today["arrears"] > 0


def test_each_page_says_which_day_it_means(client, world, disbursed):  # noqa: F811
    fund = world["fund"]
    client.force_login(world["manager"])
    with time_machine.travel(_now(LATER), tick=False):
        page = client.get(reverse("funds:loans", args=[fund.pk])).content.decode()
        statement = client.get(reverse("funds:statement-fund", args=[fund.pk]) + "?year=1403&month=10")
        detail = client.get(reverse("funds:detail", args=[fund.pk])).content.decode()
    assert "۱۰ اسفند ۱۴۰۳" in page and "۱۰ اسفند ۱۴۰۳" in detail
    assert "۳۰ دی ۱۴۰۳" in statement.content.decode()


def test_a_running_month_is_stated_as_of_today(world, disbursed):  # noqa: F811
    """While a month runs, its statement is of today: an installment due later this month is not late yet."""
    fund = world["fund"]
    mid = from_jalali(1403, 10, 10)  # installment 2 falls due on 1403/10/15
    s = statements.fund_statement(fund, year=1403, month=10, today=mid)
    assert s["on"] == mid and s["portfolio"]["late"] == 0
    assert s["portfolio"] == figures.portfolio(fund=fund, on=mid, today=mid)


def test_the_fund_page_and_the_statement_agree_on_savings_and_members(client, world, disbursed):  # noqa: F811
    fund = world["fund"]
    with time_machine.travel(_now(JAN_END), tick=False):
        totals = selectors.fund_totals(fund=fund)
    with time_machine.travel(_now(LATER), tick=False):
        s = statements.fund_statement(fund, year=1403, month=11)
    # Nothing was posted after 1403/11/30 in this world, so today's figures are the month end's.
    assert totals["savings"] == s["sheet"]["savings"] == figures.savings_total(fund=fund, on=JAN_END,
                                                                             today=LATER)
    assert totals["members"] == s["members"] == figures.members(fund=fund, on=JAN_END) == 3


def test_todays_portfolio_costs_three_queries(world, disbursed, django_assert_num_queries):  # noqa: F811
    """Today's path reads the fund's running loans, their installments and their repayments: three queries."""
    with django_assert_num_queries(3):
        figures.portfolio(fund=world["fund"], on=LATER, today=LATER)


def test_the_loans_other_modules_count_are_the_running_loans(world, disbursed):  # noqa: F811
    """A cluster page counts its producers' running loans and their principal as the loans page does."""
    people = {world["borrower"].person_id, world["other"].person_id}
    today = figures.portfolio(fund=world["fund"], on=LATER, today=LATER)
    assert figures.loans_held(person_ids=people) == {"count": today["loans"], "outstanding": today["outstanding"]}
    assert figures.loans_held(person_ids={world["other"].person_id}) == {"count": 0, "outstanding": 0}


history = st.lists(st.tuples(st.integers(0, 400), st.integers(1, 12_000_000), st.sampled_from(
    ["repay", "repay", "repay", "forgive"])), max_size=8)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=history, extra=st.integers(0, 120))
def test_todays_path_and_the_postings_path_agree(world, ops: list[tuple[int, int, str]], extra: int):  # noqa: F811
    """After every day of a random repayment history, the stored-balance path (as the loans page reads it that
    day) equals the postings path read later for that day (as the statement reads it)."""
    with transaction.atomic():
        loan = services.loan_disburse(by=world["treasurer"], loan=approved_loan(world), on=TODAY,
                                      idempotency_key=f"d-{Loan.objects.count()}", today=TODAY)
        seen: dict[datetime.date, dict[str, Any]] = {}
        days = sorted({TODAY + datetime.timedelta(days=offset) for offset, _a, _k in ops} | {TODAY})
        for i, (offset, amount, kind) in enumerate(sorted(ops)):
            day = TODAY + datetime.timedelta(days=offset)
            loan.refresh_from_db()
            if loan.status == Loan.Status.DISBURSED:
                owed = sum(p.total for p in selectors.loan_plan(loan=loan)) - figures.loan_repaid(loan=loan, on=day)
                if kind == "repay":
                    services.loan_repay(by=world["treasurer"], loan=loan, amount=min(amount, owed), paid_on=day,
                                        idempotency_key=f"r-{loan.pk}-{i}", today=day)
                else:
                    closure = services.loan_close_propose(by=world["manager"], loan=loan, kind="forgive",
                                                          reason="آزمون", now=_now(day))
                    services.loan_close_confirm(by=world["treasurer"], closure=closure, on=day, now=_now(day),
                                                idempotency_key=f"f-{loan.pk}")
            seen[day] = figures.portfolio_stored(fund=world["fund"], on=day)
        last = days[-1] + datetime.timedelta(days=extra)
        seen[last] = figures.portfolio_stored(fund=world["fund"], on=last)
        assert seen[last] == figures.portfolio(fund=world["fund"], on=last, today=last)
        for day, stored in seen.items():
            assert figures.portfolio_posted(fund=world["fund"], on=day) == stored, day
            assert figures.portfolio(fund=world["fund"], on=day, today=last) == stored, day
        assert figures.savings_total(fund=world["fund"], on=last, today=last) == figures.savings_total(
            fund=world["fund"], on=last, today=last + datetime.timedelta(days=1))
        transaction.set_rollback(True)
