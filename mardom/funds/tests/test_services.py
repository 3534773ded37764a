from __future__ import annotations

import datetime
from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mardom.core.errors import DomainError
from mardom.funds import selectors, services
from mardom.funds.models import Contribution, Fund, FundRules, Membership
from mardom.funds.services import members as members_services
from mardom.ledger.models import Book, Entry
from mardom.ledger.verify import verify_book

from .conftest import FOUNDED, RULES

PAID = datetime.date(2024, 4, 25)  # 1403/02/06


def verified(fund):
    return verify_book(Book.objects.get(unit=fund)) == []


def test_a_fund_opens_with_its_books_and_rules(fund, base):
    assert fund.parent_id == base.pk and fund.path.startswith(base.path)
    book = Book.objects.get(unit=fund)
    assert set(book.accounts.values_list("code", flat=True)) == {"cash", "fees", "charity", "equity"}
    assert services.rules_in_force(fund=fund, on=FOUNDED).monthly_contribution == 500_000


def test_only_officers_of_the_base_create_funds(birjand_officer, base):
    with pytest.raises(PermissionDenied):
        services.fund_create(by=birjand_officer, base=base, name="x", founded_on=FOUNDED, rules=RULES)
    assert not Fund.objects.exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"monthly_contribution": 0}, "monthly_contribution"),
    ({"fee_permille": 50, "fee_policy": "upfront"}, "fee_permille"),
    ({"fee_permille": 10}, "fee_policy"),
    ({"late_charge": 5}, "late_policy"),
    ({"max_months": 0}, "max_months"),
])
def test_bad_rules_are_refused_beside_their_field(base_officer, base, change, field):
    with pytest.raises(DomainError) as error:
        services.fund_create(by=base_officer, base=base, name="x", founded_on=FOUNDED, rules=replace(RULES, **change))
    assert error.value.field == field
    assert not Fund.objects.exists()


def test_rules_change_from_a_date_and_old_rules_stay(fund, base_officer):
    later = timezone.localdate() + datetime.timedelta(days=10)
    services.rules_change(by=base_officer, fund=fund, effective_from=later,
                          rules=replace(RULES, monthly_contribution=700_000))
    assert services.rules_in_force(fund=fund, on=later - datetime.timedelta(days=1)).monthly_contribution == 500_000
    assert services.rules_in_force(fund=fund, on=later).monthly_contribution == 700_000
    assert FundRules.objects.filter(fund=fund).count() == 2


def test_rules_cannot_be_changed_in_the_past(fund, base_officer):
    with pytest.raises(DomainError):
        services.rules_change(by=base_officer, fund=fund, effective_from=datetime.date(2024, 1, 1), rules=RULES)


def test_joining_posts_the_opening_deposit(join, fund):
    membership = join(2_000_000)
    assert membership.number == 1 and membership.savings == 2_000_000
    assert selectors.fund_totals(fund=fund)["cash"] == 2_000_000
    assert verified(fund)


def test_joining_twice_with_the_same_key_enrols_once(treasurer, fund, make_person, base):
    person = make_person(base)
    first = services.membership_join(by=treasurer, fund=fund, person=person, opening_deposit=1_000,
                                     joined_on=FOUNDED, idempotency_key="k", today=FOUNDED)
    again = services.membership_join(by=treasurer, fund=fund, person=person, opening_deposit=1_000,
                                     joined_on=FOUNDED, idempotency_key="k", today=FOUNDED)
    assert first.pk == again.pk and Membership.objects.count() == 1


def test_a_person_cannot_be_an_active_member_twice(join, make_person, base):
    person = make_person(base)
    join(person=person)
    with pytest.raises(DomainError):
        join(person=person)


def test_a_treasurer_of_another_fund_cannot_record(join, fund, make_person, make_user, birjand):
    membership = join()
    stranger = make_user(make_person(birjand), roles=[("county_officer", birjand)])
    with pytest.raises(PermissionDenied):
        services.contribution_record(by=stranger, membership=membership, year=1403, month=2, paid_on=PAID, today=PAID)
    assert not Contribution.objects.exists()


