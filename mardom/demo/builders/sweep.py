"""Demo data of the desk's sweep: the sweep run as the worker would have run it, each morning of the last
month (at 10:00, oldest first), so late requests carry their reminders and escalations with real dates.

Call last in `Builder.build()`, after every request is made (the referrals, the desk's requests)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from mardom.desk.services.sweep import sweep

DAYS = 30


def build(builder: Any) -> None:
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    for back in range(DAYS, -1, -1):
        moment = datetime.datetime.combine(today - datetime.timedelta(days=back), datetime.time(10), tzinfo=tz)
        if moment <= timezone.now():
            sweep(now=moment)
