"""Institution performance, read from the stored figures (models.figures) within the viewer's scope.

Each table is one grouped query over the figures rows (a few per institution and year), whatever the number
of requests behind them; the one live part, the requests still open and already past a deadline now, is one
grouped count over the running deadlines (a narrow table of the open requests only), never over the history.
Who sees what: the officers holding desk.request see the receivers under their units (a county officer her county's
institutions, a province or national officer theirs), an institution's officer (desk.answer) her own.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mardom.core.digits import format_quantity, to_latin_digits
from mardom.core.jalali import to_jalali
from mardom.orgs.models import Institution, OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import holds_anywhere, is_global, scope_paths

from ..models import ReceiverType, Request, RequestKind
from ..models.figures import (
    BUCKET_EDGES,
    COUNTER_FIELDS,
    DECISION_PREFIX,
    FIRST_PREFIX,
    REFUSAL_FIELDS,
    InstitutionFigures,
    RunningDeadline,
    bucket_fields,
)
from ..workcal import calendar_for

PERMS = (Perm.DESK_REQUEST, Perm.DESK_ANSWER)
YEARS_BACK = 4


# --- durations and percentiles -----------------------------------------------------------------------------

def percentile(histogram: list[int], q: Fraction) -> tuple[int, bool] | None:
    """The q-quantile of a histogram over BUCKET_EDGES, in working minutes, interpolated within its band;
    (minutes, True) when it falls in the open last band (then `minutes` is that band's lower edge)."""
    total = sum(histogram)
    if not total:
        return None
    rank = q * total
    seen = 0
    for index, count in enumerate(histogram):
        if count and seen + count >= rank:
            low = BUCKET_EDGES[index - 1] if index else 0
            if index >= len(BUCKET_EDGES):
                return low, True
            high = BUCKET_EDGES[index]
            return int(low + (high - low) * (rank - seen) / count), False
        seen += count
    return BUCKET_EDGES[-1], True  # not reached: the counts add up to total


def _decimal(value: Fraction | int, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    number = (Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction)
              else Decimal(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return format_quantity(number)


def working_time_text(minutes: int | None, *, open_ended: bool = False) -> str:
    """A duration in working time, in words: «۳ ساعت کاری», «۲٫۵ روز کاری», «بیش از ۹۰ روز کاری»."""
    if minutes is None:
        return "—"
    day = calendar_for(holidays=(), thursday_half_day=False).day_minutes  # the office day of the setting
    if open_ended:
        days = minutes // day
        return ngettext("more than %(n)s working day", "more than %(n)s working days", days) % {
            "n": _decimal(days, 0)}
    if minutes < day:
        halves = max(round(minutes / 30), 1)  # to the half hour, at least half an hour
        hours = Fraction(halves, 2)
        return ngettext("%(n)s working hour", "%(n)s working hours", 1 if hours == 1 else 2) % {
            "n": _decimal(hours, 1)}
    days = Fraction(minutes, day)
    text = _decimal(days, 1 if days < 10 else 0)
    return ngettext("%(n)s working day", "%(n)s working days", 1 if text in ("1", "۱") else 2) % {"n": text}


def permille(part: int, whole: int) -> int | None:
    return part * 1000 // whole if whole else None


# --- figures of a table row ----------------------------------------------------------------------------------

@dataclass
class Figures:
    """The counters of one or more figures rows added up, and what the page reads from them."""

    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTER_FIELDS, 0))
    first_overdue: int = 0  # open now, the first answer's deadline passed (live)
    decision_overdue: int = 0  # open now, the decision's deadline passed (live)
    late_now: int = 0  # open now and past the deadline running (either of the two; live)

    def __getattr__(self, name: str) -> int:
        counters = self.__dict__.get("counters", {})
        if name in counters:
            return counters[name]
        raise AttributeError(name)

    @property
    def open(self) -> int:
        return self.received - self.decided - self.withdrawn

    @property
    def first_on_time_permille(self) -> int | None:
        """First answers given on time, of those given plus those overdue now."""
        return permille(self.first_on_time, self.first_answered + self.first_overdue)

    @property
    def decision_on_time_permille(self) -> int | None:
        return permille(self.decided_on_time, self.decided + self.decision_overdue)

    @property
    def granted_permille(self) -> int | None:
        return permille(self.granted_amount, self.asked_decided)

    @property
    def refused_permille(self) -> int | None:
        return permille(self.refused, self.decided)

    def _histogram(self, prefix: str) -> list[int]:
        return [self.counters[name] for name in bucket_fields(prefix)]

    def _time(self, prefix: str, q: Fraction) -> str:
        found = percentile(self._histogram(prefix), q)
        if found is None:
            return working_time_text(None)
        if found[1]:
            return working_time_text(found[0], open_ended=True)
        return _("about %(time)s") % {"time": working_time_text(found[0])}

    @property
    def first_median(self) -> str:
        return self._time(FIRST_PREFIX, Fraction(1, 2))

    @property
    def first_p90(self) -> str:
        return self._time(FIRST_PREFIX, Fraction(9, 10))

    @property
    def decision_median(self) -> str:
        return self._time(DECISION_PREFIX, Fraction(1, 2))

    @property
    def decision_p90(self) -> str:
        return self._time(DECISION_PREFIX, Fraction(9, 10))

    def refusals(self) -> dict[str, int]:
        return {reason: self.counters[name] for reason, name in REFUSAL_FIELDS.items()}


@dataclass
class Row:
    key: Any
    label: str
    this: Figures
    last: Figures
    county: str = ""
    receivers: int = 0


# --- scope and parameters ------------------------------------------------------------------------------------

def may_view(user: Any) -> bool:
    return any(holds_anywhere(user, perm) for perm in PERMS)


def _scope_paths(user: Any) -> list[str] | None:
    """The unit paths the viewer sees figures under, or None for everything."""
    if is_global(user):
        return None
    paths = sorted({path for perm in PERMS for path in scope_paths(user, perm)})
    return [p for p in paths if not any(p != outer and p.startswith(outer) for outer in paths)]


def _path_q(paths: list[str] | None, *fields: str) -> Q:
    if paths is None:
        return Q()
    q = Q(pk__in=[])
    for path in paths:
        for name in fields:
            q |= Q(**{f"{name}__startswith": path})
    return q


def current_year(today: datetime.date | None = None) -> int:
    return to_jalali(today or timezone.localdate()).year


def year_choices(today: datetime.date | None = None) -> list[int]:
    year = current_year(today)
    return list(range(year, year - YEARS_BACK - 1, -1))


def year_from(value: str, *, today: datetime.date | None = None) -> int:
    """The Jalali year asked for in ?year= (any digits), or this year for anything else."""
    text = to_latin_digits(value or "").strip()
    choices = year_choices(today)
    if text.isascii() and text.isdigit() and len(text) == 4 and int(text) in choices:
        return int(text)
    return choices[0]


def counties_for(*, user: Any) -> QuerySet[OrgUnit]:
    """The counties the viewer may narrow the page to (those inside her scope)."""
    return OrgUnit.objects.filter(_path_q(_scope_paths(user), "path"), kind=OrgUnit.Kind.COUNTY,
                                  is_active=True).order_by("name")


@dataclass
class Query:
    """What the page asks for: the year (compared with the one before), and optionally a kind and a county."""

    user: Any
    year: int
    kind: str = ""
    county: OrgUnit | None = None
    now: datetime.datetime | None = None

    @property
    def paths(self) -> list[str] | None:
        paths = _scope_paths(self.user)
        if self.county is not None:
            return [self.county.path or ""]
        return paths


def performance_query(*, user: Any, year: str = "", kind: str = "", county: str = "",
                      now: datetime.datetime | None = None) -> Query:
    """The page's parameters, checked: 403 without desk.request or desk.answer anywhere; an unknown or out of
    scope county is 404; an unknown kind or year is ignored."""
    if not may_view(user):
        raise PermissionDenied
    chosen = None
    if county:
        if not (county.isascii() and county.isdigit() and len(county) <= 12):
            raise Http404
        chosen = counties_for(user=user).filter(pk=int(county)).first()
        if chosen is None:
            raise Http404
    today = timezone.localdate(now) if now else None
    return Query(user=user, year=year_from(year, today=today), kind=kind if kind in RequestKind.values else "",
                 county=chosen, now=now)


def _figures(query: Query) -> QuerySet[InstitutionFigures]:
    rows = InstitutionFigures.objects.filter(_path_q(query.paths, "path"), year__in=[query.year, query.year - 1])
    if query.kind:
        rows = rows.filter(kind=query.kind)
    return rows.order_by()


def _summed(rows: QuerySet[InstitutionFigures], *keys: str) -> list[dict[str, Any]]:
    """The counters summed per `keys` and year: one plain GROUP BY (two result rows per key at most)."""
    return list(rows.values(*keys, "year").annotate(
        receivers=Count("receiver_id", distinct=True), **{name: Sum(name) for name in COUNTER_FIELDS}).order_by())


def _rows(query: Query, grouped: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any],
          label: Callable[[dict[str, Any]], str], **extra: Callable[[dict[str, Any]], Any]) -> dict[Any, Row]:
    """One Row per key, this year's and last year's figures side by side (in the order first met)."""
    rows: dict[Any, Row] = {}
    for values in grouped:
        k = key(values)
        row = rows.get(k)
        if row is None:
            row = rows[k] = Row(key=k, label=label(values), this=Figures(), last=Figures(),
                                **{name: fn(values) for name, fn in extra.items()})
        figures = row.this if values["year"] == query.year else row.last
        figures.counters = {name: int(values[name] or 0) for name in COUNTER_FIELDS}
        row.receivers = max(row.receivers, values["receivers"])
    return rows


