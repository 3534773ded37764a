"""The books under load, on PostgreSQL, as ratios against baselines measured in the same run.

Run:  .venv/bin/python bench/ledger.py            (about 4-5 minutes; --quick for a smoke run of under a minute)
      options: --only a,b,c  --seconds 20  --keep (leave the scratch databases for inspection)

It creates its own scratch databases on DATABASE_HOST (default 127.0.0.1:5432, user postgres) and drops them
at the end; it never touches the demo database.

(a) Posting throughput: `funds.services.contribution_record` called in a loop by 1 and 4 worker processes
    (each its own connection) for T seconds, side by side with pgbench's built-in TPC-B-like script on the
    same server at the same client counts. With 4 clients it is measured twice: each client on its own fund
    (no shared Book row) and all clients on one fund (they must queue on that fund's Book row lock).
(b) A balance read and one member's passbook (default page, 200 lines) with 1k and with 1M postings in the
    fund. The filler is bulk-inserted SQL for a second member: balanced two-line entries, stored balances and
    the Book head updated to match; their hashes are placeholders (the hash chain is not valid for them).
(c) `funds.selectors.portfolio` (loans outstanding, late, PAR30) for a fund of 100k disbursed loans against
    one SQL statement with window functions over the same installments and repayments; both must agree.
(d) The set-based path: `funds.services.contributions_record_month_bulk` recording a whole month for a fund of
    1,000 members (one transaction, `ledger.bulk.entries_post`), counted as contributions per second, against
    pgbench c=1 in the same run; the book must verify afterwards.
(e) Onboarding: `funds.onboarding.posting.fund_import` of a workbook of 200 members and 24 months of history
    (funds.onboarding.sample: openings, ~4,800 contributions, loans with repayments and guarantors), read,
    validated and posted; wall time per import, target <= 5 s.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing as mp
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG = {"host": os.environ.get("DATABASE_HOST", "127.0.0.1"), "port": int(os.environ.get("DATABASE_PORT", "5432")),
      "user": os.environ.get("DATABASE_USER", "postgres")}
SUFFIX = f"{os.getpid()}"
BENCH_DB = f"mardom_bench_{SUFFIX}"
PGBENCH_DB = f"mardom_bench_pgbench_{SUFFIX}"

# Funds and members are as old as the programme allows (1358/01/01, funds.services.dates), so each member has
# ~550 months to pay.
FOUNDED = datetime.date(1979, 3, 21)
PAID_ON = datetime.date(2025, 3, 21)  # 1404/01/01: months up to 1404/12 may be recorded on this day
ON = datetime.date(2025, 9, 23)  # the day the portfolio is looked at


# --- scratch databases --------------------------------------------------------------------------------------
def admin(sql: str) -> None:
    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:
        conn.execute(sql)


def create_db(name: str) -> None:
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')


def drop_db(name: str) -> None:
    try:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as error:  # pragma: no cover - best effort on the way out
        print(f"could not drop {name}: {error}")


def timed(fn: Callable[[], object], repeat: int, warm_up: bool = True) -> float:
    """Median seconds per call over `repeat` calls (after one warm-up)."""
    if warm_up:
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def sql(query: str, params: Any = None) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def national_id_for(n: int) -> str:
    head = f"{100_000_000 + n:09d}"
    s = sum(int(head[i]) * (10 - i) for i in range(9))
    r = s % 11
    return head + str(r if r < 2 else 11 - r)


# --- the world: a county officer, a base, funds, a treasurer, members (all through the services) -------------
class World:
    def __init__(self) -> None:
        from mardom.funds.services import RulesInput
        from mardom.geo.models import Place
        from mardom.orgs import services as orgs
        from mardom.orgs.models import OrgUnit
        from mardom.people.models import RoleAssignment, User

        self.rules = RulesInput(monthly_contribution=500_000, min_months_before_loan=6, loan_savings_multiple=3,
                                loan_cap=300_000_000)
        self.county = OrgUnit.objects.get(kind="county", name="قاینات")
        self.village = Place.objects.filter(kind="village", county_id=self.county.place_id).order_by("pk").first()
        officer = User.objects.create_user("bench-county", "a-Long-pass-123")
        RoleAssignment.objects.create(user=officer, role="county_officer", unit=self.county)
        self.base = orgs.base_create(by=officer, county=self.county, name="پایگاه سنجش", place=self.village)
        self.base_officer = User.objects.create_user("bench-base", "a-Long-pass-123")
        RoleAssignment.objects.create(user=self.base_officer, role="base_officer", unit=self.base)
        self.treasurer = User.objects.create_user("bench-treasurer", "a-Long-pass-123")
        self._serial = 0
        self._funds = 0

    def fund(self) -> Any:
        from mardom.funds import services
        from mardom.people.models import RoleAssignment
        from mardom.people.scopes import forget_grants

        self._funds += 1
        fund = services.fund_create(by=self.base_officer, base=self.base, name=f"صندوق سنجش {self._funds}",
                                    founded_on=FOUNDED, rules=self.rules)
        # The fund's manager: it holds the treasury and may enter what is dated long ago (late entries), which
        # every record here is, since the members joined in 1358.
        RoleAssignment.objects.create(user=self.treasurer, role="fund_manager", unit=fund)
        forget_grants(self.treasurer)
        return fund

    def members(self, fund: Any, count: int, deposit: int = 1_000_000) -> list[Any]:
        from mardom.funds import services
        from mardom.people.models import Person

        people = []
        for _ in range(count):
            self._serial += 1
            people.append(Person(national_id=national_id_for(self._serial), first_name="مریم",
                                 last_name=f"سنجش {self._serial}", search_key=f"مریم سنجش {self._serial}",
                                 mobile=f"0912{self._serial:07d}", gender="female", home_place=self.village,
                                 unit=self.base))
        Person.objects.bulk_create(people)
        return [services.membership_join(by=self.treasurer, fund=fund, person=p, opening_deposit=deposit,
                                         joined_on=FOUNDED, idempotency_key=f"join-{p.national_id}")
                for p in people]


def periods() -> Iterator[tuple[int, int]]:
    """Every Jalali month from the members' joining month to the end of the year of PAID_ON."""
    from mardom.core.jalali import to_jalali

    start, end = to_jalali(FOUNDED), to_jalali(PAID_ON)
    for year in range(start.year, end.year + 1):
        for month in range(1, 13):
            if (year, month) >= (start.year, start.month):
                yield year, month


