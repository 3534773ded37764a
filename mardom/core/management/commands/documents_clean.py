"""Remove background documents (files and rows) whose day is over. Each finished document task also does
this; run it from cron as well where documents may be asked for rarely."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mardom.core.documents import documents_clean


class Command(BaseCommand):
    help = "Remove background documents whose day is over."

    def handle(self, *args: Any, **options: Any) -> None:
        count = documents_clean()
        self.stdout.write(f"{count} document(s) removed.")
