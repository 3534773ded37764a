"""Reads for loan funds, filtered to the asking user's scope (members see their own membership)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mardom.core.digits import localize_digits
from mardom.core.errors import DomainError
from mardom.core.jalali import days_in_month, from_jalali, to_jalali
from mardom.core.money import format_money
from mardom.core.text import search_key
from mardom.ledger.models import Account, Entry, Posting
from mardom.people.roles import Perm
from mardom.people.scopes import holds_anywhere, scope_q

from . import figures
from .models import (
    Contribution,
    Draw,
    Fund,
    FundRules,
    Guarantee,
    Installment,
    LateCharge,
    Loan,
    LoanClosure,
    MeetingClose,
    Membership,
    Movement,
    Repayment,
    months_between,
)
from .schedule import Planned, Standing, late_months, standing


def fund_list(*, user: Any, query: str = "", within: Any = None, active: bool | None = None) -> QuerySet[Fund]:
    """The funds the user sees (their scope, or the funds they are an active member of), optionally only
    those under the unit `within` (a province, county or base: an indexed path prefix), whose name matches
    `query` (on the stored search key) or that are active / closed. No join that repeats a row, so a page
    is one COUNT and one LIMIT query whatever the nation holds."""
    own = Q(pk__in=Membership.objects.filter(person_id=user.person_id, status=Membership.Status.ACTIVE)
            .values("fund_id")) if getattr(user, "person_id", None) else Q(pk__in=[])
    qs = Fund.objects.filter(scope_q(user, Perm.FUNDS_VIEW) | own)
    if within is not None and within.path:
        qs = qs.filter(path__startswith=within.path)
    if query and (key := search_key(query)):
        qs = qs.filter(search_key__contains=key)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.select_related("parent", "parent__parent", "parent__parent__parent") \
        .order_by("parent__parent__name", "parent__name", "name", "pk")


def fund_export_rows(*, user: Any, query: str = "", within: Any = None,
                     active: bool | None = None) -> Iterator[tuple[Any, ...]]:
    """The rows of the funds CSV, scoped exactly like the list: name, base, county, province, founded on,
    active, active members and cash in rials (stored balances, one query per chunk of 2,000 funds)."""
    members = Membership.objects.filter(fund=OuterRef("pk"), status=Membership.Status.ACTIVE) \
        .order_by().values("fund").annotate(n=Count("pk")).values("n")
    cash = Account.objects.filter(book__unit=OuterRef("pk"), code="cash").values("balance")[:1]
    qs = fund_list(user=user, query=query, within=within, active=active).annotate(
        active_members=Subquery(members), cash=Subquery(cash))
    for f in qs.iterator(chunk_size=2000):
        base = f.parent
        county = base.parent if base else None
        province = county.parent if county else None
        yield (f.pk, f.name, base.name if base else "", county.name if county else "",
               province.name if province else "", f.founded_on, f.is_active, f.active_members or 0, f.cash or 0)


def fund_get(*, user: Any, pk: int) -> Fund:
    fund = fund_list(user=user).filter(pk=pk).first()
    if fund is None:
        raise Http404
    return fund


def fund_totals(*, fund: Fund, today: datetime.date | None = None) -> dict[str, Any]:
    """The fund's position today from stored balances: cash, members' savings, fees, charity and members (the
    definitions are in `funds.figures`), with the day for the label."""
    today = today or timezone.localdate()
    balances = dict(Account.objects.filter(book__unit=fund, code__in=["cash", "fees", "charity", "equity"])
                    .values_list("code", "balance"))
    return {
        "cash": balances.get("cash", 0),
        "savings": figures.savings_total(fund=fund, on=today, today=today),
        "fees": -balances.get("fees", 0),
        "charity": -balances.get("charity", 0),
        "members": figures.members(fund=fund, on=today),
        "on": today,
    }


def membership_list(*, fund: Fund, query: str = "") -> QuerySet[Membership]:
    qs = Membership.objects.filter(fund=fund).select_related("person", "savings_account")
    if query:
        from mardom.core.text import search_key

        qs = qs.filter(person__search_key__contains=search_key(query))
    return qs.order_by("status", "number")


def membership_get(*, user: Any, pk: int) -> Membership:
    """A membership in the user's funds scope, or the user's own."""
    own = Q(person_id=user.person_id) if getattr(user, "person_id", None) else Q(pk__in=[])
    membership = (
        Membership.objects.filter(scope_q(user, Perm.FUNDS_VIEW, path_field="fund__path") | own, pk=pk)
        .select_related("fund", "person", "savings_account").first()
    )
    if membership is None:
        raise Http404
    return membership


# A reversed record stays listed, marked with the day of its reversal (`Entry.reverses`).
REVERSED_ON = F("entry__reversed_by__occurred_on")


def contribution_history(*, membership: Membership) -> QuerySet[Contribution]:
    """A member's contributions, newest month first, reversed ones included and marked (`reversed_on`)."""
    return (Contribution.objects.filter(membership=membership).annotate(reversed_on=REVERSED_ON)
            .order_by("-year", "-month", "-attempt"))


