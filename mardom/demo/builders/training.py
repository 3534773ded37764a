"""The demo's courses around Qaen: five courses of the Qaen training centre, two volunteer groups and the county,
with sessions, enrolments, a waiting list, attendance and certificates, and the trainer login (09120000018).

`build(builder)` runs last in `Builder.build()`; it reads the demo's people and units by their demo names and
draws only from the builder's rng, so the data set stays the same from one run to the next (dates follow the
day the demo is loaded, as the rest of the demo does)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from mardom.funds.models import Fund, Membership
from mardom.orgs.models import Institution, OrgUnit, VolunteerGroup
from mardom.people import services as people_services
from mardom.people.models import Person, User
from mardom.people.roles import Role
from mardom.production.models import Colony, Product
from mardom.training import services
from mardom.training.models import Course

PERSON_MOBILE = "09120000009"  # the person with no role: she holds a certificate, and is enrolled in another course


def _moment(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


class _Courses:
    def __init__(self, builder: Any) -> None:
        self.b = builder
        self.rng = builder.rng
        self.today = getattr(builder, "today", None) or timezone.localdate()
        self.admin = builder.admin
        self.qaenat = builder.qaenat
        self.centre = Institution.objects.get(name="مرکز آموزش فنی و حرفه‌ای قاین")
        self.women = VolunteerGroup.objects.get(name="گروه جهادی بانوان کوثر")
        self.farmers = VolunteerGroup.objects.get(name="گروه جهادی کشاورزی زعفران‌کاران")
        self.person = Person.objects.get(mobile=PERSON_MOBILE)
        self.trainer = self._trainer()
        self.group_trainer = self.b.account(self.qaenat)
        for group in (self.women, self.farmers):
            people_services.role_grant(by=self.admin, user=self.group_trainer, role=Role.TRAINER, unit=group)
        self.residents = list(Person.objects.filter(unit=self.qaenat).exclude(mobile__startswith="091200000")
                              .order_by("pk")[:120])

    def _trainer(self) -> User:
        _person, user = self.b.login_person("trainer", self.qaenat)
        people_services.role_grant(by=self.admin, user=user, role=Role.TRAINER, unit=self.centre)
        return user

    def course(self, *, unit: OrgUnit, by: Any, title: str, product: str | None, days: list[int],
               hours: tuple[int, int], capacity: int, min_sessions: int, **fields: Any) -> Course:
        """A course whose sessions fall `days` from today (negative: past), published a fortnight before."""
        first = self.today + datetime.timedelta(days=min(days))
        created = _moment(first - datetime.timedelta(days=15), 9)
        course = services.course_create(
            by=by, unit=unit, title=title, venue=fields.pop("venue", "قاین، خیابان امام خمینی، مرکز آموزش"),
            capacity=capacity, min_sessions=min_sessions, now=created,
            product=Product.objects.get(code=product) if product else None, **fields)
        for i, d in enumerate(sorted(days), 1):
            day = self.today + datetime.timedelta(days=d)
            services.session_add(by=by, course=course, starts_at=_moment(day, hours[0]),
                                 ends_at=_moment(day, hours[1]), topic=f"جلسه {i}")
        services.course_publish(by=by, course=course, now=created + datetime.timedelta(hours=1))
        return course

    def enrol(self, course: Course, people: list[Person], *, by: Any, before_first: int = 10) -> list[Any]:
        first = course.sessions.order_by("starts_at").first()
        assert first is not None
        made = []
        for i, person in enumerate(people):
            at = first.starts_at - datetime.timedelta(days=before_first, hours=-i)
            made.append(services.enrolment_create(by=by, course=course, person=person, now=at))
        return made

    def attend(self, course: Course, *, by: Any, presence: float, now: datetime.datetime,
               always: tuple[Person, ...] = ()) -> None:
        """Take the attendance of every session already started, each seated person present with probability
        `presence` (those in `always`, every time)."""
        for session in course.sessions.filter(starts_at__lte=now).order_by("starts_at"):
            taken = session.starts_at + datetime.timedelta(minutes=20)
            seated = list(course.enrolments.filter(status__in=["enrolled", "completed"], seat_at__lte=taken)
                          .order_by("pk"))
            present = [e.pk for e in seated if e.person in always or self.rng.random() < presence]
            services.attendance_mark(by=by, session=session, present=present, now=taken)

    def build(self) -> None:
        now = _moment(self.today, 9)
        people = self.residents
        by = self.b.admin
        # 1. Finished two months ago: most completed; the person with no role holds its certificate.
        saffron = self.course(unit=self.centre, by=by, title="فرآوری و بسته‌بندی بهداشتی زعفران",
                              product="saffron", days=[-70, -63, -56, -49], hours=(9, 12), capacity=15,
                              min_sessions=3, description="برداشت، خشک کردن، درجه‌بندی و بسته‌بندی زعفران")
        self.enrol(saffron, [self.person, *people[:11]], by=by)
        self.attend(saffron, by=self.trainer, presence=0.8, now=now, always=(self.person,))
        # 2. Under way: three sessions held, three ahead (one today); full, with a waiting list; a latecomer.
        carpet = self.course(unit=self.centre, by=by, title="قالی‌بافی دستباف با نقشه‌های قاین", product="carpet",
                             days=[-14, -7, -2, 0, 5, 12], hours=(8, 18), capacity=10, min_sessions=5,
                             description="از چله‌کشی تا پرداخت")
        self.enrol(carpet, people[11:20], by=by, before_first=5)
        late = carpet.sessions.order_by("starts_at")[2]  # enrolled after two sessions: no absences for them
        services.enrolment_create(by=by, course=carpet, person=people[20],
                                  now=late.starts_at - datetime.timedelta(days=1))
        for person in people[21:24]:
            services.enrolment_create(by=by, course=carpet, person=person,
                                      now=late.starts_at - datetime.timedelta(hours=5))
        self.attend(carpet, by=self.trainer, presence=0.85, now=now - datetime.timedelta(hours=1))
        # 3. Upcoming, for the members of a barberry colony.
        colony = Colony.objects.filter(parent=self.qaenat, product__code="barberry").order_by("pk").first()
        barberry = self.course(unit=self.farmers, by=by, title="هرس و برداشت زرشک", product="barberry",
                               days=[6, 8, 13], hours=(8, 11), capacity=20, min_sessions=2,
                               eligibility="colony" if colony else "county", eligible_unit=colony,
                               venue="روستای نیمبلوک، باغ نمونه")
        if colony is not None:
            members = [m.producer.person for m in colony.members.select_related("producer__person").order_by("pk")[:6]]
            self.enrol(barberry, members, by=by, before_first=3)
        # 4. Last season, the women's group: completed, one certificate later revoked.
        sewing = self.course(unit=self.women, by=by, title="خیاطی و دوخت لباس محلی", product="sewing",
                             days=[-200, -193, -186], hours=(15, 18), capacity=12, min_sessions=2,
                             venue="قاین، پایگاه مقاومت امام علی (ع)")
        self.enrol(sewing, people[30:40], by=by)
        self.attend(sewing, by=self.group_trainer, presence=0.75, now=now)
        issued = sewing.enrolments.filter(certificate__isnull=False).order_by("pk").last()
        if issued is not None:
            services.certificate_revoke(by=by, certificate=issued.certificate,
                                        reason="حضور در یک جلسه اشتباه ثبت شده بود",
                                        now=now - datetime.timedelta(days=150))
        # 5. The county's own course for the members of the first fund, ahead; the person is enrolled too.
        fund = Fund.objects.filter(parent__parent=self.qaenat).order_by("pk").first()
        finance = self.course(unit=self.qaenat, by=by, title="حساب و کتاب صندوق‌های قرض‌الحسنه خرد",
                              product=None, value_chain="", days=[3, 10], hours=(16, 18), capacity=25, min_sessions=2,
                              eligibility="fund" if fund else "county", eligible_unit=fund,
                              venue="قاین، فرمانداری، سالن اجتماعات")
        if fund is not None:
            members = list(Membership.objects.filter(fund=fund, status="active").select_related("person")
                           .order_by("number")[:8])
            self.enrol(finance, [m.person for m in members], by=by, before_first=2)
        # The person with no role asks for the full carpet course herself: she waits for a seat.
        services.enrolment_create(by=User.objects.get(person=self.person), course=carpet, person=self.person,
                                  now=now - datetime.timedelta(hours=2))


def build(builder: Any) -> None:
    _Courses(builder).build()
