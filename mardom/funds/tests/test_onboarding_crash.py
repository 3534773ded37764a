"""A real crash: the process importing a fund's workbook is killed (SIGKILL) after its history is posted but
before its transaction commits. Nothing may survive (no fund, no person, no entry), the import's record says
it was posting, and running it again completes it.

Needs PostgreSQL or SQLite in a file (MARDOM_TEST_SQLITE_FILE=1), like funds/tests/test_crash.py. Module-level
imports stay free of models: the spawned child imports this module before Django is set up.
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
import signal
import time
from typing import Any

from mardom.conftest import committing, shared_database

pytestmark = [committing(), shared_database()]


def _child(db_name: str, record_pk: int, today: datetime.date, posted: Any) -> None:
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = db_name
    django.setup()

    from mardom.funds.models import FundImport
    from mardom.funds.onboarding import posting

    post = posting.entries_post

    def post_then_stall(**kwargs: Any) -> Any:
        entries = post(**kwargs)
        posted.set()
        time.sleep(300)  # inside the import's open transaction, until SIGKILL
        return entries

    posting.entries_post = post_then_stall
    posting.fund_import_run(record=FundImport.objects.get(pk=record_pk), today=today)


def test_an_import_killed_half_way_leaves_nothing_and_runs_again(base_officer: Any, base: Any) -> None:
    from django.db import connection, connections

    from mardom.funds.models import Fund, FundImport
    from mardom.funds.onboarding.posting import fund_import_run, fund_import_start
    from mardom.funds.onboarding.sample import last_day, sample_rows
    from mardom.funds.onboarding.template import write_workbook
    from mardom.ledger.models import Book, Entry
    from mardom.ledger.verify import verify_book
    from mardom.people.models import Person

    today = last_day() + datetime.timedelta(days=3)
    record = fund_import_start(by=base_officer, base=base, data=write_workbook(sample_rows()), filename="f.xlsx")
    people, entries = Person.objects.count(), Entry.objects.count()

    context = multiprocessing.get_context("spawn")
    posted = context.Event()
    connections.close_all()
    child = context.Process(target=_child, daemon=True,
                            args=(connection.settings_dict["NAME"], record.pk, today, posted))
    child.start()
    try:
        assert posted.wait(timeout=120), f"the child never posted the history ({child.exitcode=})"
        assert FundImport.objects.get(pk=record.pk).status == FundImport.Status.POSTING
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=30)
    finally:
        if child.is_alive():
            child.kill()
            child.join(timeout=30)
    assert child.exitcode == -signal.SIGKILL

    assert not Fund.objects.filter(parent=base).exists()
    assert Person.objects.count() == people and Entry.objects.count() == entries
    assert FundImport.objects.get(pk=record.pk).status == FundImport.Status.POSTING

    done = fund_import_run(record=record, today=today)
    assert done.status == FundImport.Status.DONE, done.problems
    assert verify_book(Book.objects.get(unit=done.fund)) == []
    assert Entry.objects.filter(book__unit=done.fund).count() == done.summary["counts"]["entries"]