def repayment_history(*, loan: Loan) -> QuerySet[Repayment]:
    """A loan's repayments in order, reversed ones included and marked (`reversed_on`)."""
    return Repayment.objects.filter(loan=loan).annotate(reversed_on=REVERSED_ON).order_by("paid_on", "pk")


def meeting_closed(*, fund: Fund, year: int, month: int) -> MeetingClose | None:
    """The month's meeting, if it was closed (funds.services.corrections.meeting_close)."""
    return (MeetingClose.objects.filter(fund=fund, year=year, month=month).select_related("closed_by__person")
            .first())


def _member_record(records: QuerySet[Any], *, user: Any, pk: int) -> Any:
    """A record of a membership the user may see (`membership_get`), or 404."""
    record = records.filter(pk=pk).select_related("entry").first()
    if record is None:
        raise Http404
    record.membership = membership_get(user=user, pk=record.membership_id)
    return record


def contribution_get(*, user: Any, pk: int) -> Contribution:
    return _member_record(Contribution.objects.all(), user=user, pk=pk)


def withdrawal_get(*, user: Any, pk: int) -> Movement:
    return _member_record(Movement.objects.filter(kind=Movement.Kind.WITHDRAWAL), user=user, pk=pk)


def _on_a_loan_seen(model: Any, *, user: Any, pk: int) -> Any:
    """A record of a loan the user may see (`loan_get`), its loan attached, or 404."""
    record = model.objects.filter(pk=pk).select_related("entry").first()
    if record is None:
        raise Http404
    record.loan = loan_get(user=user, pk=record.loan_id)
    return record


def repayment_get(*, user: Any, pk: int) -> Repayment:
    """A repayment of a loan the user may see, or 404."""
    return _on_a_loan_seen(Repayment, user=user, pk=pk)


def late_charge_get(*, user: Any, pk: int) -> LateCharge:
    """A late charge on a loan the user may see, or 404."""
    return _on_a_loan_seen(LateCharge, user=user, pk=pk)


def late_charges_collected(*, loan: Loan) -> list[LateCharge]:
    """The loan's late charges, oldest first, each reversed one marked (`reversed_on`)."""
    return list(loan.late_charges.annotate(reversed_on=REVERSED_ON).select_related("entry").order_by("paid_on", "pk"))


def reversed_on(record: Contribution | Movement | Repayment | LateCharge) -> datetime.date | None:
    """The day the record was reversed, or None while it counts."""
    return Entry.objects.filter(reverses_id=record.entry_id).values_list("occurred_on", flat=True).first()


def is_reversed(record: Contribution | Movement | Repayment | LateCharge) -> bool:
    return reversed_on(record) is not None


def last_closed_meeting(*, fund: Fund) -> MeetingClose | None:
    """The fund's latest closed meeting: nothing may be dated on or before its day."""
    return MeetingClose.objects.filter(fund=fund).order_by("-held_on", "-pk").first()


def recorder_must_leave_it(*, user: Any, entry: Entry, last: MeetingClose | None) -> bool:
    """Whether `user` recorded `entry` on or before the last closed meeting's day: then another treasurer or the
    fund's manager reverses it, not the recorder (corrections)."""
    return last is not None and entry.occurred_on <= last.held_on and entry.created_by_id == getattr(user, "pk", None)


