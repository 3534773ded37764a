"""Background work of the dashboards (django-tasks).

On the database worker the drain keeps itself going: each run folds the pending figure changes and queues the
next run `MARDOM_ROLLUPS_DRAIN_SECONDS` later (started once by `mardom rollups-drain --start`; `make demo` does
it). Writers then add one outbox row per figure and nothing else: no task row per write. Where tasks cannot be
deferred (the immediate backend of the tests and of a development machine), each committed write queues a drain
of its own, which runs at once. Readers add what is pending either way, so figures are as fresh as the last
commit whether or not a drain has run.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django_tasks import TaskContext, task

from mardom.core.periodic import queue_next


def drain_every() -> datetime.timedelta:
    return datetime.timedelta(seconds=max(int(getattr(settings, "MARDOM_ROLLUPS_DRAIN_SECONDS", 5)), 1))


def schedule_drain(*, at_once: bool = False, exclude_id: str | None = None) -> bool:
    return queue_next(rollups_drain_task, every=drain_every(), exclude_id=exclude_id, at_once=at_once)


@task(takes_context=True)
def rollups_drain_task(context: TaskContext) -> int:
    """Fold the figure changes written by the services into the stored figures (rollups.drain), then queue
    the next run where the backend can defer."""
    from .rollups import drain

    try:
        return drain()
    finally:
        schedule_drain(exclude_id=str(context.task_result.id))