# --- (a) posting throughput -----------------------------------------------------------------------------
def _worker(membership_ids: list[int], treasurer_id: int, seconds: float, sync_off: bool, barrier: Any,
            results: Any) -> None:
    from django.db import connection

    from mardom.funds.models import Membership
    from mardom.funds.services import contribution_record
    from mardom.people.models import User

    user = User.objects.get(pk=treasurer_id)
    members = list(Membership.objects.filter(pk__in=membership_ids).select_related("fund", "savings_account")
                   .order_by("pk"))
    if sync_off:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
    work = ((m, y, mo) for (y, mo) in periods() for m in members)
    m, y, mo = next(work)
    contribution_record(by=user, membership=m, year=y, month=mo, paid_on=PAID_ON)  # warm-up, not counted
    barrier.wait()
    done = errors = 0
    last_error = ""
    start, cpu = time.perf_counter(), time.process_time()
    deadline = start + seconds
    exhausted = False
    while time.perf_counter() < deadline:
        try:
            m, y, mo = next(work)
        except StopIteration:
            exhausted = True
            break
        try:
            contribution_record(by=user, membership=m, year=y, month=mo, paid_on=PAID_ON)
            done += 1
        except Exception as error:  # counted, never hidden
            errors += 1
            last_error = repr(error)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    connection.close()
    results.put({"done": done, "errors": errors, "elapsed": elapsed, "cpu": cpu, "last_error": last_error,
                 "exhausted": exhausted})


def ours(groups: list[list[int]], treasurer_id: int, seconds: float, sync_off: bool = False) -> dict[str, Any]:
    """Run one worker process per group of memberships; calls per second summed over the workers."""
    from django.db import connections

    from mardom.funds.models import Contribution

    before = Contribution.objects.count()
    connections.close_all()  # never share a connection across fork
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(len(groups)), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(g, treasurer_id, seconds, sync_off, barrier, results))
             for g in groups]
    for p in procs:
        p.start()
    rows = [results.get(timeout=seconds + 300) for _ in procs]
    for p in procs:
        p.join()
    written = Contribution.objects.count() - before - len(groups)  # minus the warm-up calls
    done = sum(r["done"] for r in rows)
    assert written == done, f"{done} calls counted but {written} contributions written"
    for r in rows:
        if r["errors"]:
            print(f"  worker errors: {r['errors']} (last: {r['last_error']})")
        if r["exhausted"]:
            print("  a worker ran out of (member, month) pairs before the time was up")
    return {"tps": sum(r["done"] / r["elapsed"] for r in rows), "done": done,
            "errors": sum(r["errors"] for r in rows),
            "cpu_ms": 1e3 * sum(r["cpu"] for r in rows) / max(done, 1),
            "latency_ms": 1e3 * statistics.mean(r["elapsed"] / max(r["done"], 1) for r in rows)}


def pgbench(clients: int, seconds: float, sync_off: bool = False) -> dict[str, Any]:
    env = dict(os.environ, PGOPTIONS="-c synchronous_commit=off" if sync_off else "")
    out = subprocess.run(
        ["pgbench", "-h", PG["host"], "-p", str(PG["port"]), "-U", PG["user"], "-n", "-c", str(clients),
         "-j", str(clients), "-T", str(int(seconds)), PGBENCH_DB],
        check=True, capture_output=True, text=True, env=env).stdout
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    return {"tps": tps, "latency_ms": float(latency.group(1)) if latency else float("nan")}


