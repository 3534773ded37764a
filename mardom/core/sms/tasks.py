"""The background task that sends one SMS (django-tasks; the database worker runs it in production).

It imports only the package's leaf modules (backends, message), never `mardom.core.sms` itself, so the
package and its task do not import each other. Rows queued before the task lived here name it
`mardom.core.tasks.send_sms_task`; that module re-exports it, so they still run.
"""

from __future__ import annotations

import logging

from django_tasks import task

from .backends import get_backend
from .message import MAX_SMS_LENGTH, fit_text, mask_mobile, normalize_recipient

logger = logging.getLogger("mardom.sms")


@task()
def send_sms_task(*, to: str, text: str) -> str:
    """Send one SMS through the configured backend and return the provider's message id.

    A failure is logged and raised again, so the worker records the task as failed.
    """
    number = normalize_recipient(to)
    fitted = fit_text(text)
    if fitted != text:
        logger.warning(
            "SMS to %s cut from %d to %d characters (limit %d).",
            mask_mobile(number),
            len(text),
            len(fitted),
            MAX_SMS_LENGTH,
        )
    try:
        message_id = get_backend().send(to=number, text=fitted)
    except Exception:
        logger.exception("SMS to %s failed.", mask_mobile(number))
        raise
    logger.info("SMS to %s sent, id %s.", mask_mobile(number), message_id)
    return message_id
