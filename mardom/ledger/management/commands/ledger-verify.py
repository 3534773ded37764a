"""`mardom ledger-verify [--fund ID]`: recompute every balance and the hash chain; non-zero exit on any
difference, with a readable report."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mardom.ledger.models import Book
from mardom.ledger.verify import verify_books


class Command(BaseCommand):
    help = "Verify the books: balanced entries, unbroken hash chains, stored balances equal to their postings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fund", type=int, help="the fund's id (its org unit id); all books if omitted")

    def handle(self, *args: Any, **options: Any) -> None:
        books = Book.objects.select_related("unit").order_by("pk")
        if options["fund"] is not None:
            books = books.filter(unit_id=options["fund"])
            if not books.exists():
                raise CommandError(f"No books for fund {options['fund']}")
        problems = verify_books(books)
        count = books.count()
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(problems)} problem(s) in {count} book(s)")
        self.stdout.write(self.style.SUCCESS(f"{count} book(s) verified: balanced, chained, balances agree."))
