"""schemathesis against the API's schema on the demo data (issue 14, "proof in CI").

The API tests fuzz every operation, writes included, on a small world of their own
(mardom/api/tests/test_schemathesis.py). Here the reads are fuzzed on the demo that a newcomer sees — every
fund, loan, producer, sale, desk request, course and figure of it — as four of its people with tokens of
their own: no answer is a server error, and every answer matches the schema. Reads only: the other browser
tests walk through this same demo afterwards and count on it as the demo builder left it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from schemathesis import checks

from mardom.api.tests.schema_loader import api_schema

schema = api_schema().include(method="GET")
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]
SEEN: dict[str, Counter[int]] = {}  # status codes answered, per person
PEOPLE = {
    "national": "09120000001",    # dashboards' figures for the nation, producers, funds everywhere
    "treasurer": "09120000011",   # her fund's members, contributions, loans, draws
    "institution": "09120000007",  # the bank officer: the desk requests sent to her bank
    "seller": "09120000015",      # a booth's sales
}


@pytest.fixture(scope="module")
def demo_tokens(demo_server: str, django_db_blocker: Any) -> Iterator[list[str]]:
    """A read token for each of PEOPLE, revoked afterwards."""
    from django.conf import settings as django_settings
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from mardom.api.services import token_create, token_revoke
    from mardom.people.models import User

    with django_db_blocker.unblock():
        made = []
        for who, mobile in sorted(PEOPLE.items()):
            user = User.objects.get(person__mobile=mobile)
            made.append((user, *token_create(by=user, device=f"schemathesis {who}", scopes=["read"], days=1)))
    rate = django_settings.MARDOM_API_RATE
    django_settings.MARDOM_API_RATE = "100000/min"  # the fuzzer sends hundreds of requests a token
    # In-process requests must not close the connection the live server's in-memory SQLite shares.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield [secret for _user, _token, secret in made]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        django_settings.MARDOM_API_RATE = rate
        with django_db_blocker.unblock():
            for user, token, _secret in made:
                token_revoke(by=user, token=token)


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_read_on_the_demo_keeps_the_schema(case: Any, demo_tokens: list[str], django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        for who, token in zip(sorted(PEOPLE), demo_tokens, strict=True):  # each example as each of the four
            response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
            SEEN.setdefault(who, Counter())[response.status_code] += 1


def test_the_fuzzed_reads_were_answered_with_the_demos_data() -> None:
    """Not a vacuous pass: each person's token was let in and read real rows (runs after the test above)."""
    assert sorted(SEEN) == sorted(PEOPLE), SEEN
    for who, statuses in SEEN.items():
        assert statuses[200] >= 10 and statuses[401] == 0, (who, statuses)