# --- the tables ----------------------------------------------------------------------------------------------

def totals(query: Query) -> Row:
    grouped = _summed(_figures(query))
    return _rows(query, grouped, lambda v: None, lambda v: _("All")).get(None) or Row(
        key=None, label=_("All"), this=Figures(), last=Figures())


def by_county(query: Query) -> list[Row]:
    grouped = _summed(_figures(query), "county_id", "county__name")
    rows = _rows(query, grouped, lambda v: v["county_id"], lambda v: v["county__name"] or _("No county"))
    return sorted(rows.values(), key=lambda r: (r.label, r.key or 0))


def institution_label(receiver_type: str, bank: str) -> str:
    if bank:
        return str(Institution.Bank(bank).label) if bank in Institution.Bank.values else bank
    if receiver_type in ReceiverType.values:
        return str(ReceiverType(receiver_type).label)
    return receiver_type


def by_institution(query: Query) -> list[Row]:
    """By institution: each bank across its branches, and each other type of receiver as one line."""
    grouped = _summed(_figures(query), "receiver_type", "bank")
    rows = _rows(query, grouped, lambda v: (v["receiver_type"], v["bank"]),
                 lambda v: institution_label(v["receiver_type"], v["bank"]))
    return sorted(rows.values(), key=lambda r: (-r.this.received, r.label))


