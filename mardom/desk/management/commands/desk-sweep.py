"""`mardom desk-sweep [--start]`: remind institutions of deadlines that near and escalate the late requests.

Run it from cron every quarter of an hour, for example:

    */15 * * * *  mardom desk-sweep

or once with --start where the database task worker runs (`mardom db_worker`): the sweep then queues its own
next run every DESK_SWEEP_EVERY_MINUTES. Running it more often, twice at once or again after a failure is safe:
each reminder and escalation is taken once, and reminders and escalations go out only in working time. Prints
what it did.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mardom.core.periodic import add_start_argument, start_from_command


class Command(BaseCommand):
    help = "Remind institutions of deadlines that near and escalate late requests to the county and province."

    def add_arguments(self, parser: CommandParser) -> None:
        add_start_argument(parser, "desk sweep")

    def handle(self, *args: Any, **options: Any) -> None:
        from mardom.desk.services.sweep import sweep
        from mardom.desk.tasks import desk_sweep_task, schedule_next

        if options["start"]:
            start_from_command(self, task=desk_sweep_task, schedule=schedule_next,
                               job="desk sweep", cron="mardom desk-sweep")
            return
        self.stdout.write(f"desk sweep: {sweep()}")
