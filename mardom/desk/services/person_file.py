"""Recording who opened whose file: every opening of another person's file is in the audit log."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from mardom.core.audit import audit_record
from mardom.core.models import AuditEntry
from mardom.people.models import Person

from ..selectors.person_file import file_access


@transaction.atomic
def person_file_view(*, by: Any, person: Person, now: datetime.datetime | None = None) -> AuditEntry | None:
    """Record that `by` opened `person`'s file (`person_file.view`, filed under the unit that registered her,
    so the officers over her see it in their audit log). The person reading her own file is not recorded.
    Refuses anyone who may not open the file."""
    access = file_access(viewer=by, person=person)
    if access is None:
        raise PermissionDenied
    if access.own:
        return None
    return audit_record(by=by, action="person_file.view", obj=person, scope_path=person.unit.path or "", now=now)