def month_records(*, fund: Fund, year: int, month: int) -> dict[str, list[Any]]:
    """What the month page lists as recorded: the month's contributions, and the repayments dated in the month,
    reversed ones marked (`reversed_on`) and each repayment that may still be reversed marked `reversible` (its
    loan's latest live one, paid in cash, on a loan still being repaid: `corrections.reversible_repayment`)."""
    start = from_jalali(year, month, 1)
    end = from_jalali(year, month, days_in_month(year, month))
    contributions = list(Contribution.objects.filter(membership__fund=fund, year=year, month=month)
                         .annotate(reversed_on=REVERSED_ON).select_related("membership__person", "entry")
                         .order_by("membership__number", "attempt"))
    repayments = list(Repayment.objects.filter(loan__fund=fund, paid_on__range=(start, end))
                      .annotate(reversed_on=REVERSED_ON).select_related("loan__membership__person", "entry")
                      .order_by("paid_on", "pk"))
    loans = {r.loan_id for r in repayments if r.loan.status == Loan.Status.DISBURSED}
    latest = dict(Repayment.objects.filter(loan_id__in=loans).live().order_by().values("loan_id")
                  .annotate(last=Max("pk")).values_list("loan_id", "last"))
    cash = set(Posting.objects.filter(entry_id__in=[r.entry_id for r in repayments], account__code="cash")
               .values_list("entry_id", flat=True))
    for r in repayments:
        r.reversible = latest.get(r.loan_id) == r.pk and r.entry_id in cash
    return {"contributions": contributions, "repayments": repayments}


def unpaid_members(*, fund: Fund, year: int, month: int) -> Sequence[Membership]:
    paid = Contribution.objects.filter(membership__fund=fund, year=year, month=month).live().values("membership_id")
    return list(
        Membership.objects.filter(fund=fund, status=Membership.Status.ACTIVE)
        .exclude(pk__in=paid).select_related("person", "savings_account").order_by("number")
    )


@dataclass(frozen=True)
class RepaymentDue:
    """A loan with something to repay by the end of a month: its installments due by then (arrears
    included) less what was repaid, never more than is still owed."""

    loan: Loan
    due: int


def repayments_due(*, fund: Fund, year: int, month: int) -> list[RepaymentDue]:
    """The paid-out loans of `fund` with an amount due by the end of Jalali `year`/`month`, by member number:
    one query whatever the fund's history (the sums are subqueries on the loan's own rows)."""
    from mardom.core.jalali import days_in_month, from_jalali

    end = from_jalali(year, month, days_in_month(year, month))

    def total(rows: Any, column: Any) -> Subquery:
        return Subquery(rows.values("loan").annotate(s=Sum(column)).values("s")[:1])

    plan = Installment.objects.filter(loan=OuterRef("pk"))
    loans = (
        Loan.objects.filter(fund=fund, status=Loan.Status.DISBURSED)
        .annotate(owed_by_then=total(plan.filter(due_on__lte=end), F("principal") + F("fee")),
                  owed=total(plan, F("principal") + F("fee")),
                  repaid=total(Repayment.objects.filter(loan=OuterRef("pk")).live(), "amount"))
        .select_related("membership__person").order_by("membership__number", "pk")
    )
    rows = []
    for loan in loans:
        repaid = loan.repaid or 0
        due = min((loan.owed_by_then or 0) - repaid, (loan.owed or 0) - repaid)
        if due > 0:
            rows.append(RepaymentDue(loan=loan, due=due))
    return rows


REVERSIBLE_KINDS = ("contribution", "withdrawal")  # from the member's page; a repayment from the loan's


def passbook(*, membership: Membership, limit: int = 200) -> list[dict[str, Any]]:
    """The member's savings account line by line, newest first, with the balance after each line. The
    running balance is walked back from the stored balance, so the cost is the page, not the history."""
    postings = list(
        membership.savings_account.postings.select_related("entry__reverses").order_by("-entry__seq")[:limit]
    )
    balance = -membership.savings_account.balance
    ids = [posting.entry_id for posting in postings]
    # Which lines are a contribution or a withdrawal (each may be reversed from here), and which are late entries.
    records = {e: (pk, is_late) for model in (Contribution, Movement)
               for e, pk, is_late in model.objects.filter(entry_id__in=ids).values_list("entry_id", "pk", "is_late")}
    late = {*(e for e, (_pk, is_late) in records.items() if is_late),
            *Repayment.objects.filter(entry_id__in=ids, is_late=True).values_list("entry_id", flat=True)}
    reversed_ids = set(Entry.objects.filter(reverses_id__in=ids).values_list("reverses_id", flat=True))
    rows = []
    for posting in postings:
        entry_id = posting.entry_id
        reverse = None  # (kind, pk) of a contribution or a withdrawal that may still be reversed
        if entry_id not in reversed_ids and entry_id in records and posting.entry.kind in REVERSIBLE_KINDS:
            reverse = (posting.entry.kind, records[entry_id][0])
        rows.append({"entry": posting.entry, "amount": -posting.amount, "balance": balance,
                     "late": entry_id in late, "reversed": entry_id in reversed_ids, "reverse": reverse})
        balance += posting.amount
    return rows


