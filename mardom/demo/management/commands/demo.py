"""`mardom demo`: a realistic, deterministic data set centred on South Khorasan and the county of Qaenat."""

from __future__ import annotations

import dataclasses
import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation

from mardom.brands import services as brand_services
from mardom.brands.models import Label
from mardom.core.digits import to_persian_digits
from mardom.core.jalali import jalali_month_start, to_jalali
from mardom.core.validators import is_valid_national_id
from mardom.demo import sweep_data
from mardom.demo.names import FEMALE, LAST, MALE
from mardom.funds import draw_v2
from mardom.funds import selectors as fund_selectors
from mardom.funds import services as fund_services
from mardom.funds.models import Fund, Loan, Membership
from mardom.geo.models import Place
from mardom.market import services as market_services
from mardom.orgs import services as org_services
from mardom.orgs.models import Base, Institution, OrgUnit, VolunteerGroup
from mardom.people import services as people_services
from mardom.people.models import Person, User
from mardom.people.roles import Role
from mardom.production import formation
from mardom.production import selectors as production_selectors
from mardom.production import services as production_services
from mardom.production.models import Cluster, Colony, JobAgreement, JobLeader, Producer, Product
from mardom.production.services import jobs as job_services

DEMO_PASSWORD = "mardom-demo-1402"
ADMIN_USERNAME = "admin"
SEED = 1402
# Job-leader agreements began before last year's season (which the doubling page compares with this one).
SINCE_LAST_SEASON = datetime.timedelta(days=150 + 364)


@dataclass(frozen=True)
class DemoLogin:
    key: str
    role: str | None
    mobile: str
    first_name: str
    last_name: str
    gender: str


LOGINS = [
    DemoLogin("national", Role.NATIONAL_OFFICER, "09120000001", "محمد", "زهرایی", "male"),
    DemoLogin("province", Role.PROVINCE_OFFICER, "09120000002", "علی", "خراسانی", "male"),
    DemoLogin("county", Role.COUNTY_OFFICER, "09120000003", "فاطمه", "قاینی", "female"),
    DemoLogin("birjand", Role.COUNTY_OFFICER, "09120000004", "حسین", "بیرجندی", "male"),
    DemoLogin("base", Role.BASE_OFFICER, "09120000005", "زهرا", "رضایی", "female"),
    DemoLogin("auditor", Role.AUDITOR, "09120000006", "مهدی", "نوری", "male"),
    DemoLogin("institution", Role.INSTITUTION_OFFICER, "09120000007", "مریم", "کریمی", "female"),
    DemoLogin("group", Role.GROUP_LEADER, "09120000008", "جواد", "موسوی", "male"),
    DemoLogin("person", None, "09120000009", "معصومه", "عباسی", "female"),
    DemoLogin("manager", Role.FUND_MANAGER, "09120000010", "غلامرضا", "نخعی", "male"),
    DemoLogin("treasurer", Role.FUND_TREASURER, "09120000011", "طاهره", "بهدانی", "female"),
    DemoLogin("member", None, "09120000012", "رقیه", "خزاعی", "female"),
    DemoLogin("guide", Role.CLUSTER_GUIDE, "09120000013", "مرتضی", "فاضلی", "male"),
    DemoLogin("job_leader", Role.JOB_LEADER, "09120000014", "حمید", "صالحی", "male"),
    DemoLogin("producer", Role.PRODUCER, "09120000015", "سکینه", "رحمانی", "female"),
    DemoLogin("inspector", Role.BRAND_INSPECTOR, "09120000016", "ابراهیم", "شریفی", "male"),
    DemoLogin("organiser", Role.EXHIBITION_ORGANISER, "09120000017", "نرگس", "طاهری", "female"),
]
# Created with the production data (colonies_and_clusters, job_leaders), not with the other logins.
LATE_LOGINS = {"guide", "job_leader", "producer", "inspector", "organiser"}

FUNDS = [  # (base index, name, members, months of history)
    (0, "صندوق قرض‌الحسنه امام علی (ع)", 30, 24),
    (1, "صندوق قرض‌الحسنه بانوان کوثر", 18, 14),
    (2, "صندوق قرض‌الحسنه حضرت زینب (س)", 12, 9),
    (8, "صندوق قرض‌الحسنه شهید بهشتی", 10, 6),
]

QAENAT_BASES = [
    "پایگاه مقاومت امام علی (ع)", "پایگاه مقاومت شهید چمران", "پایگاه مقاومت حضرت زینب (س)",
    "پایگاه مقاومت شهید باهنر", "پایگاه مقاومت امام رضا (ع)", "پایگاه مقاومت شهید همت",
    "پایگاه مقاومت حضرت فاطمه (س)", "پایگاه مقاومت شهید رجایی",
]
BIRJAND_BASES = ["پایگاه مقاومت شهید بهشتی", "پایگاه مقاومت امام حسین (ع)", "پایگاه مقاومت شهید مطهری"]
GROUPS = [
    ("گروه جهادی شهید حججی", ["construction", "relief"]),
    ("گروه جهادی بانوان کوثر", ["training", "employment"]),
    ("گروه جهادی سلامت امید", ["health"]),
    ("گروه جهادی کشاورزی زعفران‌کاران", ["agriculture", "training"]),
    ("گروه جهادی فرهنگی نور", ["culture", "training"]),
]


class Command(BaseCommand):
    help = "Load the demo data set (South Khorasan, Qaenat). Safe to run again: it loads once."

    def handle(self, *args: Any, **options: Any) -> None:
        if Person.objects.filter(mobile=LOGINS[0].mobile).exists():
            self.stdout.write("Demo data is already loaded.")
        else:
            # Names the services make up (a colony's default name) are stored in the site's language.
            with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
                Builder(random.Random(SEED)).build()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.print_logins()

    def print_logins(self) -> None:
        with translation.override("en"):  # the console speaks to whoever installs, in one language
            self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}); sign in with the mobile:")
        self.stdout.write(f"  {'admin (system administrator)':34} username {ADMIN_USERNAME}")
        for login in LOGINS:
            label = Role(login.role).label if login.role and login.key != "producer" else "producer (own records)" \
                if login.key == "producer" else (
                "fund member (own passbook)" if login.key == "member" else "person with no role (own file)")
            self.stdout.write(f"  {login.key + ': ' + str(label):34} mobile {login.mobile}")


class Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used_ids: set[str] = set()
        self.admin = User.objects.filter(username=ADMIN_USERNAME).first() or User.objects.create_superuser(
            ADMIN_USERNAME, DEMO_PASSWORD
        )
        self.qaenat = OrgUnit.objects.get(kind=OrgUnit.Kind.COUNTY, name="قاینات")
        self.birjand = OrgUnit.objects.get(kind=OrgUnit.Kind.COUNTY, name="بیرجند")
        self.province = self.qaenat.parent
        self.nation = OrgUnit.objects.get(kind=OrgUnit.Kind.NATION)
        self.qaen_city = Place.objects.get(kind=Place.Kind.CITY, name="قاین")
        self.birjand_city = Place.objects.get(kind=Place.Kind.CITY, name="بیرجند")
        self.villages = {
            county.pk: list(Place.objects.filter(kind=Place.Kind.VILLAGE, county_id=county.place_id).order_by("pk"))
            for county in (self.qaenat, self.birjand)
        }

    # -- helpers ------------------------------------------------------------------------------------
    def national_id(self) -> str:
        while True:
            body = f"{self.rng.randrange(10**9):09d}"
            total = sum(int(d) * (10 - i) for i, d in enumerate(body))
            r = total % 11
            code = body + str(r if r < 2 else 11 - r)
            if code not in self.used_ids and is_valid_national_id(code):
                self.used_ids.add(code)
                return code

    def mobile(self) -> str:
        return "09" + self.rng.choice(["12", "13", "15", "17", "19", "01", "02", "03", "30", "35", "36", "37"]) + \
            f"{self.rng.randrange(10**7):07d}"

    def village(self, county: OrgUnit) -> Place:
        return self.rng.choice(self.villages[county.pk])

    def birth_date(self) -> datetime.date:
        return datetime.date(1950, 1, 1) + datetime.timedelta(days=self.rng.randrange(365 * 55))

    def person(self, *, desk: OrgUnit, county: OrgUnit, first: str | None = None, last: str | None = None,
               gender: str | None = None, mobile: str | None = None) -> Person:
        gender = gender or self.rng.choice(["female", "male"])
        first = first or self.rng.choice(FEMALE if gender == "female" else MALE)
        return people_services.person_create(
            by=self.admin, desk=desk, national_id=self.national_id(), first_name=first,
            last_name=last or self.rng.choice(LAST), mobile=mobile or self.mobile(), gender=gender,
            home_place=self.village(county) if self.rng.random() < 0.8 else (
                self.qaen_city if county == self.qaenat else self.birjand_city),
            birth_date=self.birth_date(),
        )

    # -- the data set -------------------------------------------------------------------------------
    def build(self) -> None:
        bases = [
            org_services.base_create(
                by=self.admin, county=self.qaenat, name=name, place=self.place_for(self.qaenat, i),
                address=to_persian_digits(
                    f"خیابان {self.rng.choice(['امام', 'انقلاب', 'شهدا', 'معلم'])}، کوچه {i + 1}"),
                phone=f"0563252{self.rng.randrange(1000, 9999)}",
            )
            for i, name in enumerate(QAENAT_BASES)
        ] + [
            org_services.base_create(
                by=self.admin, county=self.birjand, name=name, place=self.place_for(self.birjand, i),
                phone=f"0563222{self.rng.randrange(1000, 9999)}",
            )
            for i, name in enumerate(BIRJAND_BASES)
        ]
        groups = [
            org_services.group_create(
                by=self.admin, county=self.qaenat if i < 4 else self.birjand, name=name, place=None,
                fields_of_work=fields, leader_name=f"{self.rng.choice(MALE)} {self.rng.choice(LAST)}",
                leader_mobile=self.mobile(), member_count=self.rng.randrange(8, 60),
            )
            for i, (name, fields) in enumerate(GROUPS)
        ]
        institutions = self.institutions()
        for base, group in [(bases[0], groups[0]), (bases[0], groups[1]), (bases[1], groups[3]), (bases[2], groups[2]),
                            (bases[3], groups[1]), (bases[8], groups[4])]:
            org_services.linkage_create(by=self.admin, base=base, group=group)

        people = [self.person(desk=self.qaenat, county=self.qaenat) for _ in range(200)]
        people += [self.person(desk=bases[0], county=self.qaenat) for _ in range(40)]
        people += [self.person(desk=self.birjand, county=self.birjand) for _ in range(60)]

        funds = self.funds(bases, people)
        units = {
            "manager": funds[0], "treasurer": funds[0],
            "national": self.nation, "province": self.province, "county": self.qaenat, "birjand": self.birjand,
            "base": bases[0], "auditor": self.qaenat, "institution": institutions["keshavarzi"], "group": groups[0],
        }
        for login in LOGINS:
            if login.key in LATE_LOGINS:
                continue  # made once the producers, clusters and job leaders exist
            county = self.birjand if login.key == "birjand" else self.qaenat
            person = self.person(desk=self.qaenat if county == self.qaenat else self.birjand, county=county,
                                 first=login.first_name, last=login.last_name, gender=login.gender, mobile=login.mobile)
            user = people_services.account_set_password(by=self.admin, person=person, password=DEMO_PASSWORD)
            if login.role:
                people_services.role_grant(by=self.admin, user=user, role=login.role, unit=units[login.key])
            if login.key == "member":
                membership = fund_services.membership_join(
                    by=self.admin, fund=funds[0], person=person, opening_deposit=5_000_000,
                    joined_on=funds[0].founded_on, idempotency_key="demo-member-login", today=funds[0].founded_on)
                self.pay_every_month(membership)
        self.referrals(bases, groups, institutions, people)
        self.loans(funds[0])
        self.draws(funds[0])
        self.producers(people)
        self.exhibitions()  # after the advantaged products, which give priority for booths
        self.storefront()
        self.last_year_fair()  # late: the random draws of everything above stay as they were
        self.waiting_proposal(funds[0])  # last: the person it makes up draws no name earlier data depends on
        sweep_data.build(self)  # the desk's sweep over the last month (after every request is made)

    def funds(self, bases: list[Base], people: list[Person]) -> list[Fund]:
        """Funds with real history: members joining, monthly contributions since, a few late payers."""
        today = timezone.localdate()
        made = []
        pool = iter(self.rng.sample(people, len(people)))
        for base_index, name, size, months in FUNDS:
            base = bases[base_index]
            county = base.parent
            founded = jalali_month_start(today, -months)
            fund = fund_services.fund_create(
                by=self.admin, base=base, name=name, founded_on=founded,
                rules=fund_services.RulesInput(
                    monthly_contribution=self.rng.choice([500_000, 1_000_000, 2_000_000]), min_months_before_loan=6,
                    loan_savings_multiple=3, loan_cap=500_000_000, max_months=24,
                    fee_policy="upfront" if base_index % 2 else "none", fee_permille=10 if base_index % 2 else 0,
                ),
            )
            members = []
            for number in range(size):
                person = next(p for p in pool if p.unit_id in (county.pk, base.pk))
                late_joiner = number >= size * 2 // 3
                joined = jalali_month_start(today, -months + (self.rng.randrange(1, 4) if late_joiner else 0))
                members.append(fund_services.membership_join(
                    by=self.admin, fund=fund, person=person, joined_on=joined,
                    opening_deposit=self.rng.choice([2_000_000, 5_000_000, 10_000_000]),
                    idempotency_key=f"demo-join-{fund.pk}-{number}", today=joined
                ))
            late = set(self.rng.sample(range(size), max(1, size // 8)))
            for back in range(months - 1, 0, -1):
                month_start = jalali_month_start(today, -back)
                period = to_jalali(month_start)
                payers = [m for i, m in enumerate(members)
                          if m.joined_on <= month_start and not (i in late and back <= 3)]
                paid_on = month_start + datetime.timedelta(days=self.rng.randrange(0, 10))
                # Recorded on the day it was paid (the demo replays history), so no entry is a late entry.
                fund_services.contributions_record_month(
                    by=self.admin, fund=fund, year=period.year, month=period.month, paid_on=paid_on,
                    memberships=payers, today=paid_on,
                )
            made.append(fund)
        return made

    def pay_every_month(self, membership: Membership) -> None:
        """Contributions from the month after joining up to last month, each paid in the first days."""
        today = timezone.localdate()
        month = jalali_month_start(membership.joined_on, 1)
        while month < jalali_month_start(today):
            period = to_jalali(month)
            paid_on = month + datetime.timedelta(days=self.rng.randrange(0, 10))
            fund_services.contribution_record(by=self.admin, membership=membership, year=period.year,
                                              month=period.month, paid_on=paid_on, today=paid_on)
            month = jalali_month_start(month, 1)

    def loans(self, fund: Fund) -> None:
        """Loans in every state in the first fund: repaid, running, late, waiting for a guarantor (the demo
        member is asked), proposed, and approved in the queue. Real services, real dates."""
        treasurer = User.objects.get(person__mobile="09120000011")
        manager = User.objects.get(person__mobile="09120000010")
        member_login = User.objects.get(person__mobile="09120000012")
        today = timezone.localdate()
        members = list(Membership.objects.filter(fund=fund).exclude(person__user=member_login).order_by("number"))
        guarantors = iter(members[::-1] * 3)  # from the other end of the list than the borrowers

        def moment(day: datetime.date) -> datetime.datetime:
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))

        def open_loan(membership: Membership, months_ago: int, *, months: int = 12, stage: str = "disbursed",
                      purpose: str = "production", priority: int = Loan.Priority.NORMAL,
                      guarantor: Membership | None = None) -> Loan:
            day = jalali_month_start(today, -months_ago) + datetime.timedelta(days=3)
            amount = membership.savings * 2 // 1_000_000 * 1_000_000
            loan = fund_services.loan_apply(by=treasurer, membership=membership, amount=amount, months=months,
                                            purpose=purpose, priority=priority, now=moment(day),
                                            activity="بسته‌بندی زعفران" if purpose == "production" else "")
            needed = fund_selectors.guarantee_needed(loan=loan)
            while needed > 0:
                g_member = guarantor or next(guarantors)
                share = min(needed, fund_selectors.guarantee_capacity(membership=g_member))
                if share <= 0 or g_member.pk == membership.pk:
                    continue
                g = fund_services.guarantee_request(by=treasurer, loan=loan, guarantor=g_member, amount=share)
                if guarantor is not None:
                    return loan  # left for the guarantor to answer in their own login
                g_user = User.objects.filter(person=g_member.person).first() or User.objects.create_user(
                    g_member.person.national_id, None, person=g_member.person)
                fund_services.guarantee_respond(by=g_user, guarantee=g, accept=True, now=moment(day))
                needed -= share
            if stage == "applied":
                return loan
            fund_services.loan_propose(by=treasurer, loan=loan, now=moment(day))
            if stage == "proposed":
                return loan
            fund_services.loan_decide(by=manager, loan=loan, approve=True, now=moment(day))
            if stage == "approved":
                return loan
            return fund_services.loan_disburse(by=treasurer, loan=loan, on=day, idempotency_key=f"demo-out-{loan.pk}",
                                               today=day)

        def repay(loan: Loan, *, stop_months_ago: int = 0) -> None:
            for item in fund_selectors.loan_plan(loan=loan):
                if item.due_on >= jalali_month_start(today, -stop_months_ago):
                    break
                fund_services.loan_repay(by=treasurer, loan=loan, amount=item.total, paid_on=item.due_on,
                                         idempotency_key=f"demo-repay-{loan.pk}-{item.number}", today=item.due_on)

        borrowers = iter(members)

        def eligible(months_ago: int) -> Membership:
            day = jalali_month_start(today, -months_ago) + datetime.timedelta(days=3)
            problems: list = []
            for membership in borrowers:
                membership = Membership.objects.get(pk=membership.pk)
                problems = fund_selectors.loan_eligibility(membership=membership, amount=1, months=1, on=day)
                if not problems:
                    return membership
            raise RuntimeError(f"the demo fund ran out of eligible borrowers: {problems}")

        for _ in range(4):
            repay(open_loan(eligible(16), 16))
        for i in range(5):
            repay(open_loan(eligible(8), 8), stop_months_ago=3 if i in (2, 3) else 0)
        asked = Membership.objects.get(fund=fund, person__user=member_login)
        open_loan(eligible(0), 0, stage="applied", guarantor=asked)
        open_loan(eligible(0), 0, stage="proposed", purpose="housing")
        open_loan(eligible(0), 0, stage="approved", purpose="marriage")
        open_loan(eligible(0), 0, stage="approved", purpose="medical", priority=Loan.Priority.EMERGENCY)

    def draws(self, fund: Fund) -> None:
        """Draws (mardom-draw-v2) in the demo member's fund, run by its manager: one held last month on a
        published figure, one cancelled in public (its number stays used), and the next announced for next week
        on numbers sealed by three members, the demo member among them. She keeps her saved announcements in
        var/demo/09120000012/, to check the draws with `mardom draw-verify ... --announced ...`."""
        manager = User.objects.get(person__mobile="09120000010")
        member = Membership.objects.get(fund=fund, person__mobile="09120000012")
        today = timezone.localdate()

        def at(day: datetime.date, hour: int = 18) -> datetime.datetime:
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))

        held_on = jalali_month_start(today, -1) + datetime.timedelta(days=20)
        figure = fund_services.SourceInput(kind="public_value", date=held_on - datetime.timedelta(days=1),
                                           name="شاخص کل بورس تهران، عدد پایانی روز (tsetmc.com)")
        first = fund_services.draw_announce(by=manager, fund=fund, winners_count=2, scheduled_at=at(held_on),
                                            source=figure, now=at(held_on - datetime.timedelta(days=7), 10))
        kept = [first.announcement]
        fund_services.draw_perform(by=manager, draw=first, values=["۲٬۴۸۶٬۳۱۷"], now=at(held_on))
        second = fund_services.draw_announce(
            by=manager, fund=fund, winners_count=1, scheduled_at=at(held_on + datetime.timedelta(days=6)),
            source=dataclasses.replace(figure, date=held_on + datetime.timedelta(days=5)),
            now=at(held_on + datetime.timedelta(days=1), 10))
        fund_services.draw_cancel(by=manager, draw=second, now=at(held_on + datetime.timedelta(days=2), 10),
                                  reason="اعلام پیش از پرداخت وام برندگان قرعه‌کشی قبل بود؛ "
                                         "پس از پرداخت دوباره اعلام می‌شود.")
        holders = [member.number, *Membership.objects.filter(fund=fund, status="active").exclude(pk=member.pk)
                   .order_by("-number").values_list("number", flat=True)[:2]]
        third = fund_services.draw_announce(
            by=manager, fund=fund, winners_count=2, scheduled_at=at(today + datetime.timedelta(days=7)),
            source=fund_services.SourceInput(kind="sealed", holders=holders))
        kept.append(third.announcement)
        folder = settings.VAR_DIR / "demo" / "09120000012"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for doc in kept:
                (folder / f"{doc['draw_id']}-announcement.json").write_text(draw_v2.to_json(doc), encoding="utf-8")
        except OSError:  # a read-only checkout: the member can still save them from the draw page
            pass

    def producers(self, people: list[Person]) -> None:
        """Home producers around Qaen and Birjand, mostly saffron and barberry, and the region's advantaged
        products; a few registrations wait for the county's approval (one is the demo person's own)."""
        products = {p.code: p for p in Product.objects.all()}
        mix = {  # product line -> weight, per county
            self.qaenat.pk: [("saffron", 45), ("barberry", 25), ("carpet", 12), ("honey", 6), ("dairy", 6),
                             ("embroidery", 6)],
            self.birjand.pk: [("saffron", 40), ("jujube", 25), ("carpet", 15), ("barberry", 10), ("pottery", 10)],
        }
        officer = User.objects.get(person__mobile="09120000003")
        for person in people:
            county = self.qaenat if person.home_place.county_id == self.qaenat.place_id else self.birjand
            if self.rng.random() < 0.15:
                continue  # not everyone produces
            codes, weights = zip(*mix[county.pk], strict=True)
            first = products[self.rng.choices(codes, weights)[0]]
            lines = [(first, self.rng.choice([5, 10, 20, 50, 100]) * (1000 if first.code == "saffron" else 10))]
            if self.rng.random() < 0.3:
                lines.append((products[self.rng.choice([c for c in codes if c != first.code])],
                              self.rng.choice([10, 20, 50])))
            production_services.producer_register(
                by=self.admin, person=person,
                place=person.home_place if person.home_place.county_id == county.place_id else self.village(county),
                activities=f"تولید {first.name}", started_on=datetime.date(2010 + self.rng.randrange(14), 3, 21),
                baseline_sales=self.rng.randrange(20, 600) * 1_000_000, products=lines,
            )
        me = Person.objects.get(mobile="09120000009")
        production_services.producer_register(
            by=User.objects.get(person=me), person=me, place=me.home_place, activities="دوخت پوشاک محلی",
            started_on=datetime.date(2019, 3, 21), baseline_sales=90_000_000, products=[(products["sewing"], 300)],
            business_name="خیاطی خانگی عباسی")
        self.producer_login(products)
        self.colonies_and_clusters(products)
        self.job_leaders(products)
        self.brands(products)
        for region, codes in [(self.province, ["saffron", "barberry", "jujube", "carpet"]),
                              (self.qaenat, ["saffron", "barberry", "carpet"]),
                              (self.birjand, ["jujube", "carpet", "pottery"])]:
            for code in codes:
                production_services.advantaged_add(by=officer if region == self.qaenat else self.admin,
                                                   region=region, product=products[code])

    def colonies_and_clusters(self, products: dict[str, Product]) -> None:
        """Accept the colony suggestions of both counties but the last two (left for the officer to see),
        cluster saffron and barberry in Qaenat and saffron in Birjand, and join the saffron clusters into a
        province cluster."""
        for county in (self.qaenat, self.birjand):
            rows, producer_of = production_selectors.formation_rows(county=county)
            found = formation.suggest(rows).colonies
            for suggestion in found[:-2] if county == self.qaenat else found:  # two stay for Qaenat's officer
                production_services.colony_create(
                    by=self.admin, county=county, product=products[suggestion.product_line],
                    place=Place.objects.get(pk=suggestion.place),
                    producers=list(Producer.objects.filter(pk__in=[producer_of[i] for i in suggestion.producer_ids])),
                )
        made = {}
        for county, code in [(self.qaenat, "saffron"), (self.qaenat, "barberry"), (self.birjand, "saffron"),
                             (self.birjand, "jujube")]:
            colonies = list(Colony.objects.filter(parent=county, product__value_chain=products[code].value_chain))
            if len(colonies) >= 2:
                made[(county.pk, code)] = production_services.county_cluster_create(
                    by=self.admin, county=county, focus_product=products[code], colonies=colonies,
                    goals="تکمیل زنجیره ارزش: بسته‌بندی، نمانام و فروش")
        guide_login = next(login for login in LOGINS if login.key == "guide")
        guide = self.person(desk=self.qaenat, county=self.qaenat, first=guide_login.first_name,
                            last=guide_login.last_name, gender=guide_login.gender, mobile=guide_login.mobile)
        user = people_services.account_set_password(by=self.admin, person=guide, password=DEMO_PASSWORD)
        people_services.role_grant(by=self.admin, user=user, role=Role.CLUSTER_GUIDE,
                                   unit=made[(self.qaenat.pk, "saffron")])
        saffron = [c for (county, code), c in made.items() if code == "saffron"]
        if len(saffron) >= 2:
            production_services.province_cluster_create(by=self.admin, province=self.province,
                                                        focus_product=products["saffron"], county_clusters=saffron)

    def login_person(self, key: str, county: OrgUnit) -> tuple[Person, User]:
        login = next(login for login in LOGINS if login.key == key)
        person = self.person(desk=county, county=county, first=login.first_name, last=login.last_name,
                             gender=login.gender, mobile=login.mobile)
        return person, people_services.account_set_password(by=self.admin, person=person, password=DEMO_PASSWORD)

    def second_officer_confirms(self, user: User) -> None:
        """A job leader's role holds producers' money, so the county officer who registers the business only
        proposes it; the province officer confirms it (people.services.role_confirm)."""
        province_officer = User.objects.get(person__mobile="09120000002")
        for assignment in user.role_assignments.filter(confirmed_at__isnull=True, revoked_at__isnull=True):
            people_services.role_confirm(by=province_officer, assignment=assignment)

    def waiting_proposal(self, fund: OrgUnit) -> None:
        """The Qaenat county officer proposes a second treasurer for the first fund: it waits for the province
        officer's confirmation (Menu → home → Roles waiting for confirmation) and gives no power until then."""
        county_officer = User.objects.get(person__mobile="09120000003")
        candidate = self.account(self.qaenat)
        people_services.role_grant(by=county_officer, user=candidate, role=Role.FUND_TREASURER, unit=fund)

    def account(self, county: OrgUnit) -> User:
        person = self.person(desk=county, county=county)
        return people_services.account_set_password(by=self.admin, person=person, password=DEMO_PASSWORD)

    def producer_login(self, products: dict[str, Product]) -> None:
        """The producer login grows saffron in the Qaenat village with the most saffron growers, so she joins
        a colony of the saffron cluster and the job leader's season."""
        growers: dict[int, int] = {}
        for place_id in Producer.objects.filter(unit=self.qaenat, products__product__code="saffron",
                                                place__kind=Place.Kind.VILLAGE).values_list("place_id", flat=True):
            growers[place_id] = growers.get(place_id, 0) + 1
        village = Place.objects.get(pk=max(sorted(growers), key=lambda pk: growers[pk]))
        person, _user = self.login_person("producer", self.qaenat)
        production_services.producer_register(
            by=self.admin, person=person, place=village, activities="کاشت، برداشت و خشک کردن زعفران",
            started_on=datetime.date(2015, 3, 21), baseline_sales=240_000_000, products=[(products["saffron"], 400)])

    def job_leaders(self, products: dict[str, Product]) -> None:
        """Three anchor businesses and a season with them: a saffron cooperative in Qaenat (corms issued in
        late summer, saffron bought back at harvest, part paid), a carpet workshop in Qaenat on piece rate,
        and a packaging company in Birjand. Qaenat has no packaging or branding actor: the chain map shows
        those missing links, and Birjand's packer as a remedy nearby."""
        today = timezone.localdate()
        county_officer = User.objects.get(person__mobile="09120000003")
        birjand_officer = User.objects.get(person__mobile="09120000004")
        owner, owner_user = self.login_person("job_leader", self.qaenat)
        qaenat_saffron = Cluster.objects.get(parent=self.qaenat, value_chain="saffron")
        coop = job_services.job_leader_register(
            by=county_officer, county=self.qaenat, owner=owner, name="شرکت تعاونی زعفران‌کاران قائنات",
            functions=["supply", "processing", "sales"], cluster=qaenat_saffron,
            activities="تأمین پیاز زعفران، خرید زعفران خشک از کشاورزان و فروش عمده")
        self.second_officer_confirms(owner_user)
        producer_login = Producer.objects.get(person__mobile="09120000015")
        growers = [producer_login] + [m.producer for m in Colony.objects.filter(in_cluster=qaenat_saffron)
                                      .first().members.exclude(producer=producer_login).select_related("producer")]
        growers += [m.producer for colony in Colony.objects.filter(in_cluster=qaenat_saffron).order_by("pk")[1:3]
                    for m in colony.members.select_related("producer")[:3]]
        people_services.role_grant(by=self.admin, user=User.objects.get(person=producer_login.person),
                                   role=Role.PRODUCER, unit=qaenat_saffron)
        for i, grower in enumerate(growers[:10]):
            agreement = job_services.job_agreement_create(
                by=owner_user, job_leader=coop, producer=grower, product=products["saffron"], pricing="purchase",
                material="پیاز زعفران", material_unit="kg", output_per_material=Decimal("1.2"),
                rate_a=1_500_000, rate_b=1_200_000, rate_c=900_000, starts_on=today - SINCE_LAST_SEASON)
            corms = 100 + 50 * self.rng.randrange(6)
            self.season(owner_user, agreement, i, [
                ("issue", today - datetime.timedelta(days=95 + i), Decimal(corms), corms * 1_000_000, ""),
                ("receive", today - datetime.timedelta(days=35 - i), Decimal(corms) * Decimal("0.6"), 0, "a"),
                ("receive", today - datetime.timedelta(days=25 - i), Decimal(corms) * Decimal("0.3"), 0, "b"),
                ("pay", today - datetime.timedelta(days=12 - i % 5), None, 0, ""),
            ])
        carpet_user = self.account(self.qaenat)  # registering gives the manager the job leader role
        carpet = job_services.job_leader_register(
            by=county_officer, county=self.qaenat, owner=carpet_user.person, name="کارگاه فرش دستباف نگین قاین",
            functions=["supply", "sales"], activities="تحویل پشم و نخ به بافندگان خانگی و خرید فرش بافته‌شده")
        self.second_officer_confirms(carpet_user)
        weavers = Producer.objects.filter(unit=self.qaenat, status="approved",
                                          products__product__code="carpet").order_by("pk")[:6]
        for i, weaver in enumerate(weavers):
            agreement = job_services.job_agreement_create(
                by=carpet_user, job_leader=carpet, producer=weaver, product=products["carpet"],
                pricing="piece_rate", material="پشم و نخ", material_unit="kg", output_per_material=Decimal("0.3"),
                rate_a=25_000_000, rate_b=20_000_000, starts_on=today - SINCE_LAST_SEASON)
            self.season(carpet_user, agreement, 100 + i, [
                ("issue", today - datetime.timedelta(days=120 + i), Decimal(20), 0, ""),
                ("receive", today - datetime.timedelta(days=20 + i), Decimal(3 + i % 3), 0, "ab"[i % 2]),
                ("pay", today - datetime.timedelta(days=5), None, 0, ""),
            ])
        birjand_saffron = Cluster.objects.filter(parent=self.birjand, value_chain="saffron").first()
        packer_user = self.account(self.birjand)
        packer = job_services.job_leader_register(
            by=birjand_officer, county=self.birjand, owner=packer_user.person, name="بسته‌بندی زعفران سحر بیرجند",
            functions=["processing", "packaging", "sales"], cluster=birjand_saffron,
            activities="سورت، بسته‌بندی و فروش زعفران با نشان سحر")
        self.second_officer_confirms(packer_user)
        for i, grower in enumerate(Producer.objects.filter(unit=self.birjand, status="approved",
                                                           products__product__code="saffron").order_by("pk")[:4]):
            agreement = job_services.job_agreement_create(
                by=packer_user, job_leader=packer, producer=grower, product=products["saffron"], pricing="purchase",
                rate_a=1_550_000, rate_b=1_250_000, starts_on=today - SINCE_LAST_SEASON)
            self.season(packer_user, agreement, 200 + i, [
                ("receive", today - datetime.timedelta(days=30 - i), Decimal(150 + 50 * i), 0, "a"),
                ("pay", today - datetime.timedelta(days=10), None, 0, ""),
            ])

    def brands(self, products: dict[str, Product]) -> None:
        """The Qaenat saffron cluster's collective brand: rules, eight authorised growers (the producer login
        among them, her name shown by consent), lots passed with labels, one failed, one waiting for the
        inspector, a suspended member, and a label scanned far too often."""
        today = timezone.localdate()
        season_start = datetime.date(2026, 3, 21)  # 1 Farvardin 1405
        officer = User.objects.get(person__mobile="09120000003")
        cluster = Cluster.objects.get(parent=self.qaenat, value_chain="saffron")
        brand = brand_services.brand_create(
            by=officer, owner=cluster, name="زعفران قائنات",
            specification="زعفران سرگل و نگین از مزارع شهرستان قاینات؛ رطوبت کمتر از ۱۰ درصد، قدرت رنگ‌دهی "
                          "بالای ۲۲۰ (استاندارد ملی ۲۵۹)، بدون ریشه و ناخالصی، در بسته‌های ۱، ۲ و ۴ گرمی.",
            rules="۱. فقط اعضای کلنی‌های خوشه زعفران قاینات با مجوز معتبر از این نمانام استفاده می‌کنند.\n"
                  "۲. هر محموله پیش از برچسب خوردن بازرسی می‌شود.\n۳. برچسب‌ها قابل انتقال نیستند.",
            effective_from=season_start)
        brand_services.brand_rules_add(
            by=officer, brand=brand, effective_from=season_start + datetime.timedelta(days=150),
            text="۱. فقط اعضای کلنی‌های خوشه زعفران قاینات با مجوز معتبر از این نمانام استفاده می‌کنند.\n"
                 "۲. هر محموله پیش از برچسب خوردن بازرسی می‌شود.\n۳. برچسب‌ها قابل انتقال نیستند.\n"
                 "۴. بسته‌بندی فقط در کارگاه‌های دارای پروانه بهداشت.")
        _inspector, inspector_user = self.login_person("inspector", self.qaenat)
        people_services.role_grant(by=self.admin, user=inspector_user, role=Role.BRAND_INSPECTOR, unit=brand)
        members = list(Producer.objects.filter(colony_memberships__colony__in_cluster=cluster,
                                               products__product__code="saffron").distinct().order_by("pk")[:7])
        members.insert(0, Producer.objects.get(person__mobile="09120000015"))
        for i, producer in enumerate(members):
            authorisation = brand_services.authorise(
                by=officer, brand=brand, producer=producer, product=products["saffron"], valid_from=season_start,
                valid_to=datetime.date(2027, 3, 20), name_public=i % 2 == 0)
            declarer = User.objects.filter(person=producer.person).first() or officer
            plan = ["passed", "passed", "failed", "declared"] if i == 0 else ["passed"] if i < 6 else []
            for j, outcome in enumerate(plan):
                lot = brand_services.lot_declare(
                    by=declarer, authorisation=authorisation, quantity=Decimal(200 + 100 * j + 20 * i),
                    made_on=today - datetime.timedelta(days=30 - 5 * j - i))
                if outcome == "declared":
                    continue
                brand_services.lot_inspect(by=inspector_user, lot=lot, passed=outcome == "passed",
                                           note="" if outcome == "passed" else "رطوبت بالاتر از حد مجاز")
                if outcome == "passed":
                    labels = brand_services.labels_issue(by=officer, lot=lot, count=50)
                    for label in labels[: 3 + i]:
                        brand_services.label_check(serial=label.serial)
            if i == 6:
                brand_services.sanction(by=officer, authorisation=authorisation, action="warning",
                                        reason="بسته‌بندی بدون برچسب در بازار قاین دیده شد")
                brand_services.sanction(by=officer, authorisation=authorisation, action="suspend",
                                        reason="تکرار فروش بسته‌های بدون بازرسی")
        copied = Label.objects.filter(lot__brand=brand).order_by("pk").first()
        for _ in range(brand_services.SUSPICIOUS_SCANS_PER_LABEL + 5):  # a label copied onto fakes
            brand_services.label_check(serial=copied.serial)

    def exhibitions(self) -> None:
        """The "Economy by the Power of the People" exhibition in Qaen, in its fourth day of seven: a floor
        plan of sixteen booths, applications from producers, colonies, the cluster and the job leaders made
        two weeks ago and allocated by the published rules (the fairness report is on its page), three days
        of booth sales and gate counts; the organiser login runs it."""
        today = timezone.localdate()
        officer = User.objects.get(person__mobile="09120000003")
        opens = today - datetime.timedelta(days=3)

        def moment(days_ago: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
            day = today - datetime.timedelta(days=days_ago)
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

        fair = market_services.exhibition_create(
            by=officer, county=self.qaenat, name="نمایشگاه اقتصاد به دست مردم", type="seasonal",
            venue="مجموعه فرهنگی ورزشی شهید بهشتی قاین", starts_on=opens, ends_on=opens + datetime.timedelta(days=6),
            applications_close_on=opens - datetime.timedelta(days=7))
        _organiser, organiser_user = self.login_person("organiser", self.qaenat)
        people_services.role_grant(by=self.admin, user=organiser_user, role=Role.EXHIBITION_ORGANISER, unit=fair)
        for row, (y, depth) in enumerate([(0, 3), (5, 3), (11, 3)]):
            for col in range(6 if row != 1 else 4):
                market_services.booth_add(by=organiser_user, exhibition=fair, code=f"{'ABC'[row]}{col + 1}",
                                          x=col * 4, y=y, width=3 if row != 1 else 4, depth=depth,
                                          price=0 if (row == 2 or col % 3 == 0) else 20_000_000)
        applied = moment(16)
        cluster = Cluster.objects.get(parent=self.qaenat, value_chain="saffron")
        guide = User.objects.get(person__mobile="09120000013")
        market_services.application_submit(by=guide, exhibition=fair, term_start=opens, applicant=cluster,
                                           products="زعفران، پیاز زعفران", wants_size=12, now=applied)
        coop = JobLeader.objects.get(owner__mobile="09120000014")
        market_services.application_submit(by=User.objects.get(person__mobile="09120000014"), exhibition=fair,
                                           term_start=opens, applicant=coop, products="زعفران بسته‌بندی", now=applied)
        me = Producer.objects.get(person__mobile="09120000015")
        market_services.application_submit(by=User.objects.get(person=me.person), exhibition=fair,
                                           term_start=opens, applicant=me, products="زعفران سرگل ۱ و ۴ گرمی",
                                           now=applied)
        applicants = list(Producer.objects.filter(unit=self.qaenat, status="approved").exclude(pk=me.pk)
                          .order_by("pk")[:24])
        for i, producer in enumerate(applicants):
            product = producer.products.select_related("product").first().product
            market_services.application_submit(by=officer, exhibition=fair, term_start=opens, applicant=producer,
                                               products=product.name, free_only=i % 5 == 0,
                                               now=applied + datetime.timedelta(minutes=7 * i))
        market_services.allocate(by=organiser_user, exhibition=fair, term_start=opens, now=moment(9))
        self.booth_sales(fair, moment)

    def storefront(self) -> None:
        """The brand's active members offer their saffron in the storefront; buyers have placed orders:
        paid and sent, paid and waiting, and one whose payment was cancelled; the producer login has
        a payout recorded against her ledger."""
        from mardom.brands.models import Authorisation
        from mardom.market.gateway import FakeGateway

        officer = User.objects.get(person__mobile="09120000003")
        packs = [("زعفران سرگل قائنات — بسته ۴ گرمی", "۴ گرم", 6_400_000), ("زعفران نگین — بسته ۲ گرمی", "۲ گرم",
                                                                             3_500_000),
                 ("زعفران پوشال — بسته ۱ مثقالی", "۴٫۶ گرم", 5_200_000)]
        listings = []
        for i, authorisation in enumerate(Authorisation.objects.filter(status="active").select_related(
                "producer__person").order_by("pk")):
            title, pack, price = packs[i % len(packs)]
            seller = User.objects.filter(person=authorisation.producer.person).first() or officer
            listings.append(market_services.listing_create(
                by=seller, authorisation=authorisation, title=title, pack=pack, price=price,
                stock=20 + 5 * i, description="برداشت پاییز ۱۴۰۵، خشک‌شده به روش سنتی، با برچسب اصالت"))
        if not (settings.PAYMENT_GATEWAY == "fake" and settings.PAYMENT_FAKE_GATEWAY_ENABLED):
            return  # the demo's orders are paid on the fake gateway only (dev settings), never on a real one
        buyers = [("مینا کاظمی", "09151234567", "مشهد، بلوار وکیل‌آباد، کوچه ۱۲، پلاک ۴"),
                  ("رضا احمدی", "09121112233", "تهران، خیابان ولیعصر، کوچه بهار، پلاک ۱۸"),
                  ("زهره مرادی", "09351234567", "بیرجند، خیابان مدرس، پلاک ۷"),
                  ("امیر حسینی", "09131234567", "اصفهان، خیابان چهارباغ، پلاک ۲۱")]
        gateway = FakeGateway()
        for n, (name, mobile, address) in enumerate(buyers):
            items = [(listings[n % len(listings)], 2), (listings[(n + 3) % len(listings)], 1)]
            order = market_services.order_place(items=items, buyer_name=name, buyer_mobile=mobile, address=address,
                                                idempotency_key=f"demo-order-{n}")
            payment, _url = market_services.payment_start(order=order)
            market_services.payment_callback(params=gateway.callback_params(
                authority=payment.authority, amount=payment.amount, paid=n != 3))
            if n == 0:
                for part in order.parts.select_related("producer__person"):
                    seller = User.objects.filter(person=part.producer.person).first()
                    if seller is not None:
                        market_services.part_ship(by=seller, part=part)
        me = Producer.objects.get(person__mobile="09120000015")
        balance = market_services.payout_balance(me)
        if balance > 0:
            market_services.payout_record(by=officer, producer=me, amount=balance // 2, reference="واریز به شبا",
                                          idempotency_key="demo-payout-1")

    def last_year_fair(self) -> None:
        """Last year's autumn exhibition in Qaen, 52 weeks before this one: ten free booths allocated among two
        dozen producers, three days of booth sales and gate counts, so the doubling page has a previous Jalali
        year to compare with (the job leaders' previous seasons are recorded with this year's)."""
        from mardom.core.digits import to_persian_digits

        today = timezone.localdate()
        back = 364
        opens = today - datetime.timedelta(days=back + 3)
        officer = User.objects.get(person__mobile="09120000003")

        def moment(days_ago: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
            day = today - datetime.timedelta(days=days_ago + back)
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

        fair = market_services.exhibition_create(
            by=officer, county=self.qaenat, type="seasonal", venue="مجموعه فرهنگی ورزشی شهید بهشتی قاین",
            name=f"نمایشگاه اقتصاد به دست مردم، پاییز {to_persian_digits(str(to_jalali(opens).year))}",
            starts_on=opens, ends_on=opens + datetime.timedelta(days=6),
            applications_close_on=opens - datetime.timedelta(days=7))
        for n in range(10):  # a smaller fair than this year's: two rows on the 24 x 16 metre plan
            row, col = divmod(n, 6)
            market_services.booth_add(by=officer, exhibition=fair, code=f"{'AB'[row]}{col + 1}", x=col * 4,
                                      y=row * 5, width=3, depth=3, price=0)
        applied = moment(16)
        for i, producer in enumerate(Producer.objects.filter(unit=self.qaenat, status="approved")
                                     .order_by("pk")[:24]):
            product = producer.products.select_related("product").first().product
            market_services.application_submit(by=officer, exhibition=fair, term_start=opens, applicant=producer,
                                               products=product.name,
                                               now=applied + datetime.timedelta(minutes=7 * i))
        market_services.allocate(by=officer, exhibition=fair, term_start=opens, now=moment(9))
        self.booth_sales(fair, moment, back=back, key="demo-sale-last", organiser=officer)

    def booth_sales(self, fair: Any, moment: Any, *, back: int = 0, key: str = "demo-sale",
                    organiser: User | None = None) -> None:
        """Three days of sales at every allocated booth (its seller gets a login to record them), and the
        gate's visitor counts; `back` days earlier for a past exhibition."""
        from mardom.market.models import Application
        from mardom.market.services.sales import Line, group_producers

        prices = {"saffron": 1_500_000, "barberry": 25_000_000, "carpet": 300_000_000, "honey": 40_000_000,
                  "dairy": 8_000_000, "embroidery": 15_000_000, "jujube": 20_000_000, "pottery": 6_000_000}
        steps = {"saffron": Decimal(4), "carpet": Decimal(1)}
        organiser = organiser or User.objects.get(person__mobile="09120000017")
        allocated = Application.objects.filter(exhibition=fair, status="allocated").select_related(
            "producer__person", "applied_by").order_by("booth__code")
        n = 0
        for application in allocated:
            seller = application.applied_by
            if application.producer_id:
                seller = User.objects.filter(person=application.producer.person).first() or \
                    people_services.account_set_password(by=self.admin, person=application.producer.person,
                                                         password=DEMO_PASSWORD)
            owners = [application.producer] if application.producer_id else group_producers(application)
            lines = [(owner, line.product) for owner in owners[:6] for line in owner.products.select_related("product")
                     if line.product.code in prices]
            if not lines:
                continue
            for days_ago in (3, 2, 1):
                for k in range(self.rng.randrange(2, 7)):
                    owner, product = self.rng.choice(lines)
                    quantity = steps.get(product.code, Decimal(1)) * self.rng.randrange(1, 5)
                    n += 1
                    market_services.sale_record(
                        by=seller, application=application,
                        method=self.rng.choice(["cash", "card", "card", "transfer"]),
                        lines=[Line(product=product, quantity=quantity, unit_price=prices[product.code],
                                    producer=None if application.producer_id else owner)],
                        idempotency_key=f"{key}-{n}", now=moment(days_ago, 10 + k, self.rng.randrange(60)))
        for days_ago, visitors in ((3, 1240), (2, 980), (1, 1515)):
            market_services.visitors_record(by=organiser, exhibition=fair,
                                            day=timezone.localdate() - datetime.timedelta(days=days_ago + back),
                                            visitors=visitors)

    def season(self, by: User, agreement: JobAgreement, n: int | str,
               steps: list[tuple[str, datetime.date, Decimal | None, int, str]], *, year_before: bool = True) -> None:
        """Record a season's lines; a payment settles about four fifths of what is then owed. The same season
        52 weeks earlier, with a smaller harvest, comes first: the doubling page's previous year."""
        if year_before:
            earlier = [(step, day - datetime.timedelta(days=364),
                        (quantity * Decimal("0.7")).quantize(Decimal("0.1")) if step == "receive" and quantity
                        else quantity, value, grade) for step, day, quantity, value, grade in steps]
            self.season(by, agreement, f"last-{n}", earlier, year_before=False)
        for j, (step, day, quantity, value, grade) in enumerate(steps):
            key = f"demo-job-{n}-{j}"
            if step == "issue":
                job_services.materials_issue(by=by, agreement=agreement, quantity=quantity, value=value,
                                             occurred_on=day, idempotency_key=key)
            elif step == "receive":
                job_services.output_receive(by=by, agreement=agreement, quantity=quantity, grade=grade,
                                            occurred_on=day, idempotency_key=key)
            else:
                owed = job_services.account_totals(agreement)["balance"]
                if owed > 0:
                    job_services.settlement_pay(by=by, agreement=agreement, to_producer=True,
                                                amount=owed * 4 // 5 // 100_000 * 100_000 or owed,
                                                occurred_on=day, idempotency_key=key)

    def place_for(self, county: OrgUnit, i: int) -> Place:
        city = self.qaen_city if county == self.qaenat else self.birjand_city
        return city if i % 3 == 0 else self.village(county)

    def institutions(self) -> dict[str, Institution]:
        made = {}
        specs = [
            ("keshavarzi", self.qaenat, "بانک کشاورزی شعبه مرکزی قاین", Institution.Type.BANK_BRANCH, "keshavarzi",
             "تسهیلات کشاورزی و اشتغال روستایی"),
            ("melli", self.qaenat, "بانک ملی شعبه قاین", Institution.Type.BANK_BRANCH, "melli", "تسهیلات قرض‌الحسنه"),
            ("post", self.qaenat, "پست بانک باجه روستایی نیمبلوک", Institution.Type.BANK_BRANCH, "post",
             "خدمات بانکی روستایی"),
            ("sepah", self.birjand, "بانک سپه شعبه بیرجند", Institution.Type.BANK_BRANCH, "sepah", ""),
            ("jahad", self.qaenat, "مدیریت جهاد کشاورزی شهرستان قاینات", Institution.Type.AGENCY, "",
             "مجوز و آموزش کشاورزی، زعفران و زرشک"),
            ("miras", self.qaenat, "اداره میراث فرهنگی، صنایع‌دستی و گردشگری قاینات", Institution.Type.AGENCY, "",
             "مجوز مشاغل خانگی و صنایع‌دستی"),
            ("emdad", self.qaenat, "کمیته امداد امام خمینی (ره) شهرستان قاینات", Institution.Type.AGENCY, "",
             "وام اشتغال خانواده‌های تحت حمایت"),
            ("behzisti", self.birjand, "اداره بهزیستی شهرستان بیرجند", Institution.Type.AGENCY, "", ""),
            ("fanni", self.qaenat, "مرکز آموزش فنی و حرفه‌ای قاین", Institution.Type.TRAINING_CENTRE, "",
             "دوره‌های قالی‌بافی، خیاطی، بسته‌بندی"),
            ("fanni_b", self.birjand, "مرکز آموزش فنی و حرفه‌ای بیرجند", Institution.Type.TRAINING_CENTRE, "", ""),
        ]
        for key, county, name, type_, bank, services in specs:
            made[key] = org_services.institution_create(
                by=self.admin, county=county, name=name, type=type_, bank=bank, services=services,
                place=self.qaen_city if county == self.qaenat else self.birjand_city,
            )
        return made

    def referrals(self, bases: list[Base], groups: list[VolunteerGroup], inst: dict[str, Institution],
                  people: list[Person]) -> None:
        """Referrals among bases, groups and institutions: desk requests of kind "referral", made a few weeks ago
        and answered by the receiving side (the bank's and the group's own officers in Mardom; for a unit with
        none, the county's desk officer recording what it said by phone)."""
        from mardom.desk.models import ReferralNeed as Need
        from mardom.desk.services import referrals as referral_services

        logins = {login.key: User.objects.get(person__mobile=login.mobile) for login in LOGINS
                  if login.key in ("institution", "group", "county", "birjand")}
        specs = [
            (bases[0], inst["keshavarzi"], Need.LOAN, "تسهیلات خرید نهاده زعفران", "accepted",
             "پرونده در کمیته اعتبارات"),
            (bases[0], inst["fanni"], Need.TRAINING, "دوره بسته‌بندی زعفران برای ۱۲ نفر", "done", "دوره برگزار شد"),
            (bases[0], groups[0], Need.CONSTRUCTION, "تعمیر سقف منزل خانواده نیازمند", "open", ""),
            (groups[1], inst["miras"], Need.EMPLOYMENT, "مجوز مشاغل خانگی خیاطی", "open", ""),
            (bases[1], inst["jahad"], Need.AGRICULTURE, "مشاوره کشت زرشک", "declined", "خارج از فصل؛ بهار دوباره"),
            (bases[2], groups[2], Need.HEALTH, "معاینه رایگان سالمندان روستا", "accepted", ""),
            (bases[0], inst["emdad"], Need.LOAN, "وام اشتغال قالی‌بافی", "open", ""),
        ]
        now = timezone.now()
        for i, (from_unit, to_unit, need, subject, status, answer) in enumerate(specs):
            made = now - datetime.timedelta(days=40 - 5 * i, hours=3)
            referral = org_services.referral_create(by=self.admin, from_unit=from_unit, to_unit=to_unit, need=need,
                                                    subject=subject, person=self.rng.choice(people), now=made)
            if to_unit.pk == inst["keshavarzi"].pk:
                by, said = logins["institution"], {}
            elif to_unit.pk == groups[0].pk:
                by, said = logins["group"], {}
            else:
                by = logins["birjand" if referral.county_id == self.birjand.pk else "county"]
                said = {"said_by": "کارشناس " + to_unit.name, "channel": "phone"}
            path = {"accepted": ["accepted"], "done": ["accepted", "done"], "declined": ["declined"]}.get(status, [])
            for day, step in enumerate(path, start=1):
                referral = referral_services.referral_answer(
                    by=by, request=referral, answer=step, text=answer if step == status else "",
                    now=made + datetime.timedelta(days=day), **said)
