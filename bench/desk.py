"""The desk's inbox and institution performance page at 100,000 requests against the same at 1,000.

    .venv/bin/python bench/desk.py                      # SQLite files in a temporary directory
    .venv/bin/python bench/desk.py --postgres           # scratch databases on the local PostgreSQL
    .venv/bin/python bench/desk.py --small 1000 --big 100000 --rounds 10 --calls 5

Builds one world (South Khorasan's counties, 40 institutions: bank branches, agencies and training centres,
one agency that rarely answers; officers; 2,000 people), then two databases from it: one with `--small`
requests and one with `--big`, made by set-based bulk inserts (requests in every state over the last year with
their deadlines, the steps of each, and the figures built by `figures_rebuild`, as a migration would). The same
pages are then timed through the Django test client on both, in alternating rounds (median per call), and the
ratio big / small printed. Target (issue 11): <= 1.5.

Pages: the inbox of the busiest institution's officer (`desk:inbox` when the request pages are installed; on a
branch without them, the queryset that inbox uses: running requests of the institution, nearest deadline first,
first 50 rows and the count, and the report says so), and `/desk/performance/` for the county officer of
Qaenat, the province officer and the busiest institution's officer.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG = {"host": os.environ.get("DATABASE_HOST", "127.0.0.1"), "port": int(os.environ.get("DATABASE_PORT", "5432")),
      "user": os.environ.get("DATABASE_USER", "postgres")}
SUFFIX = f"{os.getpid()}"
NOW = datetime.datetime(2025, 12, 20, 10, 0, tzinfo=datetime.UTC)  # 1404/09/29, the moment pages are looked at
SEED = 11
INSTITUTIONS = 40
PEOPLE = 2_000
BATCH = 5_000


# --- databases ------------------------------------------------------------------------------------------------

class Databases:
    """Where the world and the two sizes live; `use(name)` points Django's default connection at one."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.dir = Path(tempfile.mkdtemp(prefix="mardom_bench_desk_"))
        self.names = {"world": self._name("world"), "small": self._name("small"), "big": self._name("big")}

    def _name(self, what: str) -> str:
        return f"mardom_bench_desk_{what}_{SUFFIX}" if self.postgres else str(self.dir / f"{what}.sqlite3")

    def url(self, what: str) -> str:
        if self.postgres:
            return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{self.names[what]}"
        return f"sqlite:///{self.names[what]}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:
            conn.execute(sql)

    def create_world(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.names["world"]}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.names["world"]}"')

    def copy_world(self) -> None:
        """The small and big databases start as copies of the world."""
        from django.db import connections

        conn = connections["default"]
        if not self.postgres:
            with conn.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        for what in ("small", "big"):
            if self.postgres:
                self._admin(f'DROP DATABASE IF EXISTS "{self.names[what]}" WITH (FORCE)')
                self._admin(f'CREATE DATABASE "{self.names[what]}" TEMPLATE "{self.names["world"]}"')
            else:
                shutil.copyfile(self.names["world"], self.names[what])

    def use(self, what: str) -> None:
        from django.db import connections

        conn = connections["default"]
        conn.close()
        conn.settings_dict["NAME"] = self.names[what]

    def drop(self) -> None:
        from django.db import connections

        connections.close_all()
        if self.postgres:
            for name in self.names.values():
                try:
                    self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                except Exception as error:
                    print(f"could not drop {name}: {error}")
        shutil.rmtree(self.dir, ignore_errors=True)


# --- the world ----------------------------------------------------------------------------------------------

