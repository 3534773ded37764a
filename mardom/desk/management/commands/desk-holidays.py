"""`mardom desk-holidays 1406 [1407 ...]`: add Iran's official holidays of those Jalali years to the working
calendar, from the `holidays` package (lunar ones marked estimated).

1404 and 1405 come with the database (migration desk 0002). Run this once a year, after updating the package,
for the year ahead. Only dates the table lacks are added, so running it again changes nothing, and holidays
officers entered or edited stay as they are (a holiday they removed comes back: remove it again). Prints how
many were added.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mardom.core.digits import to_latin_digits


class Command(BaseCommand):
    help = "Add Iran's official holidays of the given Jalali years to the desk's working calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("years", nargs="+", help="Jalali years, e.g. 1406")

    def handle(self, *args: Any, **options: Any) -> None:
        from mardom.desk.services.calendar import holidays_seed

        try:
            years = [int(to_latin_digits(str(y))) for y in options["years"]]
        except ValueError as exc:
            raise CommandError("years must be Jalali years such as 1406") from exc
        if any(not 1359 <= y <= 1500 for y in years):  # the package knows Iran's holidays from 1980 (1359)
            raise CommandError("years must be between 1359 and 1500")
        added = holidays_seed(by=None, years=years)
        self.stdout.write(f"{added} holiday(s) added for {', '.join(map(str, sorted(set(years))))}")
