"""Does Mardom hold at national size? Every page an officer opens, measured on a large synthetic data set
against the same page on a small one, in the same run (issue 13, item 4; target: large ≤ 1.5 × small).

Both databases are made by `mardom synth` (PostgreSQL), e.g.:

    createdb -T mardom_tpl mardom_synth_small && DATABASE_URL=…/mardom_synth_small mardom synth --scale 0.0005
    createdb -T mardom_tpl mardom_synth_001   && DATABASE_URL=…/mardom_synth_001   mardom synth --scale 0.01
    .venv/bin/python bench/scale.py --small postgres://…/mardom_synth_small --large postgres://…/mardom_synth_001

Each database is measured in a child process of its own (Django binds one database at start); the parent prints
the ratios. The pages are fetched through Django's test client as the officers and the fund manager who would
open them (made in the database on first use, usernames bench-*), fastest of `--repeat` fetches after a warm-up.
`ledger-verify` is timed per million postings. Nothing here asserts a time: it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(repeat: int) -> dict[str, float | int | str]:
    """In the child: time every page on this process's DATABASE_URL; returns ms per page and the sizes."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from mardom.funds.models import Fund, Membership
    from mardom.ledger.models import Posting
    from mardom.orgs.models import OrgUnit
    from mardom.people.models import RoleAssignment, User

    settings.DEBUG = False  # no query log growing in memory
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    def officer(name: str, role: str, unit: OrgUnit) -> User:
        user, created = User.objects.get_or_create(username=f"bench-{name}", defaults={"password": "!bench"})
        if created:
            RoleAssignment.objects.create(user=user, role=role, unit=unit, confirmed_at=timezone.now())
        return user

    # The busiest county and its province (the officers who see the most), and a fund of the usual size (125
    # members, two years): the fund's own pages must cost the same whatever the number of other funds, so the
    # fund compared is alike on both sides.
    from django.db.models import Count, F, Func

    county_id = (Fund.objects.values("parent__parent_id").order_by().annotate(n=Count("pk"))
                 .order_by("-n", "parent__parent_id")[0]["parent__parent_id"])
    county = OrgUnit.objects.get(pk=county_id)
    province = county.parent
    fund = (Fund.objects.annotate(n=Count("memberships")).annotate(off=Func(F("n") - 125, function="ABS"))
            .order_by("founded_on", "off", "pk").first())
    member = Membership.objects.filter(fund=fund).order_by("number").first()
    national = officer("national", "national_officer", OrgUnit.objects.get(kind="nation"))
    provincial = officer(f"province-{province.pk}", "province_officer", province)
    county_officer = officer(f"county-{county.pk}", "county_officer", county)
    manager = User.objects.filter(role_assignments__role="fund_manager", role_assignments__unit=fund).first()
    pages: list[tuple[str, User, str]] = [
        ("funds list (county officer)", county_officer, reverse("funds:list")),
        ("members of a fund (manager)", manager, reverse("funds:detail", args=[fund.pk])),
        ("loans of a fund (manager)", manager, reverse("funds:loans", args=[fund.pk])),
        ("producers (county officer)", county_officer, reverse("production:producers")),
        ("colonies and clusters (county officer)", county_officer, reverse("production:suggestions")),
        ("exhibitions (county officer)", county_officer, reverse("market:exhibitions")),
        ("requests (county officer)", county_officer, reverse("desk:requests")),
        ("member's passbook (manager)", manager, reverse("funds:membership", args=[member.pk])),
        ("member's statement (manager)", manager, reverse("funds:statement-member", args=[member.pk])),
        ("fund's monthly statement (manager)", manager, reverse("funds:statement-fund", args=[fund.pk])),
        ("place picker «قائن»", county_officer, reverse("geo:place-search") + "?q=قائن"),
        ("scope: funds list, national officer", national, reverse("funds:list")),
        ("scope: funds list, province officer", provincial, reverse("funds:list")),
        ("scope: funds list, county officer", county_officer, reverse("funds:list")),
        ("scope: people list, county officer", county_officer, reverse("people:list")),
    ]
    out: dict[str, float | int | str] = {}
    client = Client()
    for label, user, url in pages:
        client.force_login(user)
        response = client.get(url)  # warm-up, and the check that it works at all
        if response.status_code != 200:
            out[label] = f"HTTP {response.status_code}"
            continue
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            samples.append(time.perf_counter() - started)
        # The fastest fetch: on a shared machine other work only ever adds to a sample, so the minimum is the
        # steadiest estimate of what the page itself costs.
        out[label] = min(samples) * 1e3
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        out["database MiB"] = round(cursor.fetchone()[0] / 2**20)
    out["funds"] = Fund.objects.count()
    out["fund members"] = fund.n
    out["postings"] = Posting.objects.count()
    return out


def verify_time(url: str, workers: int) -> float:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "ledger-verify", "--quiet", "--workers", str(workers)],
                   env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def run_child(url: str, repeat: int) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, __file__, "--child", "--repeat", str(repeat)], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", help="DATABASE_URL of the small (demo-size) synth database")
    parser.add_argument("--large", help="DATABASE_URL of the large synth database")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="ledger-verify processes")
    parser.add_argument("--no-verify", action="store_true", help="skip timing ledger-verify")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.repeat)))
        return
    if not (args.small and args.large):
        parser.error("--small and --large are both needed")
    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"on {os.cpu_count()} cores")
    small, large = run_child(args.small, args.repeat), run_child(args.large, args.repeat)
    print(f"{'page':44} {'small ms':>9} {'large ms':>9} {'ratio':>6}")
    for label, value in small.items():
        if label in ("database MiB", "funds", "postings", "fund members"):
            continue
        big = large.get(label)
        if isinstance(value, float) and isinstance(big, float):
            ratio = big / value
            print(f"{label:44} {value:9.1f} {big:9.1f} {ratio:6.2f}{'' if ratio <= 1.5 else '  > 1.5'}")
        else:
            print(f"{label:44} {value!s:>9} {big!s:>9}")
    for name, data in (("small", small), ("large", large)):
        print(f"{name}: {data['funds']:,} funds, {data['postings']:,} postings, {data['database MiB']:,} MiB, "
              f"the fund compared has {data['fund members']} members")
    if args.no_verify:
        return
    per_million = []
    for name, data, url in (("small", small, args.small), ("large", large, args.large)):
        seconds = verify_time(url, args.workers)
        per_million.append(seconds / max(1, data["postings"]) * 1e6)
        print(f"{name}: ledger-verify ({args.workers} workers) {seconds:.1f} s = {per_million[-1]:.1f} s per million "
              f"postings")
    print(f"ledger-verify per million postings, large/small: {per_million[1] / per_million[0]:.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
