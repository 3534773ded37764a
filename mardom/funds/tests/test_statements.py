"""Statements: the data builders (a member's position, a fund's month and balance sheet), their scope, and
the Persian PDF."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from mardom.core.digits import to_persian_digits
from mardom.core.jalali import add_jalali_months, from_jalali, jalali_month_start, to_jalali
from mardom.core.tests.pdfs import pdf_text
from mardom.funds import selectors, services, statements
from mardom.funds.models import Membership

from .conftest import FOUNDED

TODAY = datetime.date(2024, 11, 5)  # 1403/08/15: more than six months after FOUNDED
LATER = datetime.date(2024, 12, 10)  # 1403/09/20: the day the views are looked at


def _now(day: datetime.date = TODAY) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def pay_up(treasurer: Any, membership: Any, until: datetime.date = TODAY) -> None:
    """Contributions for every month from the one after joining to last month, each paid on the 1st."""
    day = jalali_month_start(membership.joined_on, 1)
    while jalali_month_start(day, 1) <= jalali_month_start(until):
        j = to_jalali(day)
        services.contribution_record(by=treasurer, membership=membership, year=j.year, month=j.month, paid_on=day,
                                     today=day)
        day = jalali_month_start(day, 1)


@pytest.fixture
def world(join: Any, treasurer: Any, make_user: Any, make_person: Any, base: Any, fund: Any) -> dict[str, Any]:
    borrower = join(10_000_000, person=make_person(base, first_name="زهرا", last_name="کریمی"))
    # Names without Latin digits, so the PDF test can tell that every number is printed in Persian.
    guarantor = join(20_000_000, person=make_person(base, first_name="فاطمه", last_name="رضایی"))
    other = join(5_000_000, person=make_person(base, first_name="علی", last_name="محمدی"))
    for m in (borrower, guarantor, other):
        pay_up(treasurer, m)
    manager = make_user(make_person(base), roles=[("fund_manager", fund)])
    return {
        "borrower": Membership.objects.get(pk=borrower.pk), "guarantor": Membership.objects.get(pk=guarantor.pk),
        "other": Membership.objects.get(pk=other.pk), "treasurer": treasurer, "manager": manager, "fund": fund,
        "borrower_user": make_user(borrower.person), "guarantor_user": make_user(guarantor.person),
        "other_user": make_user(other.person),
    }


def approved_loan(world: dict[str, Any], amount: int = 30_000_000, months: int = 10) -> Any:
    loan = services.loan_apply(by=world["borrower_user"], membership=world["borrower"], amount=amount,
                               months=months, purpose="production", now=_now())
    needed = selectors.guarantee_needed(loan=loan)
    if needed:
        g = services.guarantee_request(by=world["borrower_user"], loan=loan, guarantor=world["guarantor"],
                                       amount=needed)
        services.guarantee_respond(by=world["guarantor_user"], guarantee=g, accept=True)
    services.loan_propose(by=world["treasurer"], loan=loan, now=_now())
    return services.loan_decide(by=world["manager"], loan=loan, approve=True, now=_now())


@pytest.fixture
def disbursed(world: dict[str, Any]) -> Any:
    """A 30,000,000 loan paid out on TODAY (1403/08/15), one installment repaid on 1403/09/15."""
    loan = services.loan_disburse(by=world["treasurer"], loan=approved_loan(world), on=TODAY, idempotency_key="d1",
                                  today=TODAY)
    services.loan_repay(by=world["treasurer"], loan=loan, amount=3_000_000, paid_on=add_jalali_months(TODAY, 1),
                        idempotency_key="r1", today=add_jalali_months(TODAY, 1))
    loan.refresh_from_db()
    return loan


def months_of(fund: Any, until: tuple[int, int]) -> list[tuple[int, int]]:
    j = to_jalali(fund.founded_on)
    index, last = j.year * 12 + j.month - 1, until[0] * 12 + until[1] - 1
    return [divmod(i, 12) for i in range(index, last + 1)]


# --- the fund's month -------------------------------------------------------------------------------------
def test_every_month_reconciles_and_the_balance_sheet_balances(world, disbursed):
    fund = world["fund"]
    previous_closing = 0
    for year, month0 in months_of(fund, (1403, 11)):
        s = statements.fund_statement(fund, year=year, month=month0 + 1)
        sheet = s["sheet"]
        assert sheet["assets"] == sheet["liabilities_and_equity"], (year, month0 + 1, sheet)
        assert s["opening_cash"] == previous_closing
        assert s["opening_cash"] + s["cash_in"] - s["cash_out"] == s["closing_cash"]
        assert sheet["cash"] == s["closing_cash"]
        previous_closing = s["closing_cash"]
    assert previous_closing == selectors.fund_totals(fund=fund)["cash"]


def test_the_month_of_the_loan(world, disbursed):
    s = statements.fund_statement(world["fund"], year=1403, month=8)
    assert s["disbursed"] == 30_000_000 and s["disbursed_count"] == 1
    assert s["portfolio"] == {"on": s["end"], "loans": 1, "outstanding": 30_000_000, "par30": 0, "late": 0,
                              "arrears": 0, "par30_permille": 0}
    assert s["sheet"]["loans"] == 30_000_000
    savings = sum(m.savings for m in Membership.objects.filter(fund=world["fund"]))
    assert s["sheet"]["savings"] == savings  # no contribution after 1403/08 is in the books yet
    after = statements.fund_statement(world["fund"], year=1403, month=9)
    assert after["repayments"] == 3_000_000 and after["repaid_principal"] == 3_000_000
    assert after["sheet"]["loans"] == 27_000_000
    # Today's portfolio, as the selector computes it, is the portfolio at the end of the last month.
    assert after["portfolio"] == selectors.portfolio(fund=world["fund"], on=after["end"])


def test_par30_counts_a_loan_more_than_thirty_days_late(world, disbursed):
    # Installment 2 fell due on 1403/10/15 and was not paid: on 1403/10/30 it is 15 days late, on 1403/11/30 45.
    dec = statements.fund_statement(world["fund"], year=1403, month=10)["portfolio"]
    assert dec["late"] == 1 and dec["par30"] == 0
    jan = statements.fund_statement(world["fund"], year=1403, month=11)["portfolio"]
    assert jan["par30"] == 27_000_000 and jan["par30_permille"] == 1000


def test_a_month_before_and_after_a_contribution(fund, join, treasurer):
    member = join(1_000_000)
    services.contribution_record(by=treasurer, membership=member, year=1403, month=2,
                                 paid_on=from_jalali(1403, 2, 10), today=from_jalali(1403, 2, 10))
    before = statements.fund_statement(fund, year=1403, month=1)
    assert (before["opening_cash"], before["contributions"], before["deposits"], before["closing_cash"]) == (
        0, 0, 1_000_000, 1_000_000)
    assert before["members"] == 1 and before["joined"] == 1
    after = statements.fund_statement(fund, year=1403, month=2)
    assert (after["opening_cash"], after["contributions"], after["contributions_count"], after["closing_cash"]) == (
        1_000_000, 500_000, 1, 1_500_000)
    assert after["sheet"]["savings"] == 1_500_000 and after["sheet"]["assets"] == 1_500_000
    assert after["sheet"]["assets"] == after["sheet"]["liabilities_and_equity"]


def test_a_member_who_left_is_not_counted_at_the_month_end(fund, join, treasurer):
    stays, leaves = join(), join()
    services.membership_leave(by=treasurer, membership=leaves, left_on=from_jalali(1403, 3, 5),
                              idempotency_key="leave", today=from_jalali(1403, 3, 5))
    june = statements.fund_statement(fund, year=1403, month=3)
    assert (june["members"], june["left"], june["settlements"]) == (1, 1, 1_000_000)
    assert june["sheet"]["savings"] == stays.savings == june["closing_cash"]


def test_statement_month_falls_back_to_the_last_complete_month(fund):
    today = datetime.date(2024, 11, 5)  # 1403/08/15
    assert statements.statement_month(fund=fund, year="", month="", today=today) == (1403, 7)
    assert statements.statement_month(fund=fund, year="1403", month="13", today=today) == (1403, 7)
    assert statements.statement_month(fund=fund, year="x", month="1", today=today) == (1403, 7)
    assert statements.statement_month(fund=fund, year="1403", month="9", today=today) == (1403, 7)  # future
    assert statements.statement_month(fund=fund, year="1402", month="12", today=today) == (1403, 7)  # before
    assert statements.statement_month(fund=fund, year="۱۴۰۳", month="۲", today=today) == (1403, 2)
    assert statements.statement_month(fund=fund, year="1403", month="8", today=today) == (1403, 8)
    # A fund founded this month has no complete month yet: its first month is shown.
    assert statements.statement_month(fund=fund, year="", month="", today=datetime.date(2024, 3, 25)) == (1403, 1)


# --- the member -------------------------------------------------------------------------------------------
def test_member_statement(world, disbursed):
    borrower = Membership.objects.get(pk=world["borrower"].pk)
    s = statements.member_statement(borrower, on=LATER)
    assert s["name"] == "زهرا کریمی" and s["savings"] == borrower.savings
    assert s["passbook"][-1]["balance"] == borrower.savings
    assert s["passbook"][0]["kind"] == "opening"
    months = {(c["year"], c["month"]): c["state"] for c in s["contributions"]}
    assert months[(1403, 1)] == "deposit" and months[(1403, 7)] == "paid"
    assert months[(1403, 8)] == "unpaid" and months[(1403, 9)] == "due"
    assert len(s["contributions"]) == 9  # from the joining month to this month, newest first
    assert s["contributions"][0]["month"] == 9
    [loan] = s["loans"]
    assert loan["outstanding"] == 27_000_000 and loan["paid"] == 3_000_000
    assert [row["state"] for row in loan["schedule"][:2]] == ["paid", "upcoming"]
    assert loan["guarantors"][0]["name"] == world["guarantor"].person.full_name
    assert s["held"] == selectors.savings_held(membership=borrower)
    assert s["free"] == s["savings"] - s["held"]
    assert s["fund_totals"] == selectors.fund_totals(fund=world["fund"])


def test_guarantees_given_show_what_they_hold(world, disbursed):
    guarantor = Membership.objects.get(pk=world["guarantor"].pk)
    s = statements.member_statement(guarantor, on=LATER)
    [g] = s["guarantees"]
    assert g["status"] == "accepted" and g["held"] > 0
    assert g["held"] == selectors.savings_held(membership=guarantor) == s["held"]
    assert g["borrower"] == "زهرا کریمی"


def test_place_in_the_queue(world):
    approved_loan(world)
    s = statements.member_statement(world["borrower"], on=TODAY)
    assert (s["queue_place"], s["queue_length"]) == (1, 1)
    assert statements.member_statement(world["other"], on=TODAY)["queue_place"] is None


# --- views and scope --------------------------------------------------------------------------------------
def four_urls(fund: Any, membership: Any) -> list[str]:
    return [reverse("funds:statement-member", args=[membership.pk]),
            reverse("funds:statement-member-pdf", args=[membership.pk]),
            reverse("funds:statement-fund", args=[fund.pk]),
            reverse("funds:statement-fund-pdf", args=[fund.pk])]


def test_anonymous_is_sent_to_login(client, world):
    for url in four_urls(world["fund"], world["borrower"]):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_an_officer_of_another_county_gets_404_on_all_four(client, world, birjand_officer):
    client.force_login(birjand_officer)
    for url in four_urls(world["fund"], world["borrower"]):
        assert client.get(url).status_code == 404, url


@time_machine.travel(_now(LATER), tick=False)
def test_a_member_sees_her_own_statement_and_the_fund_but_not_another_member(client, world, disbursed):
    client.force_login(world["borrower_user"])
    fund, own, other = world["fund"], world["borrower"], world["other"]
    page = client.get(reverse("funds:statement-member", args=[own.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    # Issue 10: the PDF is asked for as a background document (a form), no longer a direct link.
    assert "زهرا کریمی" in html and reverse("funds:statement-member-document", args=[own.pk]) in html
    assert client.get(reverse("funds:statement-member", args=[other.pk])).status_code == 404
    assert client.get(reverse("funds:statement-member-pdf", args=[other.pk])).status_code == 404
    fund_page = client.get(reverse("funds:statement-fund", args=[fund.pk]))
    assert fund_page.status_code == 200
    # Totals only: no other member's name is on the fund statement.
    assert other.person.full_name not in fund_page.content.decode()
    assert world["guarantor"].person.full_name not in fund_page.content.decode()


def test_a_member_who_is_not_in_this_fund_gets_404(client, world, join, make_user, make_person, qaenat, base_officer,
                                                   base):
    from mardom.funds.services import fund_create

    from .conftest import RULES

    elsewhere = fund_create(by=base_officer, base=base, name="صندوق دیگر", founded_on=FOUNDED, rules=RULES)
    stranger = make_user(make_person(qaenat))
    client.force_login(stranger)
    for url in four_urls(world["fund"], world["borrower"]) + four_urls(elsewhere, world["other"])[2:]:
        assert client.get(url).status_code == 404, url


def test_an_officer_with_funds_view_sees_every_statement(client, world, county_officer):
    client.force_login(county_officer)
    for url in four_urls(world["fund"], world["other"]):
        assert client.get(url).status_code == 200, url


@time_machine.travel(_now(LATER), tick=False)
def test_bad_months_fall_back_without_error(client, world):
    client.force_login(world["treasurer"])
    url = reverse("funds:statement-fund", args=[world["fund"].pk])
    for query in ("?month=13", "?year=1403&month=13", "?year=abc&month=2", "?year=99999999999999999999&month=1",
                  "?year=1403&month=-1"):
        response = client.get(url + query)
        assert response.status_code == 200, query
        assert response.context["s"]["month"] == 8 and response.context["s"]["year"] == 1403, query
    assert client.get(url + "?year=%00&month=%00").status_code == 400  # refused before the view
    response = client.get(url + "?year=۱۴۰۳&month=۵")
    assert response.context["s"]["month"] == 5
    pdf = client.get(reverse("funds:statement-fund-pdf", args=[world["fund"].pk]) + "?month=13")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


# --- PDF --------------------------------------------------------------------------------------------------
@time_machine.travel(_now(LATER), tick=False)
def test_the_member_pdf_is_persian(client, world, disbursed):
    client.force_login(world["borrower_user"])
    response = client.get(reverse("funds:statement-member-pdf", args=[world["borrower"].pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;") and disposition.isascii()
    text = pdf_text(response.content)
    assert "زهرا" in text and "کریمی" in text
    assert to_persian_digits("1403") in text  # dates and amounts in Persian digits
    assert not any(d in text.replace("\x0c", "") for d in "0123456789")
    assert "صفح" in text and re.search("[۰-۹]+ *از *[۰-۹]+", text)  # the page footer: "صفحهٔ ۱ از ۳"


@time_machine.travel(_now(LATER), tick=False)
def test_the_member_statement_is_made_in_the_background_for_its_owner_only(
        client, world, disbursed, birjand_officer, django_capture_on_commit_callbacks):
    from mardom.core.models import AuditEntry, Document

    own, other = world["borrower"], world["other"]
    url = reverse("funds:statement-member-document", args=[own.pk])
    # Another member of the same fund, or an officer of another county: the membership is not there for them.
    for outsider in (world["other_user"], birjand_officer):
        client.force_login(outsider)
        assert client.post(url).status_code == 404
    assert not Document.objects.exists() and not AuditEntry.objects.filter(action="document.request").exists()
    client.force_login(world["borrower_user"])
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    doc = Document.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("document", args=[doc.pk])
    assert doc.kind == "member_statement" and doc.owner == world["borrower_user"] and doc.status == "done"
    assert "زهرا کریمی" in doc.title
    download = client.get(reverse("document-download", args=[doc.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    text = pdf_text(b"".join(download.streaming_content))
    assert "زهرا" in text and "کریمی" in text
    assert f"member-statement-{own.pk}-" in download["Content-Disposition"]
    # Even the fund's treasurer, who may read this statement, does not get the member's own document.
    for outsider in (world["treasurer"], world["other_user"], birjand_officer):
        client.force_login(outsider)
        assert client.get(reverse("document-download", args=[doc.pk])).status_code == 404
        assert client.get(reverse("document", args=[doc.pk])).status_code == 404
    assert client.post(reverse("funds:statement-member-document", args=[other.pk])).status_code == 404


@time_machine.travel(_now(LATER), tick=False)
def test_the_fund_pdf(client, world, disbursed):
    client.force_login(world["treasurer"])
    response = client.get(reverse("funds:statement-fund-pdf", args=[world["fund"].pk]) + "?year=1403&month=8")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "fund-statement" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "آبان" in text and to_persian_digits("1403") in text
    assert world["fund"].name.split()[0] in text


def test_pdf_rendering_fetches_only_bundled_static_files(tmp_path):
    from weasyprint.urls import URLFetchingError, fetch

    from mardom.core.pdf import _fetcher, font_faces

    fetcher = _fetcher()
    font = font_faces()[400]
    with fetch(fetcher, font) as response:
        assert response.read(4) == b"\x00\x01\x00\x00"  # a TrueType font
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    for url in ("http://example.com/x.css", "https://example.com/font.ttf", secret.as_uri(), "file:///etc/passwd",
                font.rsplit("/", 3)[0] + "/../../../../../../etc/hostname", "data:text/css,body{}"):
        with pytest.raises(URLFetchingError), fetch(fetcher, url):
            pass


def test_the_pdf_footer_counts_pages_in_persian():
    from mardom.core.pdf import page_footer_css

    css = str(page_footer_css())
    assert "counter(page, persian)" in css and "counter(pages, persian)" in css
