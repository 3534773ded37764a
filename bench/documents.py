"""What a printed document costs: a 50-label sheet and a member's statement, as ratios against an empty one-page
WeasyPrint document rendered in the same run (same fonts, same fetcher), so the figures survive a noisy machine.

Run after `make demo` (the statement reads the demo database; the label sheet is made of synthetic serials):

    .venv/bin/python bench/documents.py              # medians of 5 renders each
    .venv/bin/python bench/documents.py --profile    # and where the time goes (cProfile, top functions)

"label sheet as before" renders the sheet as it was before issue 10 (template and QR code from commit BEFORE:
inline SVG QR codes with segno's best-of-8 mask), from git history, so the gain is measured in the same run.
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
from mardom.funds.views.statements import member_statement_pdf_bytes  # noqa: E402


def empty_page() -> bytes:
    return render_pdf("bench/empty_print.html", {}, None)


def label_sheet(count: int = 50) -> bytes:
    """The label sheet template with `count` synthetic labels, as brands.views.labels_pdf lays them out."""
    return brand_views.labels_sheet_pdf(
        lot=SimpleNamespace(code="L-1404-0001"), brand=SimpleNamespace(name="نمانام آزمایشی"),
        product=SimpleNamespace(name="عسل کوهستان"),
        labels=[SimpleNamespace(serial=f"K7QX{n:08d}MZ", number=n) for n in range(1, count + 1)])


BEFORE = "9058afd"


def label_sheet_before(count: int = 50) -> bytes:
    """The same sheet with the template and QR codes of commit BEFORE (read from git)."""
    import subprocess

    import segno
    from django.template import engines
    from django.utils.safestring import mark_safe

    from mardom.brands import services
    from mardom.core import pdf

    source = subprocess.run(["git", "show", f"{BEFORE}:mardom/brands/templates/brands/labels_print.html"],
                            capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent
                            ).stdout
    template = engines["django"].from_string(source)
    cells: list[dict[str, object] | None] = [
        {"serial": brand_views.grouped(serial), "number": n,
         "qr": mark_safe(segno.make(services.public_url(serial), error="m").svg_inline(omitsize=True, border=2))}
        for n, serial in ((n, f"K7QX{n:08d}MZ") for n in range(1, count + 1))]
    cells += [None] * (-len(cells) % 3)
    rows = [cells[i:i + 3] for i in range(0, len(cells), 3)]
    html = template.render({
        "lot": SimpleNamespace(code="L-1404-0001"), "brand": SimpleNamespace(name="نمانام آزمایشی"),
        "product": SimpleNamespace(name="عسل کوهستان"), "pages": [rows[i:i + 8] for i in range(0, len(rows), 8)],
        "first": 1, "last": count, "search_url": "mardom.example/p/", "fonts": pdf.font_faces(),
        "footer_css": pdf.page_footer_css(), "printed_at": timezone.now()})
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    return HTML(string=html, url_fetcher=pdf._fetcher(), base_url=None).write_pdf(font_config=FontConfiguration())


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
    cases = {"baseline: empty one-page document": empty_page,
             "label sheet, 50 labels (3 pages)": label_sheet,
             "label sheet as before (inline SVG QR, best mask)": label_sheet_before,
             "member statement (demo member with a loan)": member_statement}
    sizes = {name: len(fn()) for name, fn in cases.items()}  # warm-up: imports, fonts, templates
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeat):  # rounds alternate the cases, so the machine's load falls on all of them alike
        for name, fn in cases.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    base = statistics.median(samples["baseline: empty one-page document"])
    for name, fn in cases.items():
        ours = statistics.median(samples[name])
        print(f"{name}: {ours * 1e3:.0f} ms (median of {args.repeat}), {sizes[name] / 1024:.0f} KB, "
              f"ratio {ours / base:.1f}")
        if args.profile and fn is not empty_page:
            profile = cProfile.Profile()
            profile.runcall(fn)
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
            print(out.getvalue())


if __name__ == "__main__":
    main()
