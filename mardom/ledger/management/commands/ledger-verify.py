"""`mardom ledger-verify [--fund ID] [--workers N]`: recompute every balance and the hash chain; non-zero exit on
any difference, with a readable report. Books are read in chunks (memory stays flat whatever their size) and,
on PostgreSQL, spread over worker processes (each book's chain is independent); a progress line says how far
it has gone and at what rate."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from mardom.ledger.models import Book
from mardom.ledger.verify import Tally, verify_books_parallel


class Command(BaseCommand):
    help = "Verify the books: balanced entries, unbroken hash chains, stored balances equal to their postings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fund", type=int, help="the fund's id (its org unit id); all books if omitted")
        parser.add_argument("--workers", type=int, default=None,
                            help="processes (default: the machine's cores on PostgreSQL, 1 on SQLite)")
        parser.add_argument("--quiet", action="store_true", help="no progress line")

    def handle(self, *args: Any, **options: Any) -> None:
        books = Book.objects.order_by("pk")
        if options["fund"] is not None:
            books = books.filter(unit_id=options["fund"])
            if not books.exists():
                raise CommandError(f"No books for fund {options['fund']}")
        ids = list(books.values_list("pk", flat=True))
        workers = options["workers"]
        if workers is None:
            # SQLite takes one writer and its readers gain little from processes; PostgreSQL serves each.
            workers = (os.cpu_count() or 1) if connection.vendor == "postgresql" else 1
        interactive = not options["quiet"] and len(ids) > 50
        last = [0.0]

        def progress(tally: Tally, seconds: float) -> None:
            if not interactive or (seconds - last[0] < 2 and tally.books < len(ids)):
                return
            last[0] = seconds
            rate = tally.postings / seconds / 1e6 * 60 if seconds else 0
            sys.stderr.write(f"\r{tally.books:,}/{len(ids):,} books, {tally.entries:,} entries, "
                             f"{tally.postings:,} postings, {seconds:.0f} s ({rate:.2f} M postings/min)   ")
            sys.stderr.flush()

        problems, tally = verify_books_parallel(ids, workers=workers, progress=progress)
        if interactive:
            sys.stderr.write("\n")
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(problems)} problem(s) in {len(ids)} book(s)")
        self.stdout.write(self.style.SUCCESS(
            f"{len(ids)} book(s) verified: balanced, chained, balances agree ({tally.entries:,} entries, "
            f"{tally.postings:,} postings)."))
