"""The rotating code a session's QR shows: an HMAC of (session, time window), windows of WINDOW seconds.

The trainer's page shows the code of the current window and refreshes it (htmx polling). A trainee's scan is
accepted in the window it was made for or the next one, so a code photographed and sent away works for two
minutes at most; the server's secret key signs it, so nobody makes one up."""

from __future__ import annotations

import datetime
import hmac

from django.utils.crypto import salted_hmac

WINDOW = 60  # seconds
REFRESH = 20  # seconds between the trainer page's refreshes (several per window, so a fresh code shows soon)
_SALT = "mardom.training.attendance"


def window_at(now: datetime.datetime) -> int:
    return int(now.timestamp()) // WINDOW


def token(session_id: int, window: int) -> str:
    return salted_hmac(_SALT, f"{session_id}:{window}", algorithm="sha256").hexdigest()[:20]


def is_valid(*, session_id: int, window: int, value: str, now: datetime.datetime) -> bool:
    """The code was made for this session in the current window or the one before."""
    current = window_at(now)
    if window not in (current, current - 1):
        return False
    return hmac.compare_digest(str(value or "")[:40], token(session_id, window))
