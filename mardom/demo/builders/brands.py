"""Brands: the Qaenat saffron cluster's collective brand, its authorised growers, lots, labels and sanctions."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from mardom.brands import services as brand_services
from mardom.brands.models import Label
from mardom.people import services as people_services
from mardom.people.models import User
from mardom.people.roles import Role
from mardom.production.models import Cluster, Producer, Product

from .base import BuilderBase


class BrandsBuilder(BuilderBase):
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