def branches(query: Query) -> QuerySet[Any]:
    """Each receiving unit (a bank branch, an agency, a centre, a unit that takes referrals), busiest this year
    first: the view pages it (one small query), and `branch_rows` reads the figures of one page."""
    return _figures(query).values("receiver_id", "receiver__name").annotate(
        busy=Sum("received", filter=Q(year=query.year))).order_by(
        F("busy").desc(nulls_last=True), "receiver__name", "receiver_id")


def branch_rows(query: Query, page: Iterable[dict[str, Any]]) -> list[Row]:
    """The rows of one page of `branches`, in its order: one grouped query for the page's receivers."""
    order = [v["receiver_id"] for v in page]
    if not order:
        return []
    grouped = _summed(_figures(query).filter(receiver_id__in=order), "receiver_id", "receiver__name",
                      "county__name")
    rows = _rows(query, grouped, lambda v: v["receiver_id"], lambda v: v["receiver__name"],
                 county=lambda v: v["county__name"] or "")
    return [rows[pk] for pk in order if pk in rows]


def refusal_rows(total: Row) -> list[dict[str, Any]]:
    this, last = total.this.refusals(), total.last.refusals()
    return [{"label": Request.RefusalReason(reason).label, "this": this[reason], "last": last[reason],
             "share": permille(this[reason], total.this.refused)}
            for reason in REFUSAL_FIELDS]


