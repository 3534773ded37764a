"""Every figure a dashboard, statement or API shows, defined once: its code, its Persian name, how it adds up.

Kinds:
* a **flow** counts what happened in a period (contributions recorded this month); a period's value is the sum
  of its deltas, and a year's is kept beside its months;
* a **stock** is a level (members, savings): deltas are kept per month and year like a flow, and the level now
  is kept in the all-time period, so the level at the end of a past period is the level now less what came
  after it — read from the periods shown, never from history;
* a **gauge** is a level that moves with time rather than with a write (the principal more than 30 days late):
  a snapshot sets it for the current month and year, and a closed period keeps the last value it was given.

Derived figures (ratios, the doubling target, the median answer time) are computed from stored ones when read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

FLOW, STOCK, GAUGE = "flow", "stock", "gauge"
COUNT, RIALS = "count", "rials"


@dataclass(frozen=True)
class Metric:
    code: str
    label: str | Promise
    kind: str
    unit: str
    group: str
    # What counts, in one sentence people can check the figure against.
    definition: str | Promise = ""


def _m(code: str, label: str | Promise, kind: str, unit: str, definition: str | Promise) -> Metric:
    return Metric(code=code, label=label, kind=kind, unit=unit, group=code.split(".")[0], definition=definition)


_ALL = [
    # --- funds (counted at the fund, its base, county, province and the nation) ---
    _m("funds.active", _("Active funds"), STOCK, COUNT, _("Funds opened and not closed.")),
    _m("funds.members", _("Members"), STOCK, COUNT, _("Memberships joined and not left or transferred.")),
    _m("funds.joined", _("Members joined"), FLOW, COUNT, _("Memberships recorded in the period.")),
    _m("funds.left", _("Members left"), FLOW, COUNT, _("Memberships ended (left or transferred) in the period.")),
    _m("funds.savings", _("Members' savings"), STOCK, RIALS,
       _("What the funds owe their members: the balance of every member's savings account.")),
    _m("funds.contributions", _("Contributions"), FLOW, COUNT, _("Monthly contributions recorded in the period.")),
    _m("funds.contributions_amount", _("Contributions (amount)"), FLOW, RIALS,
       _("The amount of the contributions recorded in the period.")),
    _m("funds.contributions_on_time", _("Contributions on time"), FLOW, COUNT,
       _("Contributions paid on or before the last day of the month they are for.")),
    _m("funds.loans_paid", _("Loans paid out"), FLOW, COUNT, _("Loans paid out in the period.")),
    _m("funds.loans_paid_amount", _("Loans paid out (amount)"), FLOW, RIALS,
       _("The principal of the loans paid out in the period.")),
    _m("funds.outstanding", _("Principal outstanding"), STOCK, RIALS,
       _("The principal still owed on loans paid out.")),
    _m("funds.par30", _("Principal more than 30 days late"), GAUGE, RIALS,
       _("The principal outstanding of loans with an installment more than 30 days late, at the last snapshot.")),
    _m("funds.write_offs", _("Written off"), FLOW, RIALS, _("Principal written off or forgiven in the period.")),
    _m("funds.guarantees", _("Guarantees held"), STOCK, COUNT, _("Accepted guarantees on loans not yet settled.")),
    _m("funds.draws", _("Draws held"), FLOW, COUNT, _("Draws performed in the period.")),
    _m("funds.late_entries", _("Late entries"), FLOW, COUNT,
       _("Entries recorded in the period but dated in an earlier month: they count when recorded.")),
    # --- production (counted at the producer's unit and above) ---
    _m("production.producers", _("Producers"), STOCK, COUNT, _("Producers approved.")),
    _m("production.capacity", _("Yearly capacity"), STOCK, COUNT,
       _("The yearly capacity of approved producers' products, in their own units.")),
    _m("production.baseline", _("Sales at enrolment"), STOCK, RIALS,
       _("Approved producers' yearly sales when they enrolled: what doubling is measured against.")),
    _m("production.colonies", _("Colonies"), STOCK, COUNT, _("Colonies formed.")),
    _m("production.clusters", _("Clusters"), STOCK, COUNT, _("County and province clusters formed.")),
    _m("production.buybacks", _("Bought back by job leaders"), FLOW, RIALS,
       _("What job leaders owe producers for products bought back, as recorded in the period.")),
    # --- market (counted at the exhibition's or the producer's unit and above) ---
    _m("market.exhibitions", _("Exhibitions"), FLOW, COUNT, _("Exhibitions set up in the period.")),
    _m("market.booths_let", _("Booths let"), FLOW, COUNT, _("Booths given to exhibitors in the period.")),
    _m("market.booth_sales", _("Booth sales"), FLOW, RIALS,
       _("Sales recorded at exhibition booths and credited to a producer, counted at the producer's county.")),
    _m("market.shop_sales", _("Storefront sales"), FLOW, RIALS, _("Storefront orders paid, producers' share.")),
    _m("market.visitors", _("Visitors"), FLOW, COUNT, _("Visitors counted at exhibitions.")),
    _m("market.exhibition_sales", _("Sales at exhibitions held here"), FLOW, RIALS,
       _("Booth sales at the exhibitions of the unit, wherever their producers come from (booth sales count at "
         "the producers' county).")),
    # --- desk (counted at the asking unit and above) ---
    _m("desk.requests", _("Requests made"), FLOW, COUNT, _("Requests sent to institutions in the period.")),
    _m("desk.answered", _("Requests answered"), FLOW, COUNT, _("Requests answered in the period.")),
    _m("desk.answered_in_time", _("Answered within the deadline"), FLOW, COUNT,
       _("Requests answered in the period on or before their deadline.")),
]

METRICS: dict[str, Metric] = {metric.code: metric for metric in _ALL}

# The answer time is kept as a histogram of working days, so a median adds up across units: a request answered
# after d working days counts in bucket min(d, last); the median is read off the buckets.
ANSWER_DAY_BUCKETS = (0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 45, 60)


def answer_bucket(days: int) -> str:
    chosen = ANSWER_DAY_BUCKETS[0]
    for bound in ANSWER_DAY_BUCKETS:
        if days >= bound:
            chosen = bound
    return f"desk.answer_days.{chosen:02d}"


for _bound in ANSWER_DAY_BUCKETS:
    _code = f"desk.answer_days.{_bound:02d}"
    METRICS[_code] = Metric(code=_code, label=_code, kind=FLOW, unit=COUNT, group="desk_hist")


def get(code: str) -> Metric:
    return METRICS[code]


def groups() -> dict[str, list[Metric]]:
    out: dict[str, list[Metric]] = {}
    for metric in _ALL:
        out.setdefault(metric.group, []).append(metric)
    return out
