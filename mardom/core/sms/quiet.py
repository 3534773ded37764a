"""Quiet hours: a text message queued at night waits in the task queue until the morning.

`MARDOM_SMS_QUIET_HOURS` is "HH:MM-HH:MM" in Tehran time (default "21:00-08:00"; a span may also lie within
one day, "13:00-15:00"); empty means no quiet hours. A message queued inside the span is enqueued with the
task's `run_after` at its end, so the worker sends it then. That needs a task backend that can defer
(`supports_defer`: django-tasks-db's database backend can); with one that cannot (the immediate backend of
the tests, say) the message goes at once rather than never. Codes a person is waiting for (consent codes)
are sent `urgent` and never held.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


def _time(text: str) -> dt.time:
    hours, minutes = (int(part) for part in text.strip().split(":"))
    return dt.time(hours, minutes)


def quiet_hours() -> tuple[dt.time, dt.time] | None:
    """(start, end) of the quiet span from the setting, or None when there is none. Read at each call."""
    value = (getattr(settings, "MARDOM_SMS_QUIET_HOURS", "") or "").strip()
    if not value:
        return None
    try:
        start, end = (_time(part) for part in value.split("-"))
    except ValueError:
        raise ImproperlyConfigured(
            f"MARDOM_SMS_QUIET_HOURS must be HH:MM-HH:MM (Tehran time) or empty, not {value!r}.") from None
    if start == end:
        raise ImproperlyConfigured("MARDOM_SMS_QUIET_HOURS: the quiet span must not start and end at once.")
    return start, end


def quiet_until(now: dt.datetime | None = None) -> dt.datetime | None:
    """The end of the quiet span `now` falls in (an aware moment), or None when `now` is not quiet."""
    hours = quiet_hours()
    if hours is None:
        return None
    start, end = hours
    tz = timezone.get_default_timezone()  # Tehran: the setting's times are the country's, not a user's
    local = timezone.localtime(now or timezone.now(), tz)
    t, today = local.time(), local.date()
    if start < end:
        quiet, day = start <= t < end, today
    elif t >= start:  # a span over midnight, in its evening part
        quiet, day = True, today + dt.timedelta(days=1)
    else:
        quiet, day = t < end, today
    return dt.datetime.combine(day, end, tzinfo=tz) if quiet else None


def held_until_morning(task: Any, *, urgent: bool = False, now: dt.datetime | None = None) -> Any:
    """`task`, deferred to the end of the quiet hours when `now` is inside them and its backend can defer;
    otherwise (urgent, not quiet, a backend that cannot defer) `task` itself, to run as soon as possible."""
    if urgent or not task.get_backend().supports_defer:
        return task
    until = quiet_until(now)
    return task.using(run_after=until) if until is not None else task
