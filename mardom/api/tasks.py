"""The API's daily housekeeping on the database worker: idempotency records and applied offline commands older
than MARDOM_API_KEEP_DAYS (at least 30) are forgotten, and the task queues its next run a day later (started
once by `mardom api-prune --start`; `make demo` does it). Where tasks cannot be deferred, cron runs
`mardom api-prune` instead."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django_tasks import TaskContext, task

from mardom.core.periodic import queue_next

EVERY = datetime.timedelta(days=1)


def schedule_prune(*, at_once: bool = False, exclude_id: str | None = None,
                   now: datetime.datetime | None = None) -> bool:
    return queue_next(api_prune_task, every=EVERY, now=now, exclude_id=exclude_id, at_once=at_once)


@task(takes_context=True)
def api_prune_task(context: TaskContext) -> dict[str, Any]:
    from .services import api_prune

    try:
        keys, commands = api_prune(days=settings.MARDOM_API_KEEP_DAYS)
        return {"keys": keys, "commands": commands}
    finally:
        schedule_prune(exclude_id=str(context.task_result.id))
