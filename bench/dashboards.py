"""The dashboards at national size, on PostgreSQL: each level's page on the national synthetic data set as a ratio
against the same page on the demo data set, measured in the same run (issue 12: <= 1.2x, and <= 50 ms of
database time per page), and `rollups-rebuild --check` on the national data set. The doubling page of the
nation, the province and the county too (read from the roll-ups), and, beside the nation's, the same figures
summed from the facts (`doubling.figures_by`, what the page did before) to show what the roll-ups save.

Run:  .venv/bin/python bench/dashboards.py --national mardom_synth_010 [--demo mardom_bench_demo] [--repeat 15]

--national names a database `mardom synth` filled (see bench/README.md); the script runs `rollups-rebuild` on it
first if it holds no figures. --demo names a database holding `mardom demo`; without it the script makes one
(migrate, demo: about five minutes) and drops it at the end. Each measurement runs in a child process with its
own DATABASE_URL; the page is fetched through Django's test client as an officer of that level (a bench login
made in the scratch database), and the database time is the sum of its queries' durations.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG = {"host": os.environ.get("DATABASE_HOST", "127.0.0.1"), "port": int(os.environ.get("DATABASE_PORT", "5432")),
      "user": os.environ.get("DATABASE_USER", "postgres")}
LEVELS = ("nation", "province", "county", "fund", "doubling-nation", "doubling-province", "doubling-county",
          "facts-nation")


def url(db: str) -> str:
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{db}"


def child(db: str, *args: str) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": url(db), "DJANGO_SETTINGS_MODULE": "config.settings.dev",
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, __file__, "--child", *args], env=env, check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def manage(db: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url(db), "DJANGO_SETTINGS_MODULE": "config.settings.dev",
           "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True, stdout=subprocess.DEVNULL)


# --- in the child process ---------------------------------------------------------------------------------
# The demo's province and county, which the national data set has too: the same unit on both sides shows the same
# number of children, so the ratio is what the history and the funds beneath it cost, not a longer table.
SAME_UNITS = {"province": "خراسان جنوبی", "county": "قاینات"}


def _unit(level: str) -> Any:
    """The nation; the demo's province and county; the fund with the most members."""
    from django.db.models import Count

    from mardom.funds.models import Fund, Membership
    from mardom.orgs.models import OrgUnit

    if level == "nation":
        return OrgUnit.objects.get(kind="nation")
    if level == "fund":
        pk = (Membership.objects.values("fund_id").annotate(n=Count("pk")).order_by("-n", "fund_id")
              .values_list("fund_id", flat=True).first())
        return Fund.objects.get(pk=pk)
    return OrgUnit.objects.get(kind=level, name=SAME_UNITS[level])


def _officer(unit: Any) -> Any:
    """A login with the level's officer role on the unit (made in the scratch database)."""
    from mardom.people.models import RoleAssignment, User

    role = {"nation": "national_officer", "province": "province_officer", "county": "county_officer",
            "fund": "fund_manager"}[unit.kind]
    user, _ = User.objects.get_or_create(username=f"bench-dash-{unit.kind}")
    RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
    return user


def _facts_reader(unit: Any) -> Any:
    """The nation's doubling figures by province summed from the sales, buybacks and orders themselves."""
    from mardom.dashboards import doubling
    from mardom.dashboards.selectors import population_of

    return doubling.figures_by(population_of(unit), "unit__parent", year=doubling.current_year())


