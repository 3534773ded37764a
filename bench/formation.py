"""Formation suggestions at national scale: time and peak memory of `production.formation.suggest` for N producers.

No database: a seeded synthetic hierarchy (31 provinces x ~14 counties x ~3 districts x ~3 rural districts x ~30
villages, one city per district) and producers with a realistic skew (each province has a few dominant product
lines; a quarter of producers live in cities).

    .venv/bin/python bench/formation.py                      # N = 10k, 100k, 1M, 3 runs each, median
    .venv/bin/python bench/formation.py --sizes 10000,100000 --repeat 5

Each size runs in its own child process, so that the rusage peak (ru_maxrss, which never goes down) belongs to that
size alone. In the child: the input is generated first (not timed), then `suggest()` runs `repeat` times without
tracing (median wall time), then once more under tracemalloc (peak of Python allocations during the call). The
maxrss delta is the process peak after all runs minus the peak after generating the input.
Target (the issue): growth close to linear, t(1M) within 30x t(10k).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mardom.production.formation import ProducerRow, suggest
from mardom.production.taxonomy import PRODUCTS

SEED = 1402


def hierarchy(rng: random.Random):
    """[(province, county, district, city, [(rural_district, [village, ...]), ...]), ...] and province weights."""
    ids = iter(range(1, 10**9))
    districts = []
    province_weight = {}
    for province in range(1, 32):
        province_weight[province] = rng.uniform(0.3, 3.0)  # population differs a lot between provinces
        for _ in range(rng.randint(8, 20)):  # ~14 counties
            county = next(ids)
            for _ in range(rng.randint(2, 4)):  # ~3 districts
                district, city = next(ids), next(ids)
                rurals = []
                for _ in range(rng.randint(2, 4)):  # ~3 rural districts
                    rd = next(ids)
                    rurals.append((rd, [next(ids) for _ in range(rng.randint(15, 45))]))  # ~30 villages
                districts.append((province, county, district, city, rurals))
    return districts, province_weight


def generate(n: int, seed: int = SEED) -> list[ProducerRow]:
    rng = random.Random(seed)
    districts, province_weight = hierarchy(rng)
    lines = [(code, chain) for code, _name, _cat, _unit, chain in PRODUCTS]
    # Each province: 3 dominant lines take ~70% of its producers, the rest spread over all lines.
    dominant = {p: rng.sample(lines, 3) for p in province_weight}
    by_province: dict[int, list] = {}
    for d in districts:
        by_province.setdefault(d[0], []).append(d)
    provinces = sorted(province_weight)
    cum_weights = []
    total = 0.0
    for p in provinces:
        total += province_weight[p]
        cum_weights.append(total)

    rows = []
    chosen = rng.choices(provinces, cum_weights=cum_weights, k=n)
    for i, province in enumerate(chosen, start=1):
        province_id, county, district, city, rurals = rng.choice(by_province[province])
        r = rng.random()
        if r < 0.7:
            code, chain = dominant[province_id][0 if r < 0.4 else 1 if r < 0.58 else 2]
        else:
            code, chain = rng.choice(lines)
        if rng.random() < 0.25:
            rows.append(ProducerRow(i, code, chain, None, None, district, city, county, province_id))
        else:
            rd, villages = rng.choice(rurals)
            # Villages are not equally populous either: square the uniform draw to favour the first ones.
            village = villages[int(len(villages) * rng.random() ** 2)]
            rows.append(ProducerRow(i, code, chain, village, rd, district, None, county, province_id))
    return rows


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run_one(n: int, repeat: int) -> dict:
    rows = generate(n)
    gc.collect()
    rss_before = maxrss_mib()
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = suggest(rows)
        times.append(time.perf_counter() - start)
        del result
    rss_after_runs = maxrss_mib()
    gc.collect()
    tracemalloc.start()
    traced = suggest(rows)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    placed = sum(len(c.producer_ids) for c in traced.colonies)
    return {
        "n": n,
        "times": times,
        "median": statistics.median(times),
        "tracemalloc_peak_mib": peak / 2**20,
        "maxrss_delta_mib": rss_after_runs - rss_before,
        "colonies": len(traced.colonies),
        "placed": placed,
        "unplaced": len(traced.unplaced),
        "clusters": len(traced.clusters),
        "province_clusters": len(traced.province_clusters),
        "levels": {lvl: sum(1 for c in traced.colonies if c.level == lvl)
                   for lvl in ("village", "city", "rural_district", "district")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child mode: one size, JSON on stdout
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.repeat)))
        return

    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--one", str(n), "--repeat", str(args.repeat)],
                             check=True, capture_output=True, text=True).stdout
        results.append(json.loads(out))
        r = results[-1]
        print(f"N={n:>9,}: median {r['median']:.3f} s of {[round(t, 3) for t in r['times']]}, "
              f"tracemalloc peak {r['tracemalloc_peak_mib']:.1f} MiB, maxrss delta {r['maxrss_delta_mib']:.1f} MiB; "
              f"{r['colonies']:,} colonies {r['levels']}, {r['placed']:,} placed, {r['unplaced']:,} unplaced, "
              f"{r['clusters']:,} county clusters, {r['province_clusters']:,} province clusters", flush=True)

    base = results[0]
    print()
    print("| N | median time | time ratio | per producer | tracemalloc peak | maxrss delta | colonies | clusters "
          "| province clusters |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['n']:,} | {r['median']:.3f} s | {r['median'] / base['median']:.1f}x "
              f"| {r['median'] / r['n'] * 1e6:.2f} µs | {r['tracemalloc_peak_mib']:.1f} MiB "
              f"| {r['maxrss_delta_mib']:.1f} MiB | {r['colonies']:,} | {r['clusters']:,} "
              f"| {r['province_clusters']:,} |")
    for r in results[1:]:
        size, time_ratio = r["n"] / base["n"], r["median"] / base["median"]
        print(f"\nt({r['n']:,}) / t({base['n']:,}) = {time_ratio:.1f}x for {size:.0f}x the producers; "
              f"per-producer time {time_ratio / size:.2f}x that at {base['n']:,}")
        if size == 100:
            verdict = "met" if time_ratio <= 30 else "missed"
            print(f"target 't(1M) within 30x t(10k)': {verdict}; note that any pass that reads every producer "
                  f"needs about 100x for 100x the input, so the per-producer ratio is the linearity measure")

if __name__ == "__main__":
    main()
