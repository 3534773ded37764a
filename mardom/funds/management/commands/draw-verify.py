"""`mardom draw-verify <draw id | record.json> [--announced announcement.json]`: recompute a lottery record.

Given a number, the draw is read from this database; given a path, from an exported record (so a member can
check a draw on their own computer). Records of protocol mardom-draw-v1 are checked as before (commitment,
list hash, order, winners). Records of mardom-draw-v2 are recomputed from their announcement and values;
with `--announced`, the member's own saved announcement, the record must also be that very draw (same digest,
list, excluded members, source, time and number of winners). Exit 0 with the winners when everything agrees;
otherwise every problem is printed and the exit is non-zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mardom.funds import draw_v2
from mardom.funds.draw import PROTOCOL as V1
from mardom.funds.draw import DrawError, DrawRecord, from_json, to_dict, verify

# What a v1 announcement fixes; a v1 record must repeat it exactly.
_V1_ANNOUNCED = ("draw_id", "fund", "scheduled_at", "winners_count", "list_hash", "commitment", "entries")


def _from_database(draw_id: int) -> dict[str, Any]:
    from mardom.funds.models import Draw
    from mardom.funds.services import draw_document, draw_record

    draw = Draw.objects.select_related("fund").filter(pk=draw_id).first()
    if draw is None:
        raise CommandError(f"no draw {draw_id}")
    if draw.status != Draw.Status.PERFORMED:
        raise CommandError(f"draw {draw_id} is {draw.status}, not performed: nothing to verify")
    if draw.is_v2:
        return draw_document(draw)
    record = draw_record(draw)
    assert isinstance(record, DrawRecord)
    return to_dict(record)


def _read(path: Path) -> dict[str, Any]:
    try:
        return from_json(path.read_bytes())
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except DrawError as exc:
        raise CommandError(f"{path}: {exc}") from exc


def _v1_against(data: dict[str, Any], announced: dict[str, Any]) -> list[str]:
    if announced.get("protocol") != V1:
        return [f"your saved announcement is of protocol {announced.get('protocol')!r}, the record of {V1!r}"]
    def value(doc: dict[str, Any], name: str) -> Any:
        rows = doc.get(name)
        if name == "entries" and isinstance(rows, list):
            return sorted(rows, key=lambda r: str(r.get("ref", "")) if isinstance(r, dict) else "")
        return rows

    return [f"{name!r} differs from your saved announcement" for name in _V1_ANNOUNCED
            if value(data, name) != value(announced, name)]


class Command(BaseCommand):
    help = ("Verify a lottery from the database or a file: v1 (commitment, list hash, order, winners) or v2 "
            "(digest, values, order, winners), and with --announced against a member's saved announcement.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("draw", help="a draw id in this database, or the path of an exported record (JSON)")
        parser.add_argument("--announced", metavar="ANNOUNCEMENT",
                            help="the announcement you saved when the draw was announced (JSON)")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["draw"]
        from_db = source.isdigit() and not Path(source).exists()
        data = _from_database(int(source)) if from_db else _read(Path(source))
        announced = _read(Path(options["announced"])) if options.get("announced") else None
        if data.get("protocol") == draw_v2.PROTOCOL:
            result = draw_v2.verify(data, announced)
            problems = result.problems
        else:
            result = verify(data)
            problems = list(result.problems)
            if announced is not None:
                problems += _v1_against(data, announced)
        if problems:
            for problem in problems:
                self.stderr.write(f"problem: {problem}")
            raise CommandError(f"draw not verified: {len(problems)} problem(s) in {source}")
        names = {row["ref"]: row["name"] for row in data["entries"]}
        winners = ", ".join(f"{ref} ({names[ref]})" if names[ref] else ref for ref in data["winners"])
        self.stdout.write(self.style.SUCCESS(f"verified: winners {winners}"))
        if data.get("protocol") == draw_v2.PROTOCOL:
            self.stdout.write(
                f"draw {data['draw_id']} of {data['fund'] or '-'}: {len(data['entries'])} entries, "
                f"{len(data['excluded'])} left out, {data['winners_count']} winner(s), values {data['values']}, "
                f"digest {data['digest']}" + (" (matches your saved announcement)" if announced else "")
            )
        else:
            self.stdout.write(
                f"draw {data['draw_id']} of {data['fund'] or '-'}: {len(data['entries'])} entries, "
                f"{data['winners_count']} winner(s), public entropy {data['public_entropy']!r}"
            )
