"""Reads of the audit log, by scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AuditEntry
from .text import search_key
from .validators import normalize_mobile, normalize_national_id


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_list(*, user: Any, action: str = "", actions: Collection[str] | None = None, actor: str = "",
               since: dt.date | None = None, until: dt.date | None = None) -> QuerySet[AuditEntry]:
    """The user's scope of the log, newest first; narrowed by an action code prefix, a set of action codes
    (a kind of action), the person who acted (name, mobile or national ID) and a range of local days."""
    from mardom.people.roles import Perm
    from mardom.people.scopes import scope_filter

    qs = scope_filter(AuditEntry.objects.all(), user, Perm.AUDIT_VIEW, path_field="scope_path")
    if action:
        qs = qs.filter(action__startswith=action)
    if actions is not None:
        qs = qs.filter(action__in=list(actions))
    if actor:
        who = Q(actor__username=actor)
        key = search_key(actor)
        if key:
            who |= Q(actor__person__search_key__contains=key)
        national_id, mobile = normalize_national_id(actor), normalize_mobile(actor)
        if national_id.isascii() and national_id.isdigit():
            who |= Q(actor__person__national_id=national_id)
        if mobile.isascii() and mobile.isdigit():
            who |= Q(actor__person__mobile=mobile)
        qs = qs.filter(who)
    if since:
        qs = qs.filter(at__gte=_start_of(since))
    if until:
        qs = qs.filter(at__lt=_start_of(until + dt.timedelta(days=1)))
    return qs.select_related("actor", "actor__person").order_by("-at", "-pk")
