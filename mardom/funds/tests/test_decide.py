"""Officers oversee funds, the fund's manager decides (issue 9, item 3); money dates are bounded and late
entries are the manager's (item 4)."""

from __future__ import annotations

import dataclasses
import datetime
import uuid

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from mardom.core.errors import DomainError
from mardom.core.models import AuditEntry
from mardom.funds import services
from mardom.funds.models import Contribution, Draw, Fund, Loan, LoanClosure, Membership, Movement, Repayment
from mardom.ledger.models import Account, Entry

from .conftest import RULES
from .test_loans import TODAY, _now, approved_loan
from .test_loans import world as world  # a fixture, used by name

OFFICERS = ["national_officer", "province_officer", "county_officer", "base_officer"]
AT_TODAY = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(10)))
# mardom-draw-v2: a published figure of a day after the announcement, the draw a week later (notice: 3 days).
SOURCE = services.SourceInput(kind="public_value", name="شاخص کل بورس تهران", date=TODAY + datetime.timedelta(days=5))


def books(fund):
    """Everything a refused decision could have changed: loans, closures, entries, balances, draws."""
    return (sorted(Loan.objects.filter(fund=fund).values_list("pk", "status", "disbursed_on")),
            sorted(LoanClosure.objects.filter(loan__fund=fund).values_list("pk", "status")),
            Entry.objects.filter(book__unit=fund).count(),
            sorted(Account.objects.filter(book__unit=fund).values_list("code", "balance")),
            sorted(Draw.objects.filter(fund=fund).values_list("pk", "status")),
            Repayment.objects.filter(loan__fund=fund).count())


@pytest.fixture
def proposed(world):
    loan = services.loan_apply(by=world["borrower_user"], membership=world["borrower"], amount=5_000_000,
                               months=5, purpose="other", now=_now())
    return services.loan_propose(by=world["treasurer"], loan=loan, now=_now())


@pytest.fixture
def paid_out(world):
    return services.loan_disburse(by=world["treasurer"], loan=approved_loan(world), on=TODAY, idempotency_key="d",
                                  today=TODAY)


@pytest.mark.parametrize("officer", OFFICERS)
def test_officers_above_the_fund_cannot_decide_on_its_money(request, world, proposed, officer):
    officer = request.getfixturevalue(officer)
    fund = world["fund"]
    before = books(fund)
    with pytest.raises(PermissionDenied):
        services.loan_decide(by=officer, loan=proposed, approve=True, now=_now())
    with pytest.raises(PermissionDenied):
        services.draw_announce(by=officer, fund=fund, winners_count=1, now=AT_TODAY, source=SOURCE,
                               scheduled_at=AT_TODAY + datetime.timedelta(days=7))
    assert books(fund) == before
    loan = services.loan_decide(by=world["manager"], loan=proposed, approve=True, now=_now())
    before = books(fund)
    with pytest.raises(PermissionDenied):
        services.loan_disburse(by=officer, loan=loan, on=TODAY, idempotency_key="x", today=TODAY)
    assert books(fund) == before
    loan = services.loan_disburse(by=world["treasurer"], loan=loan, on=TODAY, idempotency_key="d", today=TODAY)
    before = books(fund)
    for kind in ("forgive", "write_off"):
        with pytest.raises(PermissionDenied):
            services.loan_close_propose(by=officer, loan=loan, kind=kind, reason="ابراء")
    closure = services.loan_close_propose(by=world["manager"], loan=loan, kind="write_off", reason="مهاجرت")
    before = books(fund)
    with pytest.raises(PermissionDenied):
        services.loan_close_confirm(by=officer, closure=closure, idempotency_key="c", on=TODAY, now=_now())
    with pytest.raises(PermissionDenied):
        services.loan_close_withdraw(by=officer, closure=closure)
    assert books(fund) == before
    assert Loan.objects.get(pk=loan.pk).status == "disbursed"


