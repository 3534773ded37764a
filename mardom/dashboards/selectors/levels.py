"""The level dashboards: which units a user may open, and everything one dashboard shows, read from the stored
roll-ups (`figures.table`) in a fixed number of queries whatever the number of children.

Who sees what:
* an officer, an auditor, a fund's manager or treasurer, a cluster guide, an institution officer or a group's
  leader sees the dashboard of any unit their roles reach (a role on a unit reaches everything beneath it), with
  its children and the breadcrumb up to the widest unit they hold;
* a member of a fund (no role) sees that fund's own dashboard only: its totals, its series and the average fund
  of its county and province, never another fund's figures, and no breadcrumb above the fund.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import Http404

from mardom.core.money import RIALS_PER_UNIT
from mardom.orgs.models import OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, is_global, scope_paths

from .. import figures, metrics
from ..figures import Columns
from ..rollups import unit_ids

K = OrgUnit.Kind
# The kinds of unit figures are counted at (metrics.py says where each group counts).
DASHBOARD_KINDS = (K.NATION, K.PROVINCE, K.COUNTY, K.BASE, K.FUND, K.CLUSTER, K.COLONY, K.INSTITUTION, K.GROUP)
# Holding any of these on a unit opens its dashboard: reading a fund's totals, producers, or the desk's requests.
VIEW_PERMS = (Perm.FUNDS_VIEW, Perm.PRODUCERS_VIEW, Perm.DESK_REQUEST, Perm.DESK_ANSWER)
# Which groups of figures mean something at a kind of unit: a fund has no producers, a colony no loans. The
# nation, provinces, counties and bases hold everything.
GROUPS_BY_KIND: dict[str, tuple[str, ...]] = {
    K.FUND: ("funds", "desk"),
    K.CLUSTER: ("production", "market"),
    K.COLONY: ("production", "market"),
    K.INSTITUTION: ("desk",),
    K.GROUP: ("desk",),
}
ALL_GROUPS = ("funds", "production", "market", "desk")
# Children tables, in this order: the main line first (provinces, counties, bases, funds), then the rest.
CHILD_KINDS = (K.PROVINCE, K.COUNTY, K.BASE, K.FUND, K.CLUSTER, K.COLONY, K.INSTITUTION, K.GROUP)
# The figures a children table shows as columns (every metric can still be sorted on, and the exports carry all).
KEY_METRICS: dict[str, tuple[str, ...]] = {
    "funds": ("funds.active", "funds.members", "funds.savings", "funds.outstanding", "funds.par30_permille"),
    "production": ("production.producers", "production.baseline", "production.buybacks"),
    "market": ("market.exhibitions", "market.sales", "doubling.progress_permille"),
    "desk": ("desk.requests", "desk.answered", "desk.in_time_permille"),
}
# Metrics where less is better: the best child is the one with the least.
LOWER_IS_BETTER = frozenset({"funds.left", "funds.par30", "funds.par30_permille", "funds.write_offs",
                             "funds.late_entries", "desk.median_days"})
# A member sees the average fund of their county or province only when it averages at least this many funds:
# with two, the average and her own fund's figures would give away the other fund's.
MIN_FUNDS_FOR_AVERAGE = 3
# What a page sorts its children on and charts when nothing is asked: the first of these the unit has.
DEFAULT_SORT = ("funds.members", "production.producers", "market.sales", "desk.requests")
DEFAULT_CHART = ("funds.savings", "production.producers", "market.sales", "desk.requests")
COLUMNS = ("month", "year", "last_year")
FULL, MEMBER = "full", "member"


# --- who may open what --------------------------------------------------------------------------------------
def _sees(user: Any, unit: OrgUnit) -> bool:
    return any(has_perm_on(user, perm, unit) for perm in VIEW_PERMS)


def _colony_via_cluster(user: Any, unit: OrgUnit) -> bool:
    """A cluster's guide also sees the cluster's colonies, which are filed under the county."""
    from mardom.production.models import Colony

    cluster = Colony.objects.filter(pk=unit.pk).values_list("in_cluster__path", flat=True).first()
    return bool(cluster) and any(cluster.startswith(path) for perm in VIEW_PERMS
                                 for path in scope_paths(user, perm))


def _member_of(user: Any, unit: OrgUnit) -> bool:
    from mardom.funds.models import Membership

    person = getattr(user, "person_id", None)
    return bool(person) and unit.kind == K.FUND and Membership.objects.filter(
        fund_id=unit.pk, person_id=person, status=Membership.Status.ACTIVE).exists()


def unit_access(*, user: Any, pk: int) -> tuple[OrgUnit, str]:
    """The unit and how the user sees it (FULL or MEMBER); 404 for a unit outside their reach, as for none."""
    if not 0 < pk < 2**63:  # an address with an id no database holds: not found, not an overflow
        raise Http404
    unit = OrgUnit.objects.filter(pk=pk, kind__in=DASHBOARD_KINDS, is_active=True).first()
    if unit is None or not getattr(user, "is_authenticated", False):
        raise Http404
    if _sees(user, unit) or (unit.kind == K.COLONY and _colony_via_cluster(user, unit)):
        return unit, FULL
    if _member_of(user, unit):
        return unit, MEMBER
    raise Http404


def top_units(*, user: Any) -> list[OrgUnit]:
    """The widest units whose dashboards the user opens: one per role scope, and the funds she is a member of."""
    from mardom.funds.models import Membership

    if not getattr(user, "is_authenticated", False):
        return []
    if is_global(user):
        return list(OrgUnit.objects.filter(kind=K.NATION)[:1])
    paths = sorted({path for perm in VIEW_PERMS for path in scope_paths(user, perm)})
    widest = [path for path in paths if not any(path != other and path.startswith(other) for other in paths)]
    units = list(OrgUnit.objects.filter(path__in=widest, kind__in=DASHBOARD_KINDS, is_active=True).order_by("path"))
    if getattr(user, "person_id", None):
        funds = OrgUnit.objects.filter(
            pk__in=Membership.objects.filter(person_id=user.person_id, status=Membership.Status.ACTIVE)
            .values("fund_id"), is_active=True).order_by("path")
        units += [fund for fund in funds if not any(fund.path.startswith(path) for path in widest)]
    return units


# --- what a dashboard shows ---------------------------------------------------------------------------------
@dataclass
class Child:
    unit: OrgUnit
    values: figures.Values
    mark: str = ""  # "best", "worst" or ""


@dataclass
class ChildTable:
    kind: str
    label: str
    rows: list[Child]


@dataclass
class Compare:
    """The fund's own figures against the average fund of its county and province (None: too few funds)."""

    county: OrgUnit | None
    province: OrgUnit | None
    county_avg: figures.Values | None
    province_avg: figures.Values | None
    county_funds: int = 0
    province_funds: int = 0


