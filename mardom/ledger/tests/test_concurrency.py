"""The books under real concurrency: threads, each on its own database connection, committing for real.

These tests need a database other connections can see: PostgreSQL, or SQLite in a file
(MARDOM_TEST_SQLITE_FILE=1, see mardom/conftest.py). On the default in-memory SQLite test database they
are skipped; CI runs the suite on PostgreSQL too, where they always run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from mardom.conftest import committing, shared_database
from mardom.ledger import services
from mardom.ledger.models import Account, Book, Entry, Posting
from mardom.ledger.services import LedgerError
from mardom.ledger.verify import verify_book

from .conftest import TODAY

pytestmark = [committing(), shared_database()]


def at_once(count: int, work: Callable[[int], Any], timeout: float = 60) -> list[tuple[str, Any]]:
    """Run work(0..count-1) in `count` threads released together by a barrier; returns ("ok", value) or
    ("error", exception) per thread. Each thread uses its own connection and closes it at the end."""
    assert connection.vendor != "sqlite" or not connection.is_in_memory_db(), "threads would not share it"
    barrier = threading.Barrier(count)
    outcomes: list[tuple[str, Any]] = [("missing", None)] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            outcomes[i] = ("ok", work(i))
        except BaseException as error:  # reported to the test, which decides
            outcomes[i] = ("error", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,), name=f"poster-{i}") for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is still waiting (deadlock?)"
    return outcomes


def post(clerk: Any, books: Any, *, key: str, amount: int, debit: str = "cash", credit: str = "savings_1") -> Entry:
    return services.entry_post(by=clerk, book=books.book, idempotency_key=key, kind="contribution",
                               occurred_on=TODAY,
                               lines=[(getattr(books, debit), amount), (getattr(books, credit), -amount)])


def balances(books: Any) -> dict[str, int]:
    return dict(Account.objects.filter(book=books.book).values_list("code", "balance"))


def assert_books_verify(books: Any) -> None:
    assert verify_book(Book.objects.get(pk=books.book.pk)) == []


def test_the_same_key_posted_twice_at_the_same_moment_posts_once(clerk: Any, books: Any) -> None:
    outcomes = at_once(2, lambda _i: post(clerk, books, key="double-click", amount=500_000))

    assert [status for status, _ in outcomes] == ["ok", "ok"], outcomes
    assert outcomes[0][1].pk == outcomes[1][1].pk  # both callers got the one entry
    assert Entry.objects.filter(book=books.book).count() == 1
    assert Posting.objects.filter(entry__book=books.book).count() == 2
    assert balances(books)["cash"] == 500_000 and balances(books)["savings:1"] == -500_000
    assert_books_verify(books)


@pytest.mark.parametrize("threads,each", [(4, 10), (8, 5)])
def test_many_posters_on_one_book_all_land_in_one_unbroken_chain(clerk: Any, books: Any, threads: int,
                                                                 each: int) -> None:
    def work(i: int) -> list[int]:
        return [post(clerk, books, key=f"t{i}-c{j}", amount=1_000 * (i + 1) + j,
                     credit="savings_1" if (i + j) % 2 else "savings_2").seq for j in range(each)]

    outcomes = at_once(threads, work)

    assert [status for status, _ in outcomes] == ["ok"] * threads, outcomes
    seqs = sorted(seq for _status, thread_seqs in outcomes for seq in thread_seqs)
    assert seqs == list(range(1, threads * each + 1))  # no sequence number given twice, none skipped
    total = sum(1_000 * (i + 1) + j for i in range(threads) for j in range(each))
    after = balances(books)
    assert after["cash"] == total
    assert after["savings:1"] + after["savings:2"] == -total
    assert Entry.objects.filter(book=books.book).count() == threads * each
    assert_books_verify(books)


@pytest.mark.parametrize("threads,succeed", [(2, 1), (8, 3)])
def test_concurrent_payouts_never_take_cash_below_zero(clerk: Any, books: Any, threads: int, succeed: int) -> None:
    """100,000 in cash; each thread pays out 70,000 (two threads) or 30,000 (eight): only as many as the
    cash covers may succeed, the others are refused by the books."""
    post(clerk, books, key="in", amount=100_000)
    amount = 70_000 if threads == 2 else 30_000

    outcomes = at_once(threads, lambda i: post(clerk, books, key=f"out-{i}", amount=amount, debit="loan_1",
                                               credit="cash"))

    succeeded = [value for status, value in outcomes if status == "ok"]
    refused = [value for status, value in outcomes if status == "error"]
    assert len(succeeded) == succeed, outcomes
    assert all(isinstance(error, LedgerError) for error in refused), refused
    assert balances(books)["cash"] == 100_000 - succeed * amount >= 0
    assert balances(books)["loan:1"] == succeed * amount
    assert Entry.objects.filter(book=books.book).count() == 1 + succeed
    assert_books_verify(books)