def build_world() -> dict[str, Any]:
    """Institutions in South Khorasan's counties, their officers and the desk's, and people to ask for."""
    from mardom.core.text import search_key
    from mardom.geo.models import Place
    from mardom.orgs import services as orgs
    from mardom.orgs.models import OrgUnit
    from mardom.people.models import Person, RoleAssignment, User

    rng = random.Random(SEED)
    province = OrgUnit.objects.get(kind="province", name="خراسان جنوبی")
    counties = list(OrgUnit.objects.filter(kind="county", parent=province).order_by("pk"))
    qaenat = next(c for c in counties if c.name == "قاینات")
    village = Place.objects.filter(kind="village").first()

    def user(name: str, role: str, unit: Any) -> Any:
        person = Person.objects.create(national_id=f"99{len(name):02d}{abs(hash(name)) % 10**6:06d}",
                                       first_name="کاربر", last_name=name, mobile=f"0912{rng.randrange(10**7):07d}",
                                       unit=unit, home_place=village, gender="female",
                                       search_key=search_key(f"کاربر {name}"))
        login = User.objects.create_user(f"bench_{role}_{unit.pk}", "bench-password", person=person)
        RoleAssignment.objects.create(user=login, role=role, unit=unit)
        return login

    officer = user("میز قاینات", "county_officer", qaenat)
    province_officer = user("استان", "province_officer", province)
    kinds = ["bank_branch"] * 20 + ["agency"] * 12 + ["training_centre"] * 8
    banks = ["keshavarzi", "melli", "sepah", "mellat", "tejarat", "refah"]
    institutions = []
    for i, kind in enumerate(kinds[:INSTITUTIONS]):
        county = qaenat if i < 10 else counties[i % len(counties)]
        desk = user(f"میز {county.pk}", "county_officer", county) if not RoleAssignment.objects.filter(
            unit=county, role="county_officer").exists() else None
        by = desk or RoleAssignment.objects.filter(unit=county, role="county_officer").first().user
        name = {"bank_branch": "بانک", "agency": "اداره", "training_centre": "مرکز آموزش"}[kind]
        institutions.append(orgs.institution_create(
            by=by, county=county, name=f"{name} {i + 1} {county.name}", place=None, type=kind,
            bank=banks[i % len(banks)] if kind == "bank_branch" else "", services="خدمات"))
    officers = {inst.pk: user(f"نهاد {inst.pk}", "institution_officer", inst) for inst in institutions[:30]}
    people = [Person(national_id=f"88{n:08d}", first_name="مریم", last_name=f"نمونه {n}",
                     mobile=f"0915{n:07d}", unit=qaenat, home_place=village, gender="female",
                     search_key=search_key(f"مریم نمونه {n}")) for n in range(PEOPLE)]
    Person.objects.bulk_create(people, batch_size=BATCH)
    return {"officer": officer.pk, "province": province_officer.pk,
            "institutions": [(i.pk, str(i.type), i.parent_id) for i in institutions],
            "officers": {pk: u.pk for pk, u in officers.items()}, "qaenat": qaenat.pk}


# --- the requests --------------------------------------------------------------------------------------------

KIND_OF = {"bank_branch": ["bank_loan"], "agency": ["agency_support", "permit", "market_access"],
           "training_centre": ["training"]}
LEVEL = {("bank_branch", "bank_loan"): (3, 15), ("agency", "permit"): (5, 20)}
REASONS = ["documents", "not_eligible", "no_budget", "guarantee", "not_ours", "other"]
WEEK_FACTOR = 7 * 24 * 60 / (5 * 480)  # wall-clock minutes per working minute, roughly


