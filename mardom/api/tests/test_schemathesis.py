"""schemathesis against the API's own schema, through the WSGI app, on a small world like the demo's (a fund
with its members and their treasurer's token): no answer is a server error, and every answer has a status, a
content type and a body the schema declares. Examples are few per operation, so CI stays quick."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from schemathesis import checks

from mardom.api.tests.schema_loader import api_schema

schema = api_schema()
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]


@pytest.fixture
def fuzz_token(meeting, settings):
    """The treasurer's token, with the throttle out of the way (the fuzzer sends hundreds of requests) and the
    per-request connection closing off, as Django's own test client does: the requests run inside the test's
    transaction, which PostgreSQL would otherwise lose at the end of the first one."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    settings.MARDOM_API_RATE = "100000/min"
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield meeting.token
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_the_api_keeps_its_schema(case, fuzz_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_token}"}, checks=CHECKS)
