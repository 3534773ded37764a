"""`mardom rollups-rebuild [--check]`: recompute the stored figures from the facts."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mardom.orgs.models import OrgUnit

from ... import rebuild


class Command(BaseCommand):
    help = "Recompute the dashboards' stored figures from the facts; with --check, list what differs and exit 1."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="Change nothing; exit non-zero if any differ.")

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        started = time.monotonic()
        found = rebuild.rebuild(write=not check)
        names = dict(OrgUnit.objects.filter(pk__in={d.unit_id for d in found}).values_list("pk", "name"))
        for d in found:
            self.stdout.write(f"{names.get(d.unit_id, d.unit_id)} [{d.unit_id}] period {d.period} {d.metric}: "
                              f"stored {d.stored}, facts {d.facts}")
        elapsed = time.monotonic() - started
        if check and found:
            raise CommandError(f"{len(found)} figures differ from the facts ({elapsed:.1f} s)")
        verb = "corrected" if found else "all agree with the facts"
        self.stdout.write(f"{len(found)} figures {verb} ({elapsed:.1f} s)" if found else f"Figures {verb} "
                          f"({elapsed:.1f} s)")
