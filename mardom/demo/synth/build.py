"""The national synthetic data set: every province and county, loan funds under neighbourhood bases with two
years of history, producers in colonies and clusters, exhibitions and their sales.

Written set-based (mardom.demo.synth.copy), yet the books are left exactly as the services would leave them:
each entry has the kind, idempotency key, memo and params the funds services write (funds.services.members and
.loans: "opening", "contribution", "disbursement", "repayment", "write_off"), its postings balance, the chain of
hashes is computed in order with `ledger.services.entry_hash`, and every stored balance (Account.balance,
Book.last_seq/last_hash) is the sum of what was posted, so `mardom ledger-verify` passes. Money follows the
services' rules too: cash never goes below zero (a loan is paid out only from what the fund holds), a loan is
never repaid beyond its schedule (funds.schedule.build_schedule), savings stay on their side.

Deterministic: the same seed, scale and `today` on an empty database give the same rows, ids and hashes.
Funds and their books are committed one county at a time, producers and exhibitions one province at a time,
so a batch's deferred foreign-key checks stay small.
"""

from __future__ import annotations

import datetime
import functools
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from mardom.core.digits import to_persian_digits
from mardom.core.jalali import jalali_month_start, to_jalali
from mardom.core.text import search_key
from mardom.demo.names import FEMALE, LAST, MALE
from mardom.funds.schedule import build_schedule, fee_amount
from mardom.geo.models import Place
from mardom.ledger.services import entry_hash
from mardom.orgs.models import OrgUnit
from mardom.people.models import User
from mardom.production.models import Product

from ..models import SynthRun
from .copy import (
    Table,
    aware,
    check_foreign_keys,
    foreign_key_triggers_off,
    foreign_key_triggers_on,
    next_ids,
    raw_cursor,
    reset_sequences,
)

# The programme at scale 1.0 (issue 13): ~29,000 funds, ~300,000 producers; exhibitions about two a county.
FUNDS_AT_1 = 29_000
PRODUCERS_AT_1 = 300_000
EXHIBITIONS_AT_1 = 900
MONTHS = 24
GENESIS = "0" * 64

BASE_NAMES = ["امام علی (ع)", "شهید چمران", "حضرت زینب (س)", "شهید باهنر", "امام رضا (ع)", "شهید همت",
              "حضرت فاطمه (س)", "شهید رجایی", "شهید بهشتی", "امام حسین (ع)", "شهید مطهری", "حضرت ابوالفضل (ع)",
              "شهید سلیمانی", "امام جواد (ع)", "شهید صیاد شیرازی", "حضرت مهدی (عج)"]
FUND_WORDS = ["", "بانوان", "کوثر", "امید", "مهر", "الغدیر", "ولایت", "نور"]
WRITE_OFF_REASON = "بدهکار پس از پیگیری‌های مکرر در دسترس نیست"


def _national_id(n: int) -> str:
    """A valid, never-repeated national ID: nine digits from the counter and the mod-11 check digit. The 3
    prefix keeps clear of the test suite's (1…) and the demo's own."""
    head = f"{300_000_000 + n:09d}"
    r = sum(int(head[i]) * (10 - i) for i in range(9)) % 11
    return head + str(r if r < 2 else 11 - r)


@functools.cache
def _person_key(first: str, last: str) -> str:
    return search_key(f"{first} {last}")


@functools.cache
def _key(text: str) -> str:
    return search_key(text)


@functools.cache
def _jalali(day: datetime.date) -> tuple[int, int]:
    j = to_jalali(day)
    return j.year, j.month


@functools.cache
def _aware(day: datetime.date, hour: int = 10) -> str:
    return aware(day, hour).isoformat()


@functools.lru_cache(maxsize=200_000)
def _schedule(amount: int, months: int, on: datetime.date, unit: int, policy: str, permille: int) -> tuple:
    return tuple(build_schedule(amount=amount, months=months, disbursed_on=on, unit=unit, fee_policy=policy,
                                fee_permille=permille))


@dataclass
class Member:
    id: int
    number: int
    person_id: int
    joined: int  # month index (negative: months before this one)
    account: int
    loan_open: bool = False
    skips: int = 0  # a late payer skips the last `skips` months


@dataclass
class LoanPlan:
    id: int
    member: Member
    amount: int
    account: int
    plan: tuple
    fate: str  # "pay", "late" (stops paying), "write_off" (stops, then written off)
    stop_after: int = 10**6
    paid: int = 0  # installments paid
    closed: bool = False
    repaid_on: datetime.date | None = None
    guarantor: Member | None = None
    guarantee_amount: int = 0
    write_off_month: int | None = None
    applied_on: datetime.date = datetime.date.min
    disbursed_on: datetime.date = datetime.date.min
    fee: int = 0