def run_a(world: World, seconds: float, members_per_client: int, scale: int, results: list[Row]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mardom.funds.services import contribution_record

    print(f"\n(a) posting throughput: pgbench -i -s {scale}, then {seconds:.0f} s per run")
    create_db(PGBENCH_DB)
    subprocess.run(["pgbench", "-h", PG["host"], "-p", str(PG["port"]), "-U", PG["user"], "-i", "-q", "-s",
                    str(scale), PGBENCH_DB], check=True, capture_output=True)

    # One contribution, to count its statements (not timed).
    probe_fund = world.fund()
    probe = world.members(probe_fund, 1)[0]
    with CaptureQueriesContext(connection) as queries:
        contribution_record(by=world.treasurer, membership=probe, year=1330, month=1, paid_on=PAID_ON)
    statements = len(queries.captured_queries)
    print(f"  one contribution_record = {statements} SQL statements (incl. savepoints), one transaction")

    def groups(funds: int, clients: int) -> list[list[int]]:
        fs = [world.fund() for _ in range(funds)]
        out: list[list[int]] = []
        for i in range(clients):
            out.append([m.pk for m in world.members(fs[i % funds], members_per_client)])
        return out

    one = groups(1, 1)
    four_own = groups(4, 4)
    four_shared = groups(1, 4)
    one_off = groups(1, 1)
    tid = world.treasurer.pk

    runs: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("pgbench c=1", lambda: pgbench(1, seconds)),
        ("ours c=1", lambda: ours(one, tid, seconds)),
        ("pgbench c=4", lambda: pgbench(4, seconds)),
        ("ours c=4 own funds", lambda: ours(four_own, tid, seconds)),
        ("ours c=4 one fund", lambda: ours(four_shared, tid, seconds)),
        # Diagnostics, not targets: with synchronous_commit off the commit no longer waits for the WAL flush.
        ("pgbench c=1 sync off", lambda: pgbench(1, seconds / 2, sync_off=True)),
        ("ours c=1 sync off", lambda: ours(one_off, tid, seconds / 2, sync_off=True)),
    ]
    got: dict[str, dict[str, Any]] = {}
    for name, run in runs:
        load = os.getloadavg()[0]
        got[name] = run()
        got[name]["load"] = load
        extra = f", client CPU {got[name]['cpu_ms']:.2f} ms/call" if "cpu_ms" in got[name] else ""
        print(f"  {name:22s} {got[name]['tps']:8.1f} tx/s  latency {got[name]['latency_ms']:.2f} ms{extra}"
              f"  (load average before: {load:.1f})")

    for label, ours_key, base_key, target in [
        ("(a) contributions/s, 1 client", "ours c=1", "pgbench c=1", ">= 0.5"),
        ("(a) contributions/s, 4 clients, own funds", "ours c=4 own funds", "pgbench c=4", ">= 0.5"),
        ("(a) contributions/s, 4 clients, one fund", "ours c=4 one fund", "pgbench c=4", "(report)"),
        ("(a') 1 client, synchronous_commit off", "ours c=1 sync off", "pgbench c=1 sync off", "(diagnostic)"),
    ]:
        o, b = got[ours_key]["tps"], got[base_key]["tps"]
        results.append(Row(label, f"{o:.0f}/s", f"{b:.0f}/s pgbench", o / b, target,
                           None if target.startswith("(") else o / b >= 0.5))
    drop_db(PGBENCH_DB)


# --- (b) balance and passbook at 1k and 1M postings ------------------------------------------------------
# Bulk loads only (never while measuring): skip the row-by-row foreign-key triggers for this transaction. Every
# id written comes from a join on rows just written, and check_books() verifies the books afterwards.
BULK_LOAD = "SET LOCAL session_replication_role = replica"

FILLER_SQL = """
WITH b AS (SELECT last_seq FROM ledger_book WHERE id = %(book)s)
INSERT INTO ledger_entry (book_id, seq, idempotency_key, kind, memo, occurred_on, created_at, created_by_id,
                          reverses_id, prev_hash, hash)
SELECT %(book)s, b.last_seq + g, 'filler:' || (b.last_seq + g), 'contribution', 'filler',
       %(day)s, now(), %(user)s, NULL, repeat('0', 64), repeat('0', 64)
FROM b, generate_series(1, %(n)s) AS g;
INSERT INTO ledger_posting (entry_id, account_id, amount)
SELECT e.id, a.account, a.amount FROM ledger_entry e
CROSS JOIN (VALUES (%(cash)s::bigint, %(amount)s::bigint), (%(savings)s::bigint, -%(amount)s::bigint))
     AS a(account, amount)
WHERE e.book_id = %(book)s AND e.seq > (SELECT last_seq FROM ledger_book WHERE id = %(book)s);
UPDATE ledger_account SET balance = balance + %(n)s::bigint * %(amount)s::bigint WHERE id = %(cash)s;
UPDATE ledger_account SET balance = balance - %(n)s::bigint * %(amount)s::bigint WHERE id = %(savings)s;
UPDATE ledger_book SET last_seq = last_seq + %(n)s, last_hash = repeat('0', 64) WHERE id = %(book)s;
"""

