"""Quiet hours: a message queued at night is deferred to the morning on a backend that can defer; codes a
person is waiting for are not; without quiet hours, or on a backend that cannot defer, messages go at once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.test import override_settings

from mardom.core.notify import notify
from mardom.core.sms import send_sms_on_commit
from mardom.core.sms.backends import outbox
from mardom.core.sms.quiet import quiet_hours, quiet_until

TEHRAN = ZoneInfo("Asia/Tehran")
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def tehran(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 5, day, hour, minute, tzinfo=TEHRAN)


@pytest.fixture
def dummy():
    """The dummy task backend (it can defer, and keeps what was enqueued), fresh for the test."""
    from django_tasks import task_backends

    with override_settings(TASKS=DUMMY):
        backend = task_backends["default"]
        backend.clear()
        yield backend


@pytest.fixture(autouse=True)
def _empty_outbox():
    outbox.clear()
    yield
    outbox.clear()


def _queue(callbacks_fixture, **kwargs):
    with callbacks_fixture(execute=True), transaction.atomic():
        send_sms_on_commit(to="09121234567", text="سلام", **kwargs)


# --- the span -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("now", "until"), [
    (tehran(4, 21, 0), tehran(5, 8, 0)),
    (tehran(4, 23, 59), tehran(5, 8, 0)),
    (tehran(5, 0, 0), tehran(5, 8, 0)),
    (tehran(5, 7, 59), tehran(5, 8, 0)),
    (tehran(5, 8, 0), None),
    (tehran(5, 13, 0), None),
    (tehran(5, 20, 59), None),
])
def test_the_default_quiet_hours_are_nine_at_night_to_eight_in_the_morning(now, until):
    assert quiet_hours() == (dt.time(21), dt.time(8))
    assert quiet_until(now) == until


def test_a_moment_in_utc_is_judged_in_tehran_time():
    late = tehran(4, 22, 30).astimezone(dt.UTC)  # 19:00 UTC
    assert quiet_until(late) == tehran(5, 8)


@override_settings(MARDOM_SMS_QUIET_HOURS="13:00-15:30")
def test_a_span_within_one_day():
    assert quiet_until(tehran(5, 12, 59)) is None
    assert quiet_until(tehran(5, 13, 0)) == tehran(5, 15, 30)
    assert quiet_until(tehran(5, 15, 30)) is None


@override_settings(MARDOM_SMS_QUIET_HOURS="")
def test_no_quiet_hours_when_the_setting_is_empty():
    assert quiet_hours() is None
    assert quiet_until(tehran(5, 2)) is None


@pytest.mark.parametrize("value", ["21-08", "21:00", "21:00-08:00-09:00", "25:00-08:00", "08:00-08:00"])
def test_a_wrong_setting_is_reported(value):
    with override_settings(MARDOM_SMS_QUIET_HOURS=value), pytest.raises(ImproperlyConfigured,
                                                                        match="MARDOM_SMS_QUIET_HOURS"):
        quiet_hours()


# --- queueing -------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_message_queued_at_night_waits_for_the_morning(dummy, django_capture_on_commit_callbacks):
    with time_machine.travel(tehran(4, 23, 10), tick=False):
        _queue(django_capture_on_commit_callbacks)
    [result] = dummy.results
    assert result.task.run_after == tehran(5, 8, 0)
    assert result.kwargs == {"to": "09121234567", "text": "سلام"}
    assert outbox == []  # not sent: the worker sends it at eight


@pytest.mark.django_db
def test_a_message_queued_by_day_goes_at_once(dummy, django_capture_on_commit_callbacks):
    with time_machine.travel(tehran(5, 10, 0), tick=False):
        _queue(django_capture_on_commit_callbacks)
    assert dummy.results[0].task.run_after is None


@pytest.mark.django_db
def test_an_urgent_message_is_never_held(dummy, django_capture_on_commit_callbacks):
    with time_machine.travel(tehran(5, 2, 0), tick=False):
        _queue(django_capture_on_commit_callbacks, urgent=True)
    assert dummy.results[0].task.run_after is None


@pytest.mark.django_db
@override_settings(MARDOM_SMS_QUIET_HOURS="")
def test_without_quiet_hours_a_night_message_goes_at_once(dummy, django_capture_on_commit_callbacks):
    with time_machine.travel(tehran(5, 2, 0), tick=False):
        _queue(django_capture_on_commit_callbacks)
    assert dummy.results[0].task.run_after is None


@pytest.mark.django_db
def test_a_backend_that_cannot_defer_sends_at_once_even_at_night(django_capture_on_commit_callbacks):
    with time_machine.travel(tehran(5, 2, 0), tick=False):  # the test settings' immediate backend
        _queue(django_capture_on_commit_callbacks)
    assert [sms.text for sms in outbox] == ["سلام"]


@pytest.mark.django_db
def test_notifications_wait_for_the_morning(dummy, django_capture_on_commit_callbacks):
    with time_machine.travel(tehran(4, 22, 0), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert notify(key="quiet-test", to="09121234567", text="یادآوری قسط")
    assert dummy.results[0].task.run_after == tehran(5, 8, 0)


@pytest.mark.django_db
def test_a_consent_code_is_sent_at_once_at_night(dummy, django_capture_on_commit_callbacks, county_officer,
                                                 make_person, birjand):
    from mardom.people.consent import consent_request

    person = make_person(birjand)
    with time_machine.travel(tehran(4, 23, 30), tick=False), django_capture_on_commit_callbacks(execute=True):
        consent_request(by=county_officer, national_id=person.national_id, purpose="funds.join")
    [result] = dummy.results
    assert result.kwargs["to"] == person.mobile and result.task.run_after is None
