"""Recompute the books from their postings and say exactly what does not agree.

Checks, per book: every entry balances and has postings; sequence numbers run 1..n without gaps; each entry's
prev_hash is its predecessor's hash and its own hash matches its content (so any edit of history shows);
the book's head is the last entry; every stored balance equals the sum of its postings and lies on its side.
"""

from __future__ import annotations

import datetime
import multiprocessing
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import connections
from django.db.models import Sum

from .models import Account, Book, Entry, Posting
from .services import entry_hash


@dataclass(frozen=True)
class Problem:
    book_id: int
    what: str

    def __str__(self) -> str:
        return f"book {self.book_id}: {self.what}"


@dataclass
class Tally:
    """What one verification went through, for the progress line and the per-million figure."""

    books: int = 0
    entries: int = 0
    postings: int = 0

    def add(self, other: Tally) -> None:
        self.books += other.books
        self.entries += other.entries
        self.postings += other.postings


def verify_book(book: Book, *, chunk: int = 5000) -> list[Problem]:
    return verify_book_counted(book, chunk=chunk)[0]


def verify_book_counted(book: Book, *, chunk: int = 5000) -> tuple[list[Problem], Tally]:
    """One book, streamed: a single query of its entries joined to their postings in chain order, read through
    a server-side cursor (`chunked_cursor`) `chunk` rows at a time, so memory stays flat however long its history
    and no entry costs a round trip of its own. Only the entries' seq by id is kept, for naming what a reversal
    reverses."""
    problems: list[Problem] = []
    say = problems.append
    tally = Tally(books=1)
    codes = dict(Account.objects.filter(book=book).values_list("pk", "code"))
    expected_seq, prev_hash = 1, "0" * 64
    seq_of: dict[int, int] = {}

    def check(row: tuple, entry_lines: list[tuple[str, int]]) -> None:
        nonlocal expected_seq, prev_hash
        pk, seq, key, kind, memo, occurred_on, reverses_id, entry_prev, entry_hash_ = row
        if isinstance(occurred_on, str):  # SQLite hands a raw query's dates back as text
            occurred_on = datetime.date.fromisoformat(occurred_on)
        seq_of[pk] = seq
        tally.entries += 1
        tally.postings += len(entry_lines)
        if seq != expected_seq:
            say(Problem(book.pk, f"entry #{seq} found where #{expected_seq} was expected"))
        expected_seq = seq + 1
        if len(entry_lines) < 2:
            say(Problem(book.pk, f"entry #{seq} has {len(entry_lines)} posting(s)"))
        total = sum(amount for _code, amount in entry_lines)
        if total != 0:
            say(Problem(book.pk, f"entry #{seq} does not balance: debits - credits = {total}"))
        if entry_prev != prev_hash:
            say(Problem(book.pk, f"entry #{seq} is not chained to the entry before it"))
        digest = entry_hash(
            book_id=book.pk, seq=seq, prev_hash=entry_prev, key=key, kind=kind, memo=memo,
            occurred_on=occurred_on, reverses_seq=seq_of.get(reverses_id) if reverses_id else None,
            lines=entry_lines,
        )
        if digest != entry_hash_:
            say(Problem(book.pk, f"entry #{seq} was changed after it was written (hash differs)"))
        prev_hash = entry_hash_

    entry_table, posting_table = Entry._meta.db_table, Posting._meta.db_table
    # LEFT JOIN: an entry without postings must still be seen (and reported).
    sql = (f"SELECT e.id, e.seq, e.idempotency_key, e.kind, e.memo, e.occurred_on, e.reverses_id, e.prev_hash, "
           f"e.hash, p.account_id, p.amount FROM {entry_table} e LEFT JOIN {posting_table} p ON p.entry_id = e.id "
           f"WHERE e.book_id = %s ORDER BY e.seq, e.id")
    current: tuple | None = None
    lines: list[tuple[str, int]] = []
    with connections[Entry.objects.db].chunked_cursor() as cursor:
        cursor.execute(sql, [book.pk])
        while rows := cursor.fetchmany(chunk):
            for row in rows:
                head = tuple(row[:9])
                if current is None or head[0] != current[0]:
                    if current is not None:
                        check(current, lines)
                    current, lines = head, []
                if row[9] is not None:
                    lines.append((codes.get(row[9], f"?{row[9]}"), row[10]))
    if current is not None:
        check(current, lines)
    if book.last_seq != expected_seq - 1 or book.last_hash != prev_hash:
        say(Problem(book.pk, f"the book's head says #{book.last_seq}, the entries end at #{expected_seq - 1}"))
    sums = dict(
        Posting.objects.filter(account__book=book).values("account_id").annotate(s=Sum("amount"))
        .values_list("account_id", "s")
    )
    for account_pk, code, balance, side in Account.objects.filter(book=book).order_by("pk").values_list(
            "pk", "code", "balance", "side"):
        actual = sums.get(account_pk) or 0
        if balance != actual:
            say(Problem(book.pk, f"account {code}: stored balance {balance}, postings sum {actual}"))
        if (side == Account.Side.DEBIT and actual < 0) or (side == Account.Side.CREDIT and actual > 0):
            say(Problem(book.pk, f"account {code}: balance {actual} is on the wrong side"))
    return problems, tally


def verify_books(books: Iterable[Book]) -> list[Problem]:
    problems: list[Problem] = []
    for book in books:
        problems += verify_book(book)
    return problems


def _verify_ids(book_ids: list[int]) -> tuple[list[Problem], Tally]:
    """One worker's share: its own connection, books read one at a time."""
    problems: list[Problem] = []
    tally = Tally()
    for book in Book.objects.filter(pk__in=book_ids).order_by("pk").iterator(chunk_size=200):
        found, counted = verify_book_counted(book)
        problems += found
        tally.add(counted)
    return problems, tally


def verify_books_parallel(book_ids: Sequence[int], *, workers: int = 1, batch: int = 50,
                          progress: Callable[[Tally, float], None] | None = None) -> tuple[list[Problem], Tally]:
    """Every book of `book_ids`, in batches spread over `workers` processes (each book's chain is independent,
    so books verify in any order). With one worker it runs here, on this connection (so inside a test's
    transaction too); with more, the processes open their own connections and see only committed books.
    `progress` is called after each batch with the running tally and the seconds since the start."""
    started = time.perf_counter()
    batches = [list(book_ids[i:i + batch]) for i in range(0, len(book_ids), batch)]
    problems: list[Problem] = []
    tally = Tally()

    def collect(result: tuple[list[Problem], Tally]) -> None:
        problems.extend(result[0])
        tally.add(result[1])
        if progress:
            progress(tally, time.perf_counter() - started)

    if workers <= 1 or len(batches) <= 1:
        for ids in batches:
            collect(_verify_ids(ids))
        return problems, tally
    # Forked children must not share the parent's socket: close it first, each child opens its own.
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(workers, initializer=_child_start) as pool:
        for result in pool.imap_unordered(_verify_ids, batches):
            collect(result)
    problems.sort(key=lambda p: p.book_id)
    return problems, tally


def _child_start() -> None:
    for conn in connections.all(initialized_only=True):
        conn.connection = None  # the parent's, closed before the fork: never touch it, open a new one
