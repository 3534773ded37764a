"""`mardom rollups-drain [--start]`: fold pending figure changes into the stored figures now, or (--start) queue the
self-repeating drain for the database worker."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mardom.core.periodic import add_start_argument, start_from_command


class Command(BaseCommand):
    help = "Fold the pending figure changes into the dashboards' stored figures."

    def add_arguments(self, parser: CommandParser) -> None:
        add_start_argument(parser, "roll-up drain")

    def handle(self, *args: Any, **options: Any) -> None:
        from mardom.dashboards.rollups import drain
        from mardom.dashboards.tasks import rollups_drain_task, schedule_drain

        if options["start"]:
            start_from_command(self, task=rollups_drain_task, schedule=schedule_drain,
                               job="roll-up drain", cron="mardom rollups-drain")
            return
        self.stdout.write(f"{drain()} figure changes drained")
