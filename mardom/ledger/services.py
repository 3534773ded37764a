"""Writing to the books. Every write is one balanced entry, posted once per idempotency key.

Callers (the funds services) decide *what* to post and check their own rules first, with messages that speak
the user's language; this module guarantees the invariants whatever the caller does: balanced or not
written, each key posts once, balances stored with their postings, cash never negative, the chain intact.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.errors import DomainError
from mardom.dashboards.sources import funds as fund_figures

from .models import Account, Book, Entry, Posting

Lines = Sequence[tuple[Account, int]]


class LedgerError(DomainError):
    """A posting the books refuse."""


def entry_hash(*, book_id: int, seq: int, prev_hash: str, key: str, kind: str, memo: str,
               occurred_on: datetime.date, reverses_seq: int | None, lines: Sequence[tuple[str, int]]) -> str:
    """The entry's fingerprint, chained to the previous one. Accounts are named by code, which is stable."""
    body = "\n".join([
        f"book={book_id}", f"seq={seq}", f"prev={prev_hash}", f"key={key}", f"kind={kind}", f"memo={memo}",
        f"date={occurred_on.isoformat()}", f"reverses={reverses_seq or ''}",
        *(f"{code}={amount}" for code, amount in sorted(lines)),
    ])
    return hashlib.sha256(body.encode()).hexdigest()


@transaction.atomic
def book_open(*, unit: Any) -> Book:
    book, _created = Book.objects.get_or_create(unit=unit)
    return book


@transaction.atomic
def account_open(*, book: Book, code: str, name: str, type: str, side: str) -> Account:
    """Open an account, or return it if it is already open with the same type and side."""
    account, created = Account.objects.get_or_create(
        book=book, code=code, defaults={"name": name, "type": type, "side": side}
    )
    if not created and (account.type, account.side) != (type, side):
        raise ValueError(f"Account {code} exists with another type or side")
    return account


def _same_lines(entry: Entry, lines: dict[int, int]) -> bool:
    return dict(entry.postings.values_list("account_id", "amount")) == lines


def entry_post(
    *, by: Any, book: Book, lines: Lines, idempotency_key: str, kind: str, occurred_on: datetime.date,
    memo: str = "", params: dict[str, Any] | None = None, reverses: Entry | None = None,
    now: datetime.datetime | None = None,
) -> Entry:
    """Post one balanced entry. The same key twice returns the first entry (a double click, a retry) or,
    if the details differ, refuses: a key names one request, never two. `params` are what
    `describe_entry` needs to say the entry in the reader's language (member and loan numbers, the month);
    they are not part of the hash, which keeps covering the memo as written."""
    try:
        # One savepoint (or transaction) for the whole posting: it is written whole or not at all.
        with transaction.atomic():
            return _post(by=by, book=book, lines=lines, idempotency_key=idempotency_key, kind=kind,
                         occurred_on=occurred_on, memo=memo, params=params or {}, reverses=reverses, now=now)
    except IntegrityError as error:
        # The database's own checks (balance side, one reversal per entry) are the last line of defence.
        raise LedgerError(_("The books refused this entry.")) from error


def _post(*, by: Any, book: Book, lines: Lines, idempotency_key: str, kind: str, occurred_on: datetime.date,
          memo: str, params: dict[str, Any], reverses: Entry | None, now: datetime.datetime | None) -> Entry:
    merged: dict[int, int] = defaultdict(int)
    accounts: dict[int, Account] = {}
    for account, amount in lines:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise TypeError("Amounts are integer rials")
        if account.book_id != book.pk:
            raise ValueError("Every account of an entry must belong to its book")
        merged[account.pk] += amount
        accounts[account.pk] = account
    merged = {pk: amount for pk, amount in merged.items() if amount != 0}
    if len(merged) < 2 or sum(merged.values()) != 0:
        raise ValueError("An entry needs at least two non-zero lines that sum to zero")
    if not idempotency_key or len(idempotency_key) > 120:
        raise ValueError("An entry needs an idempotency key of at most 120 characters")

    # The book row is the fund's posting lock: sequence numbers and the hash chain advance one at a time.
    book = Book.objects.select_for_update().get(pk=book.pk)
    existing = Entry.objects.filter(book=book, idempotency_key=idempotency_key).first()
    if existing is not None:
        if _same_lines(existing, merged) and existing.kind == kind:
            return existing
        raise LedgerError(_("This request was already recorded with different details."))

    locked = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=sorted(merged)).order_by("pk")}
    for pk, amount in merged.items():
        account = locked[pk]
        after = account.balance + amount
        if (account.side == Account.Side.DEBIT and after < 0) or (account.side == Account.Side.CREDIT and after > 0):
            raise LedgerError(_("Not enough in “%(account)s” for this.") % {"account": account.name})

    seq = book.last_seq + 1
    created_at = now or timezone.now()
    digest = entry_hash(
        book_id=book.pk, seq=seq, prev_hash=book.last_hash, key=idempotency_key, kind=kind, memo=memo,
        occurred_on=occurred_on, reverses_seq=reverses.seq if reverses else None,
        lines=[(locked[pk].code, amount) for pk, amount in merged.items()],
    )
    entry = Entry.objects.create(
        book=book, seq=seq, idempotency_key=idempotency_key, kind=kind, memo=memo[:300],
        params=params, occurred_on=occurred_on, created_at=created_at, created_by=by, reverses=reverses,
        prev_hash=book.last_hash, hash=digest,
    )
    Posting.objects.bulk_create([Posting(entry=entry, account_id=pk, amount=amount) for pk, amount in merged.items()])
    # Every balance of the entry in one statement (the rows are locked above).
    Account.objects.filter(pk__in=list(merged)).update(
        balance=F("balance") + Case(*(When(pk=pk, then=Value(amount)) for pk, amount in merged.items()),
                                    output_field=BigIntegerField())
    )
    Book.objects.filter(pk=book.pk).update(last_seq=seq, last_hash=digest)
    # Every money fact of a fund passes here, so its money figures are rolled up here, in this transaction.
    fund_figures.entry_posted(book=book, kind=kind, lines=[(locked[pk].code, amount) for pk, amount in merged.items()],
                              params=params, occurred_on=occurred_on, created_at=created_at, reverses=reverses)
    return entry


@transaction.atomic
def entry_reverse(*, by: Any, entry: Entry, idempotency_key: str, memo: str = "",
                  occurred_on: datetime.date | None = None, now: datetime.datetime | None = None) -> Entry:
    """Correct a mistake by posting its mirror image; the original stays as it was."""
    already = Entry.objects.filter(reverses=entry).first()
    if already is not None:
        if already.idempotency_key == idempotency_key:
            return already
        raise LedgerError(_("This entry has already been reversed."))
    lines = [(p.account, -p.amount) for p in entry.postings.select_related("account")]
    return entry_post(
        by=by, book=entry.book, lines=lines, idempotency_key=idempotency_key, kind=f"reversal:{entry.kind}"[:40],
        occurred_on=occurred_on or timezone.localdate(), memo=memo or f"reversal of #{entry.seq}",
        params={"seq": entry.seq}, reverses=entry, now=now,
    )
