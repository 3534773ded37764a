"""A consistent fund workbook made from a few numbers: the demo's onboarded fund, the tests and the bench.

Members joined long ago bring savings on the cut-over day; one joins later. Every member pays each month
after the cut-over; every tenth member is repaying a loan paid out four months before it, every tenth (plus
five) took one since; the next member guarantees half of each. The declared cash on the cut-over day and at
the end are computed, so the file reconciles unless a test breaks it on purpose.
"""

from __future__ import annotations

from typing import Any

from mardom.core.digits import to_persian_digits
from mardom.core.jalali import from_jalali


def _add(year: int, month: int, k: int) -> tuple[int, int]:
    n = year * 12 + (month - 1) + k
    return n // 12, n % 12 + 1


def _day(year: int, month: int, day: int, style: int = 0) -> str:
    text = f"{year}/{month:02d}/{day:02d}"
    if style == 1:
        return to_persian_digits(text)
    if style == 2:
        return from_jalali(year, month, day).isoformat()  # Gregorian
    return text


def _national_id(n: int) -> str:
    head = f"{200_000_000 + n:09d}"
    r = sum(int(head[i]) * (10 - i) for i in range(9)) % 11
    return head + str(r if r < 2 else 11 - r)


def sample_rows(*, members: int = 6, months: int = 8, cutover: tuple[int, int] = (1403, 1),
                name: str = "صندوق قرض‌الحسنه نمونه", monthly: int = 500_000, seed: int = 0,
                mixed: bool = False) -> dict[str, list[list[Any]]]:
    """Rows per sheet key (in rials). `mixed` writes dates in three styles and amounts with separators."""
    cy, cm = cutover
    style = (lambda i: i % 3) if mixed else (lambda i: 0)

    def amount(v: int, i: int = 0) -> Any:
        return f"{v:,}" if mixed and i % 2 else v

    people, opening, contributions, loans, repayments, guarantors = [], [], [], [], [], []
    cash = 0
    late = members  # the last member joins two months after the cut-over day
    for i in range(1, members + 1):
        joins_late = i == late and months >= 3
        jy, jm = _add(cy, cm, 2) if joins_late else (1400, 2)
        people.append([i, "مریم" if i % 2 else "علی", f"نمونه {seed}-{i}", _national_id(seed * 10_000 + i),
                       f"0915{seed % 1000:03d}{i:04d}", "زن" if i % 2 else "مرد", _day(jy, jm, 1, style(i))])
        if not joins_late:
            savings = 10_000_000 + 500_000 * (i % 7)
            opening.append([i, amount(savings, i)])
            cash += savings
        for k in range(months):
            y, m = _add(cy, cm, k)
            if (y, m) >= (jy, jm):
                contributions.append([i, y, m, amount(monthly, k), _day(y, m, 5, style(k))])
    end = _add(cy, cm, months - 1)
    number = 0
    flows: list[tuple[tuple[int, int, int], int]] = []
    for i in range(1, members + 1):
        for offset, size, count in ((-4, 12_000_000, 12), (1, 6_000_000, 6)):
            if (offset < 0 and i % 10 != 1) or (offset > 0 and i % 10 != 6) or (offset > 0 and months < 2):
                continue
            if offset > 0 and i == late:
                continue
            number += 1
            dy, dm = _add(cy, cm, offset)
            loans.append([number, i, amount(size, i), count, _day(dy, dm, 10 if offset < 0 else 15, style(i))])
            flows.append(((dy, dm, 10 if offset < 0 else 15), -size))
            if i + 1 <= members:
                guarantors.append([number, i + 1, size // 2])
            for k in range(1, count + 1):
                ry, rm = _add(dy, dm, k)
                if (ry, rm) > end:
                    break
                repayments.append([number, _day(ry, rm, 20, style(k)), amount(size // count, k)])
                flows.append(((ry, rm, 20), size // count))
    at_cutover = cash + sum(v for when, v in flows if when < (cy, cm, 1))
    at_end = cash + sum(v for when, v in flows) + sum(monthly for _ in contributions)
    fund = [[name, _day(1400, 1, 10), _day(cy, cm, 1), "ریال", monthly, 200_000_000, 3, 6, at_cutover, 0, at_end]]
    return {"fund": fund, "members": people, "opening": opening, "contributions": contributions, "loans": loans,
            "installments": [], "repayments": repayments, "guarantors": guarantors}


def last_day(*, months: int = 8, cutover: tuple[int, int] = (1403, 1)) -> Any:
    """The last date the sample writes (an import must run on or after it)."""
    y, m = _add(*cutover, months - 1)
    return from_jalali(y, m, 20)
