"""`mardom draw-verify <exported.json>`: recompute a published lottery record (protocol mardom-draw-v1).

Exit 0 with the winners when everything agrees; otherwise every problem is printed and the exit is non-zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mardom.funds.draw import DrawError, from_json, verify


class Command(BaseCommand):
    help = "Verify an exported lottery record: commitment, list hash, drawn order and winners."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the exported draw record (JSON)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            data = from_json(path.read_bytes())
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except DrawError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        result = verify(data)
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(f"problem: {problem}")
            raise CommandError(f"draw not verified: {len(result.problems)} problem(s) in {path}")
        names = {row["ref"]: row["name"] for row in data["entries"]}
        winners = ", ".join(f"{ref} ({names[ref]})" if names[ref] else ref for ref in data["winners"])
        self.stdout.write(self.style.SUCCESS(f"verified: winners {winners}"))
        self.stdout.write(
            f"draw {data['draw_id']} of {data['fund'] or '-'}: {len(data['entries'])} entries, "
            f"{data['winners_count']} winner(s), public entropy {data['public_entropy']!r}"
        )
