"""Text messages, sent only after the caller's transaction commits, from a background task.

A service calls `send_sms_on_commit(to=..., text=...)` inside its `@transaction.atomic` body. The number
is checked at once (so a bad number fails the service, not a worker later); the message is queued as
`mardom.core.tasks.send_sms_task` only when the transaction commits, and never if it rolls back.

Which backend sends is the `SMS` setting: {"BACKEND": dotted path, "OPTIONS": keyword arguments}.
"""

from __future__ import annotations

import functools
import logging
import re

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from .backends import SmsBackend, SmsError
from .config import CONSOLE_BACKEND

__all__ = [
    "MAX_SMS_LENGTH",
    "SmsBackend",
    "SmsError",
    "fit_text",
    "get_backend",
    "mask_mobile",
    "normalize_recipient",
    "send_sms_on_commit",
]

logger = logging.getLogger("mardom.sms")

# Persian text goes as UCS-2: 70 characters in one part, 67 per part when split; ten parts at most.
MAX_SMS_LENGTH = 670
ELLIPSIS = "…"
_MOBILE = re.compile("09[0-9]{9}")


def get_backend() -> SmsBackend:
    """A backend built from the `SMS` setting (read at each call, so override_settings works)."""
    config = getattr(settings, "SMS", None) or {}
    backend_class = import_string(config.get("BACKEND", CONSOLE_BACKEND))
    return backend_class(**config.get("OPTIONS", {}))


def normalize_recipient(to: str) -> str:
    """09xxxxxxxxx from any way a mobile number is typed; SmsError for anything that is not one."""
    from mardom.core.validators import normalize_mobile

    number = normalize_mobile(to)
    if not _MOBILE.fullmatch(number):
        raise SmsError("Not a mobile number: an SMS needs 11 digits starting with 09.")
    return number


def mask_mobile(number: str) -> str:
    """For logs: 0912***4567."""
    return number[:4] + "***" + number[-4:] if len(number) > 8 else "***"


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit_text(text: str, limit: int = MAX_SMS_LENGTH) -> str:
    """`text` if it fits in `limit` UCS-2 units, else cut to fit with a trailing "…". Characters outside
    the Basic Multilingual Plane (emoji) take two units, as they do on the wire."""
    if _utf16_units(text) <= limit:
        return text
    kept, used = [], 0
    for char in text:
        width = 2 if ord(char) > 0xFFFF else 1
        if used + width > limit - 1:
            break
        kept.append(char)
        used += width
    return "".join(kept).rstrip() + ELLIPSIS


def send_sms_on_commit(*, to: str, text: str, urgent: bool = False) -> None:
    """Queue `text` for `to` once the current transaction commits (at once when there is none). In the quiet
    hours it waits for the morning (`quiet.py`) unless `urgent` (a code the person is waiting for).

    Raises SmsError now for an invalid number or empty text. If queueing itself fails after the commit,
    the error is logged and the caller's response goes on: the data is already saved.
    """
    number = normalize_recipient(to)
    if not text or not text.strip():
        raise SmsError("An SMS needs some text.")
    transaction.on_commit(functools.partial(_enqueue, to=number, text=text, urgent=urgent), robust=True)


def _enqueue(*, to: str, text: str, urgent: bool = False) -> None:
    from mardom.core.tasks import send_sms_task

    from .quiet import held_until_morning

    held_until_morning(send_sms_task, urgent=urgent).enqueue(to=to, text=text)
