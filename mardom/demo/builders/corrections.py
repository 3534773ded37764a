"""The demo's corrections in the first fund (صندوق قرض‌الحسنه امام علی (ع)): last month a contribution was recorded
for the wrong member; the treasurer (09120000011) reversed it with its reason, the member paid a day later, and the
month's meeting was closed once the cash was counted. The month page for last month shows the closed meeting and
the reversed row; the treasurer may no longer reverse what she recorded that month, the manager (09120000010) may.

`build(builder)` runs after every other money write of the demo and draws nothing from the builder's rng, so the
data made before it stays as it was."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from mardom.core.jalali import jalali_month_start, to_jalali
from mardom.funds import services
from mardom.funds.models import Contribution, Fund
from mardom.people.models import User

from .base import recorded

FUND_NAME = "صندوق قرض‌الحسنه امام علی (ع)"
TREASURER_MOBILE = "09120000011"


def build(builder: Any) -> None:
    fund = Fund.objects.get(name=FUND_NAME)
    treasurer = User.objects.get(person__mobile=TREASURER_MOBILE)
    today = getattr(builder, "today", None) or timezone.localdate()
    start = jalali_month_start(today, -1)
    period = to_jalali(start)
    paid = (Contribution.objects.filter(membership__fund=fund, year=period.year, month=period.month).live()
            .select_related("membership__savings_account").order_by("membership__number"))
    # A member whose savings hold no loan or guarantee, so taking the contribution back leaves nothing uncovered.
    mistaken = next(c for c in paid if services.withdrawable(c.membership) >= c.amount)
    reversed_on = max(mistaken.paid_on, start + datetime.timedelta(days=10))
    services.contribution_reverse(by=treasurer, contribution=mistaken, today=reversed_on,
                                  reason="ثبت‌شده برای عضو اشتباه؛ پرداخت نکرده بود", now=recorded(reversed_on))
    paid_on = reversed_on + datetime.timedelta(days=1)
    services.contribution_record(by=treasurer, membership=mistaken.membership, year=period.year, month=period.month,
                                 paid_on=paid_on, today=paid_on, now=recorded(paid_on))
    held_on = paid_on + datetime.timedelta(days=2)
    services.meeting_close(by=treasurer, fund=fund, year=period.year, month=period.month, held_on=held_on,
                           today=held_on, now=recorded(held_on))
