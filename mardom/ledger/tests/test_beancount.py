"""The beancount export: the real `bean-check` accepts it, beancount's loader reads balances equal to ours,
and a tampered export is refused (so these tests can fail)."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from beancount.core import account as bc_account
from beancount.core import data as bc_data
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from mardom.funds import services as funds
from mardom.funds.services import RulesInput
from mardom.ledger import services as ledger
from mardom.ledger.export.beancount import account_name, export_book, quote
from mardom.ledger.models import Account, Book, Entry

BEAN_CHECK = Path(sys.executable).parent / "bean-check"
FOUNDED = datetime.date(2024, 3, 20)  # 1403/01/01
RULES = RulesInput(monthly_contribution=500_000, min_months_before_loan=6, loan_savings_multiple=3,
                   loan_cap=300_000_000)
NAME_RE = re.compile(r"(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z][A-Za-z0-9-]*)+")


def bean_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def fund(base_officer: Any, base: Any) -> Any:
    # A quote and a backslash in the name: the title must be escaped to parse.
    return funds.fund_create(by=base_officer, base=base, name='صندوق قرض‌الحسنه "امام رضا" \\ قاین',
                             founded_on=FOUNDED, rules=RULES)


@pytest.fixture
def treasurer(make_person: Any, make_user: Any, fund: Any, base: Any) -> Any:
    return make_user(make_person(base), roles=[("fund_treasurer", fund)])


@pytest.fixture
def busy_fund(fund: Any, treasurer: Any, make_person: Any, base: Any) -> Any:
    """Four members join, contribute (one month recorded late, dated before entries posted earlier),
    one withdraws, one leaves, and one contribution is reversed."""
    members = [
        funds.membership_join(by=treasurer, fund=fund, person=make_person(base), opening_deposit=1_000_000 * (i + 1),
                              joined_on=FOUNDED + datetime.timedelta(days=i), idempotency_key=f"join-{i}",
                              today=FOUNDED + datetime.timedelta(days=i))
        for i in range(4)
    ]
    funds.contributions_record_month(by=treasurer, fund=fund, year=1403, month=2,
                                     paid_on=datetime.date(2024, 5, 1), memberships=members,
                                     today=datetime.date(2024, 5, 1))
    funds.contributions_record_month(by=treasurer, fund=fund, year=1403, month=3,
                                     paid_on=datetime.date(2024, 6, 1), memberships=members[:3],
                                     today=datetime.date(2024, 6, 1))
    # Month 1 of member 1 recorded after the others but paid in April: its seq is later, its date earlier.
    late = funds.contribution_record(by=treasurer, membership=members[0], year=1403, month=1,
                                     paid_on=datetime.date(2024, 4, 2), amount=700_000, today=datetime.date(2024, 4, 2))
    funds.withdrawal_record(by=treasurer, membership=members[1], amount=800_000,
                            occurred_on=datetime.date(2024, 6, 10), idempotency_key="withdraw-1",
                            today=datetime.date(2024, 6, 10))
    funds.membership_leave(by=treasurer, membership=members[2], left_on=datetime.date(2024, 6, 20),
                           idempotency_key="leave-2", today=datetime.date(2024, 6, 20))
    ledger.entry_reverse(by=treasurer, entry=late.entry, idempotency_key="reverse-late",
                         memo='wrong amount: "700,000" \\ recorded twice', occurred_on=datetime.date(2024, 6, 15))
    return fund


def book_of(fund: Any) -> Book:
    return Book.objects.get(unit=fund)


def loaded_balances(text: str) -> tuple[list[Any], dict[str, Decimal]]:
    entries, errors, _options = loader.load_string(text)
    assert errors == []
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if isinstance(entry, bc_data.Transaction):
            for posting in entry.postings:
                assert posting.units.currency == "IRR"
                sums[posting.account] += posting.units.number
    return entries, sums


def test_export_passes_bean_check_and_its_balances_are_ours(busy_fund: Any, tmp_path: Path) -> None:
    book = book_of(busy_fund)
    text = export_book(book)
    path = tmp_path / "fund.beancount"
    path.write_text(text, encoding="utf-8")
    result = bean_check(path)
    assert result.returncode == 0, result.stdout + result.stderr

    entries, sums = loaded_balances(text)
    accounts = list(Account.objects.filter(book=book))
    assert {account_name(a.code, a.type): a.balance for a in accounts} == {
        account_name(a.code, a.type): int(sums.get(account_name(a.code, a.type), 0)) for a in accounts
    }
    assert book.accounts.get(code="cash").balance > 0  # a non-trivial balance sheet
    balances = [e for e in entries if isinstance(e, bc_data.Balance)]
    assert len(balances) == len(accounts)  # one assertion per account, all of which passed (no errors)
    assert {e.account for e in entries if isinstance(e, bc_data.Open)} == set(sums) | {
        account_name(a.code, a.type) for a in accounts
    }

    transactions = [e for e in entries if isinstance(e, bc_data.Transaction)]
    assert len(transactions) == Entry.objects.filter(book=book).count()
    by_seq = {e.seq: e for e in Entry.objects.filter(book=book)}
    for txn in transactions:
        entry = by_seq[txn.meta["seq"]]
        assert (txn.date, txn.narration, txn.meta["hash"], txn.meta["kind"]) == (
            entry.occurred_on, entry.memo, entry.hash, entry.kind)
    # Out of seq order in the books, in (date, seq) order in the file.
    order = [(t.date, t.meta["seq"]) for t in transactions]
    assert order == sorted(order)
    assert [t.meta["seq"] for t in transactions] != sorted(t.meta["seq"] for t in transactions)
    # Accounts never used open with the book's first entry (dated before the book was created here), and
    # the balances are asserted the day after the last entry.
    opens = {e.account: e.date for e in entries if isinstance(e, bc_data.Open)}
    assert opens["Income:Fees"] == opens["Assets:Cash"] == FOUNDED
    assert {e.date for e in balances} == {max(t.date for t in transactions) + datetime.timedelta(days=1)}
    # Title, escaped quotes and backslashes, survive the round trip.
    assert loader.load_string(text)[2]["title"] == busy_fund.name
    reversal = next(t for t in transactions if t.meta["kind"].startswith("reversal:"))
    assert reversal.narration == 'wrong amount: "700,000" \\ recorded twice'
    assert reversal.meta["reverses"] < reversal.meta["seq"]


def tamper(text: str) -> str:
    """Change one contribution's amount on both its lines: still balanced, but the sums no longer agree."""
    blocks = text.split("\n\n")
    for i, block in enumerate(blocks):
        if 'kind: "contribution"' in block and " -500000 IRR" in block:
            blocks[i] = block.replace(" 500000 IRR", " 400000 IRR").replace(" -500000 IRR", " -400000 IRR")
            return "\n\n".join(blocks)
    raise AssertionError("no contribution to tamper with")