def fill(world: dict[str, Any], count: int) -> dict[str, int]:
    """`count` requests over the year before NOW, with their steps, by bulk inserts; then the figures rebuilt."""
    from mardom.desk.models import Request, RequestStep
    from mardom.desk.services.figures import figures_rebuild
    from mardom.desk.workcal import DAY_MINUTES, calendar_for
    from mardom.orgs.models import OrgUnit
    from mardom.people.models import Person

    rng = random.Random(SEED + count)
    cal = calendar_for()
    S, A = Request.Status, RequestStep.Action
    person_ids = list(Person.objects.filter(national_id__startswith="88").values_list("pk", flat=True))
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in={c for _i, _t, c in world["institutions"]})}
    institutions = world["institutions"]
    # The busiest institution (a bank branch) takes a third of the requests and is slow, so its inbox has a queue
    # at either size (about 5% of all requests open there); one agency (the last) rarely answers.
    weights = [20.0 if n == 0 else 1.0 for n in range(len(institutions))]
    busiest = institutions[0][0]
    silent = next(pk for pk, kind, _c in reversed(institutions) if kind == "agency")
    by = world["officer"]
    made = {"requests": 0, "steps": 0}
    due_cache: dict[tuple[datetime.datetime, int], datetime.datetime] = {}

    def add_days(start: datetime.datetime, days: int) -> datetime.datetime:
        key = (start.replace(minute=0, second=0, microsecond=0), days)
        if key not in due_cache:
            due_cache[key] = cal.add_working_minutes(key[0], days * DAY_MINUTES)
        return due_cache[key] + (start - key[0])

    def after(start: datetime.datetime, working_minutes: float) -> datetime.datetime:
        return start + datetime.timedelta(minutes=working_minutes * WEEK_FACTOR)

    pending: list[tuple[Request, list[RequestStep]]] = []

    def flush() -> None:
        Request.objects.bulk_create([r for r, _s in pending], batch_size=BATCH)
        steps = []
        for request, own in pending:
            for step in own:
                step.request_id = request.pk
                steps.append(step)
        RequestStep.objects.bulk_create(steps, batch_size=BATCH)
        made["steps"] += len(steps)
        pending.clear()

    for n in range(count):
        inst_pk, inst_type, county_pk = rng.choices(institutions, weights)[0]
        county = units[county_pk]
        kind = rng.choice(KIND_OF[inst_type])
        first_days, decision_days = LEVEL.get((inst_type, kind), (3, 10))
        sent = NOW - datetime.timedelta(minutes=rng.randrange(365 * 24 * 60))
        sent = sent.replace(hour=5 + rng.randrange(7))  # 8:30 to 14:30 in Tehran
        amount = rng.randrange(50, 2000) * 1_000_000 if kind in ("bank_loan", "agency_support") else None
        r = Request(person_id=rng.choice(person_ids), kind=kind, subject=f"درخواست {n}", amount_asked=amount,
                    institution_id=inst_pk, unit_id=county.pk, county_id=county.pk, path=county.path,
                    created_by_id=by, created_at=sent, submitted_at=sent, status=S.SUBMITTED)
        r.first_answer_due, r.decision_due = add_days(sent, first_days), add_days(sent, decision_days)
        steps = [RequestStep(action=A.CREATE, by_id=by, at=sent),
                 RequestStep(action=A.SUBMIT, from_status=S.DRAFT, to_status=S.SUBMITTED, by_id=by, at=sent)]
        slow = inst_pk == busiest
        answers = rng.random() < (0.15 if inst_pk == silent else 0.9 if slow else 1.0)
        # median ~1.4 working days to a first answer (~4 at the busiest), ~4 more to the decision (~12)
        first_at = after(sent, rng.lognormvariate(7.5 if slow else 6.5, 1.0)) if answers else None
        if rng.random() < 0.03:  # withdrawn by the person before the answer
            r.status, r.withdrawn_at = S.WITHDRAWN, sent + datetime.timedelta(days=rng.randrange(1, 20))
            steps.append(RequestStep(action=A.WITHDRAW, from_status=S.SUBMITTED, to_status=S.WITHDRAWN,
                                     at=r.withdrawn_at))
        elif first_at is not None and first_at <= NOW:
            r.status, r.received_at, r.first_answer_at = S.RECEIVED, first_at, first_at
            r.first_answer_late = first_at > r.first_answer_due
            steps.append(RequestStep(action=A.RECEIVE, from_status=S.SUBMITTED, to_status=S.RECEIVED,
                                     at=first_at, late=r.first_answer_late))
            decided = after(first_at, rng.lognormvariate(8.7 if slow else 7.6, 0.8))
            if decided <= NOW:
                r.status, r.answered_at = S.ANSWERED, decided
                r.decision_late = decided > r.decision_due
                r.outcome = rng.choices(["granted", "partly", "refused"], [5, 2, 3])[0]
                if r.outcome == "refused":
                    r.refusal_reason = rng.choice(REASONS)
                    r.refusal_text = "دلیل" if r.refusal_reason == "other" else ""
                elif amount:
                    r.granted_amount = amount if r.outcome == "granted" else amount // 2
                steps.append(RequestStep(action=A.ANSWER, from_status=S.RECEIVED, to_status=S.ANSWERED,
                                         at=decided, late=r.decision_late))
                if decided + datetime.timedelta(days=7) <= NOW and rng.random() < 0.7:
                    r.status, r.closed_at = S.CLOSED, decided + datetime.timedelta(days=7)
                    steps.append(RequestStep(action=A.CLOSE, from_status=S.ANSWERED, to_status=S.CLOSED,
                                             by_id=by, at=r.closed_at))
            elif rng.random() < 0.5:
                r.status, r.review_at = S.IN_REVIEW, first_at + datetime.timedelta(hours=2)
                steps.append(RequestStep(action=A.REVIEW, from_status=S.RECEIVED, to_status=S.IN_REVIEW,
                                         at=r.review_at))
        if r.status in (S.SUBMITTED, S.RECEIVED, S.IN_REVIEW):
            r.due_at = r.first_answer_due if r.first_answer_at is None else r.decision_due
            r.warn_at = sent + (r.due_at - sent) * 3 / 4
            if r.due_at < NOW:
                r.escalation_level = 2 if NOW - r.due_at > datetime.timedelta(days=10) else 1
                r.escalated_at = r.due_at + datetime.timedelta(hours=1)
        pending.append((r, steps))
        made["requests"] += 1
        if len(pending) >= BATCH:
            flush()
    if pending:
        flush()
    started = time.perf_counter()
    made["figures"] = figures_rebuild()
    made["rebuild_s"] = round(time.perf_counter() - started, 1)
    return made


