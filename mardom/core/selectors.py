"""Reads of the audit log, by scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import AuditEntry


def audit_list(*, user: Any, action: str = "") -> QuerySet[AuditEntry]:
    from mardom.people.roles import Perm
    from mardom.people.scopes import scope_filter

    qs = scope_filter(AuditEntry.objects.all(), user, Perm.AUDIT_VIEW, path_field="scope_path")
    if action:
        qs = qs.filter(action__startswith=action)
    return qs.select_related("actor", "actor__person").order_by("-at", "-pk")
