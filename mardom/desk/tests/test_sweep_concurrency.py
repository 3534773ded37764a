"""Two workers sweeping at once: every late request is escalated once, every message sent once.

Real threads, each on its own database connection, committing for real: this needs a database other
connections can see (PostgreSQL in CI, or SQLite in a file with MARDOM_TEST_SQLITE_FILE=1); it is skipped on
the in-memory SQLite test database (see mardom/conftest.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, connections

from mardom.conftest import committing, shared_database
from mardom.core.models import AuditEntry, Notification
from mardom.desk.models import Request, RequestStep
from mardom.desk.services import requests as services
from mardom.desk.services.sweep import SweepResult, sweep

from . import requests_world

at = requests_world.at
# The request tests' fixtures (a Qaenat world, a request maker, the bare office week), used here by name.
desk, make_request, plain_calendar = requests_world.desk, requests_world.make_request, requests_world.plain_calendar

pytestmark = [committing(), shared_database()]

COUNT = 12


def at_once(count: int, work: Callable[[int], Any], timeout: float = 120) -> list[tuple[str, Any]]:
    """work(0..count-1) in `count` threads released together; ("ok", value) or ("error", exception) each."""
    assert connection.vendor != "sqlite" or not connection.is_in_memory_db(), "threads would not share it"
    barrier = threading.Barrier(count)
    outcomes: list[tuple[str, Any]] = [("missing", None)] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            outcomes[i] = ("ok", work(i))
        except BaseException as error:  # reported to the test
            outcomes[i] = ("error", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,), name=f"sweeper-{i}") for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a sweeper is still waiting (deadlock?)"
    return outcomes


@pytest.mark.parametrize("workers", [2, 4])
def test_sweepers_at_once_escalate_each_request_once(desk: SimpleNamespace, make_request: Any,
                                                     plain_calendar: Any, workers: int) -> None:
    made = [services.request_submit(by=desk.base_officer, request=make_request(subject=f"وام {i}"),
                                    now=at(7, 9)) for i in range(COUNT)]

    outcomes = at_once(workers, lambda _i: sweep(now=at(10, 10)))

    assert [status for status, _ in outcomes] == ["ok"] * workers, outcomes
    results: list[SweepResult] = [value for _, value in outcomes]
    assert sum(r.looked_at for r in results) == COUNT  # each request handled by one worker only
    assert sum(r.escalated_county for r in results) == COUNT
    assert sum(r.marked_late for r in results) == COUNT
    ids = [r.pk for r in made]
    assert set(Request.objects.filter(pk__in=ids).values_list("escalation_level", "first_answer_late")) == {(1, True)}
    assert RequestStep.objects.filter(request_id__in=ids, action="escalate").count() == COUNT
    assert AuditEntry.objects.filter(action="request.escalate").count() == COUNT
    assert AuditEntry.objects.filter(action="request.late").count() == COUNT
    keys = list(Notification.objects.filter(to=desk.officer.person.mobile).values_list("key", flat=True))
    assert sorted(keys) == sorted(f"desk:req{pk}:escalate1:u{desk.officer.pk}" for pk in ids)
    # And a further run by everyone at once does nothing more.
    again = at_once(workers, lambda _i: sweep(now=at(10, 11)))
    assert sum(value.escalated_county + value.marked_late for _, value in again) == 0
    assert RequestStep.objects.filter(request_id__in=ids, action="escalate").count() == COUNT
