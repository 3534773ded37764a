"""Fund services under real concurrency (threads, own connections, real commits): the races a treasurer's
double click or two treasurers at once would hit. Needs a shared database; see ledger/tests/test_concurrency."""

from __future__ import annotations

from typing import Any

from mardom.conftest import committing, shared_database
from mardom.core.errors import DomainError
from mardom.funds import services
from mardom.funds.models import Contribution, Membership, Movement
from mardom.ledger.models import Book
from mardom.ledger.tests.test_concurrency import at_once
from mardom.ledger.verify import verify_book

from .test_services import PAID

pytestmark = [committing(), shared_database()]


def test_two_withdrawals_cannot_both_spend_the_same_free_savings(join: Any, treasurer: Any, fund: Any) -> None:
    member = join(4_000_000)
    join(10_000_000)  # someone else's savings keep cash above what the member may take

    def withdraw(i: int) -> Any:
        return services.withdrawal_record(by=treasurer, membership=Membership.objects.get(pk=member.pk),
                                          amount=3_000_000, occurred_on=PAID, idempotency_key=f"w{i}", today=PAID)

    outcomes = at_once(2, withdraw)
    assert sorted(status for status, _ in outcomes) == ["error", "ok"], outcomes
    assert isinstance(next(value for status, value in outcomes if status == "error"), DomainError)
    assert Membership.objects.get(pk=member.pk).savings == 1_000_000
    assert verify_book(Book.objects.get(unit=fund)) == []


def test_two_treasurers_recording_the_same_month_record_it_once(join: Any, treasurer: Any, fund: Any) -> None:
    member = join(1_000_000)
    outcomes = at_once(2, lambda _i: services.contribution_record(
        by=treasurer, membership=Membership.objects.get(pk=member.pk), year=1403, month=2, paid_on=PAID, today=PAID))
    assert [status for status, _ in outcomes] == ["ok", "ok"], outcomes
    assert Contribution.objects.filter(membership=member).count() == 1
    assert Membership.objects.get(pk=member.pk).savings == 1_500_000


def test_the_same_enrolment_sent_twice_at_once_enrols_once(treasurer: Any, fund: Any, make_person: Any,
                                                           base: Any) -> None:
    person = make_person(base)
    outcomes = at_once(2, lambda _i: services.membership_join(
        by=treasurer, fund=fund, person=person, opening_deposit=1_000_000, joined_on=PAID,
        idempotency_key="join-once", today=PAID))
    assert [status for status, _ in outcomes] == ["ok", "ok"], outcomes
    assert outcomes[0][1].pk == outcomes[1][1].pk
    assert Membership.objects.filter(person=person).count() == 1 and Movement.objects.count() == 1