class Books:
    """One fund's book while it is written: the accounts with their running balances, and the head of the
    chain. `post` does what ledger.services.entry_post does, in memory: a balanced entry, hashed in order."""

    def __init__(self, synth: Synth, *, book_id: int, by: int) -> None:
        self.t, self.book_id, self.by = synth.t, book_id, by
        self.balance: dict[int, int] = {}
        self.code: dict[int, str] = {}
        self.meta: dict[int, tuple[str, str, str]] = {}
        self.seq, self.prev = 0, GENESIS

    def open(self, code: str, label: str, type_: str, side: str, pk: int | None = None) -> int:
        pk = pk or self.t["ledger_account"].new_id()
        self.balance[pk], self.code[pk], self.meta[pk] = 0, code, (label, type_, side)
        return pk

    def post(self, kind: str, key: str, memo: str, params: dict[str, Any], day: datetime.date,
             lines: list[tuple[int, int]]) -> int:
        assert sum(amount for _a, amount in lines) == 0 and all(amount for _a, amount in lines)
        self.seq += 1
        digest = entry_hash(book_id=self.book_id, seq=self.seq, prev_hash=self.prev, key=key, kind=kind, memo=memo,
                            occurred_on=day, reverses_seq=None, lines=[(self.code[a], amount) for a, amount in lines])
        entry_id = self.t["ledger_entry"].add(self.seq, key, kind, memo, day, _aware(day), self.prev, digest,
                                              self.book_id, self.by, None, params)
        postings = self.t["ledger_posting"]
        for account, amount in lines:
            postings.add(amount, account, entry_id)
            self.balance[account] += amount
        self.prev = digest
        return entry_id

    def write(self, *, unit_id: int, made: str) -> None:
        accounts = self.t["ledger_account"]
        for pk, (label, type_, side) in self.meta.items():
            balance = self.balance[pk]
            # The database's own check, stated here so a mistake in the generator stops it at once.
            assert side == "any" or (side == "debit" and balance >= 0) or (side == "credit" and balance <= 0)
            accounts.add(self.code[pk], label, type_, side, balance, made, self.book_id, pk=pk)
        self.t["ledger_book"].add(self.seq, self.prev, made, unit_id, pk=self.book_id)


@dataclass
class Stats:
    phases: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    rows: dict[str, int] = field(default_factory=dict)