@dataclass
class Level:
    unit: OrgUnit
    access: str
    cols: Columns
    groups: tuple[str, ...]
    values: figures.Values
    breadcrumb: list[OrgUnit]
    children: list[ChildTable] = field(default_factory=list)
    compare: Compare | None = None
    series_months: list[int] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)
    sort: str = ""  # the metric the children are sorted on (the one asked, if this unit has it)


def groups_of(unit: OrgUnit) -> tuple[str, ...]:
    return groups_of_kind(unit.kind)


def groups_of_kind(kind: str) -> tuple[str, ...]:
    return GROUPS_BY_KIND.get(kind, ALL_GROUPS)


def default_of(choices: Sequence[str], codes: Sequence[str]) -> str:
    return next((code for code in choices if code in codes), codes[0])


def metric_codes(groups: Sequence[str]) -> list[str]:
    """Every metric code (stored and derived) a page of these groups may sort, chart or export."""
    return [m.code for group in groups for m in figures.shown_metrics(group)]


def _children(unit: OrgUnit) -> list[OrgUnit]:
    """One query: the units whose parent is this one, of the kinds figures are kept for; for a cluster, its
    colonies (filed under the county) and, for a province cluster, its county clusters."""
    if unit.kind == K.CLUSTER:
        where = Q(colony__in_cluster_id=unit.pk) | Q(cluster__province_cluster_id=unit.pk)
    else:
        where = Q(parent_id=unit.pk)
    return list(OrgUnit.objects.filter(where, kind__in=CHILD_KINDS, is_active=True).order_by("name", "pk"))


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, value) if value is not None else (1, 0)


def sort_rows(rows: list[Child], *, code: str, column: str, descending: bool) -> list[Child]:
    """Rows by one metric in one column; a missing figure (a share of nothing) goes last either way."""
    present = [row for row in rows if row.values.column(column).get(code) is not None]
    missing = [row for row in rows if row.values.column(column).get(code) is None]
    present.sort(key=lambda row: (row.values.column(column)[code], row.unit.name), reverse=descending)
    return present + missing


def mark_best_worst(rows: list[Child], *, code: str, column: str) -> None:
    """Mark the best and the worst rows on the metric sorted on (lower is better for arrears and losses). Rows
    tied at an end are all marked, unless they are half the rows or more: thirty provinces with nothing yet are
    not thirty "worst". No mark when fewer than two rows have the figure or they are all equal."""
    present = [row for row in rows if row.values.column(column).get(code) is not None]
    if len(present) < 2:
        return
    values = [row.values.column(column)[code] for row in present]
    high, low = max(values), min(values)
    if high == low:
        return
    best, worst = (low, high) if code in LOWER_IS_BETTER else (high, low)
    for mark, value in (("best", best), ("worst", worst)):
        tied = [row for row in present if row.values.column(column)[code] == value]
        if len(tied) * 2 < len(present) or len(present) == 2:
            for row in tied:
                row.mark = mark


