"""Demo requests to institutions around Qaen: a year of requests to the demo's banks, agencies and training
centres in every state, made through the services (with `now=`) so steps, deadlines, late flags and SMS are real.

- بانک کشاورزی has its own officer (the institution login, مریم کریمی): she answers in Mardom, mostly on time,
  and her inbox has work waiting today;
- the other institutions have no officer in Mardom: the county's desk records their answers, on paper or by
  phone, saying who gave them (requests the county officer made herself are recorded by the province officer:
  nobody answers a request they made);
- کمیته امداد rarely answers: most of its requests wait past their deadlines;
- the person with no role (معصومه عباسی, 09120000009) has requests in progress, one waiting on her.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from mardom.desk.models import Request
from mardom.desk.services import requests as desk
from mardom.orgs.models import Institution, OrgUnit
from mardom.people.models import Person, User

COUNT = 300
DAYS = 365
# The bank with its own officer has nothing older than this many days still waiting on her (the others, answered
# through the county's desk, keep their backlog).
ANSWERED_WITHIN = 12
_PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >>"
        b" endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

# (institution name, kinds it is asked for, subjects, how often it answers, share of late answers)
SPECS: list[tuple[str, list[str], list[str], float, float]] = [
    ("بانک کشاورزی شعبه مرکزی قاین", ["bank_loan"],
     ["وام خرید نهاده زعفران", "تسهیلات خرید دام سبک", "وام احداث گلخانه کوچک", "تسهیلات آبیاری قطره‌ای"],
     0.9, 0.15),
    ("بانک ملی شعبه قاین", ["bank_loan"], ["وام قرض‌الحسنه اشتغال خانگی", "وام خرید چرخ خیاطی"], 0.8, 0.35),
    ("پست بانک باجه روستایی نیمبلوک", ["bank_loan"], ["وام خرید دار قالی", "تسهیلات مشاغل خانگی"], 0.75, 0.3),
    ("مدیریت جهاد کشاورزی شهرستان قاینات", ["permit", "agency_support"],
     ["مجوز پرورش زنبور عسل", "حمایت از کشت زرشک", "مجوز کارگاه بسته‌بندی زعفران"], 0.8, 0.3),
    ("اداره میراث فرهنگی، صنایع‌دستی و گردشگری قاینات", ["permit", "market_access"],
     ["مجوز مشاغل خانگی صنایع‌دستی", "غرفه در نمایشگاه صنایع‌دستی استان", "کارت شناسایی هنرمند"], 0.8, 0.25),
    ("کمیته امداد امام خمینی (ره) شهرستان قاینات", ["agency_support"],
     ["وام اشتغال خانواده تحت حمایت", "حمایت از راه‌اندازی کارگاه خیاطی"], 0.2, 0.8),
    ("مرکز آموزش فنی و حرفه‌ای قاین", ["training"], ["دوره قالی‌بافی", "دوره خیاطی", "دوره بسته‌بندی زعفران"],
     0.85, 0.2),
]
AMOUNTS = [50_000_000, 100_000_000, 200_000_000, 300_000_000, 500_000_000, 1_000_000_000]
REFUSALS = ["documents", "not_eligible", "no_budget", "guarantee", "not_ours"]
SAID_BY = ["آقای احمدی، رئیس اعتبارات", "خانم حسینی، کارشناس", "آقای رضایی، معاون", "نامهٔ رسمی اداره"]


class _Maker:
    """Moments on office days, and the users who act in the demo."""

    def __init__(self, builder: Any) -> None:
        self.rng = builder.rng
        self.today = getattr(builder, "today", None) or timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.admin = builder.admin
        self.qaenat = builder.qaenat

    def at(self, day: datetime.date, hour: int | None = None) -> datetime.datetime:
        while day.weekday() == 4:  # not on a Friday
            day -= datetime.timedelta(days=1)
        hour = hour if hour is not None else self.rng.randrange(8, 15)
        return datetime.datetime.combine(day, datetime.time(hour, self.rng.randrange(60)), tzinfo=self.tz)

    def later(self, moment: datetime.datetime, days_lo: int, days_hi: int) -> datetime.datetime:
        """A moment `days_lo` to `days_hi` days after `moment`, and always after it."""
        day = timezone.localdate(moment) + datetime.timedelta(days=self.rng.randint(days_lo, days_hi))
        return max(self.at(day), moment + datetime.timedelta(minutes=30 + self.rng.randrange(90)))


def _login(mobile: str) -> User:
    return Person.objects.get(mobile=mobile).user


def build(builder: Any) -> None:
    m = _Maker(builder)
    rng = m.rng
    now = timezone.now()
    county, province = _login("09120000003"), _login("09120000002")
    base_officer, group_leader = _login("09120000005"), _login("09120000008")
    bank_officer = _login("09120000007")
    me = Person.objects.get(mobile="09120000009")
    base = OrgUnit.objects.get(kind=OrgUnit.Kind.BASE, name="پایگاه مقاومت امام علی (ع)", parent=m.qaenat)
    group = OrgUnit.objects.get(kind=OrgUnit.Kind.GROUP, name="گروه جهادی شهید حججی")
    institutions = {inst.name: inst for inst in Institution.objects.filter(parent=m.qaenat)}
    people = list(Person.objects.filter(unit__in=[m.qaenat, base]).exclude(user__isnull=False).order_by("pk"))

    def make(*, spec: tuple[str, list[str], list[str], float, float], person: Person, created: datetime.datetime,
             target: str) -> Request:
        name, kinds, subjects, answers, late_share = spec
        inst = institutions[name]
        kind = rng.choice(kinds)
        maker, unit = rng.choice([(county, m.qaenat), (base_officer, base), (base_officer, base),
                                  (group_leader, group)])
        amount = rng.choice(AMOUNTS) if kind in desk.AMOUNT_REQUIRED or (
            kind == "agency_support" and rng.random() < 0.7) else None
        r = desk.request_create(by=maker, person=person, unit=unit, kind=kind, subject=rng.choice(subjects),
                                amount_asked=amount, institution=inst, now=created)
        if target == "draft":
            return r
        moment = m.later(created, 0, 1)
        r = desk.request_submit(by=maker, request=r, now=moment)
        if target == "withdrawn":
            return desk.request_withdraw(by=maker, request=r, now=m.later(moment, 1, 6))
        own_officer = inst.name == SPECS[0][0]
        # Who records the institution's steps: its officer, else the desk (a second officer when the county
        # officer made it herself).
        recorder = bank_officer if own_officer else (province if maker == county else county)

        def said() -> dict[str, str]:
            return {} if own_officer else {"said_by": rng.choice(SAID_BY), "channel": rng.choice(["paper", "phone"])}

        late = rng.random() < late_share
        if target == "submitted" or (not own_officer and rng.random() > answers and target != "answered"):
            return r
        moment = m.later(moment, 4, 9) if late else m.later(moment, 0, 2)
        if moment >= now:
            return r
        r = desk.request_receive(by=recorder, request=r, now=moment, **said())
        if target == "received":
            return r
        if rng.random() < 0.6:
            moment = m.later(moment, 0, 3)
            if moment >= now:
                return r
            r = desk.request_review(by=recorder, request=r, now=moment, **said())
        if target == "in_review":
            return r
        if target == "waiting" or rng.random() < 0.15:
            moment = m.later(moment, 0, 3)
            if moment >= now:
                return r
            r = desk.request_wait_on_person(by=recorder, request=r, note="رونوشت سند یا پروانه کسب", now=moment,
                                            **said())
            if target == "waiting":
                return r
            moment = m.later(moment, 1, 6)
            if moment >= now:
                return r
            r = desk.request_resume(by=maker, request=r, now=moment)
        moment = m.later(moment, 10, 20) if late else m.later(moment, 1, 6)
        if moment >= now:
            return r
        roll = rng.random()
        if roll < 0.55:
            r = desk.request_answer(by=recorder, request=r, outcome="granted", now=moment, **said())
        elif roll < 0.75 and amount:
            r = desk.request_answer(by=recorder, request=r, outcome="partly", granted_amount=amount // 2,
                                    now=moment, **said())
        else:
            r = desk.request_answer(by=recorder, request=r, outcome="refused", refusal_reason=rng.choice(REFUSALS),
                                    now=moment, **said())
        closing = m.later(moment, 1, 10)
        if target == "closed" and closing < now:
            r = desk.request_close(by=maker, request=r, now=closing)
        return r

    # A year of requests; most are done, the recent ones are still moving.
    for i in range(COUNT):
        days_ago = int(DAYS * (1 - (i / COUNT) ** 1.3))  # more recent ones than old ones
        created = m.at(m.today - datetime.timedelta(days=days_ago))
        spec = rng.choice([*SPECS, SPECS[0], SPECS[0]])  # the bank with an officer gets more
        if days_ago > 60:
            target = rng.choices(["closed", "answered", "withdrawn", "submitted"], [70, 18, 7, 5])[0]
        else:
            target = rng.choices(["submitted", "received", "in_review", "waiting", "answered", "draft"],
                                 [30, 20, 20, 10, 15, 5])[0]
        if spec is SPECS[0] and days_ago > ANSWERED_WITHIN and target in ("submitted", "received", "in_review"):
            target = "answered"  # the bank's own officer works her inbox: what waits on her is recent
        made = make(spec=spec, person=rng.choice(people), created=created, target=target)
        # Some refusals were appealed or sent elsewhere.
        follow = m.later(made.answered_at, 1, 3) if made.answered_at else now
        if made.outcome == Request.Outcome.REFUSED and rng.random() < 0.3 and follow < now:
            if rng.random() < 0.5:
                desk.request_appeal(by=made.created_by, request=made, details="مدارک تکمیلی فراهم شد", now=follow)
            elif made.institution and made.institution.type == Institution.Type.BANK_BRANCH:
                other = next(inst for name, inst in institutions.items() if name != made.institution.name
                             and inst.type == Institution.Type.BANK_BRANCH)
                desk.request_reroute(by=made.created_by, request=made, institution=other, now=follow)

    # The bank officer's inbox today: work that arrived in the last days, one near its deadline, one late.
    bank = SPECS[0]
    for days_ago, target in [(1, "submitted"), (2, "submitted"), (3, "received"), (6, "in_review"), (9, "submitted")]:
        made = desk.request_create(by=base_officer, person=rng.choice(people), unit=base, kind="bank_loan",
                                   subject=rng.choice(bank[2]), amount_asked=rng.choice(AMOUNTS),
                                   institution=institutions[bank[0]],
                                   now=m.at(m.today - datetime.timedelta(days=days_ago), 9))
        made = desk.request_submit(by=base_officer, request=made, now=m.at(m.today - datetime.timedelta(
            days=days_ago), 10))
        if target in ("received", "in_review"):
            made = desk.request_receive(by=bank_officer, request=made, now=m.later(made.submitted_at, 0, 1))
        if target == "in_review":
            desk.request_review(by=bank_officer, request=made, now=m.later(made.submitted_at, 1, 2))

    # The person with no role: her own requests, in progress.
    mine = desk.request_create(by=me.user, person=me, kind="training", subject="دوره بسته‌بندی زعفران",
                               institution=institutions["مرکز آموزش فنی و حرفه‌ای قاین"],
                               now=m.at(m.today - datetime.timedelta(days=5), 10))
    desk.request_submit(by=me.user, request=mine, now=m.at(m.today - datetime.timedelta(days=5), 11))
    loan = desk.request_create(by=base_officer, person=me, unit=base, kind="bank_loan",
                               subject="وام خرید نهاده زعفران", amount_asked=300_000_000,
                               institution=institutions[bank[0]], now=m.at(m.today - datetime.timedelta(days=20), 9))
    desk.request_document_add(by=base_officer, request=loan, name="سند-زمین.pdf", data=_PDF, title="سند زمین",
                              now=m.at(m.today - datetime.timedelta(days=20), 10))
    loan = desk.request_submit(by=base_officer, request=loan, now=m.at(m.today - datetime.timedelta(days=20), 11))
    loan = desk.request_receive(by=bank_officer, request=loan, now=m.at(m.today - datetime.timedelta(days=18), 9))
    desk.request_wait_on_person(by=bank_officer, request=loan, note="رونوشت کارت ملی ضامن",
                                now=m.at(m.today - datetime.timedelta(days=15), 12))
    permit = desk.request_create(by=county, person=me, unit=m.qaenat, kind="permit",
                                 subject="مجوز مشاغل خانگی صنایع‌دستی",
                                 institution=institutions["اداره میراث فرهنگی، صنایع‌دستی و گردشگری قاینات"],
                                 now=m.at(m.today - datetime.timedelta(days=40), 9))
    permit = desk.request_submit(by=county, request=permit, now=m.at(m.today - datetime.timedelta(days=40), 10))
    desk.request_answer(by=province, request=permit, outcome="granted", said_by="خانم حسینی، کارشناس",
                        channel="phone", now=m.at(m.today - datetime.timedelta(days=33), 11))