@pytest.mark.parametrize("officer", OFFICERS)
def test_officers_get_403_on_the_decision_pages_and_nothing_changes(request, client, world, proposed, officer):
    officer = request.getfixturevalue(officer)
    fund = world["fund"]
    client.force_login(officer)
    # They still oversee: the loan page opens, without the decision forms.
    page = client.get(reverse("funds:loan", args=[proposed.pk])).content.decode()
    assert 'data-test="decision-form"' not in page
    before = books(fund)
    assert client.post(reverse("funds:loan-decide", args=[proposed.pk]), {"decision": "approve"}).status_code == 403
    assert client.post(reverse("funds:draws", args=[fund.pk]), {
        "winners_count": "1", "held_on": "1499/01/01", "held_at": "18:00"}).status_code == 403
    assert books(fund) == before
    loan = services.loan_decide(by=world["manager"], loan=proposed, approve=True, now=_now())
    loan = services.loan_disburse(by=world["treasurer"], loan=loan, on=TODAY, idempotency_key="d", today=TODAY)
    before = books(fund)
    assert client.post(reverse("funds:loan-close", args=[loan.pk]),
                       {"kind": "forgive", "reason": "ابراء"}).status_code == 403
    closure = services.loan_close_propose(by=world["manager"], loan=loan, kind="forgive", reason="ابراء")
    before = books(fund)
    assert client.post(reverse("funds:loan-close-confirm", args=[closure.pk]),
                       {"request_id": str(uuid.uuid4())}).status_code == 403
    assert client.post(reverse("funds:loan-close-withdraw", args=[closure.pk])).status_code == 403
    assert books(fund) == before


def test_officers_keep_creating_funds_and_changing_rules(county_officer, base, fund):
    created = services.fund_create(by=county_officer, base=base, name="صندوق دوم", founded_on=TODAY, rules=RULES)
    assert created.rules.get().late_entry_days == 31
    on = timezone.localdate() + datetime.timedelta(days=1)
    rules = services.rules_change(by=county_officer, fund=fund, effective_from=on,
                                  rules=dataclasses.replace(RULES, late_entry_days=10))
    assert rules.late_entry_days == 10


@pytest.mark.parametrize("officer", OFFICERS)
def test_officers_cannot_perform_a_draw(request, client, world, officer):
    officer = request.getfixturevalue(officer)
    draw = services.draw_announce(by=world["manager"], fund=world["fund"], winners_count=1, now=AT_TODAY,
                                  source=SOURCE, scheduled_at=AT_TODAY + datetime.timedelta(days=7))
    with pytest.raises(PermissionDenied):
        services.draw_perform(by=officer, draw=draw, values=["12345"], now=AT_TODAY + datetime.timedelta(days=8))
    client.force_login(officer)
    assert client.post(reverse("funds:draw-perform", args=[draw.pk]), {"value": "12345"}).status_code == 403
    assert Draw.objects.get(pk=draw.pk).status == "announced" and Draw.objects.get(pk=draw.pk).winners is None


def test_the_manager_alone_cannot_forgive_and_the_proposer_cannot_confirm(world, paid_out, make_user, make_person,
                                                                          base):
    fund, manager = world["fund"], world["manager"]
    closure = services.loan_close_propose(by=manager, loan=paid_out, kind="forgive", reason="فوت وام‌گیرنده")
    before = books(fund)
    with pytest.raises(DomainError):
        services.loan_close_confirm(by=manager, closure=closure, idempotency_key="c", on=TODAY, now=_now())
    with pytest.raises(DomainError):  # one proposal at a time
        services.loan_close_propose(by=manager, loan=paid_out, kind="write_off", reason="دوباره")
    assert books(fund) == before and Loan.objects.get(pk=paid_out.pk).status == "disbursed"
    # The borrower, even holding the treasury, cannot confirm their own loan's closure.
    from mardom.people.models import RoleAssignment

    borrower = world["borrower_user"]
    RoleAssignment.objects.create(user=borrower, role="fund_treasurer", unit=fund)
    with pytest.raises(DomainError):
        services.loan_close_confirm(by=borrower, closure=closure, idempotency_key="c", on=TODAY, now=_now())
    assert books(fund) == before
    # A second manager confirms: now the loss is posted and the reason kept.
    second = make_user(make_person(base), roles=[("fund_manager", fund)])
    loan = services.loan_close_confirm(by=second, closure=closure, idempotency_key="c", on=TODAY, now=_now())
    assert loan.status == "forgiven" and Account.objects.get(pk=loan.account_id).balance == 0
    assert Entry.objects.filter(book__unit=fund, kind="forgiveness").count() == 1
    closure.refresh_from_db()
    assert closure.status == "confirmed" and closure.decided_by == second
    # The same confirmation again posts nothing more.
    services.loan_close_confirm(by=second, closure=closure, idempotency_key="c", on=TODAY, now=_now())
    assert Entry.objects.filter(book__unit=fund, kind="forgiveness").count() == 1


