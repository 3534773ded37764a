"""Reads that may come from a PostgreSQL streaming replica (`DATABASE_REPLICA_URL`).

Reports, dashboards and exports are the heavy readers; with a replica configured their views run under
`reads_from_replica`, and the router sends their queries there. Everything else stays on the primary:

- every write, and every read outside those views (the router answers "default" unless told otherwise);
- who the user is and what they may see (sessions, users, roles, tokens): a role taken away on the primary
  must not still open a dashboard on a replica a few seconds behind;
- read-your-write: after a user's own write (any POST, PUT, PATCH or DELETE) a cookie keeps that browser on the
  primary for `MARDOM_REPLICA_PIN_SECONDS`, so the treasurer who has just recorded the month sees it in the
  statement she opens next;
- a replica that cannot be reached, or lags more than `MARDOM_REPLICA_MAX_LAG_SECONDS`: the page is served
  from the primary and the replica is left alone for `MARDOM_REPLICA_RETRY_SECONDS` (a stopped replica costs
  one failed connection per process per retry period, not one per page). A replica that fails in the middle
  of a page has that page served again from the primary: only safe (GET, HEAD) requests are routed at all.

Without `DATABASE_REPLICA_URL` none of this does anything: the decorator calls the view as it is.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "mardom_primary"
# Who the user is and what they may do: always as the primary has it now.
PRIMARY_ONLY = frozenset({"auth", "sessions", "people", "axes", "oauth2_provider", "api", "contenttypes",
                          "django_cache"})
# Replay lag in seconds: 0 when everything received has been replayed (an idle primary sends nothing, so the
# age of the last replayed transaction alone would call an idle pair "behind").
LAG_SQL = (
    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)

_reading: ContextVar[bool] = ContextVar("mardom_replica_reads", default=False)
_lock = threading.Lock()
_down_until = 0.0  # per process: until when the replica is not tried again


def configured() -> bool:
    return REPLICA in settings.DATABASES


def reading() -> bool:
    """Whether this request's reads are being sent to the replica now."""
    return _reading.get()


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def mark_down(reason: str) -> None:
    global _down_until
    with _lock:
        _down_until = time.monotonic() + _setting("MARDOM_REPLICA_RETRY_SECONDS", 30)
    with contextlib.suppress(Exception):
        connections[REPLICA].close()
    log.warning("replica not used for %ss: %s", _setting("MARDOM_REPLICA_RETRY_SECONDS", 30), reason)


def reset() -> None:
    """Forget a failure (tests, and an operator who has just brought the replica back)."""
    global _down_until
    with _lock:
        _down_until = 0.0


def pinned(request: HttpRequest | None) -> bool:
    if request is None:
        return False
    try:
        return float(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
    except ValueError:
        return False


def _usable() -> bool:
    """One cheap query on the replica: reachable, and not too far behind."""
    if time.monotonic() < _down_until:
        return False
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_SQL)
            lag = float(cursor.fetchone()[0])
    except DatabaseError as error:
        mark_down(f"{type(error).__name__}: {error}".strip())
        return False
    if lag > _setting("MARDOM_REPLICA_MAX_LAG_SECONDS", 30):
        mark_down(f"{lag:.0f} s behind the primary")
        return False
    return True


@contextlib.contextmanager
def replica_reads(request: HttpRequest | None = None) -> Iterator[bool]:
    """Within this block the router sends reads to the replica, when one is configured, usable, and this
    browser has not just written. Yields whether it does."""
    if not configured() or _reading.get() or pinned(request) or not _usable():
        yield _reading.get()
        return
    token = _reading.set(True)
    try:
        yield True
    finally:
        _reading.reset(token)


def _streamed_on_replica(chunks: Iterable[Any]) -> Iterator[Any]:
    """A streamed export is read as it is sent, after the view has returned: each chunk is read on the replica
    too. (A replica that stops in the middle of a download breaks that download; the next one is served from
    the primary.)"""
    iterator = iter(chunks)
    while True:
        token = _reading.set(True)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _reading.reset(token)
        yield chunk


def reads_from_replica(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a view that only reads (a dashboard, a report, an export)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or not configured():
            return view(request, *args, **kwargs)
        with replica_reads(request) as on_replica:
            if not on_replica:
                return view(request, *args, **kwargs)
            try:
                response = view(request, *args, **kwargs)
            except DatabaseError as error:
                if connections[REPLICA].is_usable():
                    raise  # the page's own fault, not the replica's
                mark_down(f"failed during {request.path}: {error}")
                on_replica = False
        if not on_replica:  # the replica went away under this page: the primary serves it again
            return view(request, *args, **kwargs)
        if getattr(response, "streaming", False) and hasattr(response, "streaming_content"):
            response.streaming_content = _streamed_on_replica(response.streaming_content)
        return response

    return wrapped


class ReplicaRouter:
    """Reads to the replica only within `replica_reads`; writes and migrations to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _reading.get() and model._meta.app_label not in PRIMARY_ONLY:
            return REPLICA
        return "default"

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"


class PinToPrimaryMiddleware:
    """After a write, this browser reads from the primary for a while (read-your-write)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if configured() and request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            seconds = int(_setting("MARDOM_REPLICA_PIN_SECONDS", 10))
            response.set_cookie(PIN_COOKIE, f"{time.time() + seconds:.0f}", max_age=seconds, httponly=True,
                                samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response