Overdue = tuple[int, int, int, int, int, int]


def overdue(query: Query, receiver_ids: Iterable[int] | None = None) -> dict[int, Overdue]:
    """Open requests already past a deadline now, per receiver: (first answer overdue, decision overdue, either)
    for the year, then the same for the year before. One grouped count over the running deadlines (a narrow
    table of the open requests, kept by the request steps), read from its covering index."""
    now = query.now or timezone.now()
    rows = RunningDeadline.objects.filter(paused=False, year__in=[query.year, query.year - 1])
    if query.kind:
        rows = rows.filter(kind=query.kind)
    if receiver_ids is not None:
        rows = rows.filter(receiver_id__in=list(receiver_ids))
    else:
        rows = rows.filter(receiver_id__in=_figures(query).values("receiver_id"))
    this, last = Q(year=query.year), Q(year=query.year - 1)
    first, decision = Q(first_answered=False, first_due__lt=now), Q(decision_due__lt=now)
    grouped = rows.values("receiver_id").annotate(
        ft=Count("pk", filter=this & first), dt=Count("pk", filter=this & decision),
        at=Count("pk", filter=this & (first | decision)), fl=Count("pk", filter=last & first),
        dl=Count("pk", filter=last & decision), al=Count("pk", filter=last & (first | decision))).order_by()
    return {v["receiver_id"]: (v["ft"], v["dt"], v["at"], v["fl"], v["dl"], v["al"]) for v in grouped
            if v["at"] or v["al"]}


def _add_overdue(row: Row, counts: Overdue) -> None:
    for figures, (first, decision, either) in ((row.this, counts[:3]), (row.last, counts[3:])):
        figures.first_overdue += first
        figures.decision_overdue += decision
        figures.late_now += either


@dataclass
class Page:
    query: Query
    total: Row
    counties: list[Row]
    institutions: list[Row]
    refusals: list[dict[str, Any]]


def performance(query: Query) -> Page:
    """Every table but the branches (which the view pages): totals, by county, by institution, refusals; with
    the live overdue counts added to each."""
    total, counties, institutions = totals(query), by_county(query), by_institution(query)
    late = overdue(query)
    if late:
        where = {r: (county, (kind, bank)) for r, county, kind, bank in InstitutionFigures.objects.filter(
            receiver_id__in=list(late)).values_list("receiver_id", "county_id", "receiver_type", "bank").distinct()}
        county_rows = {row.key: row for row in counties}
        institution_rows = {row.key: row for row in institutions}
        for receiver, counts in late.items():
            _add_overdue(total, counts)
            county, kind = where.get(receiver, (None, None))
            if county in county_rows:
                _add_overdue(county_rows[county], counts)
            if kind in institution_rows:
                _add_overdue(institution_rows[kind], counts)
    return Page(query=query, total=total, counties=counties, institutions=institutions, refusals=refusal_rows(total))


def with_overdue(query: Query, rows: list[Row]) -> list[Row]:
    """The branch rows of one page, with their live overdue counts (one query for the page)."""
    late = overdue(query, [row.key for row in rows]) if rows else {}
    for row in rows:
        if row.key in late:
            _add_overdue(row, late[row.key])
    return rows


__all__ = ["Figures", "Page", "Query", "Row", "branch_rows", "branches", "by_county", "by_institution",
           "counties_for", "may_view", "overdue", "percentile", "performance", "performance_query", "totals",
           "with_overdue", "working_time_text", "year_choices", "year_from"]
