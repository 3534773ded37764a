"""The set-based path (`ledger.bulk.entries_post`) writes the books `entry_post` would write, entry by entry.

The property test posts a random sequence both ways on the same book (each inside a savepoint that is rolled
back, so both start from the same state and the hashes, which name the book, can be compared) and asserts
the same entries, postings, balances and chain head; when the per-line path refuses some operation (an
overdraft at any point, a key reused with other lines), the bulk path refuses the whole sequence and leaves
the book as it was.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mardom.ledger import services
from mardom.ledger.bulk import EntrySpec, entries_post
from mardom.ledger.models import Account, Book, Entry, Posting
from mardom.ledger.services import LedgerError
from mardom.ledger.verify import verify_book

from .conftest import TODAY

NOW = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)


class _Rollback(Exception):
    pass


def snapshot(book: Book) -> dict:
    book = Book.objects.get(pk=book.pk)
    codes = dict(Account.objects.filter(book=book).values_list("pk", "code"))
    return {
        "head": (book.last_seq, book.last_hash),
        "entries": list(Entry.objects.filter(book=book).order_by("seq").values_list(
            "seq", "idempotency_key", "kind", "memo", "params", "occurred_on", "created_at", "created_by_id",
            "prev_hash", "hash")),
        "postings": sorted((seq, codes[account], amount) for seq, account, amount in Posting.objects.filter(
            entry__book=book).values_list("entry__seq", "account_id", "amount")),
        "balances": dict(Account.objects.filter(book=book).values_list("code", "balance")),
    }


def spec(books, debit: str, credit: str, amount: int, key: str, day: int = 0) -> EntrySpec:
    return EntrySpec(idempotency_key=key, kind="t", occurred_on=TODAY - datetime.timedelta(days=day),
                     memo=f"{debit}->{credit}", params={"n": amount},
                     lines=[(books.all[debit], amount), (books.all[credit], -amount)])


def post_one_by_one(clerk, books, specs: list[EntrySpec]) -> None:
    for s in specs:
        services.entry_post(by=clerk, book=books.book, idempotency_key=s.idempotency_key, kind=s.kind,
                            occurred_on=s.occurred_on, memo=s.memo, params=s.params, lines=s.lines, now=NOW)


def outcome(post) -> tuple[str, dict | None]:
    """Run `post` in a savepoint that is always rolled back; say whether it was refused and what it wrote."""
    result: list = []
    try:
        with transaction.atomic():
            try:
                post()
            except LedgerError:
                result.append(("refused", None))
                raise _Rollback from None
            result.append(("posted", None))
            raise _Rollback
    except _Rollback:
        pass
    return result[0]


# (debit, credit) pairs, weighted towards what a fund does most (contributions), so that most sequences post
# and some overdraw (a payout or a withdrawal larger than the cash so far) somewhere in the middle.
PAIRS = [("cash", "savings:1")] * 10 + [("cash", "savings:2")] * 8 + [
    ("loan:1", "cash"), ("cash", "loan:1"), ("savings:1", "cash"), ("cash", "fees"), ("equity", "cash"),
    ("cash", "equity"), ("savings:2", "savings:1"), ("fees", "cash")]
operation = st.tuples(st.sampled_from(PAIRS), st.integers(1, 3_000_000), st.integers(0, 400), st.integers(0, 3),
                      st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=3, max_size=40), prefix=st.integers(0, 5), batch=st.integers(1, 7))
def test_bulk_and_per_line_write_the_same_books(clerk, books, ops, prefix, batch):
    specs: list[EntrySpec] = []
    for (debit, credit), amount, key, day, repeat in ops:
        if repeat and specs:
            specs.append(specs[-1])  # the same request again: posts once
        elif debit != credit:
            specs.append(spec(books, debit, credit, amount, f"k{key}", day))
    if not specs:
        return
    head, tail = specs[:prefix], specs[prefix:]
    try:
        with transaction.atomic():
            try:
                post_one_by_one(clerk, books, head)  # entries already in the book before either path runs
            except LedgerError:
                raise _Rollback from None
            before = snapshot(books.book)
            seen: dict[str, dict] = {}

            def per_line():
                post_one_by_one(clerk, books, tail)
                seen["per_line"] = snapshot(books.book)

            def bulk():
                entries_post(by=clerk, book=books.book, entries=tail, batch_size=batch, now=NOW)
                seen["bulk"] = snapshot(books.book)

            one, many = outcome(per_line)[0], outcome(bulk)[0]
            event(f"{one}, {'10 or more' if len(tail) >= 10 else 'fewer than 10'} entries")
            assert one == many
            if one == "posted":
                assert seen["bulk"] == seen["per_line"]
            assert snapshot(books.book) == before  # both were rolled back; a refused bulk wrote nothing
            raise _Rollback
    except _Rollback:
        pass


def test_bulk_returns_an_entry_per_spec_and_the_book_verifies(clerk, books):
    specs = [spec(books, "cash", "savings:1", 100_000, f"c{i}") for i in range(10)]
    entries = entries_post(by=clerk, book=books.book, entries=specs + specs[:3], batch_size=4, now=NOW)
    assert [e.seq for e in entries] == [*range(1, 11), 1, 2, 3]
    assert all(isinstance(e.pk, int) for e in entries)
    assert Entry.objects.get(pk=entries[4].pk).idempotency_key == "c4"
    book = Book.objects.get(pk=books.book.pk)
    assert book.last_seq == 10 and verify_book(book) == []
    assert Account.objects.get(pk=books.cash.pk).balance == 1_000_000


def test_cash_may_not_dip_below_zero_in_the_middle_even_if_it_ends_above(clerk, books):
    specs = [spec(books, "cash", "savings:1", 100, "in"), spec(books, "savings:1", "cash", 200, "out"),
             spec(books, "cash", "savings:2", 500, "in2")]
    with pytest.raises(LedgerError):
        entries_post(by=clerk, book=books.book, entries=specs, now=NOW)
    assert Entry.objects.count() == 0 and Posting.objects.count() == 0
    assert Account.objects.get(pk=books.cash.pk).balance == 0


def test_a_key_reused_with_other_lines_refuses_the_whole_call(clerk, books):
    services.entry_post(by=clerk, book=books.book, idempotency_key="x", kind="t", occurred_on=TODAY,
                        lines=[(books.cash, 100), (books.savings_1, -100)])
    with pytest.raises(LedgerError):
        entries_post(by=clerk, book=books.book, now=NOW, entries=[
            spec(books, "cash", "savings:2", 50, "y"), spec(books, "cash", "savings:1", 999, "x")])
    assert list(Entry.objects.values_list("idempotency_key", flat=True)) == ["x"]


@pytest.mark.parametrize("lines", [[("cash", 100), ("savings:1", -99)], [("cash", 10.5), ("savings:1", -10.5)]])
def test_unbalanced_or_fractional_lines_are_refused(clerk, books, lines):
    bad = EntrySpec(idempotency_key="b", kind="t", occurred_on=TODAY,
                    lines=[(books.all[code], amount) for code, amount in lines])
    with pytest.raises((ValueError, TypeError)):
        entries_post(by=clerk, book=books.book, entries=[spec(books, "cash", "savings:1", 1, "a"), bad])
    assert Entry.objects.count() == 0


def test_a_batch_costs_a_fixed_number_of_queries(clerk, books):
    def queries(n: int, prefix: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            entries_post(by=clerk, book=books.book, now=NOW, batch_size=10_000,
                         entries=[spec(books, "cash", "savings:1", 10, f"{prefix}{i}") for i in range(n)])
        return len(ctx.captured_queries)

    # A fixed handful per batch; SQLite splits a multi-row insert at its bound-parameter limit (a few
    # statements more for 500 entries), PostgreSQL sends one. One by one it would be about 4,000. Two of them are
    # the batch's roll-up (the fund's path, one outbox insert for the whole batch).
    assert queries(5, "a") <= 12
    assert queries(500, "b") <= (12 if connection.vendor == "postgresql" else 27)
