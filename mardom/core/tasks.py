"""Background tasks of the core app (django-tasks; the database worker runs them in production)."""

from __future__ import annotations

from django_tasks import task

# The SMS task lives with the SMS package; rows queued when it lived here name it by this module's path.
from mardom.core.sms.tasks import send_sms_task

__all__ = ["build_document_task", "send_sms_task"]


@task()
def build_document_task(*, document_id: int) -> str:
    """Make one background document (mardom.core.documents), then remove documents whose day is over."""
    from mardom.core.documents import document_build, documents_clean

    result = document_build(document_id=document_id)
    documents_clean()
    return result