class Synth:
    """One run. `say` prints a progress line."""

    def __init__(self, *, scale: float, seed: int, today: datetime.date, say: Callable[[str], None]) -> None:
        self.scale, self.seed, self.today, self.say = scale, seed, today, say
        self.rng = random.Random(seed)
        self.stats = Stats()
        self.month_start = {k: jalali_month_start(today, k) for k in range(-MONTHS - 1, 2)}
        self.person_n = 0
        self.nid: dict[int, str] = {}  # person id -> national ID, for logins; cleared per county

    # --- tables --------------------------------------------------------------------------------------
    def _tables(self) -> None:
        specs: dict[str, tuple[list[str], bool]] = {
            "orgs_orgunit": (["kind", "name", "search_key", "path", "is_active", "created_at", "parent_id",
                              "place_id"], True),
            "orgs_base": (["orgunit_ptr_id", "address", "phone"], False),
            "funds_fund": (["orgunit_ptr_id", "founded_on"], False),
            "funds_fundrules": (["effective_from", "monthly_contribution", "min_months_before_loan",
                                 "loan_savings_multiple", "loan_cap", "max_months", "fee_policy", "fee_permille",
                                 "fee_cap_permille", "late_policy", "late_charge", "late_charge_cap", "rounding_unit",
                                 "allow_transfer", "created_at", "created_by_id", "fund_id", "late_entry_days",
                                 "draw_notice_days"], True),
            "people_person": (["national_id", "first_name", "last_name", "search_key", "mobile", "gender",
                               "birth_date", "created_at", "updated_at", "home_place_id", "unit_id"], True),
            "people_user": (["password", "last_login", "is_superuser", "username", "is_active", "is_staff",
                             "date_joined", "person_id"], True),
            "people_roleassignment": (["role", "granted_at", "revoked_at", "granted_by_id", "revoked_by_id",
                                       "unit_id", "user_id", "confirmed_at", "confirmed_by_id",
                                       "proposer_unit_id"], True),
            "ledger_book": (["last_seq", "last_hash", "created_at", "unit_id"], True),
            "ledger_account": (["code", "name", "type", "side", "balance", "created_at", "book_id"], True),
            "ledger_entry": (["seq", "idempotency_key", "kind", "memo", "occurred_on", "created_at", "prev_hash",
                              "hash", "book_id", "created_by_id", "reverses_id", "params"], True),
            "ledger_posting": (["amount", "account_id", "entry_id"], True),
            "funds_membership": (["number", "joined_on", "left_on", "status", "fund_id", "person_id",
                                  "savings_account_id"], True),
            "funds_contribution": (["year", "month", "amount", "paid_on", "entry_id", "membership_id", "is_late"],
                                   True),
            "funds_movement": (["kind", "amount", "occurred_on", "entry_id", "membership_id", "is_late"], True),
            "funds_loan": (["amount", "months", "purpose", "description", "activity", "priority", "status",
                            "applied_at", "decided_at", "decision_note", "fee", "fee_policy", "disbursed_on",
                            "account_id", "applied_by_id", "decided_by_id", "fund_id", "membership_id",
                            "proposed_by_id", "disbursed_late"], True),
            "funds_installment": (["number", "due_on", "principal", "fee", "loan_id"], True),
            "funds_repayment": (["amount", "principal", "fee", "paid_on", "entry_id", "loan_id", "is_late"], True),
            "funds_guarantee": (["amount", "status", "responded_at", "guarantor_id", "loan_id"], True),
            "funds_loanclosure": (["kind", "reason", "status", "proposed_at", "decided_at", "decided_by_id",
                                   "loan_id", "proposed_by_id"], True),
            "production_producer": (["business_name", "kind", "activities", "started_on", "baseline_sales",
                                     "status", "registered_at", "decided_at", "decision_note", "decided_by_id",
                                     "person_id", "place_id", "registered_by_id", "unit_id"], True),
            "production_producerproduct": (["capacity", "producer_id", "product_id"], True),
            "production_cluster": (["orgunit_ptr_id", "level", "value_chain", "goals", "created_by_id",
                                    "focus_product_id", "province_cluster_id"], False),
            "production_colony": (["orgunit_ptr_id", "coordinator_id", "created_by_id", "product_id",
                                   "in_cluster_id"], False),
            "production_colonymember": (["joined_at", "colony_id", "producer_id", "product_id"], True),
            "market_exhibition": (["orgunit_ptr_id", "type", "venue", "starts_on", "ends_on", "term_days",
                                   "applications_close_on", "rules", "created_by_id"], False),
            "market_booth": (["code", "x", "y", "width", "depth", "price", "exhibition_id"], True),
            "market_application": (["term_start", "kind", "products", "wants_size", "free_only", "status",
                                    "score", "score_parts", "applied_at", "decided_at", "applied_by_id",
                                    "producer_id", "unit_id", "booth_id", "exhibition_id"], True),
            "market_sale": (["sold_at", "method", "total", "idempotency_key", "application_id", "booth_id",
                             "cancels_id", "exhibition_id", "recorded_by_id"], True),
            "market_saleline": (["quantity", "unit_price", "amount", "brand_id", "cluster_id", "colony_id",
                                 "producer_id", "product_id", "sale_id"], True),
        }
        ids = next_ids([name for name, (_c, has_id) in specs.items() if has_id])
        self.t = {name: Table(name, cols, has_id=has_id, next_id=ids.get(name, 1))
                  for name, (cols, has_id) in specs.items()}
        self.units = self.t["orgs_orgunit"]
        self.users = self.t["people_user"]

    def _flush(self, names: list[str]) -> None:
        started = time.perf_counter()
        cursor = raw_cursor()
        for name in names:
            self.t[name].flush(cursor)
        self.stats.phases["copy"] += time.perf_counter() - started

    # --- reference data ------------------------------------------------------------------------------
    def _load_reference(self) -> None:
        self.provinces = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.PROVINCE).order_by("pk")
                              .values_list("pk", "path", "place_id", "name"))
        counties = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY).order_by("pk")
                        .values_list("pk", "path", "place_id", "parent_id", "name"))
        self.counties_of: dict[int, list[tuple]] = defaultdict(list)
        for row in counties:
            self.counties_of[row[3]].append(row)
        self.places_of: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for pk, county_id, name in (Place.objects.filter(kind__in=[Place.Kind.VILLAGE, Place.Kind.CITY])
                                    .order_by("pk").values_list("pk", "county_id", "name")):
            self.places_of[county_id].append((pk, name))
        self.products = list(Product.objects.order_by("pk").values_list("pk", "name", "value_chain", "unit"))
        # Funds per county: every county gets its share once there are enough funds for all of them.
        n_funds = max(1, round(FUNDS_AT_1 * self.scale))
        weights = {c[0]: self.rng.uniform(0.5, 1.5) for c in counties}
        if n_funds >= len(counties):
            total = sum(weights.values())
            share = {pk: max(1, math.floor(n_funds * w / total)) for pk, w in weights.items()}
            extra = n_funds - sum(share.values())
            for pk in self.rng.sample(sorted(share), k=min(len(share), max(0, extra))):
                share[pk] += 1
        else:
            share = {pk: 0 for pk in weights}
            for pk in self.rng.choices(sorted(weights), weights=[weights[k] for k in sorted(weights)], k=n_funds):
                share[pk] += 1
        self.funds_in = share
        self.n_producers = round(PRODUCERS_AT_1 * self.scale)
        self.n_exhibitions = max(1, round(EXHIBITIONS_AT_1 * self.scale))

    def _place(self, county: tuple) -> tuple[int, str]:
        places = self.places_of.get(county[2])
        return self.rng.choice(places) if places else (county[2], county[4])

    # --- people --------------------------------------------------------------------------------------
    def _person(self, *, unit_id: int, place_id: int) -> int:
        self.person_n += 1
        female = self.rng.random() < 0.5
        first = self.rng.choice(FEMALE if female else MALE)
        last = self.rng.choice(LAST)
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=self.rng.randrange(0, 365 * 55))
        made = _aware(self.month_start[-MONTHS - 1])
        nid = _national_id(self.person_n)
        pk = self.t["people_person"].add(
            nid, first, last, _person_key(first, last), f"0915{self.person_n % 10**7:07d}",
            "female" if female else "male", born, made, made, place_id, unit_id)
        self.nid[pk] = nid
        return pk

    def _user(self, *, person_id: int | None, username: str, day: datetime.date) -> int:
        # Unusable password: synth's people cannot sign in until an officer gives them one (the bench logs in
        # with force_login).
        return self.users.add("!synth", None, False, username, True, False, _aware(day), person_id)

    def _role(self, *, user_id: int, role: str, unit_id: int, day: datetime.date) -> None:
        at = _aware(day)
        self.t["people_roleassignment"].add(role, at, None, self.system, None, unit_id, user_id, at, self.system,
                                            None)

    # --- the run -------------------------------------------------------------------------------------
    def run(self) -> SynthRun:
        started = time.perf_counter()
        self._tables()
        self._load_reference()
        with transaction.atomic():
            system = User.objects.create(username=f"synth-{self.seed}", password="!synth", is_active=False)
            self.system = system.pk
            self.users.next_id = max(self.users.next_id, system.pk + 1)
            record = SynthRun.objects.create(
                seed=self.seed, scale=self.scale, today=self.today, started_at=timezone.now(),
                first_unit_id=self.units.next_id, last_unit_id=self.units.next_id - 1,
                first_user_id=system.pk, last_user_id=system.pk)
        self.say(f"synth seed={self.seed} scale={self.scale} today={self.today}: "
                 f"{sum(self.funds_in.values())} funds, {self.n_producers} producers, "
                 f"{self.n_exhibitions} exhibitions over {len(self.provinces)} provinces")
        triggers_off = foreign_key_triggers_off()
        try:
            self._write_all()
        finally:
            if triggers_off:
                foreign_key_triggers_on()
        lap = time.perf_counter()
        first_ids = {t.name: ("id", t.first_id) if t.has_id else ("orgunit_ptr_id", self.units.first_id)
                     for t in self.t.values()}
        problems = check_foreign_keys(list(self.t), since=first_ids)
        self.stats.phases["foreign keys"] = time.perf_counter() - lap
        if problems:
            raise RuntimeError("synth wrote rows that point at nothing (the run is left unfinished): "
                               + "; ".join(problems))
        return self._finish(record, started)

    def _write_all(self) -> None:
        # Producers and exhibitions go where the funds are (and a little everywhere), drawn once up front.
        weights = [1 + sum(self.funds_in[c[0]] for c in self.counties_of.get(p[0], [])) for p in self.provinces]
        producers_in: dict[int, int] = defaultdict(int)
        exhibitions_in: dict[int, int] = defaultdict(int)
        for p in self.rng.choices([p[0] for p in self.provinces], weights=weights, k=self.n_producers):
            producers_in[p] += 1
        for p in self.rng.choices([p[0] for p in self.provinces], weights=weights, k=self.n_exhibitions):
            exhibitions_in[p] += 1
        for index, province in enumerate(self.provinces):
            lap = time.perf_counter()
            counties = self.counties_of.get(province[0], [])
            funds_here = sum(self.funds_in[c[0]] for c in counties)
            members_of: dict[int, list[int]] = {}
            for county in counties:
                with transaction.atomic():
                    members_of[county[0]] = self._county_funds(county)
                    self._flush(list(self.t))
            with transaction.atomic():
                self._province_production(province, counties, members_of, producers_in[province[0]],
                                          exhibitions_in[province[0]])
                self._flush(list(self.t))
            self.nid.clear()
            self.say(f"  [{index + 1:2}/{len(self.provinces)}] {province[3]}: {funds_here} funds, "
                     f"{self.t['ledger_entry'].written:,} entries so far, {time.perf_counter() - lap:.1f} s")

    def _finish(self, record: SynthRun, started: float) -> SynthRun:
        # Tables filled by COPY have no statistics until autovacuum gets round to them (late, on a busy
        # machine), and the planner then guesses: a fund's monthly statement took 5.8 s instead of 0.2 s on the
        # S = 0.01 data set before this.
        lap = time.perf_counter()
        with connection.cursor() as cursor:
            for table in self.t:
                cursor.execute(f"ANALYZE {table}")
        self.stats.phases["analyze"] = time.perf_counter() - lap
        with transaction.atomic():
            reset_sequences([t.name for t in self.t.values() if t.has_id])
            self.stats.rows = {name: t.written for name, t in self.t.items()}
            self.stats.phases["total"] = time.perf_counter() - started
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_database_size(current_database())")
                size = cursor.fetchone()[0]
            record.last_unit_id = self.units.next_id - 1
            record.last_user_id = self.users.next_id - 1
            record.finished_at = timezone.now()
            record.stats = {"rows": self.stats.rows, "seconds": dict(self.stats.phases), "database_bytes": size}
            record.save()
        return record

    # --- funds ---------------------------------------------------------------------------------------
    def _county_funds(self, county: tuple) -> list[int]:
        """The county's bases and funds with their history; returns the members' person ids."""
        n = self.funds_in.get(county[0], 0)
        if not n:
            return []
        lap = time.perf_counter()
        persons: list[int] = []
        n_bases = max(1, math.ceil(n / 1.5))
        bases = []
        for b in range(n_bases):
            name = f"پایگاه مقاومت {BASE_NAMES[b % len(BASE_NAMES)]}"
            if b >= len(BASE_NAMES):
                name += f" {to_persian_digits(str(b // len(BASE_NAMES) + 1))}"
            place = self._place(county)
            pk = self.units.new_id()
            self.units.add("base", name, _key(name), f"{county[1]}{pk}/", True, _aware(self.month_start[-MONTHS - 1]),
                           county[0], place[0], pk=pk)
            self.t["orgs_base"].add(pk, "", f"056{self.rng.randrange(10**7, 10**8)}")
            bases.append((pk, f"{county[1]}{pk}/", place, name))
        for f in range(n):
            base = bases[f % n_bases]
            second = f >= n_bases
            persons += self._fund(base, county, second=second)
        self.stats.phases["funds"] += time.perf_counter() - lap
        return persons

    def _fund(self, base: tuple, county: tuple, *, second: bool) -> list[int]:
        rng, t = self.rng, self.t
        months = MONTHS if rng.random() < 0.7 else rng.randrange(8, MONTHS)
        founded = self.month_start[-months]
        word = FUND_WORDS[rng.randrange(1, len(FUND_WORDS))] if second else ""
        name = " ".join(filter(None, ["صندوق قرض‌الحسنه", word, base[3].removeprefix("پایگاه مقاومت ")]))
        fund_id = self.units.new_id()
        self.units.add("fund", name, _key(name), f"{base[1]}{fund_id}/", True, _aware(founded), base[0], base[2][0],
                       pk=fund_id)
        t["funds_fund"].add(fund_id, founded)
        monthly = rng.choice([500_000, 1_000_000, 1_000_000, 2_000_000])
        policy, permille = rng.choices([("none", 0), ("upfront", 10), ("spread", 20)], weights=[6, 2, 2])[0]
        loan_cap, multiple, unit = 500_000_000, 3, 10_000
        made = _aware(founded)
        # The treasurer records the money (entries' created_by), as in the services; known once members exist.
        books = Books(self, book_id=t["ledger_book"].new_id(), by=0)
        cash = books.open("cash", "Cash and bank", "asset", "debit")
        fees = books.open("fees", "Fee income", "income", "credit")
        books.open("charity", "Late charges for charity", "liability", "credit")
        equity = books.open("equity", "Fund capital", "equity", "any")

        # Members: the founders, a third joining over the first months, a few later; the first two run the fund.
        size = rng.randint(50, 200)
        members: list[Member] = []
        for number in range(1, size + 1):
            late_joiner = number > size * 2 // 3
            joined = min(-1, -months + rng.randrange(1, max(2, months // 2))) if late_joiner else -months
            person = self._person(unit_id=base[0], place_id=self._place(county)[0])
            account = books.open(f"savings:{number}", f"Savings of member {number}", "liability", "credit")
            m = Member(id=t["funds_membership"].new_id(), number=number, person_id=person, joined=joined,
                       account=account, skips=rng.randint(1, 3) if rng.random() < 0.05 else 0)
            members.append(m)
        manager = self._user(person_id=members[0].person_id, username=self.nid[members[0].person_id], day=founded)
        treasurer = self._user(person_id=members[1].person_id, username=self.nid[members[1].person_id], day=founded)
        books.by = treasurer
        self._role(user_id=manager, role="fund_manager", unit_id=fund_id, day=founded)
        self._role(user_id=treasurer, role="fund_treasurer", unit_id=fund_id, day=founded)
        t["funds_fundrules"].add(founded, monthly, 6, multiple, loan_cap, 24, policy, permille, 40, "none", 0, 0,
                                 unit, False, made, manager, fund_id, 31, 3)

        loans: list[LoanPlan] = []
        for k in range(-months, 0):
            start, next_start = self.month_start[k], self.month_start[k + 1]
            year, month = _jalali(start)
            events: list[tuple[datetime.date, int, int, Callable[[], None]]] = []
            # Joining: the opening deposit, on the month's first day.
            for m in members:
                if m.joined == k:
                    deposit = rng.choice([2_000_000, 5_000_000, 10_000_000])
                    events.append((start, 0, m.number, functools.partial(self._join, books, fund_id, m, deposit,
                                                                         start, cash)))
            # Contributions for the month, paid in its first ten days; late payers stop near the end.
            if k > -months:
                for m in members:
                    if m.joined < k and not (m.skips and k >= -m.skips):
                        paid_on = start + datetime.timedelta(days=rng.randrange(0, 10))
                        events.append((paid_on, 1, m.number, functools.partial(
                            self._contribute, books, m, year, month, monthly, paid_on, cash)))
            # Repayments due this month, on their day, for loans still paying.
            for loan in loans:
                if loan.closed:
                    continue
                for item in loan.plan[loan.paid:]:
                    if not (start <= item.due_on < next_start) or item.due_on >= self.today:
                        break
                    if loan.paid >= loan.stop_after:
                        break
                    events.append((item.due_on, 2, loan.id, functools.partial(
                        self._repay, books, loan, item, cash, fees)))
                    loan.paid += 1  # decided now; posted in date order below
                    if loan.paid == len(loan.plan):
                        loan.closed, loan.repaid_on = True, item.due_on
                        loan.member.loan_open = False
                if loan.write_off_month == k and not loan.closed:
                    loan.closed = True
                    events.append((start + datetime.timedelta(days=20), 3, loan.id, functools.partial(
                        self._write_off, books, loan, start + datetime.timedelta(days=20), equity, manager, treasurer)))
            events.sort(key=lambda e: (e[0], e[1], e[2]))
            for event in events:
                event[3]()
            # New loans, paid out on the 13th from what the fund holds after the month's money came in.
            if k >= -months + 6 and k <= -1:
                for _ in range(rng.choice([0, 1, 1, 2])):
                    loan = self._new_loan(books, fund_id, members, k, cash, fees, loan_cap, multiple, unit,
                                          policy, permille, manager, treasurer)
                    if loan is not None:
                        loans.append(loan)
        # Applications in the pipeline this month: waiting for a guarantor, proposed, approved in the queue,
        # and one refused.
        for status in rng.sample(["applied", "proposed", "approved", "rejected", "cancelled"], k=rng.randint(1, 3)):
            self._pipeline_loan(fund_id, members, status, manager, treasurer, books.balance)

        for loan in loans:
            self._loan_rows(fund_id, loan, policy, manager, treasurer)
        books.write(unit_id=fund_id, made=made)
        for m in members:
            t["funds_membership"].add(m.number, self.month_start[m.joined], None, "active", fund_id, m.person_id,
                                      m.account, pk=m.id)
        return [m.person_id for m in members]

    def _join(self, books: Books, fund_id: int, m: Member, deposit: int, day: datetime.date, cash: int) -> None:
        entry = books.post("opening", f"synth-join-{fund_id}-{m.number}", f"member {m.number} joined",
                     {"member": m.number}, day, [(cash, deposit), (m.account, -deposit)])
        self.t["funds_movement"].add("opening", deposit, day, entry, m.id, False)

    def _contribute(self, books: Books, m: Member, year: int, month: int, amount: int, paid_on: datetime.date,
                    cash: int) -> None:
        # Key, kind, memo and params exactly as funds.services.members._record_contribution writes them.
        entry = books.post("contribution", f"contribution:{m.id}:{year}-{month:02d}",
                           f"member {m.number} {year}/{month:02d}", {"member": m.number, "year": year, "month": month},
                           paid_on, [(cash, amount), (m.account, -amount)])
        self.t["funds_contribution"].add(year, month, amount, paid_on, entry, m.id, False)

    def _repay(self, books: Books, loan: LoanPlan, item: Any, cash: int, fees: int) -> None:
        lines = [(cash, item.total)]
        if item.principal:
            lines.append((loan.account, -item.principal))
        if item.fee:
            lines.append((fees, -item.fee))
        entry = books.post("repayment", f"synth-repay-{loan.id}-{item.number}", f"loan {loan.id} repayment",
                     {"loan": loan.id}, item.due_on, lines)
        self.t["funds_repayment"].add(item.total, item.principal, item.fee, item.due_on, entry, loan.id, False)

    def _write_off(self, books: Books, loan: LoanPlan, day: datetime.date, equity: int, manager: int,
                   treasurer: int) -> None:
        outstanding = loan.amount - sum(p.principal for p in loan.plan[:loan.paid])
        if outstanding:
            books.post("write_off", f"synth-writeoff-{loan.id}", f"loan {loan.id}: {WRITE_OFF_REASON}"[:300],
                       {"loan": loan.id, "note": WRITE_OFF_REASON}, day,
                       [(equity, outstanding), (loan.account, -outstanding)])
        self.t["funds_loanclosure"].add("write_off", WRITE_OFF_REASON, "confirmed",
                                        _aware(day - datetime.timedelta(days=7)), _aware(day), treasurer, loan.id,
                                        manager)
        loan.member.loan_open = False
        loan.repaid_on = day

    def _new_loan(self, books: Books, fund_id: int, members: list[Member], k: int, cash: int, fees: int,
                  loan_cap: int, multiple: int, unit: int, policy: str, permille: int, manager: int,
                  treasurer: int) -> LoanPlan | None:
        rng, balance = self.rng, books.balance
        eligible = [m for m in members if m.joined <= k - 6 and not m.loan_open and balance[m.account] < 0]
        if len(eligible) < 2:
            return None
        m = rng.choice(eligible)
        amount = min(-balance[m.account] * multiple, loan_cap) // 1_000_000 * 1_000_000
        fee = fee_amount(amount, permille) if policy != "none" else 0
        upfront = fee if policy == "upfront" else 0
        if amount < 5_000_000 or amount - upfront > balance[cash]:
            return None
        on = self.month_start[k] + datetime.timedelta(days=12)
        n_months = rng.choice([10, 12, 12, 18, 24])
        loan_id = self.t["funds_loan"].new_id()
        # The account is opened by the payout, as loan_disburse does (code "loan:<id>").
        account = books.open(f"loan:{loan_id}", f"Loan {loan_id}", "asset", "debit")
        plan = _schedule(amount, n_months, on, unit, policy, permille)
        fate = rng.choices(["pay", "late", "write_off"], weights=[92, 5, 3])[0]
        loan = LoanPlan(id=loan_id, member=m, amount=amount, account=account, plan=plan, fate=fate, fee=fee,
                        applied_on=on - datetime.timedelta(days=10), disbursed_on=on)
        if fate != "pay":
            loan.stop_after = rng.randrange(1, max(2, n_months // 2))
            stop_month = k + loan.stop_after + 1
            if fate == "write_off":
                loan.write_off_month = stop_month + 3 if stop_month + 3 <= -1 else None
        loan.guarantor = rng.choice([g for g in members if g is not m])
        loan.guarantee_amount = max(1_000_000, amount // 2)
        m.loan_open = True
        lines = [(loan.account, loan.amount), (cash, -(loan.amount - upfront))]
        if upfront:
            lines.append((fees, -upfront))
        books.post("disbursement", f"synth-out-{loan.id}", f"loan {loan.id} to member {loan.member.number}",
                   {"loan": loan.id, "member": loan.member.number}, on, lines)
        return loan

    def _loan_rows(self, fund_id: int, loan: LoanPlan, policy: str, manager: int, treasurer: int) -> None:
        t = self.t
        if loan.closed and loan.write_off_month is None:
            status = "repaid"
        elif loan.closed:
            status = "written_off"
        else:
            status = "disbursed"
        decided = _aware(loan.applied_on + datetime.timedelta(days=5))
        t["funds_loan"].add(loan.amount, len(loan.plan), self.rng.choice(["production", "housing", "medical",
                                                                         "education", "marriage", "other"]),
                            "", "", 3, status, _aware(loan.applied_on), decided,
                            WRITE_OFF_REASON if status == "written_off" else "", loan.fee, policy, loan.disbursed_on,
                            loan.account, treasurer, manager, fund_id, loan.member.id, treasurer, False, pk=loan.id)
        for item in loan.plan:
            t["funds_installment"].add(item.number, item.due_on, item.principal, item.fee, loan.id)
        assert loan.guarantor is not None
        t["funds_guarantee"].add(loan.guarantee_amount, "accepted" if status == "disbursed" else "released",
                                 _aware(loan.applied_on), loan.guarantor.id, loan.id)

    def _pipeline_loan(self, fund_id: int, members: list[Member], status: str, manager: int, treasurer: int,
                       balance: dict[int, int]) -> None:
        free = [m for m in members if not m.loan_open and m.joined <= -7]
        if len(free) < 2:
            return
        m = self.rng.choice(free)
        m.loan_open = status in ("applied", "proposed", "approved")
        amount = max(5_000_000, -balance[m.account] * 2 // 1_000_000 * 1_000_000)
        applied = self.month_start[0] if self.month_start[0] < self.today else self.month_start[-1]
        decided = _aware(applied) if status in ("approved", "rejected") else None
        loan_id = self.t["funds_loan"].add(
            amount, 12, "production", "", "", 2, status, _aware(applied), decided, "", 0, "", None, None, treasurer,
            manager if decided else None, fund_id, m.id, treasurer if status in ("proposed", "approved") else None,
            False)
        guarantor = self.rng.choice([g for g in members if g is not m])
        self.t["funds_guarantee"].add(max(1_000_000, amount // 2), "requested" if status == "applied" else "accepted",
                                      None if status == "applied" else _aware(applied), guarantor.id, loan_id)

    # --- producers, colonies, clusters, exhibitions ----------------------------------------------------
    def _province_production(self, province: tuple, counties: list[tuple], members_of: dict[int, list[int]],
                             n_producers: int, n_exhibitions: int) -> None:
        if not counties:
            return
        lap = time.perf_counter()
        rng, t = self.rng, self.t
        weights = [1 + len(members_of.get(c[0], [])) for c in counties]
        per_county: dict[int, int] = defaultdict(int)
        for pk in rng.choices([c[0] for c in counties], weights=weights, k=n_producers):
            per_county[pk] += 1
        county_clusters: list[tuple[int, str, int]] = []  # (cluster id, value chain, focus product)
        producers_of: dict[int, list[tuple[int, int, int, int | None, int | None]]] = {}
        for county in counties:
            n = per_county.get(county[0], 0)
            if not n:
                continue
            # The county's advantaged lines: two value chains, up to two products of each.
            chains = sorted({p[2] for p in self.products})
            lines = [p for chain in rng.sample(chains, k=min(2, len(chains)))
                     for p in rng.sample([q for q in self.products if q[2] == chain],
                                         k=min(2, sum(1 for q in self.products if q[2] == chain)))]
            pool = list(members_of.get(county[0], []))
            rng.shuffle(pool)
            by_product: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
            rows: list[tuple[int, int, int]] = []
            for i in range(n):
                place = self._place(county)
                person = pool.pop() if pool and rng.random() < 0.4 else self._person(unit_id=county[0],
                                                                                      place_id=place[0])
                made = self.month_start[-rng.randrange(1, MONTHS)]
                approved = rng.random() < 0.95
                product = lines[i % len(lines)] if i < len(lines) else rng.choice(lines)
                producer = t["production_producer"].add(
                    "", "home" if rng.random() < 0.8 else "workshop", product[1], made - datetime.timedelta(days=900),
                    rng.randrange(0, 50) * 10_000_000, "approved" if approved else "pending", _aware(made),
                    _aware(made) if approved else None, "", self.system if approved else None, person, place[0],
                    self.system, county[0])
                t["production_producerproduct"].add(rng.randrange(10, 500), producer, product[0])
                if approved:
                    by_product[product[0]].append((producer, person, place[0]))
                rows.append((producer, person, product[0]))
            # Colonies: groups of 5–12 producers of one line; about seven in ten producers end up in one.
            colonies: dict[str, list[tuple[int, int]]] = defaultdict(list)  # value chain -> (colony, product)
            colony_of: dict[int, tuple[int, int | None]] = {}
            cluster_ids: dict[str, int] = {}
            groups = []
            for product_id, members in sorted(by_product.items()):
                product = next(p for p in self.products if p[0] == product_id)
                start = 0
                while start < len(members):  # consecutive, disjoint groups: one colony per line per producer
                    size = rng.randint(5, 12)
                    group = members[start:start + size]
                    start += size
                    if len(group) >= 3 and rng.random() < 0.8:
                        groups.append((product, group))
            chains_count: dict[str, int] = defaultdict(int)
            for product, _group in groups:
                chains_count[product[2]] += 1
            for chain, count in sorted(chains_count.items()):
                if count >= 2:
                    focus = next(p for p, _g in groups if p[2] == chain)
                    label = f"خوشهٔ {focus[1]} {county[4]}"
                    pk = self.units.new_id()
                    self.units.add("cluster", label, _key(label), f"{county[1]}{pk}/", True,
                                   _aware(self.month_start[-6]), county[0], county[2], pk=pk)
                    cluster_ids[chain] = pk
                    county_clusters.append((pk, chain, focus[0]))
            names_used: set[str] = set()
            for product, group in groups:
                place_name = next((name for pk, name in self.places_of.get(county[2], []) if pk == group[0][2]),
                                  county[4])
                label = f"کلنی {product[1]} {place_name}"
                while label in names_used:
                    label += " ۲"
                names_used.add(label)
                pk = self.units.new_id()
                self.units.add("colony", label, _key(label), f"{county[1]}{pk}/", True, _aware(self.month_start[-8]),
                               county[0], group[0][2], pk=pk)
                cluster = cluster_ids.get(product[2])
                t["production_colony"].add(pk, group[0][1], self.system, product[0], cluster)
                for producer, _person, _place in group:
                    t["production_colonymember"].add(_aware(self.month_start[-8]), pk, producer, product[0])
                    colony_of[producer] = (pk, cluster)
                colonies[product[2]].append((pk, product[0]))
            producers_of[county[0]] = [(p, person, product, *colony_of.get(p, (None, None)))
                                       for p, person, product in rows]
        # Province clusters: a chain with county clusters in two counties or more gets one.
        by_chain: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for pk, chain, focus in county_clusters:
            by_chain[chain].append((pk, focus))
        province_of: dict[int, int | None] = {}
        for chain, members in sorted(by_chain.items()):
            if len(members) < 2:
                continue
            focus = members[0][1]
            name = next(p[1] for p in self.products if p[0] == focus)
            label = f"خوشهٔ استانی {name} {province[3]}"
            pk = self.units.new_id()
            self.units.add("cluster", label, _key(label), f"{province[1]}{pk}/", True, _aware(self.month_start[-4]),
                           province[0], province[2], pk=pk)
            t["production_cluster"].add(pk, "province", chain, "", self.system, focus, None)
            for county_cluster, _focus in members:
                province_of[county_cluster] = pk
        for pk, chain, focus in county_clusters:
            t["production_cluster"].add(pk, "county", chain, "", self.system, focus, province_of.get(pk))
        self.stats.phases["production"] += time.perf_counter() - lap
        lap = time.perf_counter()
        with_producers = [c for c in counties if len(producers_of.get(c[0], [])) >= 4]
        for _ in range(n_exhibitions if with_producers else 0):
            self._exhibition(rng.choice(with_producers), producers_of)
        self.stats.phases["market"] += time.perf_counter() - lap

    def _exhibition(self, county: tuple, producers_of: dict[int, list[tuple]]) -> None:
        rng, t = self.rng, self.t
        starts = self.month_start[-rng.randrange(1, MONTHS - 1)] + datetime.timedelta(days=10)
        label = f"نمایشگاه اقتصاد به دست مردم {county[4]} {to_persian_digits(str(_jalali(starts)[0]))}"
        pk = self.units.new_id()
        self.units.add("exhibition", label, _key(label), f"{county[1]}{pk}/", True,
                       _aware(starts - datetime.timedelta(days=40)), county[0], county[2], pk=pk)
        t["market_exhibition"].add(pk, "seasonal", f"مصلای {county[4]}", starts, starts + datetime.timedelta(days=6),
                                   None, starts - datetime.timedelta(days=10), {}, self.system)
        booths = [t["market_booth"].add(f"{'ABCD'[i // 4]}{i % 4 + 1}", i % 4 * 3, i // 4 * 3, 3, 3,
                                        0 if i < 4 else 5_000_000, pk) for i in range(16)]
        applicants = rng.sample(producers_of[county[0]], k=min(24, len(producers_of[county[0]])))
        applied_at = _aware(starts - datetime.timedelta(days=20))
        for i, (producer, _person, product, colony, cluster) in enumerate(applicants):
            booth = booths[i] if i < len(booths) else None
            application = t["market_application"].add(
                starts, "producer", next(p[1] for p in self.products if p[0] == product), None, False,
                "allocated" if booth else "waitlisted", 100 - i, [], applied_at,
                _aware(starts - datetime.timedelta(days=9)), self.system, producer, None, booth, pk)
            if booth is None:
                continue
            for day in range(3):
                for n in range(rng.randint(2, 10)):
                    quantity = rng.randint(1, 5)
                    price = rng.choice([500_000, 1_200_000, 3_000_000, 8_000_000])
                    sold = aware(starts + datetime.timedelta(days=day), 10 + n % 9).isoformat()
                    sale = t["market_sale"].new_id()
                    t["market_sale"].add(sold, rng.choice(["cash", "card", "transfer"]), quantity * price,
                                         f"synth-sale-{sale}", application, booth, None, pk, self.system, pk=sale)
                    t["market_saleline"].add(f"{quantity}.000", price, quantity * price, None, cluster, colony,
                                             producer, product, sale)

