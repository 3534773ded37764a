"""`mardom export-beancount --fund ID [--output FILE]`: the fund's books as a beancount file, for
`bean-check` and any beancount tool; its balance assertions are the stored balances."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mardom.ledger.export.beancount import export_book
from mardom.ledger.models import Book


class Command(BaseCommand):
    help = "Write a fund's books as a beancount file (to standard output, or --output FILE)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fund", type=int, required=True, help="the fund's id (its org unit id)")
        parser.add_argument("--output", help="the file to write (UTF-8); standard output if omitted")
        parser.add_argument("--currency", default="IRR", help="the commodity amounts are written in (IRR)")

    def handle(self, *args: Any, **options: Any) -> None:
        book = Book.objects.filter(unit_id=options["fund"]).first()
        if book is None:
            raise CommandError(f"No books for fund {options['fund']}")
        text = export_book(book, currency=options["currency"])
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {options['output']}")
        else:
            self.stdout.write(text, ending="")
