"""Dashboards on a real PostgreSQL streaming replica (scripts/pg-replica.sh).

Not collected by the suite on its own (the file name does not start with test_): mardom/core/tests/
test_replica.py starts a primary and a replica on spare ports and runs this file in a child pytest whose
DATABASE_URL is that primary and DATABASE_REPLICA_URL that replica. The test database is made on the primary
and reaches the replica by streaming, as production data would; each fixture's write is committed so that
the replica can see it.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from mardom.core import replica
from mardom.dashboards.tests.test_levels import url, world  # noqa: F401 - fixture

if not os.environ.get("MARDOM_REPLICA_PAIR_SCRIPT"):
    pytest.skip("run by mardom/core/tests/test_replica.py against scripts/pg-replica.sh", allow_module_level=True)

pytestmark = pytest.mark.django_db(
    transaction=True, databases=["default", "replica"],
    available_apps=[app for app in settings.INSTALLED_APPS if app != "mardom.geo"],
)


def pair(command: str) -> None:
    subprocess.run([os.environ["MARDOM_REPLICA_PAIR_SCRIPT"], command], check=True, timeout=120)


def replayed() -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    for _ in range(200):
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the replica did not catch up within 10 s")


def touched(captured: CaptureQueriesContext, table: str) -> int:
    return sum(table in query["sql"] for query in captured.captured_queries)


def visit(client: Any, path: str) -> tuple[Any, CaptureQueriesContext, CaptureQueriesContext]:
    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections["replica"]) as standby:
        response = client.get(path)
    return response, primary, standby


def visit_without_replica(client: Any, path: str) -> tuple[Any, CaptureQueriesContext]:
    """(Capturing the replica's queries would connect to it, which is what cannot be done now.)"""
    with CaptureQueriesContext(connections["default"]) as primary:
        response = client.get(path)
    return response, primary


def figures_shown(response: Any) -> list[str]:
    """The level's figure groups and its children's table, as the page shows them."""
    return re.findall(r'data-test="(?:group-|children).*?</section>', response.content.decode(), re.DOTALL)


def test_dashboards_read_the_replica_keep_sign_in_on_the_primary_and_survive_its_stop(
        client: Any, world: SimpleNamespace) -> None:  # noqa: F811 - the imported fixture
    replica.reset()
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True, "DATABASE_REPLICA_URL must be a streaming replica"
    client.force_login(world.national)
    replayed()

    # The national dashboard: its figures come from the replica, who the viewer is from the primary.
    response, primary, standby = visit(client, url(world.nation))
    assert response.status_code == 200
    assert touched(standby, "dashboards_figure") >= 1
    assert touched(primary, "dashboards_figure") == 0
    assert touched(primary, "django_session") >= 1 and touched(standby, "django_session") == 0
    assert touched(standby, "people_") == 0
    on_replica = figures_shown(response)
    assert on_replica

    # Read-your-write: after this browser writes, it reads from the primary for a while.
    client.post("/i18n/setlang/", {"language": "fa", "next": "/"})
    assert client.cookies.get(replica.PIN_COOKIE)
    response, primary, standby = visit(client, url(world.nation))
    assert response.status_code == 200
    assert touched(primary, "dashboards_figure") >= 1 and not standby.captured_queries
    assert figures_shown(response) == on_replica
    del client.cookies[replica.PIN_COOKIE]

    # The replica stops: the page is served from the primary, with the same figures, and the next page
    # does not even try the replica until the retry period is over.
    pair("stop-replica")
    try:
        stopped(client, world, on_replica)
    finally:
        pair("start-replica")
    # Back again, it is used again once the retry period is over (or an operator says so).
    replica.reset()
    replayed()
    response, primary, standby = visit(client, url(world.nation))
    assert response.status_code == 200 and touched(standby, "dashboards_figure") >= 1
    assert touched(primary, "dashboards_figure") == 0


def stopped(client: Any, w: SimpleNamespace, on_replica: list[str]) -> None:
    response, primary = visit_without_replica(client, url(w.nation))
    assert response.status_code == 200
    assert touched(primary, "dashboards_figure") >= 1
    assert figures_shown(response) == on_replica
    assert replica._down_until > time.monotonic()  # not tried again for a while
    response, primary = visit_without_replica(client, reverse_children_csv(w.nation))
    assert response.status_code == 200 and b"".join(response.streaming_content).count(b"\n") >= 2
    assert touched(primary, "dashboards_figure") >= 1


def reverse_children_csv(unit: Any) -> str:
    from django.urls import reverse

    return reverse("dashboards:children-csv", args=[unit.pk])


def test_a_streamed_export_is_read_on_the_replica_as_it_is_sent(client: Any,
                                                                world: SimpleNamespace) -> None:  # noqa: F811
    replica.reset()
    client.force_login(world.national)
    replayed()
    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections["replica"]) as standby:
        response = client.get(reverse_children_csv(world.nation))
        body = b"".join(response.streaming_content)
    assert response.status_code == 200 and body.count(b"\n") >= 2
    assert touched(standby, "dashboards_figure") >= 1
    assert touched(primary, "dashboards_figure") == 0
