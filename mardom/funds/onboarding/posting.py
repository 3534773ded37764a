"""Posting a clean workbook: the fund, its people and members, its loans, and its whole history, in one
transaction, idempotent by the file's hash.

Back-dating: the per-row services refuse money dated before the late-entry window unless the fund's manager
enters it, and loans there go through apply, guarantees, propose, approve and pay out by different people on
the day. An import brings history that already happened under the paper books, entered by the base officer
(who creates funds), so it has its own path here that keeps the books' invariants instead: every rial
through `ledger.bulk.entries_post` (balanced, integers, each key once, cash never negative at any point of
the sequence, the chain in order), contributions under the services' own keys (so a later per-row write for
the same month posts nothing twice), schedules from `funds.schedule`, one audit record for the import.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.dashboards.sources import funds as fund_figures
from mardom.ledger.bulk import EntrySpec, entries_post, insert_rows
from mardom.ledger.models import Account, Book
from mardom.orgs.models import Base
from mardom.people.models import Person
from mardom.people.roles import Perm
from mardom.people.scopes import require
from mardom.people.services import persons_create

from ..models import Contribution, FundImport, Guarantee, Installment, Loan, Membership, Movement, Repayment
from ..schedule import Planned, allocate, build_schedule
from ..services.members import FUND_ACCOUNTS, RulesInput, contribution_key, fund_create
from ..statements import balance_sheet
from .reader import read_workbook
from .validation import Plan, validate

A, S = Account.Type, Account.Side


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _require(by: Any, base: Base) -> None:
    # Creating a fund and registering its people: what a base officer (or an officer above) may do.
    require(by, Perm.FUNDS_MANAGE, base)
    require(by, Perm.PEOPLE_MANAGE, base)


@transaction.atomic
def fund_import_start(*, by: Any, base: Base, data: bytes, filename: str = "",
                      now: datetime.datetime | None = None) -> FundImport:
    """Record an upload (committed at once, so its progress can be followed). The same file for the same
    base returns the earlier record: once imported, importing it again changes nothing."""
    _require(by, base)
    digest = file_hash(data)
    record = FundImport.objects.select_for_update().filter(base=base, file_hash=digest).first()
    if record is not None:
        if record.status != FundImport.Status.DONE:
            record.status, record.problems = FundImport.Status.QUEUED, []
            record.save(update_fields=["status", "problems"])
        return record
    return FundImport.objects.create(base=base, file_hash=digest, filename=filename[:200], data=data,
                                     created_by=by, created_at=now or timezone.now())


def _status(record: FundImport, status: str, **fields: Any) -> None:
    record.status = status
    for name, value in fields.items():
        setattr(record, name, value)
    record.save(update_fields=["status", *fields])


def fund_import_run(*, record: FundImport, today: datetime.date | None = None,
                    now: datetime.datetime | None = None) -> FundImport:
    """Check the file and, when it is clean, post it. Not atomic itself: the status changes are committed as
    they happen (the page polls them); the posting is one transaction, so a crash leaves the fund unwritten
    and the record in `posting`, and running it again completes it."""
    record = FundImport.objects.select_related("base", "created_by").get(pk=record.pk)
    if record.status == FundImport.Status.DONE:
        return record
    by, base = record.created_by, record.base
    _require(by, base)
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    _status(record, FundImport.Status.CHECKING)
    tables, problems = read_workbook(bytes(record.data), record.filename)
    record.rows = sum(len(t.rows) for t in tables.values())
    plan = None
    if not problems:
        plan, problems = validate(tables, base=base, today=today)
    if problems or plan is None:
        _status(record, FundImport.Status.FAILED, rows=record.rows, finished_at=timezone.now(),
                problems=[{"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message}
                          for p in problems])
        return record
    _status(record, FundImport.Status.POSTING, rows=record.rows)
    try:
        with transaction.atomic():
            locked = FundImport.objects.select_for_update().get(pk=record.pk)
            if locked.status == FundImport.Status.DONE:  # another worker finished it meanwhile
                return locked
            fund, summary = _post(by=by, base=base, plan=plan, digest=record.file_hash, now=now)
            audit_record(by=by, action="fund.import", obj=fund, scope_path=fund.path or "", now=now,
                         after={"file": record.filename, "file_hash": record.file_hash, **summary["counts"]})
            _status(locked, FundImport.Status.DONE, fund=fund, summary=summary, data=b"", finished_at=timezone.now())
            return locked
    except DomainError as error:  # a rule the validation did not foresee: reported like the others
        _status(record, FundImport.Status.FAILED, finished_at=timezone.now(),
                problems=[{"sheet": "", "row": 0, "column": "", "message": str(error.message)}])
        return record


def fund_import(*, by: Any, base: Base, data: bytes, filename: str = "", today: datetime.date | None = None,
                now: datetime.datetime | None = None) -> FundImport:
    """Start and run an import in this process (the command, the tests)."""
    record = fund_import_start(by=by, base=base, data=data, filename=filename, now=now)
    return fund_import_run(record=record, today=today, now=now)


def _post(*, by: Any, base: Base, plan: Plan, digest: str, now: datetime.datetime) -> tuple[Any, dict[str, Any]]:
    tag = f"import:{digest[:16]}"
    rules = RulesInput(monthly_contribution=plan.monthly_contribution,
                       min_months_before_loan=plan.min_months_before_loan,
                       loan_savings_multiple=plan.loan_savings_multiple, loan_cap=plan.loan_cap,
                       max_months=max([24, *(lo.months for lo in plan.loans)]),
                       rounding_unit=min(10_000, plan.monthly_contribution))
    fund = fund_create(by=by, base=base, name=plan.name, founded_on=plan.founded_on, rules=rules, now=now)
    book = Book.objects.select_for_update().get(unit=fund)
    fixed = {a.code: a for a in Account.objects.filter(book=book, code__in=[c for c, *_r in FUND_ACCOUNTS])}
    cash, equity = fixed["cash"], fixed["equity"]

    # People: someone already registered in Mardom (another fund, the desk) is the same person, not a twin.
    known = {p.national_id: p for p in Person.objects.filter(national_id__in=[m.national_id for m in plan.members])}
    fresh = [m for m in plan.members if m.national_id not in known]
    created = persons_create(by=by, desk=base, home_place=base.place, people=[
        {"national_id": m.national_id, "first_name": m.first_name, "last_name": m.last_name, "mobile": m.mobile,
         "gender": m.gender} for m in fresh])
    people = {m.number: known[m.national_id] for m in plan.members if m.national_id in known}
    people |= {m.number: person for m, person in zip(fresh, created, strict=True)}
    accounts = Account.objects.bulk_create([
        Account(book=book, code=f"savings:{m.number}", name=f"Savings of member {m.number}", type=A.LIABILITY,
                side=S.CREDIT) for m in plan.members])
    if any(a.pk is None for a in accounts):
        by_code = dict(Account.objects.filter(book=book, code__startswith="savings:").values_list("code", "pk"))
        for a in accounts:
            a.pk = by_code[a.code]
    memberships = {m.number: Membership(fund=fund, person=people[m.number], number=m.number, joined_on=m.joined_on,
                                        savings_account=account) for m, account in zip(plan.members, accounts,
                                                                                        strict=True)}
    Membership.objects.bulk_create(list(memberships.values()))
    if any(ms.pk is None for ms in memberships.values()):
        ids = dict(Membership.objects.filter(fund=fund).values_list("number", "pk"))
        for number, ms in memberships.items():
            ms.pk = ids[number]

    # Loans: the row first (its account is named by its id), then its account and schedule.
    loans: dict[int, Loan] = {}
    for lp in plan.loans:
        membership = memberships[lp.member]
        applied = timezone.make_aware(datetime.datetime.combine(lp.disbursed_on, datetime.time(9)))
        loan = Loan.objects.create(fund=fund, membership=membership, amount=lp.amount, months=lp.months,
                                   purpose=Loan.Purpose.OTHER, status=Loan.Status.DISBURSED, applied_at=applied,
                                   applied_by=by, proposed_by=by, decided_by=by, decided_at=applied,
                                   decision_note=_("Brought over from the fund's earlier books"),
                                   fee=0, fee_policy="none", disbursed_on=lp.disbursed_on)
        loan.account = Account.objects.create(book=book, code=f"loan:{loan.pk}", name=f"Loan {loan.pk}",
                                              type=A.ASSET, side=S.DEBIT)
        loan.save(update_fields=["account"])
        loans[lp.number] = loan
    installments = []
    plans = {}
    for lp in plan.loans:
        loan = loans[lp.number]
        if lp.installments:
            planned = [(n, due, amount, 0) for n, due, amount in sorted(lp.installments)]
        else:
            planned = [(p.number, p.due_on, p.principal, p.fee) for p in build_schedule(
                amount=lp.amount, months=lp.months, disbursed_on=lp.disbursed_on, unit=rules.rounding_unit,
                fee_policy="none", fee_permille=0)]
        installments += [Installment(loan=loan, number=n, due_on=due, principal=pr, fee=fee)
                         for n, due, pr, fee in planned]
        plans[lp.number] = planned
    Installment.objects.bulk_create(installments)
    Guarantee.objects.bulk_create([
        Guarantee(loan=loans[lp.number], guarantor=memberships[g], amount=amount,
                  status=Guarantee.Status.RELEASED if lp.repaid == lp.amount else Guarantee.Status.ACCEPTED,
                  responded_at=loans[lp.number].applied_at) for lp in plan.loans for g, amount in lp.guarantors])
    # The members and guarantees brought over count on the dashboards when imported (the money counts from its
    # entries, through the ledger's bulk path); the rebuild reads them from the import's audit row.
    fund_figures.counted(fund=fund, at=now, members=len(memberships), joined=len(memberships), guarantees=sum(
        1 for lp in plan.loans if lp.repaid != lp.amount for _g in lp.guarantors))

    # The money, in the order the validation simulated it.
    specs: list[EntrySpec] = []
    made: list[tuple[str, Any]] = []  # what each spec's entry belongs to
    for m in plan.members:
        if m.opening:
            specs.append(EntrySpec(idempotency_key=f"{tag}:opening:{m.number}", kind="opening_balance",
                                   occurred_on=plan.cutover_on, memo=f"member {m.number} opening balance",
                                   params={"member": m.number},
                                   lines=[(cash, m.opening), (memberships[m.number].savings_account, -m.opening)]))
            made.append(("opening", m))
    if plan.capital_at_cutover:
        k = plan.capital_at_cutover
        specs.append(EntrySpec(idempotency_key=f"{tag}:capital", kind="opening_capital", occurred_on=plan.cutover_on,
                               memo="fund capital brought over", lines=[(cash, k), (equity, -k)]))
        made.append(("capital", None))
    paid: dict[int, int] = {}
    for day, _rank, kind, item in plan.events():
        if kind == "contribution":
            number, year, month, amount, paid_on = item
            membership = memberships[number]
            specs.append(EntrySpec(idempotency_key=contribution_key(membership, year, month), kind="contribution",
                                   occurred_on=paid_on, memo=f"member {number} {year}/{month:02d}",
                                   params={"member": number, "year": year, "month": month},
                                   lines=[(cash, amount), (membership.savings_account, -amount)]))
        elif kind == "disbursement":
            loan = loans[item.number]
            specs.append(EntrySpec(idempotency_key=f"{tag}:loan:{item.number}", kind="disbursement", occurred_on=day,
                                   memo=f"loan {loan.pk} to member {item.member}",
                                   params={"loan": loan.pk, "member": item.member},
                                   lines=[(loan.account, item.amount), (cash, -item.amount)]))
        else:
            lp, (row, paid_on, amount) = item
            loan = loans[lp.number]
            specs.append(EntrySpec(idempotency_key=f"{tag}:repayment:{row}", kind="repayment", occurred_on=paid_on,
                                   memo=f"loan {loan.pk} repayment", params={"loan": loan.pk},
                                   lines=[(cash, amount), (loan.account, -amount)]))
            paid[lp.number] = paid.get(lp.number, 0) + amount
        made.append((kind, item))
    entries = entries_post(by=by, book=book, entries=specs, now=now)

    movements, contributions, repayments = [], [], []  # contributions as plain rows (insert_rows)
    so_far: dict[int, int] = {}
    for (kind, item), entry in zip(made, entries, strict=True):
        if kind == "opening":
            movements.append(Movement(membership=memberships[item.number], kind=Movement.Kind.OPENING,
                                      amount=item.opening, occurred_on=plan.cutover_on, entry=entry))
        elif kind == "contribution":
            number, year, month, amount, paid_on = item
            contributions.append((memberships[number].pk, year, month, amount, paid_on, False, entry.pk))
        elif kind == "repayment":
            lp, (row, paid_on, amount) = item
            planned = [Planned(number=n, due_on=d, principal=p, fee=f) for n, d, p, f in plans[lp.number]]
            split = allocate(planned, already_paid=so_far.get(lp.number, 0), payment=amount)
            so_far[lp.number] = so_far.get(lp.number, 0) + amount
            repayments.append(Repayment(loan=loans[lp.number], amount=amount, principal=split.principal,
                                        fee=split.fee, paid_on=paid_on, entry=entry))
    Movement.objects.bulk_create(movements)
    insert_rows(Contribution, ["membership", "year", "month", "amount", "paid_on", "is_late", "entry"],
                contributions)
    Repayment.objects.bulk_create(repayments)
    repaid = [loans[lp.number].pk for lp in plan.loans if lp.repaid == lp.amount]
    Loan.objects.filter(pk__in=repaid).update(status=Loan.Status.REPAID)

    last = max([plan.cutover_on, *(spec.occurred_on for spec in specs)])
    sheet = balance_sheet(fund, on=last)  # the statements' own balance sheet, as the fund's pages show it
    counts = {"members": len(plan.members), "contributions": len(contributions), "loans": len(plan.loans),
              "repayments": len(repayments), "entries": len(entries)}
    return fund, {"counts": counts, "balance_sheet": sheet, "on": last.isoformat()}