def test_a_month_recorded_twice_posts_once(join, treasurer, fund):
    membership = join()
    first = services.contribution_record(by=treasurer, membership=membership, year=1403, month=2, paid_on=PAID,
                                         today=PAID)
    second = services.contribution_record(by=treasurer, membership=membership, year=1403, month=2, paid_on=PAID,
                                          today=PAID)
    assert first.pk == second.pk
    assert Entry.objects.filter(kind="contribution").count() == 1
    assert Membership.objects.get(pk=membership.pk).savings == 1_500_000


@pytest.mark.parametrize(("year", "month", "amount"), [(1403, 13, None), (1402, 12, None), (1403, 2, 0),
                                                        (1403, 2, -5), (1403, 2, 500_000 * 13)])
def test_bad_contributions_change_nothing(join, treasurer, fund, year, month, amount):
    membership = join()
    with pytest.raises(DomainError):
        services.contribution_record(by=treasurer, membership=membership, year=year, month=month, paid_on=PAID,
                                     amount=amount, today=PAID)
    assert not Contribution.objects.exists() and verified(fund)


def test_a_whole_month_for_everyone_skips_who_paid(join, treasurer, fund):
    members = [join() for _ in range(5)]
    services.contribution_record(by=treasurer, membership=members[0], year=1403, month=2, paid_on=PAID, today=PAID)
    unpaid = selectors.unpaid_members(fund=fund, year=1403, month=2)
    assert [m.pk for m in unpaid] == [m.pk for m in members[1:]]
    services.contributions_record_month(by=treasurer, fund=fund, year=1403, month=2, paid_on=PAID,
                                        memberships=members, today=PAID)
    assert Contribution.objects.filter(year=1403, month=2).count() == 5
    assert selectors.unpaid_members(fund=fund, year=1403, month=2) == []
    assert verified(fund)


