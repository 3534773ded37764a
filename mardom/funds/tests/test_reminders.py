from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation

from mardom.core.jalali import add_jalali_months, format_jalali
from mardom.core.models import Notification
from mardom.core.money import format_money
from mardom.core.notify import notify
from mardom.core.sms import SmsError
from mardom.core.sms.backends import outbox
from mardom.funds import selectors, services
from mardom.funds.models import Guarantee
from mardom.funds.reminders import due_soon, guarantor_notices, loan_facts, overdue, send_reminders

from .test_loans import TODAY, _now, apply, approved_loan
from .test_loans import world as world  # a fixture, used by name

FIRST_DUE = add_jalali_months(TODAY, 1)  # 1403/09/15, 2024-12-05
SECOND_DUE = add_jalali_months(TODAY, 2)  # 1403/10/15, 2025-01-04
PERSIAN_DIGIT = re.compile("[۰-۹]")
LATIN_DIGIT = re.compile("[0-9]")
LATIN_LETTER = re.compile("[A-Za-z]")


@pytest.fixture(autouse=True)
def _empty_outbox() -> None:
    outbox.clear()


@pytest.fixture
def loan(world):
    """20,000,000 rials over ten months from TODAY: 2,000,000 due on the 15th of each Jalali month."""
    return services.loan_disburse(by=world["treasurer"], loan=approved_loan(world), on=TODAY, idempotency_key="d",
                                  today=TODAY)


@pytest.fixture
def guaranteed_loan(world):
    """Like `loan`, with two guarantors who both accepted."""
    application = apply(world)
    needed = selectors.guarantee_needed(loan=application)
    assert needed > 1_000_000
    for who, amount in (("guarantor", needed - 1_000_000), ("other", 1_000_000)):
        g = services.guarantee_request(by=world["borrower_user"], loan=application, guarantor=world[who],
                                       amount=amount)
        services.guarantee_respond(by=_user_of(world[who]), guarantee=g, accept=True)
    services.loan_propose(by=world["treasurer"], loan=application, now=_now())
    services.loan_decide(by=world["manager"], loan=application, approve=True, now=_now())
    return services.loan_disburse(by=world["treasurer"], loan=application, on=TODAY, idempotency_key="d", today=TODAY)


def _user_of(membership):
    from mardom.people.models import User

    return User.objects.get_or_create(username=membership.person.national_id,
                                      defaults={"person": membership.person})[0]


def _run(capture, on, **kw):
    with capture(execute=True):
        return send_reminders(on=on, **kw)


def _borrower_mobile(loan):
    return loan.membership.person.mobile


def test_a_due_soon_reminder_is_sent_once_however_often_the_job_runs(world, loan, django_capture_on_commit_callbacks):
    on = FIRST_DUE - datetime.timedelta(days=2)
    first = _run(django_capture_on_commit_callbacks, on)
    second = _run(django_capture_on_commit_callbacks, on)
    third = _run(django_capture_on_commit_callbacks, on + datetime.timedelta(days=1))  # tomorrow: still due soon
    assert first == {"due_soon": 1, "overdue": 0, "guarantors": 0, "already_sent": 0, "failed": 0}
    assert second["due_soon"] == third["due_soon"] == 0
    assert second["already_sent"] == third["already_sent"] == 1
    assert [sms.to for sms in outbox] == [_borrower_mobile(loan)]
    assert Notification.objects.count() == 1


def test_nothing_is_due_soon_outside_the_window(world, loan, django_capture_on_commit_callbacks):
    assert _run(django_capture_on_commit_callbacks, FIRST_DUE - datetime.timedelta(days=4))["due_soon"] == 0
    assert _run(django_capture_on_commit_callbacks, FIRST_DUE - datetime.timedelta(days=4), days=5)["due_soon"] == 1
    assert len(outbox) == 1


def test_an_overdue_installment_produces_one_reminder(world, loan, django_capture_on_commit_callbacks):
    on = FIRST_DUE + datetime.timedelta(days=1)
    counts = _run(django_capture_on_commit_callbacks, on)
    assert counts["overdue"] == 1 and counts["guarantors"] == 0
    _run(django_capture_on_commit_callbacks, on)
    _run(django_capture_on_commit_callbacks, on + datetime.timedelta(days=5))
    overdue_sms = [sms for sms in outbox if "سررسید شده" in sms.text or "was due" in sms.text]
    assert len(overdue_sms) == 1
    assert Notification.objects.filter(key__startswith="overdue:").count() == 1
    assert not Notification.objects.filter(key__startswith="due:").exists()  # too late for "due soon"


def test_guarantors_hear_once_each_after_thirty_days(world, guaranteed_loan, django_capture_on_commit_callbacks):
    loan = guaranteed_loan
    guarantors = {g.guarantor.person.mobile for g in Guarantee.objects.filter(loan=loan, status="accepted")
                  .select_related("guarantor__person")}
    assert len(guarantors) == 2
    assert _run(django_capture_on_commit_callbacks, FIRST_DUE + datetime.timedelta(days=29))["guarantors"] == 0
    first = _run(django_capture_on_commit_callbacks, FIRST_DUE + datetime.timedelta(days=31))
    later = _run(django_capture_on_commit_callbacks, FIRST_DUE + datetime.timedelta(days=45))
    assert first["guarantors"] == 2 and later["guarantors"] == 0
    to_guarantors = [sms for sms in outbox if sms.to in guarantors]
    assert sorted(sms.to for sms in to_guarantors) == sorted(guarantors)
    borrower = loan.membership.person.full_name
    assert all(borrower in sms.text and loan.fund.name in sms.text for sms in to_guarantors)
    # Two installments are overdue by then, each reminded once.
    assert Notification.objects.filter(key__startswith="overdue:").count() == 2


