"""Documents made in the background: a label sheet or a member statement takes seconds to render, so the page
asks for one (`document_request`), shows its progress (htmx polling) and offers the download when it is ready.

Each kind names a builder in its own app: `check(by=, params=)` runs when the document is asked for (it raises
Http404/PermissionDenied as the direct PDF view would, and returns the document's title), and
`build(owner=, params=, progress=)` runs in the task, scoped again as the owner, and returns (bytes, filename).
The file is kept in the default storage until `expires_at` (a day); `documents_clean` removes it and the row.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from .audit import audit_record
from .models import Document

logger = logging.getLogger("mardom.documents")

KEEP = datetime.timedelta(days=1)
BUILDERS = {
    Document.Kind.LABELS: "mardom.brands.documents",
    Document.Kind.MEMBER_STATEMENT: "mardom.funds.documents",
}
# queued -> running -> done | failed; a failed or finished document is not made again (ask for a new one).
TRANSITIONS = {
    Document.Status.QUEUED: {Document.Status.RUNNING, Document.Status.FAILED},
    Document.Status.RUNNING: {Document.Status.DONE, Document.Status.FAILED},
    Document.Status.DONE: set(),
    Document.Status.FAILED: set(),
}


def _builder(kind: str) -> Any:
    return import_module(BUILDERS[Document.Kind(kind)])


@transaction.atomic
def document_request(*, by: Any, kind: str, params: dict[str, Any], now: datetime.datetime | None = None
                     ) -> Document:
    """Ask for a document as `by`: checked now as the direct view checks it, made after the commit."""
    title = _builder(kind).check(by=by, params=params)
    now = now or timezone.now()
    document = Document.objects.create(kind=kind, owner=by, params=params, title=str(title)[:200],
                                       created_at=now, expires_at=now + KEEP)
    audit_record(by=by, action="document.request", obj=document, after={"kind": kind, "params": params}, now=now)
    transaction.on_commit(lambda: _enqueue(document.pk))
    return document


def _enqueue(pk: int) -> None:
    from .tasks import build_document_task

    build_document_task.enqueue(document_id=pk)


def _move(document: Document, status: str, **fields: Any) -> None:
    if status not in TRANSITIONS[Document.Status(document.status)]:
        raise ValueError(f"document {document.pk}: {document.status} -> {status} is not allowed")
    document.status = status
    for name, value in fields.items():
        setattr(document, name, value)
    document.save(update_fields=["status", *fields])


def document_build(*, document_id: int) -> str:
    """Make the document (the task calls this): progress saved as it goes, the file saved at the end."""
    document = Document.objects.filter(pk=document_id, status=Document.Status.QUEUED).first()
    if document is None:
        return "gone"
    _move(document, Document.Status.RUNNING, progress=5)

    def progress(percent: int) -> None:
        percent = max(document.progress, min(95, int(percent)))
        if percent != document.progress:
            document.progress = percent
            Document.objects.filter(pk=document.pk).update(progress=percent)

    try:
        content, filename = _builder(document.kind).build(owner=document.owner, params=document.params,
                                                          progress=progress)
    except Exception:
        logger.exception("document %s (%s) failed", document.pk, document.kind)
        _move(document, Document.Status.FAILED)
        return Document.Status.FAILED
    document.file.save(filename, ContentFile(content), save=False)
    _move(document, Document.Status.DONE, progress=100, file=document.file, filename=filename)
    return Document.Status.DONE


def document_get(*, user: Any, pk: int) -> Document:
    """The user's own document, or 404 (somebody else's is not there for them)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Document, pk=pk, owner_id=getattr(user, "pk", None) or -1,
                             expires_at__gt=timezone.now())


def documents_clean(*, now: datetime.datetime | None = None) -> int:
    """Remove the documents (rows and files) whose day is over; returns how many."""
    now = now or timezone.now()
    count = 0
    for document in Document.objects.filter(expires_at__lte=now).order_by("pk").iterator():
        if document.file:
            document.file.delete(save=False)
        document.delete()
        count += 1
    return count


ProgressFn = Callable[[int], None]
