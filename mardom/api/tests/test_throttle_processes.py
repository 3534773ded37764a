"""The throttle counts per token across processes: a token spends its requests in one count whichever web
process or machine answers (the counts are in the database cache, not in each process's memory). A spawned
child is a second web process on the same database.

Module-level imports stay free of models: the spawned child imports this module before Django is set up."""

from __future__ import annotations

import multiprocessing
from typing import Any

from mardom.conftest import committing, shared_database

pytestmark = [committing(), shared_database()]


def _child(db_name: str, token: str, answers: Any) -> None:
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = db_name
    settings.MARDOM_API_RATE = "3/min"
    django.setup()
    from django.test import Client

    client = Client()
    for _ in range(2):
        answers.put(client.get("/api/v1/funds/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code)


def test_a_token_has_one_count_whichever_process_answers(api: Any, meeting: Any, settings: Any) -> None:
    from django.core.cache import cache
    from django.db import connection, connections

    cache.clear()
    settings.MARDOM_API_RATE = "3/min"
    assert [api.get("/api/v1/funds/", meeting.token).status_code for _ in range(2)] == [200, 200]
    db_name = connection.settings_dict["NAME"]
    connections.close_all()
    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    child = context.Process(target=_child, args=(db_name, meeting.token, answers))
    child.start()
    child.join(120)
    assert child.exitcode == 0
    # The third request of the minute, in the other process, passes; the fourth is refused there.
    assert [answers.get(timeout=5), answers.get(timeout=5)] == [200, 429]
    assert api.get("/api/v1/funds/", meeting.token).status_code == 429  # and here
    cache.clear()