# --- timing --------------------------------------------------------------------------------------------------

def page_measures(world: dict[str, Any], suggested: bool) -> tuple[dict[str, Callable[[Any], Any]], str]:
    """Callables taking a test client dict (one logged-in client per user), and how the inbox is measured."""
    from django.db.models import F
    from django.urls import NoReverseMatch, reverse

    from mardom.desk.models import Request

    busiest = world["institutions"][0][0]
    performance = reverse("desk:performance")
    params = {"year": "1404"}
    try:
        inbox_url = reverse("desk:inbox")
    except NoReverseMatch:
        inbox_url = None

    def inbox_queryset(_clients: Any) -> Any:
        qs = Request.objects.filter(institution_id=busiest, status__in=["submitted", "received", "in_review"])
        qs = qs.select_related("person", "institution", "to_unit", "unit").order_by(
            F("due_at").asc(nulls_last=True), "-created_at", "-pk")
        return qs.count(), list(qs[:50])

    def get(who: str, url: str) -> Callable[[Any], Any]:
        def call(clients: Any) -> Any:
            response = clients[who].get(url, params if url == performance else {})
            assert response.status_code == 200, (who, url, response.status_code)
            return response
        return call

    def inbox_suggested(_clients: Any) -> Any:
        """The same rows from an index on (institution, due_at): running requests are those with a deadline
        that are not waiting on the person, read in deadline order, so the first page stops after 50 rows."""
        qs = Request.objects.filter(institution_id=busiest, due_at__isnull=False).exclude(status="waiting")
        return qs.count(), list(qs.select_related("person", "institution", "to_unit", "unit").order_by(
            "due_at", "pk")[:50])

    if suggested:  # the second phase: only the variant, once the index is there
        return {"inbox rows on an added (institution, due_at) index": inbox_suggested}, ""
    measures = {
        "inbox (busiest institution's officer)": get("institution", inbox_url) if inbox_url else inbox_queryset,
        "performance, county officer": get("county", performance),
        "performance, province officer": get("province", performance),
        "performance, institution officer": get("institution", performance),
    }
    how = "the inbox page through the client" if inbox_url else (
        "the inbox's queryset (no inbox page on this branch: count + first 50 running requests, nearest due first)")
    return measures, how


