"""What every part of the demo shares: the seed, the admin, the two counties and their places, and making up
people (ID numbers, mobiles, names) from the one random generator, in the order the data set asks for them."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from mardom.core.validators import is_valid_national_id
from mardom.demo.names import FEMALE, LAST, MALE
from mardom.geo.models import Place
from mardom.orgs.models import OrgUnit
from mardom.people import services as people_services
from mardom.people.models import Person, User

DEMO_PASSWORD = "mardom-demo-1402"
ADMIN_USERNAME = "admin"
SEED = 1402


def recorded(day: datetime.date) -> datetime.datetime:
    """The moment a replayed fact is recorded: mid-morning of its own day, so the dashboards chart the history
    month by month (a fund's savings, the producers enrolled, what was bought back) and no replayed entry counts
    as entered late."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


class BuilderBase:
    """The state every subject's builder works with; the subject modules add their parts as methods."""

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

    def place_for(self, county: OrgUnit, i: int) -> Place:
        city = self.qaen_city if county == self.qaenat else self.birjand_city
        return city if i % 3 == 0 else self.village(county)

    def account(self, county: OrgUnit) -> User:
        person = self.person(desk=county, county=county)
        return people_services.account_set_password(by=self.admin, person=person, password=DEMO_PASSWORD)
