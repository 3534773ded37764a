"""Notifications that are sent at most once: `notify(key=..., to=..., text=...)`.

Any app calls it (loan reminders, draw results, ...) with a key naming what the message is about, for
example "due:loan42:inst3:2025-11-18" or "draw:fund3:7:member12". The key is written to the Notification
log and the SMS is queued with `send_sms_on_commit`, both in one transaction: the message goes out only if
the caller's transaction commits, and a key that is already in the log is never sent again.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from mardom.core.models import Notification
from mardom.core.sms import SmsError, normalize_recipient, send_sms_on_commit

__all__ = ["SmsError", "notify"]


def notify(*, key: str, to: str, text: str, now: datetime.datetime | None = None) -> bool:
    """Send `text` to the mobile number `to` once per `key`. True when the message was queued (it leaves
    after the surrounding transaction commits), False when this key was sent before.

    Raises SmsError, writing nothing, for an invalid number or empty text.
    """
    number = normalize_recipient(to)
    if not text or not text.strip():
        raise SmsError("An SMS needs some text.")
    with transaction.atomic():
        try:
            # Its own savepoint, so a duplicate key leaves the caller's transaction usable.
            with transaction.atomic():
                Notification(key=key, to=number, text=text, created_at=now or timezone.now()).save()
        except IntegrityError:
            if Notification.objects.filter(key=key).exists():
                return False
            raise
        send_sms_on_commit(to=number, text=text)
    return True
