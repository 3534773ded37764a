"""Background tasks of the desk (django-tasks; the database worker runs them in production).

`desk_sweep_task` runs the sweep (services/sweep.py) and, on a backend that can defer tasks (the database
worker's), queues its own next run `DESK_SWEEP_EVERY_MINUTES` later: started once (`mardom desk-sweep
--start`), it keeps itself going for as long as a worker runs. Only one run is kept waiting at a time, so
starting it twice does not double it. Where tasks cannot be deferred, run `mardom desk-sweep` from cron.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django_tasks import TaskContext, task

from mardom.core.periodic import queue_next

log = logging.getLogger("mardom.desk")


def sweep_every() -> datetime.timedelta:
    return datetime.timedelta(minutes=max(int(getattr(settings, "DESK_SWEEP_EVERY_MINUTES", 15)), 1))


def schedule_next(*, now: datetime.datetime | None = None, exclude_id: str | None = None,
                  at_once: bool = False) -> bool:
    """Queue the next run of the sweep, `DESK_SWEEP_EVERY_MINUTES` from now (or at once), unless one is
    already waiting or the backend cannot defer; True when queued."""
    return queue_next(desk_sweep_task, every=sweep_every(), now=now, exclude_id=exclude_id, at_once=at_once)


@task(takes_context=True)
def desk_sweep_task(context: TaskContext) -> dict[str, Any]:
    """One sweep, then the next one queued (see the module docstring)."""
    from .services.sweep import sweep

    try:
        result = sweep()
    finally:
        schedule_next(exclude_id=str(context.task_result.id))
    log.info("desk sweep: %s", result)
    return result.__dict__
