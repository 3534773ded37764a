"""`mardom synth`: the set-based national data set leaves books the services and `ledger-verify` accept, pages
work on it, the same seed gives the same books, and it refuses the databases it must not touch."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.urls import reverse

from mardom.conftest import committing
from mardom.core.validators import is_valid_national_id
from mardom.demo.models import SynthRun
from mardom.demo.synth.build import Synth
from mardom.demo.synth.guard import synth_refusal
from mardom.funds.models import Contribution, Fund, Loan, Membership
from mardom.funds.services.members import contribution_key
from mardom.ledger.models import Account, Book, Entry, Posting
from mardom.ledger.verify import verify_books
from mardom.people.models import Person, RoleAssignment, User

on_postgres = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="synth writes with PostgreSQL's COPY: runs with DATABASE_URL=postgres://… (CI runs both databases)")

TODAY = datetime.date(2026, 12, 1)
SCALE = 0.0005  # ~15 funds, ~1,900 members, ~35,000 entries: a few seconds


def _synth(seed: int = 7) -> SynthRun:
    run = Synth(scale=SCALE, seed=seed, today=TODAY, say=lambda line: None).run()
    with connection.cursor() as cursor:
        # The test's transaction is never committed: check the deferred foreign keys now, as a commit would.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return run


@on_postgres
@pytest.mark.django_db
def test_the_books_verify_and_balances_are_the_sums_of_their_postings() -> None:
    run = _synth()
    assert run.finished_at is not None
    books = Book.objects.order_by("pk")
    assert books.count() == Fund.objects.count() >= 10
    assert verify_books(books) == []
    sums = dict(Posting.objects.values("account_id").annotate(s=Sum("amount")).values_list("account_id", "s"))
    accounts = list(Account.objects.values_list("pk", "balance", "code"))
    assert all(balance == sums.get(pk, 0) for pk, balance, _code in accounts)
    assert all(balance >= 0 for pk, balance, code in accounts if code == "cash" or code.startswith("loan:"))
    # Every entry balances, in the database's own arithmetic too.
    assert not Posting.objects.values("entry_id").annotate(s=Sum("amount")).exclude(s=0).exists()
    # What the services write: one contribution entry per contribution, under the service's own key.
    sample = Contribution.objects.select_related("entry", "membership")[:200]
    assert sample and all(c.entry.idempotency_key == contribution_key(c.membership, c.year, c.month)
                          and c.entry.kind == "contribution" for c in sample)
    assert Contribution.objects.count() == Entry.objects.filter(kind="contribution").count()
    assert Membership.objects.count() == Entry.objects.filter(kind="opening").count()
    kinds = set(Entry.objects.values_list("kind", flat=True).distinct())
    assert {"opening", "contribution", "disbursement", "repayment"} <= kinds
    statuses = set(Loan.objects.values_list("status", flat=True).distinct())
    assert {"disbursed", "repaid"} <= statuses and statuses & {"applied", "proposed", "approved"}
    # A repaid loan owes nothing; a running one owes what its schedule says less what was repaid.
    for loan in Loan.objects.filter(status__in=["repaid", "disbursed"]).select_related("account")[:100]:
        scheduled = loan.installments.aggregate(s=Sum("principal"))["s"]
        repaid = loan.repayments.aggregate(s=Sum("principal"))["s"] or 0
        assert scheduled == loan.amount and loan.account.balance == loan.amount - repaid
        assert (loan.account.balance == 0) == (loan.status == "repaid")
    # Org paths are each unit's parent's path and its own id.
    for unit_id, path, parent_path in Fund.objects.values_list("pk", "path", "parent__path")[:50]:
        assert path == f"{parent_path}{unit_id}/"
    # People as the validators want them, each national ID once.
    people = list(Person.objects.values_list("national_id", "mobile"))
    assert all(is_valid_national_id(nid) and re.fullmatch("09[0-9]{9}", mobile) for nid, mobile in people)
    assert len({nid for nid, _mobile in people}) == len(people)
    # Every fund has its manager and treasurer.
    roles = RoleAssignment.objects.filter(role__in=["fund_manager", "fund_treasurer"]).values("unit_id").annotate(
        n=Count("pk"))
    assert {r["n"] for r in roles} == {2} and len(roles) == Fund.objects.count()


@on_postgres
@pytest.mark.django_db
def test_the_command_verifies_with_ledger_verify(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("synth", scale=SCALE, seed=3, today=TODAY)
    out = capsys.readouterr().out
    assert "synth done" in out and "ledger_entry" in out
    call_command("ledger-verify")
    assert "verified" in capsys.readouterr().out


@on_postgres
@pytest.mark.django_db
def test_the_same_seed_gives_the_same_books() -> None:
    def fingerprint() -> list[tuple]:
        return list(Book.objects.order_by("unit__path").values_list("unit__path", "last_seq", "last_hash"))

    with transaction.atomic():
        _synth(seed=11)
        first = fingerprint()
        transaction.set_rollback(True)
    _synth(seed=11)
    assert fingerprint() == first and len(first) >= 10
    other = Synth(scale=SCALE, seed=12, today=TODAY, say=lambda line: None)
    assert other.rng.random() != Synth(scale=SCALE, seed=11, today=TODAY, say=lambda line: None).rng.random()


@on_postgres
@pytest.mark.django_db
def test_a_fund_s_pages_work_for_its_manager_and_not_for_another_fund_s(client: object) -> None:
    _synth()
    fund = Fund.objects.order_by("pk").first()
    other = Fund.objects.order_by("-pk").first()
    manager = User.objects.get(role_assignments__role="fund_manager", role_assignments__unit=fund)
    outsider = User.objects.get(role_assignments__role="fund_manager", role_assignments__unit=other)
    member = Membership.objects.filter(fund=fund).order_by("number").last()
    loan = Loan.objects.filter(fund=fund, status="disbursed").first() or Loan.objects.filter(fund=fund).first()
    pages = [reverse("funds:detail", args=[fund.pk]), reverse("funds:loans", args=[fund.pk]),
             reverse("funds:membership", args=[member.pk]), reverse("funds:statement-member", args=[member.pk]),
             reverse("funds:statement-fund", args=[fund.pk]), reverse("funds:loan", args=[loan.pk]),
             reverse("funds:queue", args=[fund.pk])]
    client.force_login(manager)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    client.force_login(outsider)
    for url in pages:
        assert client.get(url).status_code in (403, 404), url


@pytest.mark.django_db
def test_synth_refuses_sqlite_real_funds_real_logins_and_a_second_run(make_user: object, base: object,
                                                                       county_officer: object) -> None:
    if connection.vendor != "postgresql":
        assert "PostgreSQL" in synth_refusal()
        with pytest.raises(CommandError):
            call_command("synth", scale=SCALE)
        assert not SynthRun.objects.exists() and not Entry.objects.exists()
        return
    from mardom.funds import services as fund_services
    from mardom.people.models import User as UserModel

    assert synth_refusal() is None
    # Someone who has signed in: refused.
    UserModel.objects.filter(pk=county_officer.pk).update(last_login=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    with pytest.raises(CommandError):
        call_command("synth", scale=SCALE)
    UserModel.objects.filter(pk=county_officer.pk).update(last_login=None)
    # A real fund: refused, and nothing written.
    with transaction.atomic():
        fund_services.fund_create(
            by=county_officer, base=base, name="صندوق واقعی", founded_on=TODAY - datetime.timedelta(days=30),
            rules=fund_services.RulesInput(monthly_contribution=1_000_000, min_months_before_loan=3,
                                           loan_savings_multiple=2, loan_cap=100_000_000))
        entries = Entry.objects.count()
        with pytest.raises(CommandError):
            call_command("synth", scale=SCALE)
        assert Entry.objects.count() == entries and not SynthRun.objects.exists()
        transaction.set_rollback(True)
    # A database that already holds a synth data set: refused.
    _synth()
    with pytest.raises(CommandError):
        call_command("synth", scale=SCALE)
    assert SynthRun.objects.count() == 1


@on_postgres
@committing()
def test_ledger_verify_in_parallel_processes_sees_every_book_and_finds_a_changed_entry() -> None:
    from mardom.ledger.verify import verify_books_parallel

    _synth(seed=5)
    ids = list(Book.objects.order_by("pk").values_list("pk", flat=True))
    problems, tally = verify_books_parallel(ids, workers=2, batch=3)
    assert problems == []
    assert (tally.books, tally.entries, tally.postings) == (len(ids), Entry.objects.count(), Posting.objects.count())
    entry = Entry.objects.filter(kind="contribution").order_by("pk")[5]
    with connection.cursor() as cursor:  # an edit of history behind the application's back
        cursor.execute("UPDATE ledger_entry SET memo = memo || '!' WHERE id = %s", [entry.pk])
    problems, _tally = verify_books_parallel(ids, workers=2, batch=3)
    assert [p.book_id for p in problems] == [entry.book_id]
    assert "hash differs" in problems[0].what
