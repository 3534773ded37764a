"""`mardom rollups-drain`: fold pending figure changes into the stored figures (the task worker does it too)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ...rollups import drain


class Command(BaseCommand):
    help = "Fold the pending figure changes into the dashboards' stored figures."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{drain()} changes drained")
