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

import contextlib
import functools
import hashlib
import json
from collections.abc import Callable, Iterator
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


def _lock_number(principal: str, key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{principal}\n{key}".encode()).digest()[:8], "big", signed=True)


def _running_elsewhere(principal: str, key: str) -> bool:
    """On PostgreSQL, take a transaction-scoped advisory lock on (principal, key) without waiting: False means a
    request with this key holds it now (still running). SQLite's writers already queue (BEGIN IMMEDIATE)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_lock_number(principal, key)])
        return not cursor.fetchone()[0]


def _still_running() -> Problem:
    return Problem(_("A request with this Idempotency-Key is still being processed; try again in a moment."),
                   status_code=409, code="key_in_use", headers={"Retry-After": "1"})


def replay(record: IdempotencyRecord) -> Response:
    return Response(record.body, status=record.status, headers={"Idempotent-Replayed": "true"},
                    content_type=PROBLEM if record.status >= 400 else None)


def _answered_before(principal: str, key: str, mark: str) -> Response | None:
    """The stored answer when this key was used for this very request; 422 when it was used for another."""
    record = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
    if record is None:
        return None
    if record.fingerprint != mark:
        raise Problem(_("This Idempotency-Key was already used for another request; use a new key for a new "
                        "action."), status_code=422, code="key_reused", field=HEADER)
    return replay(record)


def _key_of(request: Any) -> str:
    key = request.headers.get(HEADER, "").strip()
    if not key:
        raise Problem(_("Send an Idempotency-Key header with every write (a new random value for each new "
                        "action, the same one when you retry it)."), status_code=400, code="key_missing",
                      field=HEADER)
    if len(key) > MAX_KEY:
        raise Problem(_("The Idempotency-Key is longer than 255 characters."), status_code=400,
                      code="key_invalid", field=HEADER)
    return key


@contextlib.contextmanager
def _held(principal: str, key: str) -> Iterator[None]:
    """A session-level advisory lock on (principal, key) for a request whose writes are several transactions
    (the batch); 409 if another request holds it. SQLite's writers queue instead."""
    if connection.vendor != "postgresql":
        yield
        return
    number = _lock_number(principal, key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [number])
        if not cursor.fetchone()[0]:
            raise _still_running()
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [number])


def idempotent_batch(handler: Callable[..., Response]) -> Callable[..., Response]:
    """The Idempotency-Key rules for the offline batch, whose commands are each applied in a transaction of their
    own (one refused must not undo the others), so the key cannot share one transaction with them. Each command
    is already applied at most once by its own id; the key adds the draft's answers for the batch as a whole:
    no key 400, the same batch again its stored answer, another batch under the key 422, the same key while it
    runs 409. The answer is stored once every command has been applied."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Any, *args: Any, **kwargs: Any) -> Response:
        key = _key_of(request)
        principal = principal_of(request).ident
        mark = fingerprint(request.method, request.path, request.data)
        with _held(principal, key):
            earlier = _answered_before(principal, key, mark)
            if earlier is not None:
                return earlier
            response = handler(view, request, *args, **kwargs)
            if response.status_code < 300:
                try:
                    with transaction.atomic():
                        IdempotencyRecord.objects.create(principal=principal, key=key, fingerprint=mark,
                                                         status=response.status_code, body=response.data,
                                                         created_at=timezone.now())
                except IntegrityError:
                    pass  # the same batch ran beside this one (SQLite): its commands answered the same
            return response

    wrapper.idempotent = True  # type: ignore[attr-defined]
    return wrapper


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Wrap a view's write handler (post) with the Idempotency-Key rules above."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Any, *args: Any, **kwargs: Any) -> Response:
        key = _key_of(request)
        principal = principal_of(request).ident
        mark = fingerprint(request.method, request.path, request.data)
        inserting = False
        try:
            with transaction.atomic():
                if _running_elsewhere(principal, key):
                    raise _still_running()
                earlier = _answered_before(principal, key, mark)
                if earlier is not None:
                    return earlier
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
