"""The funds' figures: what each write adds (called by the ledger and the funds services) and what the facts say
(called by `rollups-rebuild`). The two halves sit side by side so a definition cannot drift between them.

Money figures come from the entries themselves: every money fact of a fund is an entry in its book, posted
through `ledger.services`, so the one hook there sees them all (the per-line and the bulk path alike).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Case, CharField, Count, IntegerField, Q, Sum, Value, When

from .. import rollups
from ..periods import ALL_TIME, month_of, shift, start_moment, start_of
from . import first_and_last

SAVINGS, LOAN = "savings:", "loan:"
LOSS_KINDS = ("write_off", "forgiveness")


def contribution_on_time(*, year: int, month: int, paid_on: datetime.date) -> bool:
    """Paid on or before the last day of the Jalali month it is for."""
    return paid_on < start_of(shift(year * 100 + month, 1))


def entry_deltas(*, kind: str, lines: Sequence[tuple[str, int]], params: dict[str, Any],
                 occurred_on: datetime.date, created_at: datetime.datetime,
                 reversed_kind: str = "", reversed_params: dict[str, Any] | None = None,
                 reversed_on: datetime.date | None = None) -> dict[str, int]:
    savings = -sum(amount for code, amount in lines if code.startswith(SAVINGS))
    loans = sum(amount for code, amount in lines if code.startswith(LOAN))
    deltas = {"funds.savings": savings, "funds.outstanding": loans}
    sign, base_kind = (-1, reversed_kind) if reversed_kind else (1, kind)
    base_params, base_on = (reversed_params or {}, reversed_on or occurred_on) if reversed_kind else (params,
                                                                                                      occurred_on)
    if base_kind == "contribution":
        deltas["funds.contributions"] = sign
        deltas["funds.contributions_amount"] = savings
        if {"year", "month"} <= base_params.keys() and contribution_on_time(
                year=base_params["year"], month=base_params["month"], paid_on=base_on):
            deltas["funds.contributions_on_time"] = sign
    elif base_kind == "disbursement":
        deltas["funds.loans_paid"] = sign
        deltas["funds.loans_paid_amount"] = loans
    elif base_kind in LOSS_KINDS:
        deltas["funds.write_offs"] = -loans
    if month_of(occurred_on) < month_of(created_at):
        deltas["funds.late_entries"] = 1
    return deltas


def entry_posted(*, book: Any, kind: str, lines: Sequence[tuple[str, int]], params: dict[str, Any],
                 occurred_on: datetime.date, created_at: datetime.datetime, reverses: Any = None) -> None:
    """The ledger's hook, in the posting's transaction."""
    _record_for_book(book, created_at, entry_deltas(
        kind=kind, lines=lines, params=params, occurred_on=occurred_on, created_at=created_at,
        reversed_kind=reverses.kind if reverses is not None else "",
        reversed_params=reverses.params if reverses is not None else None,
        reversed_on=reverses.occurred_on if reverses is not None else None,
    ))


def _record_for_book(book: Any, at: datetime.datetime, deltas: dict[str, int]) -> None:
    """Record deltas at the fund whose book it is (the book knows its unit's id, not its path)."""
    from mardom.orgs.models import OrgUnit

    path = OrgUnit.objects.filter(pk=book.unit_id).values_list("path", flat=True).first()
    rollups.record(path=path, at=at, deltas=deltas)


def entries_posted(*, book: Any, created_at: datetime.datetime,
                   entries: Sequence[tuple[str, Sequence[tuple[str, int]], dict[str, Any], datetime.date]]) -> None:
    """The ledger's bulk path's hook: a batch's entries (kind, lines by account code, params, date), recorded at
    one moment, summed into one outbox write."""
    total: dict[str, int] = defaultdict(int)
    for kind, lines, params, occurred_on in entries:
        for code, delta in entry_deltas(kind=kind, lines=lines, params=params, occurred_on=occurred_on,
                                        created_at=created_at).items():
            total[code] += delta
    _record_for_book(book, created_at, total)


def counted(*, fund: Any, at: datetime.datetime | None = None, **deltas: int) -> None:
    """Non-money changes of a fund (a member joins, a guarantee is accepted), from the funds services."""
    rollups.record(path=fund.path, at=at, deltas={f"funds.{code}": delta for code, delta in deltas.items()})


# --- the facts, for rollups-rebuild -------------------------------------------------------------------------
def _bucket(field: str, months: list[int]) -> Case:
    """The Jalali month a timestamp falls in, as SQL: the first month whose end is after it."""
    return Case(*(When(**{f"{field}__lt": start_moment(shift(month, 1))}, then=Value(month)) for month in months),
                default=Value(0), output_field=IntegerField())


def leaf_filter(field: str, under: Sequence[str], exact: bool) -> Q:
    """Facts whose leaf unit's path (at `field`) is one of `under` (exact) or lies beneath one of them."""
    if exact:
        return Q(**{f"{field}__in": list(under)})
    found = Q()
    for path in under:
        found |= Q(**{f"{field}__startswith": path})
    return found


def facts(months: list[int], *, under: Sequence[str] = ("/",), exact: bool = False) -> dict[tuple[int, int, str], int]:
    """(fund id, month recorded, metric) → delta, from the books, the memberships and the draws of the funds at
    or under the paths `under` (the rebuild goes a few provinces or counties at a time)."""
    from mardom.core.models import AuditEntry
    from mardom.funds.models import Contribution, Draw, Guarantee
    from mardom.ledger.models import Entry, Posting

    out: dict[tuple[int, int, str], int] = defaultdict(int)
    cls = Case(When(account__code__startswith=SAVINGS, then=Value("s")),
               When(account__code__startswith=LOAN, then=Value("l")), default=Value("o"), output_field=CharField())
    for unit, month, kind, part, total, entries in (
            Posting.objects.filter(leaf_filter("entry__book__unit__path", under, exact))
            .annotate(month=_bucket("entry__created_at", months), part=cls)
            .values("entry__book__unit_id", "month", "entry__kind", "part")
            .annotate(total=Sum("amount"), n=Count("entry_id", distinct=True))
            .values_list("entry__book__unit_id", "month", "entry__kind", "part", "total", "n")):
        sign, base = (-1, kind.removeprefix("reversal:")) if kind.startswith("reversal:") else (1, kind)
        if part == "s":
            out[(unit, month, "funds.savings")] -= total
            if base == "contribution":
                out[(unit, month, "funds.contributions")] += sign * entries
                out[(unit, month, "funds.contributions_amount")] -= total
        elif part == "l":
            out[(unit, month, "funds.outstanding")] += total
            if base == "disbursement":
                out[(unit, month, "funds.loans_paid")] += sign * entries
                out[(unit, month, "funds.loans_paid_amount")] += total
            elif base in LOSS_KINDS:
                out[(unit, month, "funds.write_offs")] -= total
    # On time: contributions paid before the end of their month; each (year, month) pair has its own bound.
    contributions = Contribution.objects.filter(leaf_filter("membership__fund__path", under, exact))
    pairs = set(contributions.values_list("year", "month").distinct())
    if pairs:
        on_time = Case(*(When(year=y, month=m, paid_on__lt=start_of(shift(y * 100 + m, 1)), then=Value(1))
                         for y, m in sorted(pairs)), default=Value(0), output_field=IntegerField())
        # Each counts in the month it was recorded; a reversed one stops counting in the month it was reversed
        # (as the ledger's hook subtracts it then).
        for rows, moment, sign in ((contributions, "entry__created_at", 1),
                                   (contributions.filter(entry__reversed_by__isnull=False),
                                    "entry__reversed_by__created_at", -1)):
            for unit, month, n in (rows.annotate(recorded=_bucket(moment, months), ok=on_time)
                                   .filter(ok=1).values("membership__fund_id", "recorded").annotate(n=Count("pk"))
                                   .values_list("membership__fund_id", "recorded", "n")):
                out[(unit, month, "funds.contributions_on_time")] += sign * n
    # Late entries: dated before the first day of the month they were recorded in.
    late_q = Q()
    for month in months:
        late_q |= Q(created_at__gte=start_moment(month), created_at__lt=start_moment(shift(month, 1)),
                    occurred_on__lt=start_of(month))
    if months:
        for unit, month, n in (Entry.objects.filter(leaf_filter("book__unit__path", under, exact)).filter(late_q)
                               .annotate(month=_bucket("created_at", months))
                               .values("book__unit_id", "month").annotate(n=Count("pk"))
                               .values_list("book__unit_id", "month", "n")):
            out[(unit, month, "funds.late_entries")] += n
    # Memberships and funds: the audit log holds when each was recorded, in the fund's own transaction.
    actions = {"fund.create": ("active",), "membership.join": ("members", "joined"),
               "membership.leave": ("-members", "left"), "membership.transfer": ("joined", "left")}
    fund_ids = _fund_ids_by_path(under, exact)
    for path, action, month, n in (AuditEntry.objects.filter(leaf_filter("scope_path", under, exact),
                                                             action__in=list(actions))
                                   .annotate(month=_bucket("at", months))
                                   .values("scope_path", "action", "month").annotate(n=Count("pk"))
                                   .values_list("scope_path", "action", "month", "n")):
        unit = fund_ids.get(path)
        if unit is None:
            continue
        for code in actions[action]:
            sign = -1 if code.startswith("-") else 1
            out[(unit, month, f"funds.{code.lstrip('-')}")] += sign * n
    # A fund brought over from its workbook: its members, as the import's audit row counts them.
    for path, at, after in (AuditEntry.objects.filter(leaf_filter("scope_path", under, exact), action="fund.import")
                            .values_list("scope_path", "at", "after")):
        unit = fund_ids.get(path)
        members = int((after or {}).get("members") or 0) if isinstance(after, dict) else 0
        if unit is not None and members:
            out[(unit, month_of(at), "funds.members")] += members
            out[(unit, month_of(at), "funds.joined")] += members
    for unit, month, n in (Draw.objects.filter(leaf_filter("fund__path", under, exact), performed_at__isnull=False)
                           .annotate(month=_bucket("performed_at", months))
                           .values("fund_id", "month").annotate(n=Count("pk")).values_list("fund_id", "month", "n")):
        out[(unit, month, "funds.draws")] += n
    # Guarantees: when one is released is not recorded, so only the level now is rebuilt (month ALL_TIME).
    for unit, n in (Guarantee.objects.filter(leaf_filter("loan__fund__path", under, exact),
                                             status=Guarantee.Status.ACCEPTED)
                    .values("loan__fund_id").annotate(n=Count("pk")).values_list("loan__fund_id", "n")):
        out[(unit, ALL_TIME, "funds.guarantees")] += n
    return out


def _fund_ids_by_path(under: Sequence[str], exact: bool) -> dict[str, int]:
    from mardom.funds.models import Fund

    return dict(Fund.objects.filter(leaf_filter("path", under, exact)).values_list("path", "pk"))


def moments() -> list[datetime.datetime]:
    """The first and last moments a fact was recorded (the rebuild's range of months)."""
    from mardom.core.models import AuditEntry
    from mardom.ledger.models import Entry

    return first_and_last((Entry.objects.all(), "created_at"), (AuditEntry.objects.all(), "at"))


# Metrics whose history the facts do not hold: only their level now is rebuilt and checked.
NOW_ONLY = ("funds.guarantees",)


# --- the gauge: principal more than 30 days late ---------------------------------------------------------------
def par30_snapshot(*, today: datetime.date | None = None, at: datetime.datetime | None = None) -> int:
    """Set each fund's PAR30 for the current month and year from its running loans (`funds.figures`, the one
    definition); returns how many funds were looked at. A fund whose loans are all repaid is set back to zero.
    Run daily (`mardom rollups-snapshot`); one fund per transaction, under its book's lock."""
    from django.db import transaction
    from django.utils import timezone

    from mardom.funds.figures import portfolio_stored
    from mardom.funds.models import Fund, Loan
    from mardom.ledger.models import Book

    from ..models import Figure
    from ..periods import periods_of

    at = at or timezone.now()
    today = today or timezone.localdate(at)
    running = set(Loan.objects.filter(status=Loan.Status.DISBURSED).values_list("fund_id", flat=True).distinct())
    month, year = periods_of(at)
    shown = set(Figure.objects.filter(metric="funds.par30", period__in=(month, year)).exclude(value=0)
                .values_list("unit_id", flat=True))
    funds = Fund.objects.filter(pk__in=running | shown).order_by("pk")
    looked = 0
    for fund in funds.iterator():
        with transaction.atomic():
            Book.objects.select_for_update().get(unit_id=fund.pk)
            value = portfolio_stored(fund=fund, on=today)["par30"] if fund.pk in running else 0
            rollups.gauge_set(path=fund.path, code="funds.par30", value=value, at=at)
        looked += 1
    return looked


def late_entries(*, fund: Any, today: datetime.date | None = None, limit: int = 50) -> list[Any]:
    """A fund's entries of the last twelve months dated in an earlier month than the one they were recorded in:
    they count in the month recorded (so closed months do not move), and the fund's dashboard lists them.
    Reads only the fund's recent entries dated before their recording day."""
    from django.db.models import F
    from django.utils import timezone

    from mardom.ledger.models import Entry

    from ..periods import start_moment

    since = start_moment(shift(month_of(today or timezone.localdate()), -11))
    recent = (Entry.objects.filter(book__unit_id=fund.pk, created_at__gte=since,
                                   occurred_on__lt=F("created_at__date"))
              .select_related("created_by", "reverses").order_by("-seq"))  # a reversal names what it took back
    return [entry for entry in recent.iterator() if month_of(entry.occurred_on) < month_of(entry.created_at)][:limit]
