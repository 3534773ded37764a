"""A fund's books as a beancount file: `bean-check` accepts it and its balances equal ours.

Each account becomes a beancount account under the root its type names (Assets, Liabilities, Equity,
Income, Expenses); each entry a transaction dated `occurred_on` (Gregorian, as beancount needs) carrying its
sequence number and hash as metadata; and at the end one `balance` assertion per account, equal to the stored
balance, so any difference between the postings and the stored balances fails the check. Beancount's sign
convention is ours: debits positive, credits negative.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from ..models import Account, Book, Entry, Posting

ROOTS = {
    Account.Type.ASSET: "Assets",
    Account.Type.LIABILITY: "Liabilities",
    Account.Type.EQUITY: "Equity",
    Account.Type.INCOME: "Income",
    Account.Type.EXPENSE: "Expenses",
}
# The accounts every fund opens with (funds.services.FUND_ACCOUNTS), by their readable names.
KNOWN = {"cash": "Cash", "fees": "Fees", "charity": "Charity", "equity": "Capital"}
# Accounts opened one per member or loan: "savings:17" -> Savings:M17, "loan:42" -> Loans:L42.
PATTERNS = [(re.compile(r"savings:([0-9]+)"), "Savings:M"), (re.compile(r"loan:([0-9]+)"), "Loans:L")]
# Any other code goes, escaped into one component, under this parent, which no known name uses: so no two
# codes share a name and no account is the parent of another (a beancount balance includes sub-accounts).
OTHER = "Other"
_PLAIN = re.compile(r"[a-z0-9]")
CURRENCY = re.compile(r"[A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]")  # beancount's commodity syntax


def _escape_code(code: str) -> str:
    """One valid component ([A-Z][A-Za-z0-9-]*) for any code, reversibly: lowercase ASCII letters and digits
    are kept, every other character becomes "-" and two uppercase hex digits per UTF-8 byte. A leading
    lowercase letter is capitalised (no other uppercase letter is left bare, so this is unambiguous); anything
    else is prefixed "X--", which no capitalised form can start with ("-" is always followed by hex)."""
    body = "".join(ch if _PLAIN.fullmatch(ch) else "".join(f"-{b:02X}" for b in ch.encode()) for ch in code)
    if body[:1].isalpha():
        return body[0].upper() + body[1:]
    return "X--" + body


def account_name(code: str, type: str) -> str:
    """The beancount name of an account, from its type and code: deterministic and unique per (type, code)."""
    root = ROOTS[Account.Type(type)]
    if code in KNOWN:
        return f"{root}:{KNOWN[code]}"
    for pattern, prefix in PATTERNS:
        match = pattern.fullmatch(code)
        if match:
            return f"{root}:{prefix}{match.group(1)}"
    return f"{root}:{OTHER}:{_escape_code(code)}"


def quote(text: str) -> str:
    """A beancount string literal; any text, Persian included, survives the round trip."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
               .replace("\t", "\\t"))
    return f'"{escaped}"'


def _entries(book: Book, chunk: int) -> Iterator[tuple[Entry, list[tuple[int, int]]]]:
    """The book's entries in beancount's order, (date, seq), each with its (account id, amount) lines."""
    entries = Entry.objects.filter(book=book).order_by("occurred_on", "seq").select_related("reverses")
    batch: list[Entry] = []
    for entry in entries.iterator(chunk_size=chunk):
        batch.append(entry)
        if len(batch) == chunk:
            yield from _with_lines(batch)
            batch = []
    yield from _with_lines(batch)


def _with_lines(batch: list[Entry]) -> Iterable[tuple[Entry, list[tuple[int, int]]]]:
    if not batch:
        return []
    lines: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for entry_id, account_id, amount in Posting.objects.filter(entry__in=batch).order_by("pk").values_list(
        "entry_id", "account_id", "amount"
    ):
        lines[entry_id].append((account_id, amount))
    return [(entry, lines[entry.pk]) for entry in batch]


@transaction.atomic
def export_book(book: Book, *, currency: str = "IRR", chunk: int = 2000) -> str:
    """The book as beancount text. The book row is locked meanwhile (as posting does), so the entries and
    the stored balances are read at one moment and agree."""
    if not CURRENCY.fullmatch(currency):
        raise ValueError(f"Not a beancount currency: {currency!r}")
    book = Book.objects.select_for_update().select_related("unit").get(pk=book.pk)
    accounts = list(Account.objects.filter(book=book).order_by("pk"))
    names = {a.pk: account_name(a.code, a.type) for a in accounts}
    if len(set(names.values())) != len(names):  # cannot happen (account_name is injective); never write it
        raise ValueError("Two accounts of the book would share a beancount name")

    # An account opens on its first posting's date; one never used on the day the book was created, or on
    # its first entry's date if that is earlier (entries may be dated back), so every account is open when
    # the balances are asserted, the day after the last entry.
    opened_on: dict[int, datetime.date] = dict(
        Posting.objects.filter(entry__book=book).values("account_id").order_by()
        .annotate(first=Min("entry__occurred_on")).values_list("account_id", "first")
    )
    dates = Entry.objects.filter(book=book).aggregate(first=Min("occurred_on"), last=Max("occurred_on"))
    created_on = timezone.localdate(book.created_at)
    unused_on = min(created_on, dates["first"] or created_on)
    for account in accounts:
        opened_on.setdefault(account.pk, unused_on)

    unit_name = book.unit.name
    out = [
        f"; The books of {quote(unit_name)}, exported from Mardom: amounts in rials, debits positive.",
        f"option \"title\" {quote(unit_name)}",
        f"option \"operating_currency\" {quote(currency)}",
        "",
    ]
    for account in sorted(accounts, key=lambda a: (opened_on[a.pk], names[a.pk])):
        out += [f"{opened_on[account.pk].isoformat()} open {names[account.pk]} {currency}",
                f"  code: {quote(account.code)}", f"  name: {quote(account.name)}"]
    out.append("")

    for entry, lines in _entries(book, chunk):
        out += [f"{entry.occurred_on.isoformat()} * {quote(entry.memo)}",
                f"  seq: {entry.seq}", f"  hash: {quote(entry.hash)}", f"  kind: {quote(entry.kind)}"]
        if entry.reverses is not None:
            out.append(f"  reverses: {entry.reverses.seq}")
        out += [f"  {names[account_id]}  {amount} {currency}" for account_id, amount in lines]
        out.append("")

    # Beancount checks a balance at the start of its day: the day after the last entry includes them all.
    asserted_on = ((dates["last"] or created_on) + datetime.timedelta(days=1)).isoformat()
    for account in sorted(accounts, key=lambda a: names[a.pk]):
        out.append(f"{asserted_on} balance {names[account.pk]}  {account.balance} {currency}")
    return "\n".join(out) + "\n"