def recent_entries(*, fund: Fund, limit: int = 20) -> QuerySet[Entry]:
    return Entry.objects.filter(book__unit=fund).order_by("-seq")[:limit]


def rules_in_force(*, fund: Fund, on: datetime.date) -> FundRules:
    rules = FundRules.objects.filter(fund=fund, effective_from__lte=on).order_by("-effective_from", "-pk").first()
    if rules is None:
        raise DomainError(_("The fund had no rules on that date."))
    return rules


# --- loans ------------------------------------------------------------------------------------------------
def _paid_up(membership: Membership, on: datetime.date) -> bool:
    """Every Jalali month from the month after joining up to last month has a contribution."""
    joined, today = to_jalali(membership.joined_on), to_jalali(on)
    first = joined.year * 12 + joined.month  # the month after the joining month (the deposit covers that one)
    last = today.year * 12 + today.month - 2  # last month (months counted from zero)
    expected = max(0, last - first + 1)
    if expected == 0:
        return True
    paid = Contribution.objects.filter(membership=membership).live().annotate(
        index=F("year") * 12 + F("month") - 1).filter(index__gte=first, index__lte=last).count()
    return paid >= expected


def savings_held(*, membership: Membership) -> int:
    """Savings that may not leave the fund (`funds.figures.savings_held`)."""
    return figures.savings_held(membership=membership)


def guarantee_capacity(*, membership: Membership) -> int:
    return membership.savings - savings_held(membership=membership)


def guarantee_needed(*, loan: Loan) -> int:
    """What guarantors must cover: the part of the loan the borrower's own free savings do not."""
    free = loan.membership.savings - savings_held(membership=loan.membership)
    return max(0, loan.amount - max(free, 0))


def loan_eligibility(*, membership: Membership, amount: int, months: int, on: datetime.date,
                     ignoring: Loan | None = None) -> list[tuple[str | None, str]]:
    """Every reason this member cannot have this loan today, each with the form field it belongs to."""
    problems: list[tuple[str | None, str]] = []
    if membership.status != Membership.Status.ACTIVE:
        return [(None, _("This membership is not active."))]
    try:
        rules = rules_in_force(fund=membership.fund, on=on)
    except DomainError as error:
        return [(None, str(error.message))]
    if months_between(membership.joined_on, on) < rules.min_months_before_loan:
        problems.append((None, _("A member can borrow after %(months)s months of membership.")
                         % {"months": localize_digits(str(rules.min_months_before_loan))}))
    if not _paid_up(membership, on):
        problems.append((None, _("Monthly contributions are not paid up.")))
    open_loans = Loan.objects.filter(membership=membership, status__in=["applied", "proposed", "approved",
                                                                        "disbursed"])
    if ignoring is not None:
        open_loans = open_loans.exclude(pk=ignoring.pk)
    if open_loans.exists():
        problems.append((None, _("This member already has a loan that is open.")))
    ceiling = min(membership.savings * rules.loan_savings_multiple, rules.loan_cap)
    if amount <= 0:
        problems.append(("amount", _("The amount must be more than zero.")))
    elif amount > ceiling:
        problems.append(("amount", _("At most %(amount)s can be borrowed (%(multiple)s times the savings, and "
                                     "no more than the fund's ceiling).")
                         % {"amount": format_money(ceiling), "multiple": localize_digits(
                             str(rules.loan_savings_multiple))}))
    if not 1 <= months <= rules.max_months:
        problems.append(("months", _("Repayment can take from 1 to %(months)s months.")
                         % {"months": localize_digits(str(rules.max_months))}))
    return problems


def loan_queue(*, fund: Fund) -> QuerySet[Loan]:
    """Approved loans in the order they will be paid out: emergencies, then production, then the rest,
    each by the time of application."""
    return Loan.objects.filter(fund=fund, status="approved").select_related("membership", "membership__person") \
        .order_by("priority", "applied_at", "pk")


def loan_plan(*, loan: Loan) -> list[Planned]:
    return [Planned(number=i.number, due_on=i.due_on, principal=i.principal, fee=i.fee)
            for i in loan.installments.order_by("number")]


