"""What an entry says: a sentence per kind in the reader's language and digits, from the stored parameters;
the old memos read back into parameters by the data migration."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import translation

from mardom.ledger import services
from mardom.ledger.describe import describe_entry, params_from_old_memo
from mardom.ledger.verify import verify_book

from .conftest import TODAY


def _entry(kind: str, params: dict, memo: str = "") -> SimpleNamespace:
    return SimpleNamespace(kind=kind, params=params, memo=memo)


@pytest.mark.parametrize(("kind", "params", "persian"), [
    ("opening", {"member": 31}, "عضویت عضو شمارهٔ ۳۱: سپردهٔ اولیه"),
    ("contribution", {"member": 31, "year": 1405, "month": 8}, "پس‌انداز ماهانهٔ عضو شمارهٔ ۳۱ برای آبان ۱۴۰۵"),
    ("withdrawal", {"member": 2}, "برداشت عضو شمارهٔ ۲"),
    ("settlement", {"member": 2}, "بازپرداخت پس‌انداز عضو شمارهٔ ۲ هنگام خروج"),
    ("transfer", {"member": 2, "to_member": 14}, "انتقال پس‌انداز عضو شمارهٔ ۲ به عضو شمارهٔ ۱۴"),
    ("disbursement", {"loan": 9, "member": 31}, "پرداخت وام شمارهٔ ۹ به عضو شمارهٔ ۳۱"),
    ("repayment", {"loan": 9}, "بازپرداخت وام شمارهٔ ۹"),
    ("write_off", {"loan": 9, "note": "فوت وام‌گیرنده"}, "سوخت وام شمارهٔ ۹: فوت وام‌گیرنده"),
    ("forgiveness", {"loan": 9, "note": "ناتوانی"}, "ابرای وام شمارهٔ ۹: ناتوانی"),
    ("late_charge", {"loan": 9, "installment": 3}, "جریمه تأخیر قسط ۳ وام شمارهٔ ۹"),
    ("reversal:repayment", {"seq": 12}, "برگشت سند شمارهٔ ۱۲"),
])
def test_every_kind_reads_in_persian_with_persian_digits(kind, params, persian):
    with translation.override("fa"):
        assert describe_entry(_entry(kind, params, memo="english memo")) == persian


def test_english_readers_get_english_with_latin_digits():
    with translation.override("en"):
        assert describe_entry(_entry("contribution", {"member": 31, "year": 1405, "month": 8})) == (
            "Contribution of member 31 for Aban 1405")


def test_an_entry_without_parameters_or_of_an_unknown_kind_shows_its_memo():
    with translation.override("fa"):
        assert describe_entry(_entry("repayment", {}, memo="loan 9 repayment")) == "loan 9 repayment"
        assert describe_entry(_entry("something_new", {"x": 1}, memo="as written")) == "as written"
        assert describe_entry(_entry("contribution", {"member": 1, "year": 1405, "month": "x"},
                                     memo="m")) == "m"


@pytest.mark.parametrize(("kind", "memo", "params"), [
    ("opening", "member 31 joined", {"member": 31}),
    ("contribution", "member 31 1405/08", {"member": 31, "year": 1405, "month": 8}),
    ("withdrawal", "member 3 withdrawal", {"member": 3}),
    ("settlement", "member 3 left", {"member": 3}),
    ("transfer", "member 3 -> member 7", {"member": 3, "to_member": 7}),
    ("disbursement", "loan 9 to member 31", {"loan": 9, "member": 31}),
    ("repayment", "loan 9 repayment", {"loan": 9}),
    ("late_charge", "loan 9 installment 2 late charge", {"loan": 9, "installment": 2}),
    ("write_off", "loan 9: فوت", {"loan": 9, "note": "فوت"}),
    ("forgiveness", "loan 9: ابراء", {"loan": 9, "note": "ابراء"}),
    ("reversal:repayment", "reversal of #12", {"seq": 12}),
    ("repayment", "typed by hand", {}),
    ("reversal:repayment", "a reason", {}),
])
def test_old_memos_read_back_into_parameters(kind, memo, params):
    assert params_from_old_memo(kind, memo) == params


def test_parameters_are_stored_and_the_chain_still_verifies(books, clerk):
    entry = services.entry_post(by=clerk, book=books.book, idempotency_key="k1", kind="repayment",
                                occurred_on=TODAY, memo="loan 1 repayment", params={"loan": 1},
                                lines=[(books.cash, 1000), (books.savings_1, -1000)])
    reversal = services.entry_reverse(by=clerk, entry=entry, idempotency_key="k2", occurred_on=TODAY)
    entry.refresh_from_db()
    reversal.refresh_from_db()
    assert entry.params == {"loan": 1} and entry.memo == "loan 1 repayment"
    assert reversal.params == {"seq": entry.seq}
    books.book.refresh_from_db()
    assert verify_book(books.book) == []