def _average(total: figures.Values, codes: Sequence[str]) -> tuple[figures.Values, int]:
    """The average fund: each stored figure ÷ the active funds of its column; shares are the unit's own (a ratio
    of sums is the average fund's ratio weighted by its size)."""
    out = figures.Values()
    for name in COLUMNS:
        column = total.column(name)
        funds = column.get("funds.active", 0)
        target = out.column(name)
        for code in codes:
            metric = figures.metric_of(code)
            if metric.kind == figures.DERIVED:
                target[code] = column.get(code)
            elif not funds:
                target[code] = None
            elif metric.unit == metrics.RIALS:
                # An average is no stored amount: rounded down to the display unit, so it is not shown in
                # rials beside amounts in tomans.
                step = RIALS_PER_UNIT.get(getattr(settings, "MONEY_DISPLAY_UNIT", "toman"), 1)
                target[code] = column.get(code, 0) // funds // step * step
            else:
                target[code] = column.get(code, 0) // funds
    return out, total.month.get("funds.active", 0)


def level(*, user: Any, pk: int, sort: str = "", column: str = "year", descending: bool = True,
          today: datetime.date | None = None) -> Level:
    """Everything one unit's dashboard shows. Queries: the unit and the user's grants, its ancestors, its
    children, one `table()` for the unit and its children (or, for a fund, its county and province), one for
    the unit's 24 months."""
    unit, access = unit_access(user=user, pk=pk)
    cols = Columns.of(today)
    groups = groups_of(unit)
    ancestors = {u.pk: u for u in OrgUnit.objects.filter(pk__in=unit_ids(unit.path))}
    if access == FULL:
        breadcrumb = [ancestors[i] for i in unit_ids(unit.path) if i in ancestors and i != unit.pk
                      and ancestors[i].kind in DASHBOARD_KINDS and _sees(user, ancestors[i])]
    else:
        breadcrumb = []
    kids = _children(unit) if access == FULL else []
    comparing: list[OrgUnit] = []
    if unit.kind == K.FUND:
        comparing = [u for u in ancestors.values() if u.kind in (K.COUNTY, K.PROVINCE)]
    data = figures.table(units=[unit, *kids, *comparing], periods=cols.periods)
    page = Level(unit=unit, access=access, cols=cols, groups=groups, values=figures.columns_of(data, unit.pk, cols),
                 breadcrumb=breadcrumb)
    codes = metric_codes(groups)
    code = page.sort = sort if sort in codes else default_of(DEFAULT_SORT, codes)
    by_kind: dict[str, list[Child]] = {}
    for kid in kids:
        by_kind.setdefault(kid.kind, []).append(Child(kid, figures.columns_of(data, kid.pk, cols)))
    for kind in CHILD_KINDS:
        if kind in by_kind:
            rows = sort_rows(by_kind[kind], code=code, column=column, descending=descending)
            mark_best_worst(rows, code=code, column=column)
            page.children.append(ChildTable(kind=kind, label=str(K(kind).label), rows=rows))
    if unit.kind == K.FUND:
        page.compare = _compare(data, cols, comparing, metric_codes(("funds",)))
    page.series_months = cols.series_months()
    series = figures.table(units=[unit], periods=[*page.series_months, figures.ALL_TIME])
    page.series = figures.series_columns(series, unit.pk, page.series_months)
    return page


def _compare(data: figures.Table, cols: Columns, comparing: list[OrgUnit], codes: list[str]) -> Compare:
    county = next((u for u in comparing if u.kind == K.COUNTY), None)
    province = next((u for u in comparing if u.kind == K.PROVINCE), None)
    out = Compare(county=county, province=province, county_avg=None, province_avg=None)
    for unit, attr in ((county, "county"), (province, "province")):
        if unit is None:
            continue
        average, funds = _average(figures.columns_of(data, unit.pk, cols), codes)
        setattr(out, f"{attr}_funds", funds)
        if funds >= MIN_FUNDS_FOR_AVERAGE:
            setattr(out, f"{attr}_avg", average)
    return out


def children_rows(*, user: Any, pk: int, column: str = "year", today: datetime.date | None = None,
                  ) -> tuple[OrgUnit, list[str], list[tuple[OrgUnit, dict[str, Any]]]]:
    """For the children export: the unit, the metric codes, and each child with its figures in one column.
    A member (who sees no children) gets none."""
    unit, access = unit_access(user=user, pk=pk)
    cols = Columns.of(today)
    kids = _children(unit) if access == FULL else []
    order = {kind: index for index, kind in enumerate(CHILD_KINDS)}
    kids.sort(key=lambda kid: (order.get(kid.kind, len(order)), kid.name, kid.pk))
    data = figures.table(units=[unit, *kids], periods=cols.periods)
    return unit, metric_codes(groups_of(unit)), [
        (kid, figures.columns_of(data, kid.pk, cols).column(column)) for kid in kids]


def series_rows(*, user: Any, pk: int, today: datetime.date | None = None,
                ) -> tuple[OrgUnit, list[str], list[int], list[dict[str, Any]]]:
    """For the series export: the unit, its metric codes, the 24 months and each month's figures."""
    unit, _access = unit_access(user=user, pk=pk)
    cols = Columns.of(today)
    months = cols.series_months()
    data = figures.table(units=[unit], periods=[*months, figures.ALL_TIME])
    return unit, metric_codes(groups_of(unit)), months, figures.series_columns(data, unit.pk, months)


def stored_metric(code: str) -> metrics.Metric | None:
    try:
        return figures.metric_of(code)
    except KeyError:
        return None