def loan_standing(*, loan: Loan, on: datetime.date) -> Standing | None:
    if loan.disbursed_on is None:
        return None
    paid = loan.repayments.live().aggregate(s=Sum("amount"))["s"] or 0
    return standing(loan_plan(loan=loan), paid=paid, on=on)


def late_charges_due(*, loan: Loan, on: datetime.date) -> dict[int, int]:
    """Late charges the rules allow on each late installment today, less what was already collected on it:
    the monthly charge for every started month late, capped per installment. Nothing when the rules in force
    today have no late charge."""
    if loan.status != "disbursed":
        return {}
    rules = rules_in_force(fund=loan.fund, on=on)
    if rules.late_policy != FundRules.LatePolicy.CHARITY or rules.late_charge <= 0:
        return {}
    paid = loan.repayments.live().aggregate(s=Sum("amount"))["s"] or 0
    collected = dict(loan.late_charges.live().values("installment_number").annotate(s=Sum("amount"))
                     .values_list("installment_number", "s"))
    due = {}
    for number, months in late_months(loan_plan(loan=loan), paid=paid, on=on).items():
        owed = min(rules.late_charge * months, rules.late_charge_cap) - collected.get(number, 0)
        if owed > 0:
            due[number] = owed
    return due


def loan_list(*, fund: Fund, status: str = "") -> QuerySet[Loan]:
    qs = Loan.objects.filter(fund=fund).select_related("membership", "membership__person", "account")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-applied_at", "-pk")


def loan_get(*, user: Any, pk: int) -> Loan:
    """A loan in the user's funds scope, the user's own, or one the user is asked to guarantee."""
    person = getattr(user, "person_id", None)
    own = (Q(membership__person_id=person) | Q(guarantees__guarantor__person_id=person)) if person else Q(pk__in=[])
    loan = (Loan.objects.filter(scope_q(user, Perm.FUNDS_VIEW, path_field="fund__path") | own, pk=pk).distinct()
            .select_related("fund", "membership", "membership__person", "account").first())
    if loan is None:
        raise Http404
    return loan


def portfolio(*, fund: Fund, on: datetime.date) -> dict[str, Any]:
    """Loans outstanding and at risk from the stored balances, lateness judged on `on`
    (`funds.figures.portfolio_stored`; pages call `funds.figures.portfolio`, which picks the path by the day)."""
    return figures.portfolio_stored(fund=fund, on=on)


# --- draws ------------------------------------------------------------------------------------------------
def draw_candidates(*, fund: Fund, on: datetime.date) -> tuple[int, list[Any], list[dict[str, str]]]:
    """The cycle a new draw belongs to, its frozen list and the active members left out, each with the reason
    (in Persian, as published in the announcement). Eligible: active members with contributions paid up, long
    enough in the fund, without an open loan, and not already winners in the current cycle. When every
    eligible member has won, a new cycle starts and everyone eligible is in again."""
    from .draw import Eligible

    excluded: dict[str, tuple[Membership, str]] = {}
    eligible = []
    with translation.override("fa"):
        for m in Membership.objects.filter(fund=fund, status=Membership.Status.ACTIVE) \
                .select_related("person", "savings_account").order_by("number"):
            problems = loan_eligibility(membership=m, amount=1, months=1, on=on)
            if problems:
                excluded[str(m.number)] = (m, "؛ ".join(str(message) for _field, message in problems))
            else:
                eligible.append(m)
        last = Draw.objects.filter(fund=fund).exclude(status="cancelled").order_by("-number").first()
        cycle = last.cycle if last else 1
        won = {ref for draw in Draw.objects.filter(fund=fund, cycle=cycle, status="performed")
               for ref in draw.winners or []}
        remaining = [m for m in eligible if str(m.number) not in won]
        if not remaining and won:
            cycle, remaining = cycle + 1, eligible
        for m in eligible:
            if m not in remaining:
                excluded[str(m.number)] = (m, str(_("Already won a draw in this cycle.")))
    rows = [{"ref": ref, "name": m.person.full_name, "reason": reason} for ref, (m, reason) in excluded.items()]
    return cycle, [Eligible(ref=str(m.number), name=m.person.full_name) for m in remaining], rows


def draw_entries(*, fund: Fund, on: datetime.date) -> tuple[int, list[Any]]:
    cycle, entries, _excluded = draw_candidates(fund=fund, on=on)
    return cycle, entries


def draw_list(*, fund: Fund) -> QuerySet[Draw]:
    return Draw.objects.filter(fund=fund).order_by("-number")


