"""`mardom synth --scale S --seed N`: the national synthetic data set (issue 13), for measuring at scale.

PostgreSQL only, and only on a database kept for measuring (mardom.demo.synth.guard says what is refused).
S = 1.0 is the programme's size (~29,000 funds, ~3M members, 300,000 producers); S = 0.01 a quick run.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from mardom.demo.synth.build import Synth
from mardom.demo.synth.guard import synth_refusal


class Command(BaseCommand):
    help = "Write the national synthetic data set (PostgreSQL, an empty database kept for measuring)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=0.01, help="1.0 = national size; default 0.01")
        parser.add_argument("--seed", type=int, default=1402)
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None,
                            help="the day the history ends (YYYY-MM-DD); default today. With the seed it fixes "
                                 "every row and hash.")

    def handle(self, *args: Any, **options: Any) -> None:
        scale = options["scale"]
        if not 0 < scale <= 2:
            raise CommandError("--scale must be more than 0 and at most 2")
        with translation.override(settings.LANGUAGE_CODE):  # the refusal speaks Persian, like the product
            reason = synth_refusal()
        if reason:
            raise CommandError(reason)
        started = time.perf_counter()
        synth = Synth(scale=scale, seed=options["seed"], today=options["today"] or timezone.localdate(),
                      say=self.stdout.write)
        run = synth.run()
        stats = run.stats
        self.stdout.write("rows: " + ", ".join(f"{name} {count:,}" for name, count in stats["rows"].items() if count))
        self.stdout.write("seconds: " + ", ".join(f"{name} {sec:.1f}" for name, sec in stats["seconds"].items()))
        size = stats["database_bytes"] / 2**20
        self.stdout.write(self.style.SUCCESS(f"synth done in {time.perf_counter() - started:.1f} s; "
                                             f"database {size:,.0f} MiB"))
