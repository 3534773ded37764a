"""Text messages, sent only after the caller's transaction commits, from a background task.

A service calls `send_sms_on_commit(to=..., text=...)` inside its `@transaction.atomic` body. The number
is checked at once (so a bad number fails the service, not a worker later); the message is queued as
`mardom.core.sms.tasks.send_sms_task` only when the transaction commits, and never if it rolls back.

Which backend sends is the `SMS` setting: {"BACKEND": dotted path, "OPTIONS": keyword arguments}.

Modules: `backends` (the senders and `get_backend`), `message` (number and text checks), `config` (the
setting from the environment), `tasks` (the task). The task imports only `backends` and `message`, so it
and this package do not import each other.
"""

from __future__ import annotations

import functools
import logging

from django.db import transaction

from .backends import SmsBackend, SmsError, get_backend
from .message import MAX_SMS_LENGTH, fit_text, mask_mobile, normalize_recipient

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
    # Imported here, not at the top: the settings import `mardom.core.sms.config` (and so this package)
    # while they load, and defining a task reads the TASKS setting.
    from .quiet import held_until_morning
    from .tasks import send_sms_task

    held_until_morning(send_sms_task, urgent=urgent).enqueue(to=to, text=text)
