"""Idempotency-Key for every write POST, as the IETF draft "The Idempotency-Key HTTP Header Field" asks:

- no key: 400;
- the same key with the same request (method, path and canonical JSON body) after the first finished: the stored
  response again, with `Idempotent-Replayed: true`;
- the same key with another request: 422;
- the same key while the first request is still running: 409 (PostgreSQL; SQLite runs writes one at a time, so
  the second waits for the first and gets its replay).

Keys are per principal (a personal token, an institution client, a signed-in user): another token's key is
another key. The record is inserted in the same transaction as the write, so the write and its record are
committed together or not at all; the unique constraint on (principal, key) is the guard, not a look-up first.
Successful writes and refusals by a rule (422) are stored; other errors (bad input, not found, forbidden) are
not, since nothing was decided and the client may retry once fixed.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from mardom.core.errors import DomainError

from .auth import principal_of
from .errors import PROBLEM, Problem, problem_for
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY = 255


def fingerprint(method: str, path: str, data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{method}\n{path}\n{canonical}".encode()).hexdigest()


def _running_elsewhere(principal: str, key: str) -> bool:
    """On PostgreSQL, take a transaction-scoped advisory lock on (principal, key) without waiting: False means a
    request with this key holds it now (still running). SQLite's writers already queue (BEGIN IMMEDIATE)."""
    if connection.vendor != "postgresql":
        return False
    number = int.from_bytes(hashlib.sha256(f"{principal}\n{key}".encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [number])
        return not cursor.fetchone()[0]


def _still_running() -> Problem:
    return Problem(_("A request with this Idempotency-Key is still being processed; try again in a moment."),
                   status_code=409, code="key_in_use", headers={"Retry-After": "1"})


def replay(record: IdempotencyRecord) -> Response:
    return Response(record.body, status=record.status, headers={"Idempotent-Replayed": "true"},
                    content_type=PROBLEM if record.status >= 400 else None)


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Wrap a view's write handler (post) with the Idempotency-Key rules above."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Any, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER, "").strip()
        if not key:
            raise Problem(_("Send an Idempotency-Key header with every write (a new random value for each new "
                            "action, the same one when you retry it)."), status_code=400, code="key_missing",
                          field=HEADER)
        if len(key) > MAX_KEY:
            raise Problem(_("The Idempotency-Key is longer than 255 characters."), status_code=400,
                          code="key_invalid", field=HEADER)
        principal = principal_of(request).ident
        mark = fingerprint(request.method, request.path, request.data)
        inserting = False
        try:
            with transaction.atomic():
                if _running_elsewhere(principal, key):
                    raise _still_running()
                record = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
                if record is not None:
                    if record.fingerprint != mark:
                        raise Problem(_("This Idempotency-Key was already used for another request; use a new key "
                                        "for a new action."), status_code=422, code="key_reused", field=HEADER)
                    return replay(record)
                try:
                    with transaction.atomic():  # a refusal rolls the write back and keeps the record
                        response = handler(view, request, *args, **kwargs)
                except DomainError as exc:
                    response = problem_for(exc)
                    assert response is not None
                inserting = True
                IdempotencyRecord.objects.create(principal=principal, key=key, fingerprint=mark,
                                                 status=response.status_code, body=response.data,
                                                 created_at=timezone.now())
                return response
        except IntegrityError as exc:
            if not inserting:
                raise
            # Another request with this key committed between our look-up and our insert: ours is rolled back.
            raise _still_running() from exc

    wrapper.idempotent = True  # type: ignore[attr-defined]
    return wrapper
