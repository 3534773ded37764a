"""A whole month recorded set-based (`contributions_record_month_bulk`) writes what the per-line service
writes: the same contributions, entries, postings, balances and chain, on the same book."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import transaction

from mardom.core.errors import DomainError
from mardom.funds import services
from mardom.funds.models import Contribution
from mardom.ledger.models import Book, Entry
from mardom.ledger.tests.test_bulk import snapshot
from mardom.ledger.verify import verify_book

from .conftest import FOUNDED

PAID = FOUNDED + datetime.timedelta(days=40)  # 1403/02/10


class _Rollback(Exception):
    pass


def month(record: Any, **kw: Any) -> tuple[dict, list]:
    """Run one way of recording inside a savepoint rolled back afterwards; what it wrote."""
    seen: list = []
    try:
        with transaction.atomic():
            record(**kw)
            book = Book.objects.get(unit=kw["fund"])
            rows = list(Contribution.objects.filter(membership__fund=kw["fund"]).order_by("membership__number")
                        .values_list("membership__number", "year", "month", "amount", "paid_on", "is_late",
                                     "entry__seq"))
            seen += [snapshot(book), rows]
            raise _Rollback
    except _Rollback:
        pass
    return seen[0], seen[1]


def test_bulk_month_writes_what_the_per_line_service_writes(treasurer, fund, join):
    members = [join() for _ in range(12)]
    services.contribution_record(by=treasurer, membership=members[3], year=1403, month=2, paid_on=PAID, today=PAID)
    kw = dict(by=treasurer, fund=fund, year=1403, month=2, paid_on=PAID, memberships=members, today=PAID)
    with time_machine.travel(datetime.datetime(2024, 4, 29, 9, tzinfo=datetime.UTC), tick=False):  # same created_at
        one_by_one = month(services.contributions_record_month, **kw)
        at_once = month(services.contributions_record_month_bulk, **kw)
    assert at_once == one_by_one
    assert len(at_once[1]) == 12 and at_once[0]["head"][0] == 12 + 12  # 12 openings, 1 + 11 contributions


def test_bulk_month_twice_posts_once_and_the_book_verifies(treasurer, fund, join):
    members = [join() for _ in range(5)]
    kw = dict(by=treasurer, fund=fund, year=1403, month=2, paid_on=PAID, memberships=members, today=PAID)
    first = services.contributions_record_month_bulk(**kw)
    again = services.contributions_record_month_bulk(**kw)
    assert [c.pk for c in first] == [c.pk for c in again]
    assert Contribution.objects.count() == 5
    assert verify_book(Book.objects.get(unit=fund)) == []


@pytest.mark.parametrize("who", ["base_officer", "auditor"])
def test_roles_without_the_treasury_cannot_record_a_month(request, fund, join, who):
    members = [join() for _ in range(3)]
    entries = Entry.objects.count()
    with pytest.raises(PermissionDenied):
        services.contributions_record_month_bulk(by=request.getfixturevalue(who), fund=fund, year=1403, month=2,
                                                 paid_on=PAID, memberships=members, today=PAID)
    assert Entry.objects.count() == entries and Contribution.objects.count() == 0


def test_a_member_who_had_not_joined_refuses_the_whole_month(treasurer, fund, join):
    members = [join(), join(on=PAID)]
    with pytest.raises(DomainError):
        services.contributions_record_month_bulk(by=treasurer, fund=fund, year=1403, month=1, paid_on=PAID,
                                                 memberships=members, today=PAID)
    assert Contribution.objects.count() == 0
