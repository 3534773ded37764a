"""People and logins: the three hundred people of the two counties, the demo logins with their roles (the
fund member among them, paying every month), and a role proposal waiting for a second officer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mardom.funds import services as fund_services
from mardom.orgs.models import OrgUnit
from mardom.people import services as people_services
from mardom.people.models import Person, User
from mardom.people.roles import Role

from .base import DEMO_PASSWORD, BuilderBase, recorded


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
    DemoLogin("trainer", Role.TRAINER, "09120000018", "محسن", "یزدانی", "male"),
]

# Created with the production data (colonies_and_clusters, job_leaders), not with the other logins.
LATE_LOGINS = {"guide", "job_leader", "producer", "inspector", "organiser", "trainer"}


class PeopleBuilder(BuilderBase):
    def people(self, bases: list[Any]) -> list[Person]:
        """Two hundred people registered at the Qaenat county desk, forty at its first base, sixty in Birjand."""
        people = [self.person(desk=self.qaenat, county=self.qaenat) for _ in range(200)]
        people += [self.person(desk=bases[0], county=self.qaenat) for _ in range(40)]
        people += [self.person(desk=self.birjand, county=self.birjand) for _ in range(60)]
        return people

    def logins(self, *, funds: list[Any], bases: list[Any], groups: list[Any], institutions: dict[str, Any]) -> None:
        """The demo logins but the late ones (made with the production data), each with its role on its unit."""
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
                    joined_on=funds[0].founded_on, idempotency_key="demo-member-login", today=funds[0].founded_on,
                    now=recorded(funds[0].founded_on))
                self.pay_every_month(membership)

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