def test_a_tampered_export_fails_bean_check(busy_fund: Any, tmp_path: Path) -> None:
    path = tmp_path / "tampered.beancount"
    path.write_text(tamper(export_book(book_of(busy_fund))), encoding="utf-8")
    result = bean_check(path)
    assert result.returncode != 0
    assert "Balance failed" in result.stdout + result.stderr
    _entries, errors, _options = loader.load_string(path.read_text(encoding="utf-8"))
    assert {type(e).__name__ for e in errors} == {"BalanceError"}
    assert len(errors) == 2  # cash and the member's savings


def test_one_changed_line_fails_bean_check(busy_fund: Any, tmp_path: Path) -> None:
    text = export_book(book_of(busy_fund)).replace(" -500000 IRR", " -500001 IRR", 1)
    path = tmp_path / "unbalanced.beancount"
    path.write_text(text, encoding="utf-8")
    assert bean_check(path).returncode != 0


def test_stored_balance_that_disagrees_fails_bean_check(busy_fund: Any, tmp_path: Path) -> None:
    """If the stored balance ever drifted from the postings, the export's assertion says so."""
    book = book_of(busy_fund)
    Account.objects.filter(book=book, code="cash").update(balance=1)  # arranging a corrupted row
    path = tmp_path / "drift.beancount"
    path.write_text(export_book(book), encoding="utf-8")
    result = bean_check(path)
    assert result.returncode != 0
    assert "Assets:Cash" in result.stdout + result.stderr


def test_empty_fund_exports_and_checks(fund: Any, tmp_path: Path) -> None:
    path = tmp_path / "empty.beancount"
    path.write_text(export_book(book_of(fund)), encoding="utf-8")
    assert bean_check(path).returncode == 0, bean_check(path).stdout


