"""The session's rotating QR code: an HMAC of (session, one-minute window), accepted in its window and the
next, refused after, for another session, or forged. Time is moved with time-machine."""

from __future__ import annotations

import datetime

import time_machine
from django.utils import timezone

from mardom.training import tokens

START = datetime.datetime(2025, 11, 1, 10, 0, 5, tzinfo=datetime.UTC)


def test_a_code_is_good_in_its_window_and_the_next_only():
    with time_machine.travel(START, tick=False):
        window = tokens.window_at(timezone.now())
        code = tokens.token(7, window)
        assert tokens.is_valid(session_id=7, window=window, value=code, now=timezone.now())
    with time_machine.travel(START + datetime.timedelta(seconds=tokens.WINDOW), tick=False):
        assert tokens.window_at(timezone.now()) == window + 1
        assert tokens.is_valid(session_id=7, window=window, value=code, now=timezone.now())
    with time_machine.travel(START + datetime.timedelta(seconds=2 * tokens.WINDOW), tick=False):
        assert not tokens.is_valid(session_id=7, window=window, value=code, now=timezone.now())


def test_a_code_from_the_future_or_of_another_session_or_forged_is_refused():
    with time_machine.travel(START, tick=False):
        now = timezone.now()
        window = tokens.window_at(now)
        assert not tokens.is_valid(session_id=7, window=window + 1, value=tokens.token(7, window + 1), now=now)
        assert not tokens.is_valid(session_id=8, window=window, value=tokens.token(7, window), now=now)
        assert not tokens.is_valid(session_id=7, window=window, value="0" * 20, now=now)
        assert not tokens.is_valid(session_id=7, window=window, value="", now=now)


def test_codes_change_every_window_and_differ_between_sessions():
    codes = {tokens.token(7, w) for w in range(100)} | {tokens.token(8, w) for w in range(100)}
    assert len(codes) == 200


def test_the_secret_key_signs_the_code(settings):
    before = tokens.token(7, 1000)
    settings.SECRET_KEY = "another-secret-key-of-enough-length-for-django-0123456789"
    assert tokens.token(7, 1000) != before
