"""Bounds on the dates of money records.

Every dated money record (a member joining, a contribution, a withdrawal, leaving, a transfer, a payout, a
repayment, a late charge, closing a loan) is refused before the day it can first have happened (the fund's
founding, the membership's start, the loan's approval or payout) and after today. One dated more than the
fund's `late_entry_days` before the day it is entered is a *late entry*: only the fund's manager
(`funds.decide`) may enter it, and the record keeps the mark. Nothing is dated on or before the day of the
fund's last closed meeting (`MeetingClose`): the meeting's cash was counted, and a mistake found later is
reversed, dated the day it is corrected (`corrections`).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.digits import localize_digits
from mardom.core.errors import DomainError
from mardom.core.jalali import PROGRAMME_EPOCH, format_jalali
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on

from ..models import Fund, FundRules
from ..selectors import last_closed_meeting
from ..statements import month_label

EARLIEST_DATE = PROGRAMME_EPOCH


def today_of(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def check_not_future(day: datetime.date, *, field: str, today: datetime.date) -> None:
    if day > today:
        raise DomainError(_("This date is after today; money is recorded when it has moved."), field=field)


def check_founding(day: datetime.date, *, field: str = "founded_on", today: datetime.date) -> None:
    """A fund's founding day: not in the future and not before 1358."""
    check_not_future(day, field=field, today=today)
    if day < EARLIEST_DATE:
        raise DomainError(_("The date cannot be before %(limit)s.") % {"limit": format_jalali(EARLIEST_DATE)},
                          field=field)


def check_not_closed(fund: Fund, day: datetime.date, *, field: str) -> None:
    last = last_closed_meeting(fund=fund)
    if last is not None and day <= last.held_on:
        raise DomainError(_("The meeting of %(month)s was closed on %(day)s, so nothing dated on or before that day "
                            "can be recorded. A payment made since is recorded with its own date; a mistake is "
                            "corrected by reversing it.")
                          % {"month": month_label(last.year, last.month), "day": format_jalali(last.held_on)},
                          field=field)


def _late_days(fund: Fund, today: datetime.date) -> int:
    rules = (FundRules.objects.filter(fund=fund, effective_from__lte=today).order_by("-effective_from", "-pk").first()
             or FundRules.objects.filter(fund=fund).order_by("effective_from", "pk").first())
    return rules.late_entry_days if rules is not None else 31


def check_entry_date(*, by: Any, fund: Fund, day: datetime.date, field: str, not_before: datetime.date,
                     too_early: str, today: datetime.date) -> bool:
    """Refuse `day` before `not_before` (with the message `too_early`) or after `today`; return whether the
    record is a late entry, refusing it unless `by` may decide on the fund's money."""
    check_not_future(day, field=field, today=today)
    if day < max(not_before, EARLIEST_DATE):
        raise DomainError(too_early % {"limit": format_jalali(max(not_before, EARLIEST_DATE))}, field=field)
    check_not_closed(fund, day, field=field)
    days = _late_days(fund, today)
    if (today - day).days <= days:
        return False
    if not has_perm_on(by, Perm.FUNDS_DECIDE, fund):
        raise DomainError(_("This date is more than %(days)s days ago: only the fund's manager can enter such a "
                            "late entry.") % {"days": localize_digits(str(days))}, field=field)
    return True

