"""mardom import-fund FILE --base ID [--by USERNAME]: onboard a fund from its workbook (funds.onboarding)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mardom.core.money import format_money


class Command(BaseCommand):
    help = "Import a fund's members, balances, contributions and loans from an xlsx or csv workbook."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--base", type=int, required=True, help="the id of the base that hosts the fund")
        parser.add_argument("--by", default="admin", help="the username the import is recorded under")

    def handle(self, *args: Any, **options: Any) -> None:
        from mardom.orgs.models import Base
        from mardom.people.models import User

        from ...onboarding.posting import fund_import

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        base = Base.objects.filter(pk=options["base"]).first()
        if base is None:
            raise CommandError(f"No base with id {options['base']}")
        by = User.objects.filter(username=options["by"]).first()
        if by is None:
            raise CommandError(f"No user {options['by']!r}")
        record = fund_import(by=by, base=base, data=path.read_bytes(), filename=path.name)
        if record.status != record.Status.DONE:
            for p in record.problems:
                self.stderr.write(" / ".join(str(x) for x in (p["sheet"], p["row"] or "", p["column"]) if x)
                                  + f": {p['message']}")
            raise CommandError(f"{len(record.problems)} problem(s); nothing was written.")
        counts, sheet = record.summary["counts"], record.summary["balance_sheet"]
        self.stdout.write(f"Fund {record.fund_id} «{record.fund.name}»: " + ", ".join(
            f"{k} {v}" for k, v in counts.items()))
        for key, value in sheet.items():
            self.stdout.write(f"  {key:10} {format_money(value, unit='rial')}")
