"""`mardom rollups-snapshot`: set the gauges (each fund's principal more than 30 days late) for this month.

Run it daily from cron (`15 0 * * * mardom rollups-snapshot`); lateness moves with the calendar, not with a write.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Set this month's gauges (PAR30 of every fund with running loans)."

    def handle(self, *args: Any, **options: Any) -> None:
        from mardom.dashboards.sources.funds import par30_snapshot

        self.stdout.write(f"{par30_snapshot()} funds looked at")
