"""Place picker and scope filter cost, as ratios against a plain query measured in the same run.

Run after `make demo` (it reads the demo database):  .venv/bin/python bench/place_search.py
(a) place_search (spelling-tolerant, ranked, labelled) vs an indexed prefix lookup of the same key;
(b) a county officer's scope-filtered people list page vs the same page unfiltered.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django

django.setup()

from mardom.core.text import search_key  # noqa: E402
from mardom.geo.models import Place  # noqa: E402
from mardom.geo.selectors import place_search  # noqa: E402
from mardom.people.models import Person, User  # noqa: E402
from mardom.people.selectors import person_list  # noqa: E402


def timed(fn: Callable[[], object], repeat: int = 200) -> float:
    """Median seconds per call over `repeat` calls (after one warm-up)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    print(f"places: {Place.objects.count():,}  people: {Person.objects.count():,}")
    for query in ("قائن", "نیمبلو", "بیرجند", "خوسف"):
        key = search_key(query)
        ours = timed(lambda q=query: place_search(query=q))
        base = timed(lambda k=key: list(Place.objects.filter(search_key__startswith=k)[:20]))
        print(f"(a) place_search({query!r}): {ours * 1e3:.2f} ms vs prefix lookup {base * 1e3:.2f} ms "
              f"ratio {ours / base:.1f}")
    officer = User.objects.get(person__mobile="09120000003")
    ours = timed(lambda: list(person_list(user=officer)[:50]))
    base = timed(lambda: list(Person.objects.select_related("home_place", "home_place__county", "unit")
                              .order_by("last_name", "first_name", "pk")[:50]))
    print(f"(b) scoped people page: {ours * 1e3:.2f} ms vs unscoped {base * 1e3:.2f} ms ratio {ours / base:.2f}")


if __name__ == "__main__":
    main()