def draw_get(*, user: Any, pk: int) -> Draw:
    """A draw of a fund the user may see: officers of its scope and the fund's own members."""
    draw = Draw.objects.select_related("fund").filter(pk=pk).first()
    if draw is None or not fund_list(user=user).filter(pk=draw.fund_id).exists():
        raise Http404
    return draw


def loans_held(*, person_ids: set[int]) -> dict[str, int]:
    """Loans the given people hold in any fund, for other modules' roll-ups (`funds.figures.loans_held`)."""
    return figures.loans_held(person_ids=person_ids)


def loan_recipients(*, person_ids: set[int]) -> set[int]:
    """Which of these people have received a loan from a fund (paid out, whatever happened since): the
    market gives them priority for exhibition booths."""
    return set(Loan.objects.filter(membership__person_id__in=person_ids, disbursed_on__isnull=False)
               .values_list("membership__person_id", flat=True).distinct())


@dataclass(frozen=True)
class QueuePlace:
    """One place in a fund's payout queue as a member may see it: whose it is only when it is her own."""

    position: int
    priority: str
    applied_on: datetime.date
    mine: bool
    amount: int | None  # only on her own place
    loan_id: int | None  # only on her own place


def queue_places(*, fund: Fund, person_id: int | None) -> list[QueuePlace]:
    """The fund's queue for a member's eyes: every place with its kind and month of application, names and
    amounts only on her own. A fund's queue is its approved loans, a handful, so this reads them all."""
    places = []
    for position, loan in enumerate(loan_queue(fund=fund), 1):
        mine = person_id is not None and loan.membership.person_id == person_id
        places.append(QueuePlace(position=position, priority=loan.get_priority_display(),
                                 applied_on=timezone.localtime(loan.applied_at).date(), mine=mine,
                                 amount=loan.amount if mine else None, loan_id=loan.pk if mine else None))
    return places


def waiting_applications(*, fund: Fund, person_id: int | None) -> QuerySet[Loan]:
    """A member's own loans not yet in the queue: applied or proposed, waiting for the manager."""
    if person_id is None:
        return Loan.objects.none()
    return Loan.objects.filter(fund=fund, membership__person_id=person_id,
                               status__in=[Loan.Status.APPLIED, Loan.Status.PROPOSED]).order_by("applied_at")


# --- the home page -------------------------------------------------------------------------------------------
HOME_LIMIT = 10  # each home section shows at most this many rows, with a link to the full page


@dataclass(frozen=True)
class HomeLoan:
    """One of a member's own open loans as her home page shows it."""

    loan: Loan
    next_due_on: datetime.date | None  # the next installment not yet covered (paid-out loans)
    overdue: int  # what is due and unpaid today
    remaining: int  # principal and fee still to repay
    queue_position: int | None  # her place in the fund's payout queue (approved loans)


@dataclass(frozen=True)
class HomeMember:
    memberships: list[Membership]
    loans: list[HomeLoan]
    guarantee_requests: list[Guarantee]

    def __bool__(self) -> bool:
        return bool(self.memberships or self.loans or self.guarantee_requests)


