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


class Command(BaseCommand):
    help = "Remind institutions of deadlines that near and escalate late requests to the county and province."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", action="store_true",
                            help="queue the self-repeating sweep task for the database worker instead of "
                                 "sweeping now")

    def handle(self, *args: Any, **options: Any) -> None:
        from mardom.desk.services.sweep import sweep
        from mardom.desk.tasks import desk_sweep_task, schedule_next

        if options["start"]:
            if not desk_sweep_task.get_backend().supports_defer:
                self.stderr.write("The task backend cannot defer tasks: run `mardom desk-sweep` from cron instead.")
                return
            queued = schedule_next(at_once=True)
            self.stdout.write("desk sweep queued" if queued else "a desk sweep is already queued")
            return
        self.stdout.write(f"desk sweep: {sweep()}")
