"""Background work of the dashboards (django-tasks; the immediate backend runs it on commit in tests)."""

from __future__ import annotations

from django_tasks import task


@task()
def rollups_drain_task() -> int:
    """Fold the figure changes written by the services into the stored figures (rollups.drain)."""
    from .rollups import drain

    return drain()
