"""Writing the audit log. Services call `audit_record` inside their own transaction, so the record and
the change it describes are committed together or not at all."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .models import AuditEntry


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """JSON-safe values of `fields` (foreign keys as ids, dates as ISO strings)."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        if isinstance(value, datetime.date | datetime.datetime):
            value = value.isoformat()
        data[name] = value
    return data


def audit_record(
    *,
    by: Any,
    action: str,
    obj: models.Model | None = None,
    scope_path: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    now: datetime.datetime | None = None,
) -> AuditEntry:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the service's transaction")
    return AuditEntry.objects.create(
        at=now or timezone.now(),
        actor=by if getattr(by, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        scope_path=scope_path,
        before=before,
        after=after,
    )
