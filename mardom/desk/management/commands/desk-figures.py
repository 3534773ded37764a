"""`mardom desk-figures [--check]`: recompute the institutions' performance figures from the requests (after a
migration, or to repair them); with --check, only compare and exit non-zero on any difference."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mardom.desk.services.figures import figures_differences, figures_rebuild


class Command(BaseCommand):
    help = "Rebuild the desk's institution performance figures from the requests (or --check them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="compare only; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            problems = figures_differences()
            if problems:
                for problem in problems:
                    self.stderr.write(problem)
                raise CommandError(f"{len(problems)} figures row(s) differ from the requests")
            self.stdout.write(self.style.SUCCESS("The figures agree with the requests."))
            return
        rows = figures_rebuild()
        self.stdout.write(self.style.SUCCESS(f"{rows} figures row(s) rebuilt from the requests."))
