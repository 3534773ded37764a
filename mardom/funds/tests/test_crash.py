"""A real crash: the process recording a month's contributions is killed (SIGKILL) half way through.

`contributions_record_month` promises all or nothing: a child process (spawned, so a fresh interpreter with
its own connection, like a real worker) posts contributions inside the batch's transaction, tells the test
after the fifth one and waits to be killed. Nothing of the batch may survive, the books must still verify,
and running the month again must complete it.

The child must reach the test database, so this needs PostgreSQL or SQLite in a file
(MARDOM_TEST_SQLITE_FILE=1, see mardom/conftest.py); it is skipped on the in-memory SQLite test database.
Module-level imports stay free of models: the spawned child imports this module before Django is set up.
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

MEMBERS = 12
KILL_AFTER = 5
YEAR, MONTH = 1403, 2
PAID_ON = datetime.date(2024, 4, 25)  # 1403/02/06


def _child(db_name: str, fund_pk: int, by_pk: int, membership_pks: list[int], posted: Any, last_seq: Any) -> None:
    """Runs in the spawned process: record the month, but stop for good after KILL_AFTER contributions."""
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = db_name  # the parent's test database, not the configured one
    django.setup()

    from mardom.funds import services
    from mardom.funds.models import Fund, Membership
    from mardom.funds.services import members
    from mardom.people.models import User

    record = members._record_contribution
    done = 0

    def record_then_stall(**kwargs: Any) -> Any:
        nonlocal done
        contribution, created = record(**kwargs)
        done += 1
        if done == KILL_AFTER:
            last_seq.value = contribution.entry.seq
            posted.set()
            time.sleep(300)  # inside the open transaction, holding the book's lock, until SIGKILL
        return contribution, created

    members._record_contribution = record_then_stall
    memberships = list(Membership.objects.filter(pk__in=membership_pks).select_related("savings_account"))
    services.contributions_record_month(by=User.objects.get(pk=by_pk), fund=Fund.objects.get(pk=fund_pk),
                                        year=YEAR, month=MONTH, paid_on=PAID_ON, memberships=memberships, today=PAID_ON)


def test_a_month_killed_half_way_leaves_nothing_and_runs_again(fund: Any, treasurer: Any, join: Any) -> None:
    from django.db import connection, connections

    from mardom.funds import services
    from mardom.funds.models import Contribution, Membership
    from mardom.ledger.models import Account, Book, Entry
    from mardom.ledger.verify import verify_book

    memberships = [join(deposit=1_000_000) for _ in range(MEMBERS)]
    book = Book.objects.get(unit=fund)
    entries_before = Entry.objects.filter(book=book).count()
    cash_before = Account.objects.get(book=book, code="cash").balance
    assert entries_before == MEMBERS and cash_before == MEMBERS * 1_000_000

    context = multiprocessing.get_context("spawn")
    posted, last_seq = context.Event(), context.Value("q", 0)
    connections.close_all()  # nothing of ours open while the child works (and no socket to inherit)
    child = context.Process(target=_child, daemon=True, args=(
        connection.settings_dict["NAME"], fund.pk, treasurer.pk, [m.pk for m in memberships], posted, last_seq))
    child.start()
    try:
        assert posted.wait(timeout=120), f"the child never got to contribution {KILL_AFTER} ({child.exitcode=})"
        # The child has really posted: its fifth entry has a sequence number past the openings...
        assert last_seq.value == entries_before + KILL_AFTER
        # ...which no one else can see yet, since its transaction is still open.
        assert Entry.objects.filter(book=book).count() == entries_before
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=30)
    finally:
        if child.is_alive():
            child.kill()
            child.join(timeout=30)
    assert child.exitcode == -signal.SIGKILL

    assert Contribution.objects.filter(membership__fund=fund).count() == 0
    assert Entry.objects.filter(book=book).count() == entries_before
    assert not Entry.objects.filter(book=book, kind="contribution").exists()
    assert Account.objects.get(book=book, code="cash").balance == cash_before
    assert verify_book(Book.objects.get(pk=book.pk)) == []

    # Run again, here: the month is completed, once per member, as if the crash had never happened.
    again = list(Membership.objects.filter(fund=fund).select_related("savings_account"))
    recorded = services.contributions_record_month(by=treasurer, fund=fund, year=YEAR, month=MONTH,
                                                   paid_on=PAID_ON, memberships=again, today=PAID_ON)
    monthly = services.rules_in_force(fund=fund, on=PAID_ON).monthly_contribution
    assert len(recorded) == MEMBERS
    assert Contribution.objects.filter(membership__fund=fund, year=YEAR, month=MONTH).count() == MEMBERS
    assert Entry.objects.filter(book=book).count() == entries_before + MEMBERS
    assert Account.objects.get(book=book, code="cash").balance == cash_before + MEMBERS * monthly
    assert verify_book(Book.objects.get(pk=book.pk)) == []