CONSISTENT_SQL = """
SELECT
  (SELECT count(*) FROM ledger_account a WHERE a.book_id = %(book)s AND a.balance <>
     coalesce((SELECT sum(p.amount) FROM ledger_posting p WHERE p.account_id = a.id), 0)) AS bad_balances,
  (SELECT count(*) FROM (SELECT e.id FROM ledger_entry e JOIN ledger_posting p ON p.entry_id = e.id
     WHERE e.book_id = %(book)s GROUP BY e.id HAVING sum(p.amount) <> 0 OR count(*) < 2) x) AS unbalanced,
  (SELECT count(*) = max(seq) AND max(seq) = (SELECT last_seq FROM ledger_book WHERE id = %(book)s)
     FROM ledger_entry WHERE book_id = %(book)s) AS seq_ok,
  (SELECT count(*) FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id
     WHERE a.book_id = %(book)s) AS postings
"""


def fill(book: Any, cash_id: int, savings_id: int, user_id: int, entries: int) -> None:
    from django.db import transaction

    with transaction.atomic():
        sql(BULK_LOAD)
        sql(FILLER_SQL, {"book": book.pk, "n": entries, "cash": cash_id, "savings": savings_id,
                         "amount": 500_000, "day": PAID_ON, "user": user_id})
    sql("VACUUM ANALYZE ledger_entry")
    sql("VACUUM ANALYZE ledger_posting")
    sql("VACUUM ANALYZE ledger_account")


def check_books(book: Any) -> int:
    bad, unbalanced, seq_ok, postings = sql(CONSISTENT_SQL, {"book": book.pk})[0]
    assert bad == 0 and unbalanced == 0 and seq_ok, (bad, unbalanced, seq_ok)
    return int(postings)