def home_member(*, user: Any, on: datetime.date | None = None) -> HomeMember:
    """A person's own side of the funds: her active memberships with their savings, her open loans with the
    next installment and what is overdue, her place in the payout queue, and guarantees asked of her. A person
    has a few memberships and at most one open loan in each, so this costs a handful of queries."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return HomeMember([], [], [])
    on = on or timezone.localdate()
    memberships = list(
        Membership.objects.filter(person_id=person_id, status=Membership.Status.ACTIVE)
        .select_related("fund", "savings_account").order_by("fund__name")[:HOME_LIMIT]
    )
    open_statuses = [Loan.Status.APPLIED, Loan.Status.PROPOSED, Loan.Status.APPROVED, Loan.Status.DISBURSED]
    loans = list(Loan.objects.filter(membership__person_id=person_id, status__in=open_statuses)
                 .select_related("fund", "account").order_by("applied_at", "pk")[:HOME_LIMIT])
    ids = [loan.pk for loan in loans if loan.status == Loan.Status.DISBURSED]
    plans: dict[int, list[Planned]] = {}
    paid: dict[int, int] = {}
    if ids:
        for loan_id, number, due_on, principal, fee in Installment.objects.filter(loan_id__in=ids).order_by(
                "loan_id", "number").values_list("loan_id", "number", "due_on", "principal", "fee"):
            plans.setdefault(loan_id, []).append(Planned(number, due_on, principal, fee))
        paid = dict(Repayment.objects.filter(loan_id__in=ids).live().values("loan_id").annotate(s=Sum("amount"))
                    .values_list("loan_id", "s"))
    rows = []
    for loan in loans:
        position = None
        if loan.status == Loan.Status.APPROVED:
            queue = loan_queue(fund=loan.fund)
            ahead = Q(priority__lt=loan.priority) | Q(priority=loan.priority, applied_at__lt=loan.applied_at) | Q(
                priority=loan.priority, applied_at=loan.applied_at, pk__lt=loan.pk)
            position = queue.filter(ahead).count() + 1
        if loan.pk in plans:
            state = standing(plans[loan.pk], paid=paid.get(loan.pk, 0), on=on)
            rows.append(HomeLoan(loan, state.next_due_on, state.overdue, state.remaining, position))
        else:
            rows.append(HomeLoan(loan, None, 0, 0, position))
    return HomeMember(memberships, rows, home_guarantee_requests(user=user))


def home_guarantee_requests(*, user: Any) -> list[Guarantee]:
    """Guarantees asked of this person and not answered yet, on loans still collecting guarantors."""
    if not getattr(user, "person_id", None):
        return []
    return list(Guarantee.objects.filter(guarantor__person_id=user.person_id, status=Guarantee.Status.REQUESTED,
                                         loan__status=Loan.Status.APPLIED)
                .select_related("loan", "loan__membership__person", "loan__fund").order_by("pk")[:HOME_LIMIT])


@dataclass(frozen=True)
class HomeDecisions:
    """What waits for this fund officer's decision: loans proposed for approval (where she decides) and
    closures waiting for a second officer (where she decides or keeps the treasury), never her own."""

    loans: list[Loan]
    loans_more: bool
    closures: list[LoanClosure]
    closures_more: bool

    def __bool__(self) -> bool:
        return bool(self.loans or self.closures)


def home_decisions(*, user: Any) -> HomeDecisions:
    person_id = getattr(user, "person_id", None) or 0
    loans: list[Loan] = []
    closures: list[LoanClosure] = []
    if holds_anywhere(user, Perm.FUNDS_DECIDE):
        loans = list(
            Loan.objects.filter(scope_q(user, Perm.FUNDS_DECIDE, path_field="fund__path"),
                                status=Loan.Status.PROPOSED)
            .exclude(proposed_by_id=user.pk).exclude(membership__person_id=person_id)
            .select_related("fund", "membership__person").order_by("applied_at", "pk")[:HOME_LIMIT + 1]
        )
    if holds_anywhere(user, Perm.FUNDS_DECIDE) or holds_anywhere(user, Perm.FUNDS_TREASURY):
        closures = list(
            LoanClosure.objects.filter(
                scope_q(user, Perm.FUNDS_DECIDE, path_field="loan__fund__path")
                | scope_q(user, Perm.FUNDS_TREASURY, path_field="loan__fund__path"),
                status=LoanClosure.Status.PENDING,
            ).exclude(proposed_by_id=user.pk).exclude(loan__membership__person_id=person_id)
            .select_related("loan__fund", "loan__membership__person").order_by("proposed_at", "pk")[:HOME_LIMIT + 1]
        )
    return HomeDecisions(loans[:HOME_LIMIT], len(loans) > HOME_LIMIT, closures[:HOME_LIMIT],
                         len(closures) > HOME_LIMIT)


# --- the person's file (desk) --------------------------------------------------------------------------------
OPEN_LOAN_STATUSES = (Loan.Status.APPLIED, Loan.Status.PROPOSED, Loan.Status.APPROVED, Loan.Status.DISBURSED)


def _person_q(user: Any, person: Any, path_field: str) -> Q:
    """Her own rows for the person herself; for anyone else, those of the funds in the user's funds scope."""
    if getattr(user, "person_id", None) == person.pk:
        return Q(pk__isnull=False)
    return scope_q(user, Perm.FUNDS_VIEW, path_field=path_field)


def serves_member(*, user: Any, person: Any) -> bool:
    """Whether the user is an officer of a fund the person is (or was) a member of: its manager, treasurer
    or anyone above them (they may read her file's fund part)."""
    return Membership.objects.filter(scope_q(user, Perm.FUNDS_VIEW, path_field="fund__path"), person=person).exists()


