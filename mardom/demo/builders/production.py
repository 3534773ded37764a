"""Production: home producers and the region's advantaged products, colonies and clusters with their guide,
the producer login, and job leaders with a season's agreements (and last year's)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from mardom.geo.models import Place
from mardom.people import services as people_services
from mardom.people.models import Person, User
from mardom.people.roles import Role
from mardom.production import formation
from mardom.production import selectors as production_selectors
from mardom.production import services as production_services
from mardom.production.models import Cluster, Colony, JobAgreement, Producer, Product
from mardom.production.services import jobs as job_services

from .base import DEMO_PASSWORD, BuilderBase, recorded
from .people import LOGINS

# Job-leader agreements began before last year's season (which the doubling page compares with this one).
SINCE_LAST_SEASON = datetime.timedelta(days=150 + 364)
# The county approved the producers over the half year before that (so last year's baseline holds them all and
# the dashboards chart their enrolment), a few days apart; the one pending registration is today's.
ENROLLED_FROM, ENROLMENT_DAYS = SINCE_LAST_SEASON + datetime.timedelta(days=30), 180


def enrolled(i: int) -> datetime.datetime:
    return recorded(timezone.localdate() - ENROLLED_FROM - datetime.timedelta(days=(i * 37) % ENROLMENT_DAYS))


class ProductionBuilder(BuilderBase):
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
        for i, person in enumerate(people):
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
                baseline_sales=self.rng.randrange(20, 600) * 1_000_000, products=lines, now=enrolled(i),
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
        province cluster: in the weeks after the producers enrolled, before last year's season."""
        formed = timezone.localdate() - SINCE_LAST_SEASON - datetime.timedelta(days=20)
        for county in (self.qaenat, self.birjand):
            rows, producer_of = production_selectors.formation_rows(county=county)
            found = formation.suggest(rows).colonies
            for suggestion in found[:-2] if county == self.qaenat else found:  # two stay for Qaenat's officer
                production_services.colony_create(
                    by=self.admin, county=county, product=products[suggestion.product_line],
                    place=Place.objects.get(pk=suggestion.place),
                    producers=list(Producer.objects.filter(pk__in=[producer_of[i] for i in suggestion.producer_ids])),
                    now=recorded(formed),
                )
        made = {}
        for county, code in [(self.qaenat, "saffron"), (self.qaenat, "barberry"), (self.birjand, "saffron"),
                             (self.birjand, "jujube")]:
            colonies = list(Colony.objects.filter(parent=county, product__value_chain=products[code].value_chain))
            if len(colonies) >= 2:
                made[(county.pk, code)] = production_services.county_cluster_create(
                    by=self.admin, county=county, focus_product=products[code], colonies=colonies,
                    goals="تکمیل زنجیره ارزش: بسته‌بندی، نمانام و فروش",
                    now=recorded(formed + datetime.timedelta(days=7)))
        guide_login = next(login for login in LOGINS if login.key == "guide")
        guide = self.person(desk=self.qaenat, county=self.qaenat, first=guide_login.first_name,
                            last=guide_login.last_name, gender=guide_login.gender, mobile=guide_login.mobile)
        user = people_services.account_set_password(by=self.admin, person=guide, password=DEMO_PASSWORD)
        people_services.role_grant(by=self.admin, user=user, role=Role.CLUSTER_GUIDE,
                                   unit=made[(self.qaenat.pk, "saffron")])
        saffron = [c for (county, code), c in made.items() if code == "saffron"]
        if len(saffron) >= 2:
            production_services.province_cluster_create(by=self.admin, province=self.province,
                                                        focus_product=products["saffron"], county_clusters=saffron,
                                                        now=recorded(formed + datetime.timedelta(days=14)))

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
            started_on=datetime.date(2015, 3, 21), baseline_sales=240_000_000, products=[(products["saffron"], 400)],
            now=enrolled(0))

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
                rate_a=1_500_000, rate_b=1_200_000, rate_c=900_000, starts_on=today - SINCE_LAST_SEASON,
                now=recorded(today - SINCE_LAST_SEASON))
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
                rate_a=25_000_000, rate_b=20_000_000, starts_on=today - SINCE_LAST_SEASON,
                now=recorded(today - SINCE_LAST_SEASON))
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
                rate_a=1_550_000, rate_b=1_250_000, starts_on=today - SINCE_LAST_SEASON,
                now=recorded(today - SINCE_LAST_SEASON))
            self.season(packer_user, agreement, 200 + i, [
                ("receive", today - datetime.timedelta(days=30 - i), Decimal(150 + 50 * i), 0, "a"),
                ("pay", today - datetime.timedelta(days=10), None, 0, ""),
            ])

    def season(self, by: User, agreement: JobAgreement, n: int | str,
               steps: list[tuple[str, datetime.date, Decimal | None, int, str]], *, year_before: bool = True) -> None:
        """Record a season's lines, each on its own day; a payment settles about four fifths of what is then
        owed. The same season 52 weeks earlier, with a smaller harvest, comes first: the doubling page's previous
        year."""
        if year_before:
            earlier = [(step, day - datetime.timedelta(days=364),
                        (quantity * Decimal("0.7")).quantize(Decimal("0.1")) if step == "receive" and quantity
                        else quantity, value, grade) for step, day, quantity, value, grade in steps]
            self.season(by, agreement, f"last-{n}", earlier, year_before=False)
        for j, (step, day, quantity, value, grade) in enumerate(steps):
            key = f"demo-job-{n}-{j}"
            if step == "issue":
                job_services.materials_issue(by=by, agreement=agreement, quantity=quantity, value=value,
                                             occurred_on=day, idempotency_key=key, now=recorded(day))
            elif step == "receive":
                job_services.output_receive(by=by, agreement=agreement, quantity=quantity, grade=grade,
                                            occurred_on=day, idempotency_key=key, now=recorded(day))
            else:
                owed = job_services.account_totals(agreement)["balance"]
                if owed > 0:
                    job_services.settlement_pay(by=by, agreement=agreement, to_producer=True,
                                                amount=owed * 4 // 5 // 100_000 * 100_000 or owed,
                                                occurred_on=day, idempotency_key=key, now=recorded(day))
