"""Organisations and referrals: the neighbourhood bases of Qaenat and Birjand, the volunteer groups and their
links to bases, the banks, agencies and training centres, and referrals between them in every state."""

from __future__ import annotations

import datetime

from django.utils import timezone

from mardom.core.digits import to_persian_digits
from mardom.demo.names import LAST, MALE
from mardom.orgs import services as org_services
from mardom.orgs.models import Base, Institution, VolunteerGroup
from mardom.people.models import Person, User

from .base import BuilderBase
from .people import LOGINS

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


class OrgsBuilder(BuilderBase):
    def orgs(self) -> tuple[list[Base], list[VolunteerGroup], dict[str, Institution]]:
        """The bases, the volunteer groups, the institutions, and which groups work with which bases."""
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
        return bases, groups, institutions

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
