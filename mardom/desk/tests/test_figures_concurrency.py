"""The figures under real concurrency (threads, own connections, real commits): steps of one institution at
once, the first of a year among them, count every step once. Needs a shared database (PostgreSQL in CI)."""

from __future__ import annotations

from mardom.conftest import committing, shared_database
from mardom.desk.models import InstitutionFigures, Request
from mardom.desk.services import figures
from mardom.desk.services import requests as svc
from mardom.ledger.tests.test_concurrency import at_once

from . import requests_world as world
from .requests_world import at

pytestmark = [committing(), shared_database()]
desk, make_request, plain_calendar = world.desk, world.make_request, world.plain_calendar


def test_requests_sent_at_once_to_one_institution_are_all_counted(desk, make_request, plain_calendar):
    drafts = [make_request(subject=f"وام {n}") for n in range(4)]
    assert not InstitutionFigures.objects.exists()  # the first submission of the year makes the row

    outcomes = at_once(4, lambda i: svc.request_submit(by=desk.base_officer,
                                                       request=Request.objects.get(pk=drafts[i].pk), now=at(8, 9)))
    assert [status for status, _ in outcomes] == ["ok"] * 4, outcomes
    row = InstitutionFigures.objects.get()
    assert (row.received, row.asked_received) == (4, 4 * 500_000_000)

    outcomes = at_once(4, lambda i: svc.request_answer(by=desk.bank_officer,
                                                       request=Request.objects.get(pk=drafts[i].pk),
                                                       outcome="granted", now=at(9, 9)))
    assert [status for status, _ in outcomes] == ["ok"] * 4, outcomes
    row.refresh_from_db()
    assert (row.first_answered, row.decided, row.granted) == (4, 4, 4)
    assert figures.figures_differences() == []
