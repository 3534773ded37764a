"""The month page's closed meeting and the reversal pages, as a treasurer, a manager and the member would use them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mardom.core.jalali import to_jalali
from mardom.funds import services
from mardom.funds.models import Contribution, MeetingClose, Repayment
from mardom.ledger.models import Entry

from .test_loans import TODAY, approved_loan, world  # noqa: F401 (a fixture)

J = to_jalali(TODAY)
NOW = datetime.datetime(2024, 11, 5, 9, tzinfo=datetime.UTC)  # TODAY, 12:30 in Tehran
pytestmark = pytest.mark.usefixtures("_today")


@pytest.fixture
def _today() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def w(world: dict[str, Any]) -> dict[str, Any]:  # noqa: F811 - the imported fixture
    return world


def _month(client: Any, fund: Any) -> str:
    return reverse("funds:month", args=[fund.pk]) + f"?year={J.year}&month={J.month}"


def _record(w: Any, membership: Any) -> Contribution:
    return services.contribution_record(by=w["treasurer"], membership=membership, year=J.year, month=J.month,
                                        paid_on=TODAY, today=TODAY)


def test_a_treasurer_reverses_a_contribution_from_the_month_page_with_a_reason(client: Any, w: Any) -> None:
    contribution = _record(w, w["other"])
    client.force_login(w["treasurer"])
    page = client.get(_month(client, w["fund"])).content.decode()
    link = reverse("funds:contribution-reverse", args=[contribution.pk])
    assert 'data-test="recorded-contribution"' in page and link in page
    form = client.get(link)
    assert form.status_code == 200 and "آبان" in form.content.decode()
    entries = Entry.objects.count()
    refused = client.post(link, {"reason": "   ", "next": _month(client, w["fund"])})
    assert refused.status_code == 400
    assert 'class="field invalid" data-field="reason"' in refused.content.decode()
    assert Entry.objects.count() == entries
    done = client.post(link, {"reason": "برای عضو دیگری ثبت شده بود", "next": _month(client, w["fund"])})
    assert done.status_code == 302 and done["Location"] == _month(client, w["fund"])
    assert Entry.objects.count() == entries + 1
    assert not Contribution.objects.filter(pk=contribution.pk).live().exists()
    page = client.get(_month(client, w["fund"])).content.decode()
    assert 'data-test="reversed"' in page
    # The passbook says what was reversed, in words, beside the original line now marked.
    passbook = client.get(reverse("funds:membership", args=[w["other"].pk])).content.decode()
    assert "برگشت: " in passbook and 'data-test="reversed"' in passbook
    assert client.get(link).content.decode().count('data-test="already-reversed"') == 1
    assert client.post(link, {"reason": "دوباره"}).status_code == 200  # nothing to do twice
    assert Entry.objects.count() == entries + 1


def test_an_outside_link_is_not_followed_after_a_reversal(client: Any, w: Any) -> None:
    client.force_login(w["treasurer"])
    for outside in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        contribution = _record(w, w["other"])
        done = client.post(reverse("funds:contribution-reverse", args=[contribution.pk]),
                           {"reason": "اشتباه", "next": outside})
        assert done["Location"] == reverse("funds:membership", args=[w["other"].pk]), outside


def test_the_member_cannot_reverse_their_own_records(client: Any, w: Any, make_user: Any) -> None:
    contribution = _record(w, w["borrower"])
    withdrawal = services.withdrawal_record(by=w["treasurer"], membership=w["borrower"], amount=100_000,
                                            occurred_on=TODAY, idempotency_key="w", today=TODAY)
    client.force_login(w["borrower_user"])
    page = client.get(reverse("funds:membership", args=[w["borrower"].pk])).content.decode()
    assert 'data-test="reverse-link"' not in page
    entries = Entry.objects.count()
    for name, pk in (("contribution-reverse", contribution.pk), ("withdrawal-reverse", withdrawal.pk)):
        url = reverse(f"funds:{name}", args=[pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"reason": "اشتباه"}).status_code == 403
    assert Entry.objects.count() == entries


def test_the_members_page_and_the_loan_page_link_to_what_may_be_reversed(client: Any, w: Any) -> None:
    contribution = _record(w, w["borrower"])
    withdrawal = services.withdrawal_record(by=w["treasurer"], membership=w["borrower"], amount=100_000,
                                            occurred_on=TODAY, idempotency_key="w", today=TODAY)
    loan = services.loan_disburse(by=w["treasurer"], loan=approved_loan(w), on=TODAY, idempotency_key="d",
                                  today=TODAY)
    first = services.loan_repay(by=w["treasurer"], loan=loan, amount=1_000_000, paid_on=TODAY,
                                idempotency_key="r1", today=TODAY)
    second = services.loan_repay(by=w["treasurer"], loan=loan, amount=1_000_000, paid_on=TODAY,
                                 idempotency_key="r2", today=TODAY)
    client.force_login(w["treasurer"])
    page = client.get(reverse("funds:membership", args=[w["borrower"].pk])).content.decode()
    assert reverse("funds:contribution-reverse", args=[contribution.pk]) in page
    assert reverse("funds:withdrawal-reverse", args=[withdrawal.pk]) in page
    page = client.get(reverse("funds:loan", args=[loan.pk])).content.decode()
    assert reverse("funds:repayment-reverse", args=[second.pk]) in page
    assert reverse("funds:repayment-reverse", args=[first.pk]) not in page
    # The earlier repayment's page refuses with the reason, beside nothing but the form, and changes nothing.
    refused = client.post(reverse("funds:repayment-reverse", args=[first.pk]), {"reason": "اشتباه"})
    assert refused.status_code == 400 and "آخرین" in refused.content.decode()
    assert Repayment.objects.filter(loan=loan).live().count() == 2
    assert client.post(reverse("funds:repayment-reverse", args=[second.pk]), {"reason": "اشتباه"}).status_code == 302
    page = client.get(reverse("funds:loan", args=[loan.pk])).content.decode()
    assert 'data-test="reversed"' in page and reverse("funds:repayment-reverse", args=[first.pk]) in page


def test_after_the_close_the_member_and_loan_pages_send_the_recorder_to_another_officer(client: Any, w: Any) -> None:
    contribution = _record(w, w["borrower"])
    loan = services.loan_disburse(by=w["treasurer"], loan=approved_loan(w), on=TODAY, idempotency_key="d",
                                  today=TODAY)
    repayment = services.loan_repay(by=w["treasurer"], loan=loan, amount=1_000_000, paid_on=TODAY,
                                    idempotency_key="r1", today=TODAY)
    services.meeting_close(by=w["treasurer"], fund=w["fund"], year=J.year, month=J.month, held_on=TODAY, today=TODAY)
    links = {"funds:membership": ("funds:contribution-reverse", w["borrower"].pk, contribution.pk),
             "funds:loan": ("funds:repayment-reverse", loan.pk, repayment.pk)}
    for user, told in ((w["treasurer"], True), (w["manager"], False)):
        client.force_login(user)
        for page_name, (reverse_name, page_pk, record_pk) in links.items():
            page = client.get(reverse(page_name, args=[page_pk])).content.decode()
            # The recorder is not shown a link she would be refused at; the manager has it.
            assert (reverse(reverse_name, args=[record_pk]) in page) is not told, (user, page_name)
            assert ('data-test="another-reverses"' in page) is told, (user, page_name)


def test_closing_the_meeting_hides_todays_forms_and_refuses_records_beside_the_date(client: Any, w: Any) -> None:
    _record(w, w["borrower"])
    client.force_login(w["treasurer"])
    month = _month(client, w["fund"])
    page = client.get(month).content.decode()
    assert 'data-test="close-form"' in page and 'data-test="month-form"' in page
    refused = client.post(month, {"part": "close", "year": J.year, "month": J.month, "held_on": "1499/01/01"})
    assert 'class="field invalid" data-field="held_on"' in refused.content.decode()
    assert not MeetingClose.objects.exists()
    closed = client.post(month, {"part": "close", "year": J.year, "month": J.month, "held_on": "1403/08/15"})
    assert closed.status_code == 302 and MeetingClose.objects.get().held_on == TODAY
    page = client.get(month).content.decode()
    assert 'data-test="meeting-closed"' in page and 'data-test="locked-today"' in page
    assert 'data-test="month-form"' not in page and 'data-test="close-form"' not in page
    # Her own record of the closed meeting is reversed by another officer: she is told so, the manager has the link.
    assert 'data-test="another-reverses"' in page and 'data-test="reverse-link"' not in page
    client.force_login(w["manager"])
    managers = client.get(month).content.decode()
    assert 'data-test="reverse-link"' in managers and 'data-test="another-reverses"' not in managers
    client.force_login(w["treasurer"])
    entries = Entry.objects.count()
    refused = client.post(month, {"year": J.year, "month": J.month, "paid_on": "1403/08/14",
                                  "members": [str(w["other"].pk)]})
    assert 'class="field invalid" data-field="paid_on"' in refused.content.decode()
    assert "بسته" in refused.content.decode()
    assert Entry.objects.count() == entries
    # The next day the forms are back, for payments made since the meeting.
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        client.force_login(w["treasurer"])  # a session lasts a working day
        page = client.get(month).content.decode()
        assert 'data-test="month-form"' in page and 'data-test="locked-today"' not in page


def test_the_month_page_costs_the_same_for_more_recorded_rows(client: Any, w: Any, join: Any) -> None:
    client.force_login(w["treasurer"])
    _record(w, w["borrower"])
    with CaptureQueriesContext(connection) as few:
        client.get(_month(client, w["fund"]))
    for _ in range(6):
        member = join(on=TODAY)
        services.contribution_record(by=w["treasurer"], membership=member, year=J.year, month=J.month,
                                     paid_on=TODAY, today=TODAY)
    with CaptureQueriesContext(connection) as many:
        client.get(_month(client, w["fund"]))
    assert len(many) <= len(few)


def test_the_loan_page_lists_late_charges_and_reverses_one_with_a_reason(client: Any, w: Any, base_officer: Any
                                                                         ) -> None:
    from .test_corrections import _charge

    loan = services.loan_disburse(by=w["treasurer"], loan=approved_loan(w), on=TODAY, idempotency_key="d",
                                  today=TODAY)
    with time_machine.travel(NOW + datetime.timedelta(days=120), tick=False):  # its first installment is late
        _late_charge_page_flow(client, w, loan, _charge(w, loan, base_officer))


def _late_charge_page_flow(client: Any, w: Any, loan: Any, charge: Any) -> None:
    from mardom.funds.models import LateCharge

    link = reverse("funds:late-charge-reverse", args=[charge.pk])
    client.force_login(w["borrower_user"])  # the borrower sees her charges, and no way to reverse them
    page = client.get(reverse("funds:loan", args=[loan.pk])).content.decode()
    assert 'data-test="late-charge"' in page and link not in page
    assert client.post(link, {"reason": "اشتباه"}).status_code == 403
    client.force_login(w["treasurer"])
    page = client.get(reverse("funds:loan", args=[loan.pk])).content.decode()
    assert link in page
    refused = client.post(link, {"reason": ""})
    assert refused.status_code == 400 and 'data-field="reason"' in refused.content.decode()
    assert LateCharge.objects.filter(pk=charge.pk).live().exists()
    done = client.post(link, {"reason": "قسط به موقع پرداخت شده بود"})
    assert done.status_code == 302 and done.url == reverse("funds:loan", args=[loan.pk])
    assert not LateCharge.objects.filter(pk=charge.pk).live().exists()
    page = client.get(reverse("funds:loan", args=[loan.pk])).content.decode()
    assert 'data-test="reversed"' in page and link not in page