def clients_for(world: dict[str, Any]) -> dict[str, Any]:
    from django.test import Client

    from mardom.people.models import User

    users = {"county": world["officer"], "province": world["province"],
             "institution": world["officers"][world["institutions"][0][0]]}
    clients = {}
    for who, pk in users.items():
        client = Client()
        client.force_login(User.objects.get(pk=pk))
        clients[who] = client
    return clients


def run_rounds(dbs: Databases, measures: dict[str, Callable[[Any], Any]], clients: dict[str, Any], rounds: int,
               calls: int) -> list[tuple[str, float, float]]:
    """(name, median seconds at the small size, at the big size) per measure, in alternating rounds."""
    for what in ("small", "big"):
        dbs.use(what)
        for fn in measures.values():
            fn(clients[what])  # warm up, and check each answers 200
    samples: dict[tuple[str, str], list[float]] = {(m, w): [] for m in measures for w in ("small", "big")}
    for n in range(rounds):
        for what in ("small", "big") if n % 2 == 0 else ("big", "small"):
            dbs.use(what)
            next(iter(measures.values()))(clients[what])  # the new connection's first queries are not timed
            for name, fn in measures.items():
                for _call in range(calls):
                    t = time.perf_counter()
                    fn(clients[what])
                    samples[(name, what)].append(time.perf_counter() - t)
    return [(name, statistics.median(samples[(name, "small")]), statistics.median(samples[(name, "big")]))
            for name in measures]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="scratch databases on the local PostgreSQL")
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=8, help="alternating rounds (each switches database)")
    parser.add_argument("--calls", type=int, default=5, help="calls of each page per round")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--suggested-inbox", action="store_true",
                        help="also time the inbox's rows on an added (institution, due_at) index")
    args = parser.parse_args()

    started = time.perf_counter()
    dbs = Databases(args.postgres)
    dbs.create_world()
    os.environ["DATABASE_URL"] = dbs.url("world")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"  # DEBUG off, so no query log in memory
    import django

    django.setup()
    import time_machine
    from django.core.management import call_command
    from django.db import connection

    try:
        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        world = build_world()
        print(f"{connection.vendor} world migrated and built in {time.perf_counter() - t:.1f} s "
              f"({len(world['institutions'])} institutions, {PEOPLE:,} people); {os.cpu_count()} CPUs")
        dbs.copy_world()
        for what, count in (("small", args.small), ("big", args.big)):
            dbs.use(what)
            t = time.perf_counter()
            made = fill(world, count)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(f"{what}: {made['requests']:,} requests, {made['steps']:,} steps, {made['figures']:,} figures rows "
                  f"(rebuild {made['rebuild_s']} s) in {time.perf_counter() - t:.1f} s")
        with time_machine.travel(NOW, tick=False):
            measures, how = page_measures(world, False)
            clients = {}
            for what in ("small", "big"):
                dbs.use(what)
                clients[what] = clients_for(world)
            results = run_rounds(dbs, measures, clients, args.rounds, args.calls)
            if args.suggested_inbox:
                for what in ("small", "big"):
                    dbs.use(what)
                    with connection.cursor() as cursor:
                        cursor.execute("CREATE INDEX bench_inbox_due ON desk_request (institution_id, due_at)")
                        cursor.execute("ANALYZE")
                variant, _how = page_measures(world, True)
                results += run_rounds(dbs, variant, clients, args.rounds, args.calls)
        print(f"\ninbox measured as {how}\n")
        print(f"| page | {args.small:,} requests | {args.big:,} requests | ratio | target | met |")
        print("| --- | ---: | ---: | ---: | --- | --- |")
        for name, small, big in results:
            ratio = big / small
            print(f"| {name} | {small * 1e3:.1f} ms | {big * 1e3:.1f} ms | {ratio:.2f} | <= 1.5 | "
                  f"{'yes' if ratio <= 1.5 else '**no**'} |")
    finally:
        if args.keep:
            print(f"kept: {dbs.names}")
        else:
            dbs.drop()
        print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
