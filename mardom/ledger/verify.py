"""Recompute the books from their postings and say exactly what does not agree.

Checks, per book: every entry balances and has postings; sequence numbers run 1..n without gaps; each entry's
prev_hash is its predecessor's hash and its own hash matches its content (so any edit of history shows);
the book's head is the last entry; every stored balance equals the sum of its postings and lies on its side.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Sum

from .models import Account, Book, Entry, Posting
from .services import entry_hash


@dataclass(frozen=True)
class Problem:
    book_id: int
    what: str

    def __str__(self) -> str:
        return f"book {self.book_id}: {self.what}"


def verify_book(book: Book, *, chunk: int = 5000) -> list[Problem]:
    problems: list[Problem] = []
    say = problems.append
    codes = dict(Account.objects.filter(book=book).values_list("pk", "code"))
    expected_seq, prev_hash = 1, "0" * 64
    seq_of: dict[int, int] = {}
    last_pk = 0
    while True:
        entries = list(Entry.objects.filter(book=book, pk__gt=last_pk).order_by("pk")[:chunk])
        if not entries:
            break
        last_pk = entries[-1].pk
        lines: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for entry_id, account_id, amount in Posting.objects.filter(entry__in=entries).values_list(
            "entry_id", "account_id", "amount"
        ):
            lines[entry_id].append((codes.get(account_id, f"?{account_id}"), amount))
        for entry in sorted(entries, key=lambda e: e.seq):
            seq_of[entry.pk] = entry.seq
            if entry.seq != expected_seq:
                say(Problem(book.pk, f"entry #{entry.seq} found where #{expected_seq} was expected"))
            expected_seq = entry.seq + 1
            entry_lines = lines.get(entry.pk, [])
            if len(entry_lines) < 2:
                say(Problem(book.pk, f"entry #{entry.seq} has {len(entry_lines)} posting(s)"))
            total = sum(amount for _code, amount in entry_lines)
            if total != 0:
                say(Problem(book.pk, f"entry #{entry.seq} does not balance: debits - credits = {total}"))
            if entry.prev_hash != prev_hash:
                say(Problem(book.pk, f"entry #{entry.seq} is not chained to the entry before it"))
            digest = entry_hash(
                book_id=book.pk, seq=entry.seq, prev_hash=entry.prev_hash, key=entry.idempotency_key,
                kind=entry.kind, memo=entry.memo, occurred_on=entry.occurred_on,
                reverses_seq=seq_of.get(entry.reverses_id) if entry.reverses_id else None, lines=entry_lines,
            )
            if digest != entry.hash:
                say(Problem(book.pk, f"entry #{entry.seq} was changed after it was written (hash differs)"))
            prev_hash = entry.hash
    if book.last_seq != expected_seq - 1 or book.last_hash != prev_hash:
        say(Problem(book.pk, f"the book's head says #{book.last_seq}, the entries end at #{expected_seq - 1}"))
    sums = dict(
        Posting.objects.filter(account__book=book).values("account_id").annotate(s=Sum("amount"))
        .values_list("account_id", "s")
    )
    for account in Account.objects.filter(book=book).order_by("pk"):
        actual = sums.get(account.pk) or 0
        if account.balance != actual:
            say(Problem(book.pk, f"account {account.code}: stored balance {account.balance}, postings sum {actual}"))
        if (account.side == Account.Side.DEBIT and actual < 0) or (account.side == Account.Side.CREDIT and actual > 0):
            say(Problem(book.pk, f"account {account.code}: balance {actual} is on the wrong side"))
    return problems


def verify_books(books: Iterable[Book]) -> list[Problem]:
    problems: list[Problem] = []
    for book in books:
        problems += verify_book(book)
    return problems
