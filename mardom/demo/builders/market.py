"""Exhibitions and the storefront: this autumn's exhibition in its fourth day and last year's, with booths,
applications, allocation and sales, and the brand's saffron in the storefront with orders and a payout."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from mardom.core.jalali import to_jalali
from mardom.market import services as market_services
from mardom.people import services as people_services
from mardom.people.models import User
from mardom.people.roles import Role
from mardom.production.models import Cluster, JobLeader, Producer

from .base import DEMO_PASSWORD, BuilderBase


class MarketBuilder(BuilderBase):
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
            applications_close_on=opens - datetime.timedelta(days=7), now=moment(30))
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
            applications_close_on=opens - datetime.timedelta(days=7), now=moment(30))
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
            "producer__person", "applied_by").order_by("booth_id")  # not by code: collations differ by database
        n = 0
        for application in allocated:
            seller = application.applied_by
            if application.producer_id:
                seller = User.objects.filter(person=application.producer.person).first() or \
                    people_services.account_set_password(by=self.admin, person=application.producer.person,
                                                         password=DEMO_PASSWORD)
            # By id, not by name as the booth's form lists them: Persian names sort differently by database.
            owners = [application.producer] if application.producer_id else sorted(
                group_producers(application), key=lambda producer: producer.pk)
            # In a stated order, so the demo is the same on SQLite and PostgreSQL (test_demo compares them).
            lines = [(owner, line.product) for owner in owners[:6]
                     for line in owner.products.select_related("product").order_by("pk")
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
        for days_ago, visitors in ((3, 1240), (2, 980), (1, 1515)):  # each counted at the gate that evening
            market_services.visitors_record(by=organiser, exhibition=fair,
                                            day=timezone.localdate() - datetime.timedelta(days=days_ago + back),
                                            visitors=visitors, now=moment(days_ago, 20))
