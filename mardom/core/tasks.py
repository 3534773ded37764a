"""Background tasks of the core app (django-tasks; the database worker runs them in production)."""

from __future__ import annotations

import logging

from django_tasks import task

from mardom.core.sms import MAX_SMS_LENGTH, fit_text, get_backend, mask_mobile, normalize_recipient

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


@task()
def build_document_task(*, document_id: int) -> str:
    """Make one background document (mardom.core.documents), then remove documents whose day is over."""
    from mardom.core.documents import document_build, documents_clean

    result = document_build(document_id=document_id)
    documents_clean()
    return result