def measure(level: str, repeat: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    kind = level.split("-")[-1]
    unit = _unit(kind)
    client = Client()
    client.force_login(_officer(unit))
    page = f"/dashboards/doubling/?unit={unit.pk}" if level.startswith("doubling-") else f"/dashboards/u/{unit.pk}/"
    spent: list[float] = []
    count: list[int] = []

    def timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[-1] += time.perf_counter() - start
            count[-1] += 1

    walls, dbs, queries, sizes = [], [], [], []
    for i in range(repeat + 1):
        spent.append(0.0)
        count.append(0)
        start = time.perf_counter()
        with connection.execute_wrapper(timer):
            if level.startswith("facts-"):
                size = len(str(_facts_reader(unit)))
            else:
                response = client.get(page, HTTP_HOST="127.0.0.1")
                assert response.status_code == 200, (page, response.status_code)
                size = len(response.content)
        wall = time.perf_counter() - start
        if i:  # the first fetch warms the caches
            walls.append(wall)
            dbs.append(spent[-1])
            queries.append(count[-1])
            sizes.append(size)
    # The fastest fetch as well as the median: on a shared machine the minimum is what the page costs, the
    # median what it cost under the load of the moment.
    return {"level": level, "unit": unit.name, "wall_ms": statistics.median(walls) * 1000,
            "db_ms": statistics.median(dbs) * 1000, "db_min_ms": min(dbs) * 1000, "queries": max(queries),
            "bytes": max(sizes)}


def check_rebuild() -> dict[str, Any]:
    import django

    django.setup()
    from mardom.dashboards import rebuild

    start = time.perf_counter()
    found = rebuild.rebuild(write=False)
    return {"seconds": time.perf_counter() - start, "differences": len(found)}


def counts() -> dict[str, Any]:
    import django

    django.setup()
    from mardom.dashboards.models import Figure
    from mardom.funds.models import Fund, Membership
    from mardom.ledger.models import Posting

    return {"funds": Fund.objects.count(), "members": Membership.objects.count(),
            "postings": Posting.objects.count(), "figures": Figure.objects.count()}


# --- the parent -----------------------------------------------------------------------------------------------
def admin(sql: str) -> None:
    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:
        conn.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--national", required="--child" not in sys.argv)
    parser.add_argument("--demo")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        what = args.child[0]
        result = (measure(args.child[1], int(args.child[2])) if what == "page" else check_rebuild()
                  if what == "rebuild" else counts())
        print(json.dumps(result, ensure_ascii=False))
        return
    made_demo = args.demo is None
    demo = args.demo or f"mardom_bench_demo_{os.getpid()}"
    try:
        if made_demo:
            print(f"making the demo database {demo} (migrate, demo)...", flush=True)
            admin(f'CREATE DATABASE "{demo}"')
            manage(demo, "migrate", "--noinput")
            manage(demo, "demo")
        for db in (demo, args.national):
            if child(db, "counts")["figures"] == 0:
                print(f"{db}: no figures yet, rollups-rebuild...", flush=True)
                started = time.perf_counter()
                manage(db, "rollups-rebuild")
                print(f"  rollups-rebuild took {time.perf_counter() - started:.1f} s", flush=True)
        sizes = {db: child(db, "counts") for db in (demo, args.national)}
        for db, size in sizes.items():
            print(f"{db}: {size}")
        print(f"\n{'page':<17} {'demo db ms':>10} {'national db ms':>15} {'ratio':>6} {'min ratio':>9} "
              f"{'demo wall':>10} {'nat. wall':>10} {'queries':>8} {'KB':>6}")
        for level in LEVELS:
            small = child(demo, "page", level, str(args.repeat))
            large = child(args.national, "page", level, str(args.repeat))
            print(f"{level:<17} {small['db_ms']:>10.2f} {large['db_ms']:>15.2f} "
                  f"{large['db_ms'] / small['db_ms']:>6.2f} {large['db_min_ms'] / small['db_min_ms']:>9.2f} "
                  f"{small['wall_ms']:>10.1f} {large['wall_ms']:>10.1f} "
                  f"{large['queries']:>8} {large['bytes'] / 1024:>6.1f}", flush=True)
        small, large = child(demo, "rebuild"), child(args.national, "rebuild")
        print(f"\nrollups-rebuild --check: demo {small['seconds']:.1f} s ({small['differences']} differ), "
              f"national {large['seconds']:.1f} s ({large['differences']} differ)")
    finally:
        if made_demo:
            admin(f'DROP DATABASE IF EXISTS "{demo}" WITH (FORCE)')


if __name__ == "__main__":
    main()
