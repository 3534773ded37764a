from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from mardom.ledger import services
from mardom.ledger.models import Account
from mardom.orgs.models import OrgUnit
from mardom.people.models import User

TODAY = datetime.date(2026, 11, 25)


@pytest.fixture
def clerk(db: None) -> User:
    return User.objects.create_user("ledger-clerk", "a-Long-pass-123")


@pytest.fixture
def books(db: None) -> SimpleNamespace:
    """A book with the accounts a fund keeps: cash (never negative), members' savings (credit side),
    a loan receivable (never negative), fee income, and equity that may cross zero."""
    unit = OrgUnit.objects.get(kind="county", name="قاینات")  # any unit will do for the books alone
    book = services.book_open(unit=unit)
    A, S = Account.Type, Account.Side
    opened = {
        "cash": services.account_open(book=book, code="cash", name="صندوق", type=A.ASSET, side=S.DEBIT),
        "savings:1": services.account_open(book=book, code="savings:1", name="پس‌انداز ۱", type=A.LIABILITY,
                                           side=S.CREDIT),
        "savings:2": services.account_open(book=book, code="savings:2", name="پس‌انداز ۲", type=A.LIABILITY,
                                           side=S.CREDIT),
        "loan:1": services.account_open(book=book, code="loan:1", name="وام ۱", type=A.ASSET, side=S.DEBIT),
        "fees": services.account_open(book=book, code="fees", name="کارمزد", type=A.INCOME, side=S.CREDIT),
        "equity": services.account_open(book=book, code="equity", name="سرمایه", type=A.EQUITY, side=S.ANY),
    }
    return SimpleNamespace(book=book, **{k.replace(":", "_"): v for k, v in opened.items()}, all=opened)
