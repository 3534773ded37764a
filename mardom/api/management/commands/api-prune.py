"""`mardom api-prune [--days N]`: forget idempotency records and applied offline commands older than N days
(default MARDOM_API_KEEP_DAYS, at least 30). Run it daily (cron or the task worker's schedule)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mardom.core.errors import DomainError


class Command(BaseCommand):
    help = "Forget the API's idempotency records and applied offline commands older than N days (>= 30)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        from mardom.api.services import api_prune

        try:
            keys, commands = api_prune(days=options["days"] or settings.MARDOM_API_KEEP_DAYS)
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(f"{keys} idempotency record(s) and {commands} applied command(s) forgotten.")
