"""`mardom draw-verify <draw id | exported.json>`: recompute a lottery record (protocol mardom-draw-v1).

Given a number, the draw is read from this database; given a path, from an exported record (so a member can
check a draw on their own computer). Exit 0 with the winners when everything agrees; otherwise every problem
is printed and the exit is non-zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mardom.funds.draw import DrawError, DrawRecord, from_json, to_dict, verify


def _from_database(draw_id: int) -> dict[str, Any]:
    from mardom.funds.models import Draw
    from mardom.funds.services import draw_record

    draw = Draw.objects.select_related("fund").filter(pk=draw_id).first()
    if draw is None:
        raise CommandError(f"no draw {draw_id}")
    record = draw_record(draw)
    if not isinstance(record, DrawRecord):
        raise CommandError(f"draw {draw_id} is announced but not performed yet: nothing to verify")
    return to_dict(record)


class Command(BaseCommand):
    help = "Verify a lottery: commitment, list hash, drawn order and winners, from the database or a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("draw", help="a draw id in this database, or the path of an exported record (JSON)")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["draw"]
        if source.isdigit() and not Path(source).exists():
            data = _from_database(int(source))
        else:
            path = Path(source)
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
            raise CommandError(f"draw not verified: {len(result.problems)} problem(s) in {source}")
        names = {row["ref"]: row["name"] for row in data["entries"]}
        winners = ", ".join(f"{ref} ({names[ref]})" if names[ref] else ref for ref in data["winners"])
        self.stdout.write(self.style.SUCCESS(f"verified: winners {winners}"))
        self.stdout.write(
            f"draw {data['draw_id']} of {data['fund'] or '-'}: {len(data['entries'])} entries, "
            f"{data['winners_count']} winner(s), public entropy {data['public_entropy']!r}"
        )
