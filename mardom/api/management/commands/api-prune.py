"""`mardom api-prune [--days N] [--start]`: forget idempotency records and applied offline commands older than N
days (default MARDOM_API_KEEP_DAYS, at least 30). Run it daily from cron, or once with --start where the database
task worker runs: the prune then queues its own next run a day later (mardom/api/tasks.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mardom.core.errors import DomainError


class Command(BaseCommand):
    help = "Forget the API's idempotency records and applied offline commands older than N days (>= 30)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None)
        parser.add_argument("--start", action="store_true",
                            help="queue the daily prune task for the database worker instead of pruning now")

    def handle(self, *args: Any, **options: Any) -> None:
        from mardom.api.services import api_prune
        from mardom.api.tasks import api_prune_task, schedule_prune

        if options["start"]:
            if not api_prune_task.get_backend().supports_defer:
                self.stderr.write("The task backend cannot defer tasks: run `mardom api-prune` from cron instead.")
                return
            queued = schedule_prune(at_once=True)
            self.stdout.write("daily API prune queued" if queued else "a daily API prune is already queued")
            return
        try:
            keys, commands = api_prune(days=options["days"] or settings.MARDOM_API_KEEP_DAYS)
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(f"{keys} idempotency record(s) and {commands} applied command(s) forgotten.")
