"""What a printed document costs: a 50-label sheet and a member's statement, as ratios against an empty one-page
WeasyPrint document rendered in the same run (same fonts, same fetcher), so the figures survive a noisy machine.

Run after `make demo` (the statement reads the demo database; the label sheet is made of synthetic serials):

    .venv/bin/python bench/documents.py              # medians of 5 renders each
    .venv/bin/python bench/documents.py --profile    # and where the time goes (cProfile, top functions)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django

django.setup()

from django.utils import timezone, translation  # noqa: E402

from mardom.brands import views as brand_views  # noqa: E402
from mardom.core.pdf import render_pdf  # noqa: E402
from mardom.funds.models import Membership  # noqa: E402
from mardom.funds.statement_views import member_statement_pdf_bytes  # noqa: E402


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds per call over `repeat` calls (after one warm-up)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def empty_page() -> bytes:
    return render_pdf("bench/empty_print.html", {}, None)


def label_sheet(count: int = 50) -> bytes:
    """The label sheet template with `count` synthetic labels, as brands.views.labels_pdf lays them out."""
    return brand_views.labels_sheet_pdf(
        lot=SimpleNamespace(code="L-1404-0001"), brand=SimpleNamespace(name="نمانام آزمایشی"),
        product=SimpleNamespace(name="عسل کوهستان"),
        labels=[SimpleNamespace(serial=f"K7QX{n:08d}MZ", number=n) for n in range(1, count + 1)])


def member_statement() -> bytes:
    membership = (Membership.objects.select_related("fund", "person")
                  .filter(loans__isnull=False).order_by("pk").first() or Membership.objects.order_by("pk").first())
    if membership is None:
        raise SystemExit("No membership: run `mardom demo` first.")
    return member_statement_pdf_bytes(membership=membership, on=timezone.localdate())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    translation.activate("fa")
    base = timed(empty_page, args.repeat)
    print(f"baseline: empty one-page document {base * 1e3:.0f} ms")
    for name, fn in (("label sheet, 50 labels (3 pages)", label_sheet), ("member statement", member_statement)):
        ours = timed(fn, args.repeat)
        print(f"{name}: {ours * 1e3:.0f} ms, {len(fn()) / 1024:.0f} KB, ratio {ours / base:.1f}")
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(fn)
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
            print(out.getvalue())


if __name__ == "__main__":
    main()