@dataclass(frozen=True)
class FileLoan:
    loan: Loan
    next_due_on: datetime.date | None  # the next installment not yet covered (paid-out loans)
    overdue: int
    remaining: int  # principal and fee still to repay (paid-out loans)


@dataclass(frozen=True)
class PersonFunds:
    """A person's side of the funds as one viewer may see it: each list is its first `limit` rows and the
    number of rows in all."""

    memberships: list[Membership]
    memberships_total: int
    active_memberships: int
    savings: int  # in her active memberships
    loans: list[FileLoan]
    loans_total: int
    open_loans: int
    outstanding: int  # principal outstanding on her paid-out loans (stored balances)
    guarantees_given: list[Guarantee]
    guarantees_given_total: int
    guarantees_asked: list[Guarantee]
    guarantees_asked_total: int

    def __bool__(self) -> bool:
        return bool(self.memberships_total or self.loans_total or self.guarantees_given_total
                    or self.guarantees_asked_total)


def person_funds(*, user: Any, person: Any, limit: int, on: datetime.date | None = None) -> PersonFunds:
    """Memberships with their savings, loans with what is left and the next installment, guarantees she gave
    and those asked for her loans; the person sees all of hers, an officer those of the funds in her scope.
    A fixed number of queries (about nine), whatever the person's history."""
    on = on or timezone.localdate()
    memberships = Membership.objects.filter(_person_q(user, person, "fund__path"), person=person)
    counts = memberships.aggregate(
        n=Count("pk"), active=Count("pk", filter=Q(status=Membership.Status.ACTIVE)),
        balance=Sum("savings_account__balance", filter=Q(status=Membership.Status.ACTIVE)))
    shown = list(memberships.select_related("fund", "savings_account").order_by("status", "fund__name", "pk")[:limit])

    loans = Loan.objects.filter(_person_q(user, person, "fund__path"), membership__person=person)
    loan_counts = loans.aggregate(
        n=Count("pk"), open=Count("pk", filter=Q(status__in=OPEN_LOAN_STATUSES)),
        outstanding=Sum("account__balance", filter=Q(status=Loan.Status.DISBURSED)))
    open_first = Case(When(status__in=OPEN_LOAN_STATUSES, then=0), default=1)
    loan_rows = list(loans.select_related("fund", "account").annotate(closed=open_first)
                     .order_by("closed", "-applied_at", "-pk")[:limit])
    running = [loan.pk for loan in loan_rows if loan.status == Loan.Status.DISBURSED]
    plans: dict[int, list[Planned]] = {}
    paid: dict[int, int] = {}
    if running:
        for loan_id, number, due_on, principal, fee in Installment.objects.filter(loan_id__in=running).order_by(
                "loan_id", "number").values_list("loan_id", "number", "due_on", "principal", "fee"):
            plans.setdefault(loan_id, []).append(Planned(number, due_on, principal, fee))
        paid = dict(Repayment.objects.filter(loan_id__in=running).live().order_by().values("loan_id")
                    .annotate(s=Sum("amount")).values_list("loan_id", "s"))
    file_loans = []
    for loan in loan_rows:
        if loan.pk in plans:
            state = standing(plans[loan.pk], paid=paid.get(loan.pk, 0), on=on)
            file_loans.append(FileLoan(loan, state.next_due_on, state.overdue, state.remaining))
        else:
            file_loans.append(FileLoan(loan, None, 0, 0))

    live_first = Case(When(status__in=[Guarantee.Status.REQUESTED, Guarantee.Status.ACCEPTED], then=0), default=1)
    given = Guarantee.objects.filter(_person_q(user, person, "guarantor__fund__path"), guarantor__person=person)
    asked = Guarantee.objects.filter(_person_q(user, person, "loan__fund__path"), loan__membership__person=person)
    return PersonFunds(
        memberships=shown, memberships_total=counts["n"], active_memberships=counts["active"],
        savings=-(counts["balance"] or 0),
        loans=file_loans, loans_total=loan_counts["n"], open_loans=loan_counts["open"],
        outstanding=loan_counts["outstanding"] or 0,
        guarantees_given=list(given.select_related("loan__membership__person", "loan__fund").annotate(
            ended=live_first).order_by("ended", "-pk")[:limit]),
        guarantees_given_total=given.count(),
        guarantees_asked=list(asked.select_related("guarantor__person", "loan").annotate(
            ended=live_first).order_by("ended", "-pk")[:limit]),
        guarantees_asked_total=asked.count(),
    )