def test_other_codes_and_types_export_and_check(busy_fund: Any, treasurer: Any, tmp_path: Path) -> None:
    """Accounts beyond the fund's own (a bank account named in Persian, an expense) still check."""
    book = book_of(busy_fund)
    A, S = Account.Type, Account.Side
    bank = ledger.account_open(book=book, code="bank:ملت", name="بانک ملت", type=A.ASSET, side=S.DEBIT)
    rent = ledger.account_open(book=book, code="rent", name="اجاره", type=A.EXPENSE, side=S.ANY)
    cash = book.accounts.get(code="cash")
    equity = book.accounts.get(code="equity")
    ledger.entry_post(by=treasurer, book=book, lines=[(bank, 3_000_000), (cash, -3_000_000)],
                      idempotency_key="to-bank", kind="transfer", occurred_on=datetime.date(2024, 7, 1))
    ledger.entry_post(by=treasurer, book=book, lines=[(rent, 250_000), (equity, -250_000)],
                      idempotency_key="rent", kind="expense", occurred_on=datetime.date(2024, 5, 5), memo="")
    text = export_book(book)
    path = tmp_path / "other.beancount"
    path.write_text(text, encoding="utf-8")
    result = bean_check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    _entries, sums = loaded_balances(text)
    assert sums["Assets:Other:Bank-3A-D9-85-D9-84-D8-AA"] == 3_000_000
    assert sums["Expenses:Other:Rent"] == 250_000
    assert sums["Equity:Capital"] == -250_000


def test_command_writes_the_file_or_stdout(busy_fund: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "out.beancount"
    call_command("export-beancount", "--fund", str(busy_fund.pk), "--output", str(out))
    text = out.read_text(encoding="utf-8")
    assert text == export_book(book_of(busy_fund))
    assert bean_check(out).returncode == 0
    capsys.readouterr()
    call_command("export-beancount", "--fund", str(busy_fund.pk))
    assert capsys.readouterr().out == text


def test_command_refuses_an_unknown_fund(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("export-beancount", "--fund", "999999")


def test_an_invalid_currency_is_refused(fund: Any) -> None:
    with pytest.raises(ValueError):
        export_book(book_of(fund), currency="rial")


@pytest.mark.parametrize(("code", "type_", "expected"), [
    ("cash", "asset", "Assets:Cash"),
    ("fees", "income", "Income:Fees"),
    ("charity", "liability", "Liabilities:Charity"),
    ("equity", "equity", "Equity:Capital"),
    ("savings:17", "liability", "Liabilities:Savings:M17"),
    ("loan:42", "asset", "Assets:Loans:L42"),
    ("bank", "asset", "Assets:Other:Bank"),
    ("rent", "expense", "Expenses:Other:Rent"),
    ("savings:x", "liability", "Liabilities:Other:Savings-3Ax"),
    ("17", "asset", "Assets:Other:X--17"),
    ("Cash", "asset", "Assets:Other:X---43ash"),
    ("savings:۱۷", "liability", "Liabilities:Other:Savings-3A-DB-B1-DB-B7"),  # Persian digits are not 0-9
])
def test_account_names(code: str, type_: str, expected: str) -> None:
    assert account_name(code, type_) == expected


CODES = st.one_of(
    st.text(max_size=12),
    st.text(alphabet="abcsvingloa:0123456789-_ ", max_size=12),
    st.sampled_from(["cash", "fees", "charity", "equity", "savings:", "loan:", "Cash", "capital", "x", "X", ""]),
    st.integers(0, 10**6).map(lambda n: f"savings:{n}"),
    st.integers(0, 10**6).map(lambda n: f"loan:{n}"),
    st.integers(0, 999).map(lambda n: f"savings:{n:05d}"),
)
TYPES = st.sampled_from([t.value for t in Account.Type])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(CODES, TYPES), max_size=25, unique_by=lambda pair: pair[0]))
def test_account_names_are_valid_unique_and_never_nested(accounts: list[tuple[str, str]]) -> None:
    names = [account_name(code, type_) for code, type_ in accounts]
    assert names == [account_name(code, type_) for code, type_ in accounts]  # deterministic
    assert len(set(names)) == len(names)  # unique (codes are unique in a book)
    for name in names:
        assert NAME_RE.fullmatch(name), name
        assert name.isascii() and bc_account.is_valid(name)
    for name in names:  # a beancount balance includes sub-accounts: no account may be another's parent
        assert not any(other.startswith(name + ":") for other in names)
    # Beancount itself accepts them all.
    text = "".join(f"2024-01-01 open {name} IRR\n" for name in names)
    _entries, errors, _options = loader.load_string(text)
    assert errors == []


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from('"\\\n\t\r'), max_size=40))
def test_quoted_text_survives_beancount(text: str) -> None:
    _entries, errors, options = loader.load_string(f"option \"title\" {quote(text)}\n")
    assert errors == []
    assert options["title"] == text