def test_a_month_batch_that_fails_half_way_writes_nothing_and_a_retry_completes_it(join, treasurer, fund,
                                                                                   monkeypatch):
    members = [join() for _ in range(6)]
    entries_before = Entry.objects.count()
    real = members_services._record_contribution
    calls = {"n": 0}

    def dies_on_the_fourth(**kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise SystemExit("the process was killed")  # not an Exception: nothing may catch it on the way
        return real(**kwargs)

    monkeypatch.setattr(members_services, "_record_contribution", dies_on_the_fourth)
    with pytest.raises(SystemExit):
        services.contributions_record_month(by=treasurer, fund=fund, year=1403, month=2, paid_on=PAID,
                                            memberships=members, today=PAID)
    assert Entry.objects.count() == entries_before and not Contribution.objects.exists()
    assert verified(fund)
    monkeypatch.setattr(members_services, "_record_contribution", real)
    services.contributions_record_month(by=treasurer, fund=fund, year=1403, month=2, paid_on=PAID,
                                        memberships=members, today=PAID)
    assert Contribution.objects.count() == 6 and verified(fund)


def test_withdrawal_within_savings_and_cash(join, treasurer, fund):
    membership = join(1_000_000)
    services.withdrawal_record(by=treasurer, membership=membership, amount=400_000, occurred_on=PAID,
                               idempotency_key="w1", today=PAID)
    services.withdrawal_record(by=treasurer, membership=membership, amount=400_000, occurred_on=PAID,
                               idempotency_key="w1", today=PAID)  # a retry
    assert Membership.objects.get(pk=membership.pk).savings == 600_000
    with pytest.raises(DomainError) as error:
        services.withdrawal_record(by=treasurer, membership=membership, amount=600_001, occurred_on=PAID,
                                   idempotency_key="w2", today=PAID)
    assert error.value.field == "amount"
    assert verified(fund)


def test_leaving_returns_the_savings(join, treasurer, fund):
    staying, leaving = join(1_000_000), join(2_000_000)
    services.membership_leave(by=treasurer, membership=leaving, left_on=PAID, idempotency_key="leave", today=PAID)
    services.membership_leave(by=treasurer, membership=leaving, left_on=PAID, idempotency_key="leave", today=PAID)
    leaving.refresh_from_db()
    assert leaving.status == "left" and leaving.savings == 0
    assert selectors.fund_totals(fund=fund) == {"cash": 1_000_000, "savings": 1_000_000, "fees": 0, "charity": 0,
                                                "members": 1, "on": timezone.localdate()}
    with pytest.raises(DomainError):
        services.contribution_record(by=treasurer, membership=leaving, year=1403, month=2, paid_on=PAID, today=PAID)
    assert staying.status == "active" and verified(fund)


def test_passbook_running_balance(join, treasurer, fund):
    membership = join(1_000_000)
    for month in (2, 3, 4):
        services.contribution_record(by=treasurer, membership=membership, year=1403, month=month, paid_on=PAID,
                                     today=PAID)
    services.withdrawal_record(by=treasurer, membership=membership, amount=200_000, occurred_on=PAID,
                               idempotency_key="w", today=PAID)
    rows = selectors.passbook(membership=Membership.objects.get(pk=membership.pk))
    assert [r["amount"] for r in rows] == [-200_000, 500_000, 500_000, 500_000, 1_000_000]
    assert [r["balance"] for r in rows] == [2_300_000, 2_500_000, 2_000_000, 1_500_000, 1_000_000]


operations = st.lists(st.tuples(st.sampled_from(["join", "pay", "withdraw", "leave"]), st.integers(0, 4),
                                st.integers(1, 3_000_000)), min_size=1, max_size=20)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_of_member_operations_keeps_the_books_true(join, treasurer, fund, ops):
    seen = Entry.objects.count()
    for i, (op, who, amount) in enumerate(ops):
        members = list(Membership.objects.filter(fund=fund, status="active").order_by("pk"))
        try:
            if op == "join" or not members:
                join(amount)
            elif op == "pay":
                services.contribution_record(by=treasurer, membership=members[who % len(members)], year=1403,
                                             month=1 + amount % 12, paid_on=PAID, today=PAID)
            elif op == "withdraw":
                services.withdrawal_record(by=treasurer, membership=members[who % len(members)], amount=amount,
                                           occurred_on=PAID, idempotency_key=f"w-{seen}-{i}", today=PAID)
            else:
                services.membership_leave(by=treasurer, membership=members[who % len(members)], left_on=PAID,
                                          idempotency_key=f"l-{seen}-{i}", today=PAID)
        except DomainError:
            pass
    assert verified(fund)
    totals = selectors.fund_totals(fund=fund)
    # With no loans yet, the cash is exactly what the active members hold.
    assert totals["cash"] == totals["savings"]
    for membership in Membership.objects.filter(fund=fund):
        assert membership.savings >= 0


def test_transfer_only_where_the_rules_allow_and_the_savings_follow(join, treasurer, fund, base_officer,
                                                                     make_person, base):
    membership = join(2_000_000)
    heir = make_person(base)
    with pytest.raises(DomainError):
        services.membership_transfer(by=treasurer, membership=membership, to_person=heir, on=PAID,
                                     idempotency_key="t", today=PAID)
    services.rules_change(by=base_officer, fund=fund, effective_from=timezone.localdate(),
                          rules=replace(RULES, allow_transfer=True))
    today = timezone.localdate()
    successor = services.membership_transfer(by=treasurer, membership=membership, to_person=heir, on=today,
                                             idempotency_key="t", today=today)
    again = services.membership_transfer(by=treasurer, membership=membership, to_person=heir, on=today,
                                         idempotency_key="t", today=today)
    assert again.pk == successor.pk
    membership.refresh_from_db()
    assert membership.status == "transferred" and membership.savings == 0
    assert successor.person == heir and Membership.objects.get(pk=successor.pk).savings == 2_000_000
    assert successor.joined_on == membership.joined_on  # seniority is kept
    assert verified(fund)