def test_a_pending_proposal_can_be_withdrawn_and_then_confirms_nothing(world, paid_out):
    fund = world["fund"]
    closure = services.loan_close_propose(by=world["manager"], loan=paid_out, kind="write_off", reason="مهاجرت")
    before = books(fund)
    services.loan_close_withdraw(by=world["manager"], closure=closure)
    with pytest.raises(DomainError):
        services.loan_close_confirm(by=world["treasurer"], closure=closure, idempotency_key="c", on=TODAY, now=_now())
    after = books(fund)
    assert after[0] == before[0] and after[2:] == before[2:]  # only the proposal's status changed
    assert LoanClosure.objects.get(pk=closure.pk).status == "withdrawn"
    # A new proposal may follow, and the treasurer is a valid second officer.
    again = services.loan_close_propose(by=world["manager"], loan=paid_out, kind="write_off", reason="مهاجرت")
    loan = services.loan_close_confirm(by=world["treasurer"], closure=again, idempotency_key="c2", on=TODAY,
                                       now=_now())
    assert loan.status == "written_off"


@time_machine.travel(AT_TODAY, tick=False)
def test_the_reason_is_on_the_loan_page_and_the_passbook(client, world, paid_out):
    closure = services.loan_close_propose(by=world["manager"], loan=paid_out, kind="forgive", reason="فوت وام‌گیرنده")
    client.force_login(world["treasurer"])
    page = client.get(reverse("funds:loan", args=[paid_out.pk])).content.decode()
    assert "فوت وام‌گیرنده" in page and 'data-test="close-confirm-form"' in page
    response = client.post(reverse("funds:loan-close-confirm", args=[closure.pk]), {"request_id": str(uuid.uuid4())})
    assert response.status_code == 302 and Loan.objects.get(pk=paid_out.pk).status == "forgiven"
    client.force_login(world["borrower_user"])
    passbook = client.get(reverse("funds:membership", args=[world["borrower"].pk])).content.decode()
    assert 'data-test="closure-reason"' in passbook and "فوت وام‌گیرنده" in passbook


@time_machine.travel(AT_TODAY, tick=False)
def test_the_manager_proposes_through_the_page_but_cannot_confirm_there(client, world, paid_out):
    client.force_login(world["manager"])
    response = client.post(reverse("funds:loan-close", args=[paid_out.pk]), {"kind": "forgive", "reason": "بیماری"})
    assert response.status_code == 302
    closure = LoanClosure.objects.get(loan=paid_out)
    page = client.get(reverse("funds:loan", args=[paid_out.pk])).content.decode()
    assert 'data-test="close-confirm-form"' not in page and 'data-test="close-withdraw"' in page
    before = books(world["fund"])
    response = client.post(reverse("funds:loan-close-confirm", args=[closure.pk]), {"request_id": str(uuid.uuid4())})
    assert response.status_code == 400 and "دوم" in response.content.decode()
    assert books(world["fund"]) == before


# --- dates ------------------------------------------------------------------------------------------------
def written(fund):
    return (Entry.objects.filter(book__unit=fund).count(), Movement.objects.count(), Contribution.objects.count(),
            Repayment.objects.count(), sorted(Membership.objects.values_list("pk", "status", "left_on")),
            AuditEntry.objects.count())


@time_machine.travel(AT_TODAY, tick=False)
@pytest.mark.parametrize(("name", "value"), [("a repayment in 1921", "1300/01/01"),
                                              ("a repayment before the payout", "1403/08/10")])
def test_a_repayment_out_of_bounds_is_refused_beside_its_date(client, world, paid_out, name, value):
    client.force_login(world["manager"])  # the manager may enter late entries: the bound still holds
    before = written(world["fund"])
    response = client.post(reverse("funds:loan-repay", args=[paid_out.pk]), {
        "amount": "100000", "paid_on": value, "request_id": str(uuid.uuid4())})
    content = response.content.decode()
    assert response.status_code == 400, name
    assert 'class="field invalid" data-field="paid_on"' in content and "پرداخت" in content
    assert written(world["fund"]) == before


def test_a_withdrawal_before_joining_and_a_future_date_are_refused(world):
    member, fund = world["other"], world["fund"]
    before = written(fund)
    for day in (member.joined_on - datetime.timedelta(days=1), TODAY + datetime.timedelta(days=1)):
        with pytest.raises(DomainError) as error:
            services.withdrawal_record(by=world["manager"], membership=member, amount=1_000, occurred_on=day,
                                       idempotency_key=f"w{day}", today=TODAY)
        assert error.value.field == "occurred_on"
    assert written(fund) == before


