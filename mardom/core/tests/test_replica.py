"""The replica router (mardom/core/replica.py): its rules here, and on a real primary and streaming replica
(scripts/pg-replica.sh) in the PostgreSQL pass."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from mardom.core import replica

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "pg-replica.sh"
# The rules' tests add a "replica" alias to the settings on purpose, and never open it.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES:UserWarning")


def model(app_label: str) -> Any:
    return SimpleNamespace(_meta=SimpleNamespace(app_label=app_label))


class FakeConnection:
    """Stands for the replica's connection: the alias is added to the settings after Django's connection
    handler has read them, so these tests never open it."""

    def __init__(self, usable: bool) -> None:
        self.usable = usable

    def is_usable(self) -> bool:
        return self.usable

    def close(self) -> None:
        pass


@pytest.fixture
def with_replica(settings: Any) -> Any:
    """A "replica" alias in the settings (never connected to by these tests: `_usable` is replaced)."""
    settings.DATABASES = {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}
    replica.reset()
    yield settings
    replica.reset()


def test_reads_go_to_the_replica_only_inside_the_block_and_never_for_who_the_user_is(
        with_replica: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replica, "_usable", lambda: True)
    router = replica.ReplicaRouter()
    assert router.db_for_read(model("dashboards")) == "default"
    with replica.replica_reads() as on:
        assert on is True
        assert router.db_for_read(model("dashboards")) == "replica"
        assert router.db_for_read(model("funds")) == "replica"
        for app in ("people", "sessions", "auth", "api", "oauth2_provider", "axes"):
            assert router.db_for_read(model(app)) == "default", app
        assert router.db_for_write(model("dashboards")) == "default"
    assert router.db_for_read(model("dashboards")) == "default"
    assert router.allow_migrate("replica", "funds") is False and router.allow_migrate("default", "funds") is True


def test_nothing_changes_without_a_replica(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replica, "_usable", lambda: pytest.fail("no replica is configured"))
    with replica.replica_reads() as on:
        assert on is False and not replica.reading()
    seen = []
    view = replica.reads_from_replica(lambda request: seen.append(replica.reading()) or HttpResponse("ok"))
    assert view(RequestFactory().get("/")).status_code == 200 and seen == [False]
    response = replica.PinToPrimaryMiddleware(lambda request: HttpResponse())(RequestFactory().post("/"))
    assert replica.PIN_COOKIE not in response.cookies


def test_a_write_pins_the_browser_to_the_primary(with_replica: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replica, "_usable", lambda: True)
    middleware = replica.PinToPrimaryMiddleware(lambda request: HttpResponse())
    assert replica.PIN_COOKIE not in middleware(RequestFactory().get("/")).cookies
    cookie = middleware(RequestFactory().post("/")).cookies[replica.PIN_COOKIE]
    assert int(cookie["max-age"]) == with_replica.MARDOM_REPLICA_PIN_SECONDS and cookie["httponly"]
    pinned = RequestFactory().get("/", HTTP_COOKIE=f"{replica.PIN_COOKIE}={cookie.value}")
    seen = []
    view = replica.reads_from_replica(lambda request: seen.append(replica.reading()) or HttpResponse())
    view(pinned)
    view(RequestFactory().get("/", HTTP_COOKIE=f"{replica.PIN_COOKIE}={time.time() - 1:.0f}"))  # expired
    view(RequestFactory().get("/", HTTP_COOKIE=f"{replica.PIN_COOKIE}=nonsense"))
    view(RequestFactory().post("/"))  # a write is never routed
    assert seen == [False, True, True, False]


def test_a_replica_failing_under_a_page_has_it_served_again_from_the_primary(
        with_replica: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    monkeypatch.setattr(replica, "_usable", lambda: True)
    monkeypatch.setattr(replica, "connections", {"replica": FakeConnection(usable=False)})
    calls = []

    def page(request: Any) -> HttpResponse:
        calls.append(replica.reading())
        if replica.reading():
            raise OperationalError("server closed the connection unexpectedly")
        return HttpResponse("from the primary")

    response = replica.reads_from_replica(page)(RequestFactory().get("/dashboards/"))
    assert response.content == b"from the primary" and calls == [True, False]
    assert replica._down_until > time.monotonic()  # and the next pages do not try it


def test_the_pages_own_database_error_is_not_blamed_on_the_replica(
        with_replica: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import ProgrammingError

    monkeypatch.setattr(replica, "_usable", lambda: True)
    monkeypatch.setattr(replica, "connections", {"replica": FakeConnection(usable=True)})

    def page(request: Any) -> HttpResponse:
        raise ProgrammingError("a bug in the page")

    with pytest.raises(ProgrammingError):
        replica.reads_from_replica(page)(RequestFactory().get("/"))
    assert replica._down_until == 0.0


def test_a_streamed_export_reads_each_chunk_on_the_replica(with_replica: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replica, "_usable", lambda: True)

    def rows() -> Any:
        for n in range(3):
            yield f"{n}:{replica.reading()}\n"

    view = replica.reads_from_replica(lambda request: StreamingHttpResponse(rows()))
    response = view(RequestFactory().get("/"))
    assert not replica.reading()
    assert b"".join(response.streaming_content) == b"0:True\n1:True\n2:True\n"


def test_an_unreachable_replica_is_left_alone_for_the_retry_period(with_replica: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    tries = []

    class Refusing:
        def cursor(self) -> Any:
            tries.append(1)
            raise OperationalError("connection refused")

        def close(self) -> None:
            pass

    monkeypatch.setattr(replica, "connections", {"replica": Refusing()})
    with replica.replica_reads() as on:
        assert on is False
    with replica.replica_reads() as on:
        assert on is False
    assert len(tries) == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_binaries() -> bool:
    return bool(shutil.which("pg_config") or list(Path("/usr/lib/postgresql").glob("*/bin/initdb")))


@pytest.mark.django_db
def test_dashboards_on_a_real_primary_and_streaming_replica() -> None:
    """scripts/pg-replica.sh makes the pair; mardom/dashboards/tests/replica_pair.py runs against it."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's server binaries and a PostgreSQL test run: runs in the PostgreSQL pass")
    if not _server_binaries():
        message = "PostgreSQL's server binaries (initdb, pg_basebackup) not found"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    pair_dir = tempfile.mkdtemp(prefix="mardom-pg-pair-")
    primary, standby = _free_port(), _free_port()
    env = {**os.environ, "MARDOM_PG_PAIR_DIR": pair_dir, "MARDOM_PG_PRIMARY_PORT": str(primary),
           "MARDOM_PG_REPLICA_PORT": str(standby)}
    wrapper = Path(pair_dir + ".sh")  # the child test stops and starts the replica of this pair through it
    wrapper.write_text("#!/bin/sh\n" + "".join(f"export {k}={env[k]}\n" for k in (
        "MARDOM_PG_PAIR_DIR", "MARDOM_PG_PRIMARY_PORT", "MARDOM_PG_REPLICA_PORT")) + f'exec {SCRIPT} "$@"\n')
    wrapper.chmod(0o755)
    try:
        subprocess.run([str(SCRIPT), "start"], env=env, check=True, timeout=180, capture_output=True)
        child_env = {**env, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{primary}/mardom",
                     "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{standby}/mardom",
                     "MARDOM_REPLICA_PAIR_SCRIPT": str(wrapper)}
        child = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
             "mardom/dashboards/tests/replica_pair.py"],
            cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=900)
        assert child.returncode == 0 and re.search(r"\b2 passed\b", child.stdout), (
            child.stdout[-6000:] + child.stderr[-3000:])
    finally:
        subprocess.run([str(SCRIPT), "destroy"], env=env, timeout=120, capture_output=True)
        wrapper.unlink(missing_ok=True)


def test_a_replica_that_is_not_postgresql_is_refused_by_the_checks(settings: Any) -> None:
    from mardom.core.checks import check_replica

    assert check_replica() == []
    settings.DATABASES = {**settings.DATABASES, "replica": {"ENGINE": "django.db.backends.sqlite3"}}
    assert [m.id for m in check_replica()] == ["mardom.core.E003"]