class Subject:
    """A fund with a measured member (join + `history` contributions through the service) and a filler member
    whose bulk-inserted entries bring the fund to a number of postings."""

    def __init__(self, world: World, history: int) -> None:
        from mardom.funds.services import contribution_record
        from mardom.ledger.models import Account, Book

        self.world = world
        fund = world.fund()
        self.member, self.filler = world.members(fund, 2)
        work = periods()
        for _ in range(history):
            y, mo = next(work)
            contribution_record(by=world.treasurer, membership=self.member, year=y, month=mo, paid_on=PAID_ON)
        self.book = Book.objects.get(unit=fund)
        self.cash = Account.objects.get(book=self.book, code="cash")
        self.page = min(200, history + 1)

    def grow_to(self, postings: int) -> int:
        self.book.refresh_from_db()
        have = check_books(self.book)
        if postings > have:
            fill(self.book, self.cash.pk, self.filler.savings_account_id, self.world.treasurer.pk,
                 (postings - have) // 2)
            self.book.refresh_from_db()
            have = check_books(self.book)
        rows = self.statement()
        assert len(rows) == self.page and rows[0]["balance"] == -self.balance(), "passbook looks wrong"
        return have

    def balance(self) -> int:
        from mardom.ledger.models import Account

        return Account.objects.get(pk=self.member.savings_account_id).balance

    def statement(self) -> list[Any]:
        from mardom.funds.models import Membership
        from mardom.funds.selectors import passbook

        return passbook(membership=Membership.objects.select_related("savings_account").get(pk=self.member.pk))

    def cash_sum(self) -> int:  # control: what a balance would cost if it were summed from postings
        return sql("SELECT sum(amount) FROM ledger_posting WHERE account_id = %s", [self.cash.pk])[0][0]


def interleaved(fns: dict[str, Callable[[], object]], calls: int, rounds: int = 10) -> dict[str, float]:
    """Median seconds per call of each function, measured in alternating rounds so that the machine's
    changing load falls on all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn()
    for _ in range(rounds):
        for name, fn in fns.items():
            for _ in range(max(calls // rounds, 1)):
                start = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def run_b(world: World, big: int, history: int, repeat: int, results: list[Row]) -> None:
    print(f"\n(b) balance and passbook: 1,000 vs {big:,} postings in the fund")
    large, small = Subject(world, history), Subject(world, history)
    n_small = small.grow_to(1_000)
    assert large.grow_to(1_000) == n_small

    def measure(s: Subject) -> dict[str, Callable[[], object]]:
        return {"balance": s.balance, "passbook": s.statement}

    # 1. The same fund before and after it grows (the database grows too; the machine's load may change).
    before = interleaved(measure(large), repeat)
    n_large = large.grow_to(big)
    after = interleaved(measure(large), repeat)
    # 2. Two funds of the same shape at the same moment, 1k and 1M postings, measured in alternating rounds.
    pair = interleaved({**{f"small {k}": f for k, f in measure(small).items()},
                        **{f"large {k}": f for k, f in measure(large).items()}}, repeat)
    control = {"small": timed(small.cash_sum, 10), "large": timed(large.cash_sum, 10)}
    ms = lambda v: f"{v * 1e3:.3f} ms"  # noqa: E731
    print(f"  same fund at {n_small:,} then {n_large:,} postings: " + "  ".join(
        f"{k} {ms(before[k])} -> {ms(after[k])}" for k in before))
    print(f"  fund of {n_small:,} vs fund of {n_large:,} postings, alternating rounds: " + "  ".join(
        f"{k} {ms(pair['small ' + k])} vs {ms(pair['large ' + k])}" for k in before))
    for key, label in [("balance", "(b) balance read (Account.balance)"),
                       ("passbook", "(b) passbook(), default page (200 lines)")]:
        ratio = pair[f"large {key}"] / pair[f"small {key}"]
        results.append(Row(f"{label}, {n_large:,} vs {n_small:,} (two funds)", f"{ms(pair['large ' + key])}",
                           f"{ms(pair['small ' + key])}", ratio, "<= 1.2", ratio <= 1.2))
        ratio = after[key] / before[key]
        # Sequential, so the machine's load may differ between the two: a cross-check, not the verdict.
        results.append(Row(f"{label}, same fund after growing", f"{ms(after[key])}", f"{ms(before[key])}",
                           ratio, "(cross-check)", None))
    results.append(Row(f"(b) control: SUM(postings) of cash, {n_large:,} vs {n_small:,}", ms(control["large"]),
                       ms(control["small"]), control["large"] / control["small"], "(grows, by design)", None))
    print("  (filler entries are balanced and the stored balances and Book head match them, but their hashes are "
          "placeholders: ledger-verify would report the chain broken for these funds)")


# --- (c) portfolio of 100k loans -------------------------------------------------------------------------
LOANS_SQL = """
CREATE TEMP TABLE spec AS
SELECT g,
       (6 + g %% 19)::int AS months,
       (10000000::bigint * (1 + (g * 7) %% 30)) AS amount,
       (%(on)s::date - ((g * 37) %% 730))::date AS disbursed_on,
       ((g * 7919) %% 100) AS luck
FROM generate_series(1, %(n)s) AS g;
INSERT INTO people_person (national_id, first_name, last_name, search_key, mobile, gender, created_at,
                           updated_at, home_place_id, unit_id)
SELECT (2000000000 + g)::text, 'وام', 'گیرنده ' || g, 'وام گیرنده ' || g, '0935' || lpad(g::text, 7, '0'),
       'male', now(), now(), %(place)s, %(base)s FROM spec;
INSERT INTO ledger_account (code, name, type, side, balance, created_at, book_id)
SELECT 'savings:b' || g, 'Savings of borrower ' || g, 'liability', 'credit', 0, now(), %(book)s FROM spec
UNION ALL
SELECT 'loan:b' || g, 'Loan ' || g, 'asset', 'debit', 0, now(), %(book)s FROM spec;
INSERT INTO funds_membership (number, joined_on, status, fund_id, person_id, savings_account_id)
SELECT 1000 + g, %(founded)s, 'active', %(fund)s, p.id, a.id FROM spec
JOIN people_person p ON p.national_id = (2000000000 + g)::text
JOIN ledger_account a ON a.book_id = %(book)s AND a.code = 'savings:b' || g;
INSERT INTO funds_loan (amount, months, purpose, description, activity, priority, status, applied_at,
                        decision_note, fee, fee_policy, disbursed_on, account_id, applied_by_id, fund_id,
                        membership_id)
SELECT s.amount, s.months, 'other', '', '', 2, 'disbursed', s.disbursed_on - 7, '', 0, 'none', s.disbursed_on,
       a.id, %(user)s, %(fund)s, m.id
FROM spec s JOIN ledger_account a ON a.book_id = %(book)s AND a.code = 'loan:b' || s.g
JOIN funds_membership m ON m.fund_id = %(fund)s AND m.number = 1000 + s.g;
ALTER TABLE spec ADD COLUMN loan_id bigint, ADD COLUMN account_id bigint;
UPDATE spec SET loan_id = l.id, account_id = l.account_id FROM funds_loan l JOIN ledger_account a
  ON a.id = l.account_id WHERE a.code = 'loan:b' || spec.g AND a.book_id = %(book)s;
-- equal installments rounded down to 10,000 rials, the remainder on the last (schedule.build_schedule)
INSERT INTO funds_installment (number, due_on, principal, fee, loan_id)
SELECT k, (s.disbursed_on + make_interval(months => k::int))::date,
       CASE WHEN k < s.months THEN s.amount / s.months / 10000 * 10000
            ELSE s.amount - (s.months - 1) * (s.amount / s.months / 10000 * 10000) END, 0, s.loan_id
FROM spec s, generate_series(1, s.months) AS k;
-- 70%% pay every installment due, 15%% are one behind, 8%% two, 7%% four; a third also paid half of the next
CREATE TEMP TABLE rep AS
WITH due AS (
  SELECT s.*, (SELECT count(*) FROM funds_installment i WHERE i.loan_id = s.loan_id AND i.due_on <= %(on)s)
         AS due_count, s.amount / s.months / 10000 * 10000 AS share
  FROM spec s), paid AS (
  SELECT d.*, greatest(0, least(d.months - 1, d.due_count
         - CASE WHEN luck < 70 THEN 0 WHEN luck < 85 THEN 1 WHEN luck < 93 THEN 2 ELSE 4 END)) AS paid_count
  FROM due d)
SELECT row_number() OVER (ORDER BY loan_id, k) AS rn, loan_id, account_id, k, amount, paid_on FROM (
  SELECT p.loan_id, p.account_id, k, p.share AS amount,
         (p.disbursed_on + make_interval(months => k::int))::date AS paid_on
  FROM paid p, generate_series(1, p.paid_count) AS k
  UNION ALL
  SELECT p.loan_id, p.account_id, p.paid_count + 1, p.share / 2, %(on)s::date - 1
  FROM paid p WHERE p.luck %% 3 = 0 AND p.share >= 2) x;
-- the books: the fund's capital pays for the loans, each loan is paid out and repaid in its own entries
INSERT INTO ledger_entry (book_id, seq, idempotency_key, kind, memo, occurred_on, created_at, created_by_id,
                          prev_hash, hash)
SELECT %(book)s, 1, 'bench-capital', 'capital', 'filler', %(founded)s, now(), %(user)s, repeat('0', 64),
       repeat('0', 64)
UNION ALL
SELECT %(book)s, 1 + g, 'bench-disburse:' || g, 'disbursement', 'filler', disbursed_on, now(), %(user)s,
       repeat('0', 64), repeat('0', 64) FROM spec
UNION ALL
SELECT %(book)s, 1 + %(n)s + rn, 'bench-repay:' || rn, 'repayment', 'filler', paid_on, now(), %(user)s,
       repeat('0', 64), repeat('0', 64) FROM rep;
"""

POSTINGS_SQL = """
INSERT INTO ledger_posting (entry_id, account_id, amount)
SELECT e.id, %(cash)s, (SELECT sum(amount) FROM spec) FROM ledger_entry e
WHERE e.book_id = %(book)s AND e.idempotency_key = 'bench-capital'
UNION ALL
SELECT e.id, %(equity)s, -(SELECT sum(amount) FROM spec) FROM ledger_entry e
WHERE e.book_id = %(book)s AND e.idempotency_key = 'bench-capital';
INSERT INTO ledger_posting (entry_id, account_id, amount)
SELECT e.id, x.account, x.amount FROM spec s
JOIN ledger_entry e ON e.book_id = %(book)s AND e.idempotency_key = 'bench-disburse:' || s.g
CROSS JOIN LATERAL (VALUES (s.account_id, s.amount), (%(cash)s::bigint, -s.amount)) AS x(account, amount);
INSERT INTO ledger_posting (entry_id, account_id, amount)
SELECT e.id, x.account, x.amount FROM rep r
JOIN ledger_entry e ON e.book_id = %(book)s AND e.idempotency_key = 'bench-repay:' || r.rn
CROSS JOIN LATERAL (VALUES (%(cash)s::bigint, r.amount), (r.account_id, -r.amount)) AS x(account, amount);
INSERT INTO funds_repayment (amount, principal, fee, paid_on, entry_id, loan_id)
SELECT r.amount, r.amount, 0, r.paid_on, e.id, r.loan_id FROM rep r
JOIN ledger_entry e ON e.book_id = %(book)s AND e.idempotency_key = 'bench-repay:' || r.rn;
UPDATE ledger_account a SET balance = s.amount - coalesce(r.paid, 0)
FROM spec s LEFT JOIN (SELECT loan_id, sum(amount) AS paid FROM rep GROUP BY loan_id) r ON r.loan_id = s.loan_id
WHERE a.id = s.account_id;
UPDATE ledger_account SET balance = (SELECT sum(amount) FROM rep) WHERE id = %(cash)s;
UPDATE ledger_account SET balance = -(SELECT sum(amount) FROM spec) WHERE id = %(equity)s;
UPDATE ledger_book SET last_seq = (SELECT max(seq) FROM ledger_entry WHERE book_id = %(book)s),
       last_hash = repeat('0', 64) WHERE id = %(book)s;
DROP TABLE spec; DROP TABLE rep;
"""

# One statement: per loan, the first installment due by `on` whose cumulative amount exceeds what was repaid;
# late if that day is before `on`, at risk (PAR30) if more than 30 days before; outstanding = the loan account.
PAR30_SQL = """
WITH loans AS (
  SELECT l.id, a.balance FROM funds_loan l JOIN ledger_account a ON a.id = l.account_id
  WHERE l.fund_id = %(fund)s AND l.status = 'disbursed'),
paid AS (
  SELECT r.loan_id, sum(r.amount) AS paid FROM funds_repayment r JOIN loans ON loans.id = r.loan_id
  GROUP BY r.loan_id),
cumulative AS (
  SELECT i.loan_id, i.due_on,
         sum(i.principal + i.fee) OVER (PARTITION BY i.loan_id ORDER BY i.number) AS due_so_far
  FROM funds_installment i JOIN loans ON loans.id = i.loan_id),
first_unpaid AS (
  SELECT c.loan_id, min(c.due_on) AS due_on FROM cumulative c LEFT JOIN paid p ON p.loan_id = c.loan_id
  WHERE c.due_on <= %(on)s AND c.due_so_far > coalesce(p.paid, 0) GROUP BY c.loan_id)
SELECT count(*), coalesce(sum(l.balance), 0),
       coalesce(sum(l.balance) FILTER (WHERE %(on)s::date - f.due_on > 30), 0),
       count(*) FILTER (WHERE f.due_on < %(on)s)
FROM loans l LEFT JOIN first_unpaid f ON f.loan_id = l.id
"""


def run_c(world: World, loans: int, repeat: int, results: list[Row]) -> None:
    from django.db import transaction

    from mardom.funds.selectors import portfolio
    from mardom.ledger.models import Account, Book

    print(f"\n(c) portfolio of {loans:,} loans: selectors.portfolio vs one SQL statement")
    fund = world.fund()
    book = Book.objects.get(unit=fund)
    accounts = dict(Account.objects.filter(book=book).values_list("code", "pk"))
    params = {"n": loans, "on": ON, "founded": FOUNDED, "fund": fund.pk, "book": book.pk, "base": world.base.pk,
              "place": world.village.pk, "user": world.treasurer.pk, "cash": accounts["cash"],
              "equity": accounts["equity"]}
    start = time.perf_counter()
    with transaction.atomic():
        sql(BULK_LOAD)
        sql(LOANS_SQL, params)
        sql(POSTINGS_SQL, params)
    for table in ("funds_loan", "funds_installment", "funds_repayment", "ledger_account", "ledger_entry",
                  "ledger_posting"):
        sql(f"VACUUM ANALYZE {table}")
    book.refresh_from_db()
    postings = check_books(book)
    counts = sql("SELECT (SELECT count(*) FROM funds_installment i JOIN funds_loan l ON l.id = i.loan_id "
                 "WHERE l.fund_id = %(fund)s), (SELECT count(*) FROM funds_repayment r JOIN funds_loan l "
                 "ON l.id = r.loan_id WHERE l.fund_id = %(fund)s)", params)[0]
    print(f"  generated in {time.perf_counter() - start:.1f} s: {loans:,} loans, {counts[0]:,} installments, "
          f"{counts[1]:,} repayments, {postings:,} postings (books balanced; hashes are placeholders)")

    ours_result = portfolio(fund=fund, on=ON)
    loans_n, outstanding, par30, late = sql(PAR30_SQL, {"fund": fund.pk, "on": ON})[0]
    plain = {"loans": loans_n, "outstanding": int(outstanding), "par30": int(par30), "late": late}
    same = all(ours_result[k] == v for k, v in plain.items())
    print(f"  portfolio(): {ours_result}")
    print(f"  plain SQL:   {plain}  -> {'same' if same else 'DIFFERENT'}")
    assert same, "portfolio() and the SQL aggregate disagree"
    # Both were just run once (the comparison above), which serves as their warm-up.
    t_ours = timed(lambda: portfolio(fund=fund, on=ON), repeat, warm_up=False)
    t_sql = timed(lambda: sql(PAR30_SQL, {"fund": fund.pk, "on": ON}), repeat, warm_up=False)
    print(f"  portfolio() {t_ours:.3f} s, SQL {t_sql:.3f} s")
    results.append(Row(f"(c) PAR30, {loans // 1000}k loans (PAR30 {par30 * 1000 // outstanding}‰, equal)",
                       f"{t_ours * 1e3:.0f} ms", f"{t_sql * 1e3:.0f} ms SQL", t_ours / t_sql, "(report)", None))


# --- (d) a whole month, set-based; (e) onboarding a fund from its workbook -----------------------------------
def _pgbench_ready(scale: int) -> None:
    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PGBENCH_DB]).fetchone()
    if not exists:
        create_db(PGBENCH_DB)
        subprocess.run(["pgbench", "-h", PG["host"], "-p", str(PG["port"]), "-U", PG["user"], "-i", "-q", "-s",
                        str(scale), PGBENCH_DB], check=True, capture_output=True)


def run_d(world: World, members: int, months: int, seconds: float, scale: int, results: list[Row]) -> None:
    from mardom.funds.services import contributions_record_month_bulk
    from mardom.ledger.models import Book
    from mardom.ledger.verify import verify_book

    print(f"\n(d) a whole month for {members} members, set-based, {months} months")
    _pgbench_ready(scale)
    fund = world.fund()
    t = time.perf_counter()
    memberships = world.members(fund, members)
    print(f"  {members} members joined (per-row service) in {time.perf_counter() - t:.1f} s")
    samples = []
    for year, month in list(periods())[:months]:
        load = os.getloadavg()[0]
        start = time.perf_counter()
        done = contributions_record_month_bulk(by=world.treasurer, fund=fund, year=year, month=month,
                                               paid_on=PAID_ON, memberships=memberships)
        samples.append(time.perf_counter() - start)
        assert len(done) == members
    per_month = statistics.median(samples)
    rate = members / per_month
    problems = verify_book(Book.objects.get(unit=fund))
    assert problems == [], problems[:5]
    bench = pgbench(1, seconds)
    print(f"  month of {members}: median {per_month * 1e3:.0f} ms ({rate:.0f} contributions/s; load {load:.1f}); "
          f"pgbench c=1 {bench['tps']:.0f} tx/s; book verifies")
    results.append(Row(f"(d) {members}-member month, set-based, contributions/s", f"{rate:.0f}/s",
                       f"{bench['tps']:.0f}/s pgbench c=1", rate / bench["tps"], ">= 0.5",
                       rate / bench["tps"] >= 0.5))


def run_e(world: World, members: int, months: int, repeat: int, results: list[Row]) -> None:
    from mardom.funds.onboarding.posting import fund_import
    from mardom.funds.onboarding.sample import last_day, sample_rows
    from mardom.funds.onboarding.template import write_workbook
    from mardom.ledger.models import Book
    from mardom.ledger.verify import verify_book

    print(f"\n(e) importing a fund of {members} members and {months} months of history")
    today = last_day(months=months, cutover=(1402, 1)) + datetime.timedelta(days=1)
    samples, counts = [], {}
    for i in range(repeat):
        data = write_workbook(sample_rows(members=members, months=months, cutover=(1402, 1), seed=900 + i,
                                          name=f"صندوق ورود {i}"))
        start = time.perf_counter()
        record = fund_import(by=world.base_officer, base=world.base, data=data, filename=f"bench-{i}.xlsx",
                             today=today)
        samples.append(time.perf_counter() - start)
        assert record.status == "done", record.problems[:5]
        counts = record.summary["counts"]
        assert verify_book(Book.objects.get(unit=record.fund)) == []
    took = statistics.median(samples)
    print(f"  {counts}; {len(data) // 1024} KB xlsx; median {took:.2f} s over {repeat} (all: "
          f"{', '.join(f'{x:.2f}' for x in samples)})")
    results.append(Row(f"(e) import {members} members x {months} months ({counts.get('entries')} entries)",
                       f"{took:.2f} s", "5 s target", took / 5, "<= 1 (<= 5 s)", took <= 5))


# --- report ------------------------------------------------------------------------------------------------
class Row:
    def __init__(self, what: str, ours: str, base: str, ratio: float, target: str, met: bool | None) -> None:
        self.what, self.ours, self.base, self.ratio, self.target, self.met = what, ours, base, ratio, target, met


def report(rows: list[Row]) -> None:
    print("\n| measure | ours | baseline | ratio | target | met |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        print(f"| {r.what} | {r.ours} | {r.base} | {r.ratio:.2f} | {r.target} | {met} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes and short runs: a smoke test")
    parser.add_argument("--only", default="a,b,c,d,e", help="which parts to run, e.g. --only b,c")
    parser.add_argument("--seconds", type=float, help="length of each throughput run (default 20, quick 3)")
    parser.add_argument("--keep", action="store_true", help="do not drop the scratch databases")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    seconds = args.seconds or (3.0 if args.quick else 20.0)
    big = 20_000 if args.quick else 1_000_000
    loans = 5_000 if args.quick else 100_000

    started = time.perf_counter()
    create_db(BENCH_DB)
    os.environ["DATABASE_URL"] = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{BENCH_DB}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"  # DEBUG off, so no query log in memory
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    try:
        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        server = sql("SHOW server_version")[0][0]
        settings = dict(sql("SELECT name, setting FROM pg_settings WHERE name IN "
                            "('synchronous_commit', 'fsync', 'shared_buffers', 'wal_sync_method')"))
        print(f"PostgreSQL {server} {settings}; {os.cpu_count()} CPUs; database {connection.settings_dict['NAME']} "
              f"migrated in {time.perf_counter() - t:.1f} s")
        world = World()
        rows: list[Row] = []
        if "a" in parts:
            run_a(world, seconds, members_per_client=10 if args.quick else 20, scale=1 if args.quick else 10,
                  results=rows)
        if "b" in parts:
            run_b(world, big, history=239, repeat=100 if args.quick else 400, results=rows)
        if "c" in parts:
            run_c(world, loans, repeat=3, results=rows)
        if "d" in parts:
            run_d(world, members=100 if args.quick else 1000, months=3 if args.quick else 10, seconds=seconds,
                  scale=1 if args.quick else 10, results=rows)
        if "e" in parts:
            run_e(world, members=40 if args.quick else 200, months=6 if args.quick else 24,
                  repeat=1 if args.quick else 3, results=rows)
        report(rows)
    finally:
        connections.close_all()
        if not args.keep:
            drop_db(BENCH_DB)
            drop_db(PGBENCH_DB)
        print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