@time_machine.travel(AT_TODAY, tick=False)
def test_a_withdrawal_before_joining_is_refused_beside_the_date_in_persian(client, world):
    client.force_login(world["manager"])
    before = written(world["fund"])
    response = client.post(reverse("funds:withdraw", args=[world["other"].pk]), {
        "amount": "1000", "occurred_on": "1402/12/01", "request_id": str(uuid.uuid4())})
    content = response.content.decode()
    assert response.status_code == 400 and 'class="field invalid" data-field="occurred_on"' in content
    assert "عضو" in content and written(world["fund"]) == before


@time_machine.travel(AT_TODAY, tick=False)
def test_leaving_in_1921_is_refused_beside_the_date(client, world):
    client.force_login(world["manager"])
    before = written(world["fund"])
    response = client.post(reverse("funds:leave", args=[world["other"].pk]), {
        "left_on": "1300/01/01", "confirm": "on", "request_id": str(uuid.uuid4())})
    assert response.status_code == 400
    assert 'class="field invalid" data-field="left_on"' in response.content.decode()
    assert written(world["fund"]) == before and Membership.objects.get(pk=world["other"].pk).status == "active"


def test_a_future_repayment_is_refused_by_the_service(world, paid_out):
    before = written(world["fund"])
    with pytest.raises(DomainError) as error:
        services.loan_repay(by=world["manager"], loan=paid_out, amount=100_000,
                            paid_on=TODAY + datetime.timedelta(days=1), idempotency_key="r", today=TODAY)
    assert error.value.field == "paid_on" and written(world["fund"]) == before


def test_a_fund_cannot_be_founded_in_1921_or_tomorrow(county_officer, base):
    before = Fund.objects.count()
    for day in (datetime.date(1921, 3, 21), timezone.localdate() + datetime.timedelta(days=1)):
        with pytest.raises(DomainError) as error:
            services.fund_create(by=county_officer, base=base, name="صندوق کهن", founded_on=day, rules=RULES)
        assert error.value.field == "founded_on"
    assert Fund.objects.count() == before


def test_a_40_day_old_contribution_is_the_managers_and_is_marked_late(client, world):
    member, fund = world["other"], world["fund"]
    paid_on = TODAY - datetime.timedelta(days=40)
    before = written(fund)
    with pytest.raises(DomainError) as error:
        services.contribution_record(by=world["treasurer"], membership=member, year=1403, month=9, paid_on=paid_on,
                                     today=TODAY)
    assert error.value.field == "paid_on" and written(fund) == before
    contribution = services.contribution_record(by=world["manager"], membership=member, year=1403, month=9,
                                                paid_on=paid_on, today=TODAY)
    assert contribution.is_late
    audit = AuditEntry.objects.filter(action="contribution.record").latest("pk")
    assert audit.after["late_entry"] is True
    # On time (within the fund's 31 days) the treasurer records it, unmarked.
    on_time = services.contribution_record(by=world["treasurer"], membership=member, year=1403, month=10,
                                           paid_on=TODAY - datetime.timedelta(days=31), today=TODAY)
    assert not on_time.is_late
    client.force_login(world["treasurer"])
    page = client.get(reverse("funds:membership", args=[member.pk])).content.decode()
    assert page.count('data-test="late"') == 1 and "ثبت با تأخیر" in page
    client.force_login(world["manager"])
    log = client.get(reverse("audit"), {"action": "contribution.record"}).content.decode()
    assert "ثبت با تأخیر" in log


@time_machine.travel(AT_TODAY, tick=False)
def test_a_late_contribution_by_the_treasurer_is_refused_beside_the_date(client, world):
    client.force_login(world["treasurer"])
    before = written(world["fund"])
    response = client.post(reverse("funds:contribute", args=[world["other"].pk]), {
        "year": "1403", "month": "9", "paid_on": "1403/07/05"})
    content = response.content.decode()
    assert response.status_code == 400 and 'class="field invalid" data-field="paid_on"' in content
    assert "مدیر صندوق" in content and written(world["fund"]) == before


def test_the_late_rule_follows_the_funds_rules(world, county_officer):
    fund, member = world["fund"], world["other"]
    services.rules_change(by=county_officer, fund=fund, effective_from=TODAY - datetime.timedelta(days=5),
                          rules=dataclasses.replace(RULES, late_entry_days=60),
                          now=_now() - datetime.timedelta(days=5))
    contribution = services.contribution_record(by=world["treasurer"], membership=member, year=1403, month=9,
                                                paid_on=TODAY - datetime.timedelta(days=40), today=TODAY)
    assert not contribution.is_late