def test_a_repaid_installment_produces_nothing(world, loan, django_capture_on_commit_callbacks):
    services.loan_repay(by=world["treasurer"], loan=loan, amount=2_000_000, paid_on=TODAY, idempotency_key="r1",
                        today=TODAY)
    for on in (FIRST_DUE - datetime.timedelta(days=2), FIRST_DUE, FIRST_DUE + datetime.timedelta(days=40)):
        assert not any(r.key.split(":")[2] == "inst1" for r in
                       due_soon(on=on) + overdue(on=on) + guarantor_notices(on=on))
    _run(django_capture_on_commit_callbacks, FIRST_DUE - datetime.timedelta(days=2))
    _run(django_capture_on_commit_callbacks, FIRST_DUE + datetime.timedelta(days=1))
    assert outbox == []
    assert not Notification.objects.exists()


def test_a_partly_paid_installment_is_reminded_for_what_is_left(world, loan, django_capture_on_commit_callbacks):
    services.loan_repay(by=world["treasurer"], loan=loan, amount=500_000, paid_on=TODAY, idempotency_key="r1",
                        today=TODAY)
    _run(django_capture_on_commit_callbacks, FIRST_DUE - datetime.timedelta(days=1))
    with translation.override("fa"):
        left = format_money(1_500_000)
    assert len(outbox) == 1 and left in outbox[0].text


def test_a_loan_repaid_in_full_gets_no_reminders(world, loan, django_capture_on_commit_callbacks):
    services.loan_repay(by=world["treasurer"], loan=loan, amount=20_000_000, paid_on=TODAY, idempotency_key="all",
                        today=TODAY)
    counts = _run(django_capture_on_commit_callbacks, FIRST_DUE + datetime.timedelta(days=60))
    assert sum(counts.values()) == 0 and outbox == []


def test_nothing_is_sent_when_the_transaction_rolls_back(world, loan, django_capture_on_commit_callbacks):
    on = FIRST_DUE - datetime.timedelta(days=1)

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom), transaction.atomic():
        assert send_reminders(on=on)["due_soon"] == 1
        raise Boom
    assert callbacks == [] and outbox == []
    assert not Notification.objects.exists()  # the log rolled back too, so the reminder is still to be sent
    assert _run(django_capture_on_commit_callbacks, on)["due_soon"] == 1
    assert len(outbox) == 1


def test_texts_are_persian_with_persian_digits(world, guaranteed_loan, django_capture_on_commit_callbacks):
    loan = guaranteed_loan
    _run(django_capture_on_commit_callbacks, FIRST_DUE - datetime.timedelta(days=1))
    _run(django_capture_on_commit_callbacks, FIRST_DUE + datetime.timedelta(days=31))
    assert len(outbox) == 5  # due soon, then two installments overdue and a notice to each guarantor
    with translation.override("fa"):
        due_date = format_jalali(FIRST_DUE, "long")
    assert due_date in outbox[0].text and "آذر" in due_date
    borrower = loan.membership.person.full_name  # test names carry a Latin serial number: leave them out
    for sms in outbox:
        assert loan.fund.name in sms.text
        text = sms.text.replace(borrower, "")
        assert PERSIAN_DIGIT.search(text) and not LATIN_DIGIT.search(text), sms.text
        assert not LATIN_LETTER.search(text), sms.text
        assert "تومان" in text


def test_texts_are_persian_whatever_language_is_active(world, loan):
    on = FIRST_DUE - datetime.timedelta(days=1)
    with translation.override("en"):
        reminder, = due_soon(on=on)
    assert PERSIAN_DIGIT.search(reminder.text) and not LATIN_DIGIT.search(reminder.text)


def test_reminders_are_computed_in_a_few_queries(world, loan, django_assert_num_queries):
    on = FIRST_DUE + datetime.timedelta(days=40)
    with django_assert_num_queries(3):
        facts = loan_facts(on=on)
    with django_assert_num_queries(0):
        due_soon(on=on, facts=facts)
        overdue(on=on, facts=facts)
    with django_assert_num_queries(1):
        guarantor_notices(on=on, facts=facts)


def test_notify_is_idempotent_and_refuses_a_bad_number(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(key="draw:fund1:1:member2", to="۰۹۱۲۱۲۳۴۵۶۷", text="برنده شدید") is True
        assert notify(key="draw:fund1:1:member2", to="09121234567", text="برنده شدید") is False
    assert [(sms.to, sms.text) for sms in outbox] == [("09121234567", "برنده شدید")]
    with pytest.raises(SmsError):
        notify(key="bad", to="12345", text="x")
    assert not Notification.objects.filter(key="bad").exists()


def test_the_command_runs(world, loan, django_capture_on_commit_callbacks):
    on = FIRST_DUE - datetime.timedelta(days=2)
    with translation.override("en"):
        date = format_jalali(on)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send-reminders", "--date", date, "--days", "3", stdout=out)
        call_command("send-reminders", "--date", date, stdout=out)
    assert "due soon 1," in out.getvalue() and "already sent 1," in out.getvalue()
    assert len(outbox) == 1
    with pytest.raises(CommandError):
        call_command("send-reminders", "--date", "not a date")
    with pytest.raises(CommandError):
        call_command("send-reminders", "--days", "-1")
