"""`mardom rollups-drain [--start]`: fold pending figure changes into the stored figures now, or (--start) queue the
self-repeating drain for the database worker."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Fold the pending figure changes into the dashboards' stored figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", action="store_true",
                            help="queue the self-repeating drain task for the database worker instead of draining now")

    def handle(self, *args: Any, **options: Any) -> None:
        from mardom.dashboards.rollups import drain
        from mardom.dashboards.tasks import rollups_drain_task, schedule_drain

        if options["start"]:
            if not rollups_drain_task.get_backend().supports_defer:
                self.stderr.write("The task backend cannot defer tasks: run `mardom rollups-drain` from cron instead.")
                return
            queued = schedule_drain(at_once=True)
            self.stdout.write("roll-up drain queued" if queued else "a roll-up drain is already queued")
            return
        self.stdout.write(f"{drain()} figure changes drained")
