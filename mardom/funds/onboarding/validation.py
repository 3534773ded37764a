"""Checking a read workbook completely and turning it into a plan of what to post.

Every problem is collected (sheet, row, column, a Persian sentence) instead of stopping at the first, so the
officer fixes the file once. The plan is only returned when there is no problem at all. The money is also
simulated here in the order it will be posted, so that a fund whose cash would dip below zero, a loan repaid
beyond its amount or totals that do not reconcile with the cash declared on the cut-over day are reported
by row before anything is written.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from mardom.core.jalali import format_jalali, to_jalali
from mardom.core.money import format_money
from mardom.core.text import normalize_text, search_key
from mardom.core.validators import (
    is_valid_national_id,
    normalize_mobile,
    normalize_national_id,
)
from mardom.orgs.models import OrgUnit

from .reader import Problem, Table, as_amount, as_date, as_int
from .sheets import CONTRIBUTIONS, FUND, GUARANTORS, INSTALLMENTS, LOANS, MEMBERS, OPENING, REPAYMENTS

UNITS = {"ریال": "rial", "تومان": "toman", "rial": "rial", "toman": "toman"}
GENDERS = {"زن": "female", "مرد": "male", "female": "female", "male": "male"}


@dataclass
class MemberPlan:
    row: int
    number: int
    first_name: str
    last_name: str
    national_id: str
    mobile: str
    gender: str
    joined_on: datetime.date
    opening: int = 0
    complete: bool = True  # False: the row has a problem of its own; rows naming it are not checked further


@dataclass
class LoanPlan:
    row: int
    number: int
    member: int
    amount: int
    months: int
    disbursed_on: datetime.date
    installments: list[tuple[int, datetime.date, int]] = field(default_factory=list)
    repayments: list[tuple[int, datetime.date, int]] = field(default_factory=list)  # (row, day, amount)
    guarantors: list[tuple[int, int]] = field(default_factory=list)  # (member, amount)

    @property
    def repaid(self) -> int:
        return sum(a for _r, _d, a in self.repayments)


@dataclass
class Plan:
    name: str
    founded_on: datetime.date
    cutover_on: datetime.date
    unit: str
    monthly_contribution: int
    loan_cap: int
    loan_savings_multiple: int
    min_months_before_loan: int
    cash_at_cutover: int
    capital_at_cutover: int
    cash_at_end: int | None
    members: list[MemberPlan]
    contributions: list[tuple[int, int, int, int, datetime.date]]  # (member, year, month, amount, paid_on)
    loans: list[LoanPlan]

    def events(self) -> list[tuple[datetime.date, int, str, Any]]:
        """Everything dated, in the order it is posted after the opening balances: by day; on one day the
        money coming in first (contributions, repayments), then the payouts."""
        out: list[tuple[datetime.date, int, str, Any]] = []
        for c in self.contributions:
            out.append((c[4], 0, "contribution", c))
        for loan in self.loans:
            out.append((loan.disbursed_on, 2, "disbursement", loan))
            for r in loan.repayments:
                out.append((r[1], 1, "repayment", (loan, r)))
        return sorted(out, key=lambda e: (e[0], e[1]))


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, sheet: Any, row: int, column_key: str | None, message: str) -> None:
        header = sheet.column(column_key).header if column_key else ""
        self.problems.append(Problem(sheet.title, row, header, message))

    def cell(self, sheet: Any, row: int, cells: dict[str, Any], key: str, parse: Any) -> Any:
        """The parsed value of one cell, or None with its problem recorded."""
        value = cells.get(key)
        column = sheet.column(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if column.required:
                self.add(sheet, row, key, _("This cell is empty."))
            return None
        try:
            return parse(value)
        except ValueError as error:
            self.add(sheet, row, key, str(error))
            return None


def _rows(tables: dict[str, Table], sheet: Any) -> list[tuple[int, dict[str, Any]]]:
    table = tables.get(sheet.key)
    return table.rows if table is not None else []


def validate(tables: dict[str, Table], *, base: Any, today: datetime.date) -> tuple[Plan | None, list[Problem]]:
    c = _Collector()
    fund_rows = _rows(tables, FUND)
    if len(fund_rows) != 1:
        c.add(FUND, 2, None, _("The fund sheet must have exactly one row under its headers."))
        return None, c.problems
    row, cells = fund_rows[0]

    def unit_of(value: Any) -> str:
        unit = UNITS.get(normalize_text(str(value)).casefold())
        if unit is None:
            raise ValueError(_("Write ریال or تومان."))
        return unit

    unit = c.cell(FUND, row, cells, "unit", unit_of) or "rial"

    def money(value: Any) -> int:
        return as_amount(value, unit)

    name = c.cell(FUND, row, cells, "name", lambda v: normalize_text(str(v)))
    founded_on = c.cell(FUND, row, cells, "founded_on", as_date)
    cutover_on = c.cell(FUND, row, cells, "cutover_on", as_date)
    monthly = c.cell(FUND, row, cells, "monthly_contribution", money)
    loan_cap = c.cell(FUND, row, cells, "loan_cap", money)
    multiple = c.cell(FUND, row, cells, "loan_savings_multiple", as_int)
    min_months = c.cell(FUND, row, cells, "min_months_before_loan", as_int)
    cash_at_cutover = c.cell(FUND, row, cells, "cash_at_cutover", money)
    capital = c.cell(FUND, row, cells, "capital_at_cutover", money) or 0
    cash_at_end = c.cell(FUND, row, cells, "cash_at_end", money)
    if name and OrgUnit.objects.filter(kind=OrgUnit.Kind.FUND, parent=base, search_key=search_key(name)).exists():
        c.add(FUND, row, "name", _("This base already has a fund with this name."))
    for key, day in (("founded_on", founded_on), ("cutover_on", cutover_on)):
        if day is not None and day > today:
            c.add(FUND, row, key, _("This date is after today."))
    if founded_on and cutover_on and cutover_on < founded_on:
        c.add(FUND, row, "cutover_on", _("The cut-over day cannot be before the fund was founded."))
    if monthly is not None and monthly <= 0:
        c.add(FUND, row, "monthly_contribution", _("The monthly contribution must be more than zero."))
    if multiple is not None and multiple < 1:
        c.add(FUND, row, "loan_savings_multiple", _("The multiple must be at least one."))

    # Members
    members: dict[int, MemberPlan] = {}
    ids: dict[str, int] = {}
    for row, cells in _rows(tables, MEMBERS):
        number = c.cell(MEMBERS, row, cells, "number", as_int)
        first = c.cell(MEMBERS, row, cells, "first_name", lambda v: normalize_text(str(v)))
        last = c.cell(MEMBERS, row, cells, "last_name", lambda v: normalize_text(str(v)))
        nid = c.cell(MEMBERS, row, cells, "national_id", lambda v: normalize_national_id(str(as_int(v))
                                                                                          if isinstance(v, int | float)
                                                                                          else str(v)))
        mobile = c.cell(MEMBERS, row, cells, "mobile", lambda v: normalize_mobile(str(v)))
        gender = c.cell(MEMBERS, row, cells, "gender", lambda v: GENDERS.get(normalize_text(str(v)).casefold()))
        joined = c.cell(MEMBERS, row, cells, "joined_on", as_date)
        if nid is not None and not is_valid_national_id(nid):
            c.add(MEMBERS, row, "national_id", _("This is not a valid national ID (its check digit is wrong)."))
            nid = None
        if mobile is not None and not (len(mobile) == 11 and mobile.startswith("09") and mobile.isdigit()):
            c.add(MEMBERS, row, "mobile", _("Write a mobile number of 11 digits starting with 09."))
            mobile = None
        if cells.get("gender") not in (None, "") and gender is None:
            c.add(MEMBERS, row, "gender", _("Write زن or مرد."))
        if joined is not None:
            if founded_on and joined < founded_on:
                c.add(MEMBERS, row, "joined_on", _("No one can join before the fund was founded."))
            if joined > today:
                c.add(MEMBERS, row, "joined_on", _("This date is after today."))
        if number is not None and number in members:
            c.add(MEMBERS, row, "number", _("Membership number %(n)s is used twice (also on row %(row)s).")
                  % {"n": number, "row": members[number].row})
            continue
        if nid is not None and nid in ids:
            c.add(MEMBERS, row, "national_id", _("This person is already on row %(row)s: a duplicate member.")
                  % {"row": ids[nid]})
            continue
        if None in (number, first, last, nid, mobile, gender, joined):
            if number is not None:
                members[number] = MemberPlan(row, number, first or "", last or "", nid or "", mobile or "",
                                             gender or "", joined or datetime.date.min, complete=False)
            continue
        if number < 1:
            c.add(MEMBERS, row, "number", _("Membership numbers start at 1."))
            continue
        ids[nid] = row
        members[number] = MemberPlan(row, number, first, last, nid, mobile, gender, joined)
    if not members and not any(p.sheet == MEMBERS.title for p in c.problems):
        c.add(MEMBERS, 2, None, _("The members sheet has no rows."))

    def member_of(sheet: Any, row: int, cells: dict[str, Any], key: str = "member") -> MemberPlan | None:
        number = c.cell(sheet, row, cells, key, as_int)
        if number is None:
            return None
        if number not in members:
            c.add(sheet, row, key, _("No member with number %(n)s on the members sheet.") % {"n": number})
            return None
        return members[number] if members[number].complete else None

    # Opening balances
    opened: dict[int, int] = {}
    for row, cells in _rows(tables, OPENING):
        member = member_of(OPENING, row, cells)
        savings = c.cell(OPENING, row, cells, "savings", money)
        if member is None or savings is None:
            continue
        if member.number in opened:
            c.add(OPENING, row, "member", _("This member's opening balance is given twice."))
        elif cutover_on and member.joined_on > cutover_on:
            c.add(OPENING, row, "member", _("This member joined after the cut-over day, so has no opening balance."))
        else:
            opened[member.number] = savings
            member.opening = savings

    # Contributions
    contributions: list[tuple[int, int, int, int, datetime.date]] = []
    periods: dict[tuple[int, int, int], int] = {}
    amounts: list[tuple[int, int]] = []
    for row, cells in _rows(tables, CONTRIBUTIONS):
        member = member_of(CONTRIBUTIONS, row, cells)
        year = c.cell(CONTRIBUTIONS, row, cells, "year", as_int)
        month = c.cell(CONTRIBUTIONS, row, cells, "month", as_int)
        amount = c.cell(CONTRIBUTIONS, row, cells, "amount", money)
        paid_on = c.cell(CONTRIBUTIONS, row, cells, "paid_on", as_date)
        if month is not None and not 1 <= month <= 12:
            c.add(CONTRIBUTIONS, row, "month", _("Choose a month from 1 to 12."))
            month = None
        if year is not None and not 1300 <= year < 1500:
            c.add(CONTRIBUTIONS, row, "year", _("Write the Jalali year in four digits, for example ۱۴۰۲."))
            year = None
        if amount is not None:
            amounts.append((row, amount))
            if amount <= 0:
                c.add(CONTRIBUTIONS, row, "amount", _("The amount must be more than zero."))
            elif monthly and amount > monthly * 12:
                c.add(CONTRIBUTIONS, row, "amount", _("That is more than a year of contributions."))
        if None in (member, year, month, amount, paid_on) or amount <= 0:
            continue
        joined = to_jalali(member.joined_on)
        if (year, month) < (joined.year, joined.month) or paid_on < member.joined_on:
            c.add(CONTRIBUTIONS, row, "month", _("A contribution before the member joined (%(day)s).")
                  % {"day": format_jalali(member.joined_on)})
            continue
        if cutover_on and paid_on < cutover_on:
            c.add(CONTRIBUTIONS, row, "paid_on", _("Paid before the cut-over day (%(day)s): it belongs in the "
                                                   "member's opening balance.") % {"day": format_jalali(cutover_on)})
            continue
        if paid_on > today:
            c.add(CONTRIBUTIONS, row, "paid_on", _("This date is after today."))
            continue
        key = (member.number, year, month)
        if key in periods:
            c.add(CONTRIBUTIONS, row, "month", _("This member's contribution for this month is already on row "
                                                 "%(row)s.") % {"row": periods[key]})
            continue
        periods[key] = row
        contributions.append((member.number, year, month, amount, paid_on))
    # Tomans for rials: a column of amounts ten times (or a tenth of) the fund's own monthly rule.
    if monthly and amounts:
        tenfold = [r for r, a in amounts if a == monthly * 10]
        tenth = [r for r, a in amounts if monthly % 10 == 0 and a == monthly // 10]
        for rows, message in ((tenfold, _("Most amounts are ten times the fund's monthly contribution: are they "
                                          "in rials while the fund sheet says تومان? Check the unit.")),
                              (tenth, _("Most amounts are a tenth of the fund's monthly contribution: are they "
                                        "in tomans while the fund sheet says ریال? Check the unit."))):
            if len(rows) * 2 > len(amounts):
                c.add(CONTRIBUTIONS, rows[0], "amount", message)

    # Loans, their schedules, repayments and guarantors
    loans: dict[int, LoanPlan] = {}
    for row, cells in _rows(tables, LOANS):
        number = c.cell(LOANS, row, cells, "number", as_int)
        member = member_of(LOANS, row, cells)
        amount = c.cell(LOANS, row, cells, "amount", money)
        months = c.cell(LOANS, row, cells, "months", as_int)
        disbursed_on = c.cell(LOANS, row, cells, "disbursed_on", as_date)
        if number is not None and number in loans:
            c.add(LOANS, row, "number", _("Loan number %(n)s is used twice.") % {"n": number})
            continue
        if amount is not None and amount <= 0:
            c.add(LOANS, row, "amount", _("The amount must be more than zero."))
            amount = None
        if months is not None and not 1 <= months <= 120:
            c.add(LOANS, row, "months", _("Repayment must take between 1 and 120 months."))
            months = None
        if disbursed_on is not None and member is not None and disbursed_on < member.joined_on:
            c.add(LOANS, row, "disbursed_on", _("The loan is paid out before the member joined."))
            disbursed_on = None
        if disbursed_on is not None and disbursed_on > today:
            c.add(LOANS, row, "disbursed_on", _("This date is after today."))
            disbursed_on = None
        if None in (number, member, amount, months, disbursed_on):
            if number is not None:
                loans[number] = None  # type: ignore[assignment]  # known, but not postable
            continue
        loans[number] = LoanPlan(row, number, member.number, amount, months, disbursed_on)

    def loan_of(sheet: Any, row: int, cells: dict[str, Any]) -> LoanPlan | None:
        number = c.cell(sheet, row, cells, "loan", as_int)
        if number is None:
            return None
        if number not in loans:
            c.add(sheet, row, "loan", _("No loan with number %(n)s on the loans sheet.") % {"n": number})
        return loans.get(number)

    for row, cells in _rows(tables, INSTALLMENTS):
        loan = loan_of(INSTALLMENTS, row, cells)
        number = c.cell(INSTALLMENTS, row, cells, "number", as_int)
        due_on = c.cell(INSTALLMENTS, row, cells, "due_on", as_date)
        amount = c.cell(INSTALLMENTS, row, cells, "amount", money)
        if None not in (loan, number, due_on, amount):
            loan.installments.append((number, due_on, amount))
    for loan in (lo for lo in loans.values() if lo is not None and lo.installments):
        numbers = sorted(n for n, _d, _a in loan.installments)
        if numbers != list(range(1, loan.months + 1)):
            c.add(LOANS, loan.row, "months", _("The installments sheet gives %(found)s installments for this "
                                               "loan, numbered 1 to %(months)s expected.")
                  % {"found": len(numbers), "months": loan.months})
        if sum(a for _n, _d, a in loan.installments) != loan.amount:
            c.add(LOANS, loan.row, "amount", _("Its installments add up to %(sum)s, not the loan's amount.")
                  % {"sum": format_money(sum(a for _n, _d, a in loan.installments), unit="rial")})

    for row, cells in _rows(tables, REPAYMENTS):
        loan = loan_of(REPAYMENTS, row, cells)
        paid_on = c.cell(REPAYMENTS, row, cells, "paid_on", as_date)
        amount = c.cell(REPAYMENTS, row, cells, "amount", money)
        if None in (loan, paid_on, amount):
            continue
        if amount <= 0:
            c.add(REPAYMENTS, row, "amount", _("The amount must be more than zero."))
        elif paid_on < loan.disbursed_on:
            c.add(REPAYMENTS, row, "paid_on", _("Repaid before the loan was paid out (%(day)s).")
                  % {"day": format_jalali(loan.disbursed_on)})
        elif paid_on > today:
            c.add(REPAYMENTS, row, "paid_on", _("This date is after today."))
        elif loan.repaid + amount > loan.amount:
            c.add(REPAYMENTS, row, "amount", _("With this row the loan is repaid beyond its amount (%(amount)s).")
                  % {"amount": format_money(loan.amount, unit="rial")})
        else:
            loan.repayments.append((row, paid_on, amount))

    held: Counter[int] = Counter()
    for row, cells in _rows(tables, GUARANTORS):
        loan = loan_of(GUARANTORS, row, cells)
        member = member_of(GUARANTORS, row, cells)
        amount = c.cell(GUARANTORS, row, cells, "amount", money)
        if None in (loan, member, amount):
            continue
        if member.number == loan.member:
            c.add(GUARANTORS, row, "member", _("Borrowers cannot guarantee their own loan."))
        elif any(m == member.number for m, _a in loan.guarantors):
            c.add(GUARANTORS, row, "member", _("This member already guarantees this loan."))
        elif not 0 < amount <= loan.amount:
            c.add(GUARANTORS, row, "amount", _("The guaranteed amount must be more than zero and at most the loan."))
        else:
            loan.guarantors.append((member.number, amount))
            held[member.number] += amount

    if c.problems or None in (name, founded_on, cutover_on, monthly, loan_cap, multiple, min_months,
                              cash_at_cutover):
        return None, c.problems
    plan = Plan(name=name, founded_on=founded_on, cutover_on=cutover_on, unit=unit, monthly_contribution=monthly,
                loan_cap=loan_cap, loan_savings_multiple=multiple, min_months_before_loan=min_months,
                cash_at_cutover=cash_at_cutover, capital_at_cutover=capital, cash_at_end=cash_at_end,
                members=sorted(members.values(), key=lambda m: m.number), contributions=contributions,
                loans=sorted((lo for lo in loans.values() if lo is not None), key=lambda lo: lo.number))
    _simulate(plan, c)
    return (None if c.problems else plan), c.problems


def _simulate(plan: Plan, c: _Collector) -> None:
    """Run the money in posting order: cash never below zero, and the cut-over totals reconcile."""
    cash = sum(m.opening for m in plan.members) + plan.capital_at_cutover
    if cash < 0:
        c.add(FUND, 2, "capital_at_cutover", _("The savings and the capital leave the cash below zero."))
        return
    checked = False
    savings = defaultdict(int)
    for day, _rank, kind, item in plan.events():
        if not checked and day >= plan.cutover_on:
            checked = True
            _reconcile(plan, c, cash)
        if kind == "contribution":
            cash += item[3]
            savings[item[0]] += item[3]
        elif kind == "repayment":
            cash += item[1][2]
        else:
            if item.amount > cash:
                c.add(LOANS, item.row, "amount", _("On %(day)s the fund's cash (%(cash)s) is not enough to pay out "
                                                   "this loan: a repayment or a contribution is missing before it.")
                      % {"day": format_jalali(day), "cash": format_money(cash, unit="rial")})
                return
            cash -= item.amount
    if not checked:
        _reconcile(plan, c, cash)
    if plan.cash_at_end is not None and cash != plan.cash_at_end:
        c.add(FUND, 2, "cash_at_end", _("The file's money leaves %(cash)s in cash at the end, the fund sheet says "
                                        "%(declared)s.") % {"cash": format_money(cash, unit="rial"),
                                                            "declared": format_money(plan.cash_at_end, unit="rial")})


def _reconcile(plan: Plan, c: _Collector, cash: int) -> None:
    if cash != plan.cash_at_cutover:
        c.add(FUND, 2, "cash_at_cutover", _(
            "The totals do not reconcile: the members' savings and the capital, less the loans outstanding on the "
            "cut-over day, leave %(cash)s in cash; the fund sheet says %(declared)s.")
              % {"cash": format_money(cash, unit="rial"), "declared": format_money(plan.cash_at_cutover, unit="rial")})
