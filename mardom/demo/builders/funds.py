"""Funds, loans and draws: four funds with real history, loans in every state in the first one, and its draws."""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.utils import timezone

from mardom.core.jalali import jalali_month_start, to_jalali
from mardom.funds import draw_v2
from mardom.funds import selectors as fund_selectors
from mardom.funds import services as fund_services
from mardom.funds.models import Fund, Loan, Membership
from mardom.orgs.models import Base
from mardom.people.models import Person, User

from .base import BuilderBase, recorded

FUNDS = [  # (base index, name, members, months of history)
    (0, "صندوق قرض‌الحسنه امام علی (ع)", 30, 24),
    (1, "صندوق قرض‌الحسنه بانوان کوثر", 18, 14),
    (2, "صندوق قرض‌الحسنه حضرت زینب (س)", 12, 9),
    (8, "صندوق قرض‌الحسنه شهید بهشتی", 10, 6),
]


class FundsBuilder(BuilderBase):
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
                by=self.admin, base=base, name=name, founded_on=founded, now=recorded(founded),
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
                    idempotency_key=f"demo-join-{fund.pk}-{number}", today=joined, now=recorded(joined)
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
                    memberships=payers, today=paid_on, now=recorded(paid_on),
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
                                              month=period.month, paid_on=paid_on, today=paid_on,
                                              now=recorded(paid_on))
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

        def open_loan(membership: Membership, months_ago: int, *, months: int = 12, stage: str = "disbursed",
                      purpose: str = "production", priority: int = Loan.Priority.NORMAL,
                      guarantor: Membership | None = None) -> Loan:
            day = jalali_month_start(today, -months_ago) + datetime.timedelta(days=3)
            amount = membership.savings * 2 // 1_000_000 * 1_000_000
            loan = fund_services.loan_apply(by=treasurer, membership=membership, amount=amount, months=months,
                                            purpose=purpose, priority=priority, now=recorded(day),
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
                fund_services.guarantee_respond(by=g_user, guarantee=g, accept=True, now=recorded(day))
                needed -= share
            if stage == "applied":
                return loan
            fund_services.loan_propose(by=treasurer, loan=loan, now=recorded(day))
            if stage == "proposed":
                return loan
            fund_services.loan_decide(by=manager, loan=loan, approve=True, now=recorded(day))
            if stage == "approved":
                return loan
            return fund_services.loan_disburse(by=treasurer, loan=loan, on=day, idempotency_key=f"demo-out-{loan.pk}",
                                               today=day, now=recorded(day))

        def repay(loan: Loan, *, stop_months_ago: int = 0) -> None:
            for item in fund_selectors.loan_plan(loan=loan):
                if item.due_on >= jalali_month_start(today, -stop_months_ago):
                    break
                fund_services.loan_repay(by=treasurer, loan=loan, amount=item.total, paid_on=item.due_on,
                                         idempotency_key=f"demo-repay-{loan.pk}-{item.number}", today=item.due_on,
                                         now=recorded(item.due_on))

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
