"""Tasks that keep themselves going on the database worker: each run queues the next one, and only one run is
kept waiting at a time, so starting one twice does not double it (the desk's sweep, the roll-ups' drain)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone


def waiting_runs(task: Any, exclude_id: str | None = None) -> bool | None:
    """Whether a run of `task` is already queued and not started, on the database backend; None where the
    backend keeps no such list."""
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database backend is a dependency
        return None
    if not isinstance(task.get_backend(), DatabaseBackend):
        return None
    waiting = DBTaskResult.objects.filter(task_path=task.module_path, status="READY")
    if exclude_id:
        waiting = waiting.exclude(id=exclude_id)
    return waiting.exists()


def queue_next(task: Any, *, every: datetime.timedelta, now: datetime.datetime | None = None,
               exclude_id: str | None = None, at_once: bool = False) -> bool:
    """Queue the next run of `task` `every` from now (or at once) unless one is waiting or the backend cannot
    defer; True when queued."""
    if not task.get_backend().supports_defer or waiting_runs(task, exclude_id):
        return False
    now = now or timezone.now()
    task.using(run_after=now if at_once else now + every).enqueue()
    return True


# --- the commands that start them (`mardom desk-sweep --start`, `rollups-drain --start`, `api-prune --start`) ---
def add_start_argument(parser: Any, job: str) -> None:
    parser.add_argument("--start", action="store_true",
                        help=f"queue the self-repeating {job} task for the database worker instead of running it now")


def start_from_command(command: Any, *, task: Any, schedule: Any, job: str, cron: str) -> None:
    """Queue the first run of a self-repeating task (`schedule(at_once=True)`), or say why the worker cannot
    take it and which command cron should run instead."""
    if not task.get_backend().supports_defer:
        command.stderr.write(f"The task backend cannot defer tasks: run `{cron}` from cron instead.")
        return
    command.stdout.write(f"{job} queued" if schedule(at_once=True) else f"a {job} is already queued")
