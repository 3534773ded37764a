"""`mardom api-prune [--days N] [--start]`: forget idempotency records and applied offline commands older than N
days (default MARDOM_API_KEEP_DAYS, at least 30). Run it daily from cron, or once with --start where the database
task worker runs: the prune then queues its own next run a day later (mardom/api/tasks.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mardom.core.errors import DomainError
from mardom.core.periodic import add_start_argument, start_from_command


class Command(BaseCommand):
    help = "Forget the API's idempotency records and applied offline commands older than N days (>= 30)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None)
        add_start_argument(parser, "daily API prune")

    def handle(self, *args: Any, **options: Any) -> None:
        from mardom.api.services import api_prune
        from mardom.api.tasks import api_prune_task, schedule_prune

        if options["start"]:
            start_from_command(self, task=api_prune_task, schedule=schedule_prune,
                               job="daily API prune", cron="mardom api-prune")
            return
        try:
            keys, commands = api_prune(days=options["days"] or settings.MARDOM_API_KEEP_DAYS)
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(f"{keys} idempotency record(s) and {commands} applied command(s) forgotten.")
