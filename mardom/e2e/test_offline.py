"""The fund meeting and the booth with no connection, in a real Chromium on the demo data.

The browser context is set offline: the treasurer records several members' contributions on the month page and
the seller several sales on the booth page; each becomes a command with an id made on the phone, kept in
IndexedDB. The page is reloaded while offline (it comes from the service worker's cache), then the connection
returns and the queue goes to /api/v1/batch/. The database is asserted to hold each item exactly once, and the
books verify. The same with the connection dropped in the middle of a batch: the server applied it, the answer
never came back, and the retry (the same ids) posts nothing twice.
"""

from __future__ import annotations

import datetime
import re

import jdatetime
from django.utils import timezone
from playwright.sync_api import Page, Route, expect

from mardom.api.models import AppliedCommand
from mardom.funds.models import Contribution, Fund, Membership
from mardom.ledger.models import Book
from mardom.ledger.verify import verify_books
from mardom.market.models import Sale

from .conftest import shot
from .test_foundation import login

PHONE = {"width": 360, "height": 780}


def phone(page: Page) -> None:
    page.set_viewport_size(PHONE)


def this_month() -> tuple[int, int]:
    """Next month (contributions may be paid up to a year ahead): the month page's own browser test records the
    whole current month, and these tests run after it on the same demo data."""
    today = jdatetime.date.fromgregorian(date=timezone.localdate())
    return (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)


def ready_for_offline(page: Page) -> None:
    """The page registered the worker and put itself and its files into the cache."""
    expect(page.locator("[data-test=offline-queue]")).to_be_visible()
    # (Locators, not wait_for_function: the site's CSP forbids the eval that a string predicate needs.)
    expect(page.locator("[data-offline-queue][data-cached='1']")).to_have_count(1)
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")


def books_verify() -> None:
    assert verify_books(Book.objects.order_by("pk")) == []


def drop_the_first_answer(page: Page) -> list[int]:
    """The first batch reaches the server and is applied there; its answer is lost on the way back."""
    calls: list[int] = []

    def handle(route: Route) -> None:
        calls.append(1)
        if len(calls) == 1:
            route.fetch()  # the server applies the batch...
            route.abort("connectionreset")  # ...and the phone never hears it
        else:
            route.continue_()

    page.route("**/api/v1/batch/", handle)
    return calls


def open_month(page: Page) -> tuple[Fund, list[Membership]]:
    from mardom.funds.selectors import unpaid_members

    fund = Fund.objects.order_by("pk").first()
    assert fund is not None
    year, month = this_month()
    phone(page)
    login(page, "09120000011")
    page.goto(f"/funds/{fund.pk}/month/?year={year}&month={month}")
    ready_for_offline(page)
    return fund, list(unpaid_members(fund=fund, year=year, month=month))


def tick_only(page: Page, members: list[Membership]) -> None:
    form = page.locator("[data-test=month-form]")
    for box in form.locator("input[name=members]:not([disabled])").all():
        box.set_checked(int(box.get_attribute("value") or 0) in {m.pk for m in members})


def contributions(members: list[Membership]) -> dict[int, int]:
    year, month = this_month()
    return {m.pk: Contribution.objects.filter(membership=m, year=year, month=month).count() for m in members}


def test_a_meeting_held_offline_posts_each_contribution_once(page: Page) -> None:
    from mardom.funds.services.members import membership_leave

    _fund, unpaid = open_month(page)
    assert len(unpaid) >= 3, "the demo's first fund needs three members who have not paid this month"
    # One free to leave (no loan) and with no login of her own: the later browser tests sign in as the demo's
    # members, so none of them is sent away.
    leaver = next((m for m in unpaid if not m.loans.exists() and not hasattr(m.person, "user")), None)
    assert leaver is not None, "one of them must be free to leave (no loan, no login)"
    first, second = [m for m in unpaid if m != leaver][:2]
    applied_before = AppliedCommand.objects.count()

    page.context.set_offline(True)
    expect(page.locator("[data-test=queue-note]")).to_be_visible()
    tick_only(page, [first])
    page.click("[data-test=save]")
    expect(page.locator("[data-test=queue] li")).to_have_count(1)
    tick_only(page, [second, leaver])
    page.click("[data-test=save]")
    expect(page.locator("[data-test=queue] li")).to_have_count(3)
    expect(page.locator("[data-test=queue-count]")).to_contain_text("۳")
    assert contributions([first, second, leaver]) == {first.pk: 0, second.pk: 0, leaver.pk: 0}

    # Reloaded with no connection: the page comes from the service worker; the queue is still there, and the
    # members already waiting are not offered again.
    response = page.reload()
    assert response is not None and response.headers.get("x-mardom-offline") == "cache"
    expect(page.locator("[data-test=queue] li")).to_have_count(3)
    expect(page.locator(f"input[name=members][value='{first.pk}']")).to_be_disabled()
    shot(page, "offline-month-waiting-360")

    # Meanwhile, at the fund's office, one of them left: the server refuses that one, the others go through.
    membership_leave(by=fund_treasurer(), membership=leaver, left_on=timezone.localdate(),
                     idempotency_key=f"e2e-offline-leave-{leaver.pk}")
    page.context.set_offline(False)
    expect(page.locator("[data-test=queue] li[data-status=sent]")).to_have_count(2)
    refused = page.locator("[data-test=queue] li[data-status=refused]")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text(str(leaver.person.full_name))
    assert any("\u0600" <= ch <= "\u06ff" for ch in refused.inner_text())  # the server's Persian message
    shot(page, "offline-month-refused-360")
    assert contributions([first, second, leaver]) == {first.pk: 1, second.pk: 1, leaver.pk: 0}
    assert AppliedCommand.objects.count() == applied_before + 2
    # "Correct it" brings the refused item back into the form (here: the member ticked again), out of the list.
    refused.locator("[data-test=correct]").click()
    expect(page.locator("[data-test=queue] li[data-status=refused]")).to_have_count(0)
    leaver_box = page.locator(f"input[name=members][value='{leaver.pk}']")
    expect(leaver_box).to_be_enabled()
    expect(leaver_box).to_be_checked()
    # Recorded again offline, refused again when sent; this time it is dropped.
    page.context.set_offline(True)
    tick_only(page, [leaver])
    page.click("[data-test=save]")
    expect(page.locator("[data-test=queue] li[data-status=waiting]")).to_have_count(1)
    page.context.set_offline(False)
    expect(refused).to_have_count(1)
    refused.locator("[data-test=drop]").click()
    expect(page.locator("[data-test=queue] li[data-status=refused]")).to_have_count(0)
    expect(page.locator("[data-test=queue-count]")).to_contain_text("۰")
    books_verify()


def fund_treasurer():  # type: ignore[no-untyped-def]
    from mardom.people.models import User

    return User.objects.get(person__mobile="09120000011")


def test_a_meeting_batch_cut_off_midway_is_sent_again_and_posts_once(page: Page) -> None:
    _fund, unpaid = open_month(page)
    assert len(unpaid) >= 2, "the demo's first fund needs two more members who have not paid this month"
    members = unpaid[:2]
    calls = drop_the_first_answer(page)
    page.context.set_offline(True)
    tick_only(page, members)
    # The treasurer types yesterday's date (the meeting was yesterday) in Persian digits: it is sent as typed.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    j = jdatetime.date.fromgregorian(date=yesterday)
    page.locator("[data-test=month-form] input[name=paid_on]").fill(
        f"{j.year}/{j.month:02d}/{j.day:02d}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    page.click("[data-test=save]")
    expect(page.locator("[data-test=queue] li")).to_have_count(2)
    page.reload()
    expect(page.locator("[data-test=queue] li")).to_have_count(2)

    page.context.set_offline(False)
    # The answer was lost: the items stay waiting with the same ids, and the page says it will try again.
    expect(page.locator("[data-test=queue-note]")).to_be_visible()
    expect(page.locator("[data-offline-queue]:not([data-sending])")).to_have_count(1)
    expect(page.locator("[data-test=queue] li[data-status=waiting]")).to_have_count(2)
    assert contributions(members) == {m.pk: 1 for m in members}  # the server did apply them
    page.click("[data-test=send-now]")
    expect(page.locator("[data-test=queue] li[data-status=sent]")).to_have_count(2)
    assert len(calls) == 2
    assert contributions(members) == {m.pk: 1 for m in members}  # and the retry posted nothing twice
    year, month = this_month()
    assert set(Contribution.objects.filter(membership__in=members, year=year, month=month)
               .values_list("paid_on", flat=True)) == {yesterday}
    books_verify()


def test_a_meetings_repayments_taken_offline_post_once(page: Page) -> None:
    from mardom.funds.models import Repayment
    from mardom.funds.selectors import repayments_due

    fund, _unpaid = open_month(page)
    year, month = this_month()
    due = repayments_due(fund=fund, year=year, month=month)
    assert due, "the demo's first fund needs a loan with a repayment due by the end of next month"
    loan = due[0].loan
    before = set(Repayment.objects.filter(loan=loan).values_list("pk", flat=True))
    form = page.locator("[data-test=repay-form]")
    expect(form.locator(f"[data-loan='{loan.pk}'] [data-test=due]")).to_contain_text("تومان")
    shot(page, "month-repayments-360")
    calls = drop_the_first_answer(page)
    page.context.set_offline(True)
    form.locator(f"input[name=loans][value='{loan.pk}']").check()
    form.locator(f"input[name=amount_{loan.pk}]").fill("")
    form.locator("[data-test=repay-save]").click()  # ticked with no amount: said on the phone, nothing kept
    expect(page.locator("[data-test=queue-note]")).to_be_visible()
    expect(page.locator("[data-test=queue] li")).to_have_count(0)
    form.locator(f"input[name=amount_{loan.pk}]").fill("۱۰٬۰۰۰")  # tomans: 100,000 rials
    form.locator("[data-test=repay-save]").click()
    expect(page.locator("[data-test=queue] li")).to_have_count(1)
    expect(page.locator("[data-test=queue] li")).to_contain_text("۱۰٬۰۰۰")
    expect(page.locator("[data-test=queue] li")).to_contain_text("تومان")
    expect(form.locator(f"input[name=loans][value='{loan.pk}']")).to_be_disabled()  # not offered twice
    page.reload()
    expect(page.locator("[data-test=queue] li")).to_have_count(1)
    shot(page, "month-repayment-waiting-360")
    assert set(Repayment.objects.filter(loan=loan).values_list("pk", flat=True)) == before

    page.context.set_offline(False)
    expect(page.locator("[data-offline-queue]:not([data-sending])")).to_have_count(1)
    expect(page.locator("[data-test=queue] li[data-status=waiting]")).to_have_count(1)  # the answer was lost
    page.click("[data-test=send-now]")
    expect(page.locator("[data-test=queue] li[data-status=sent]")).to_have_count(1)
    assert len(calls) == 2
    new = Repayment.objects.filter(loan=loan).exclude(pk__in=before)
    assert [r.amount for r in new] == [100_000]
    books_verify()


def test_the_month_page_records_repayments_online_on_a_desktop(page: Page) -> None:
    from mardom.funds.models import Repayment
    from mardom.funds.selectors import repayments_due

    fund, _unpaid = open_month(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    year, month = this_month()
    loan = repayments_due(fund=fund, year=year, month=month)[-1].loan
    before = Repayment.objects.filter(loan=loan).count()
    form = page.locator("[data-test=repay-form]")
    form.locator(f"input[name=loans][value='{loan.pk}']").check()
    form.locator(f"input[name=amount_{loan.pk}]").fill("999999999999")  # far more than is owed
    form.locator("[data-test=repay-save]").click()
    expect(page.locator(f"[data-field=amount_{loan.pk}] .errorlist")).to_contain_text("بدهی این وام فقط")
    shot(page, "month-repayment-refused-desktop")
    assert Repayment.objects.filter(loan=loan).count() == before
    form = page.locator("[data-test=repay-form]")
    form.locator(f"input[name=loans][value='{loan.pk}']").check()
    form.locator(f"input[name=amount_{loan.pk}]").fill("۲۰٬۰۰۰")
    form.locator("[data-test=repay-save]").click()
    expect(page.locator(".messages, [role=status]").first).to_contain_text("بازپرداخت ثبت شد")
    assert [r.amount for r in Repayment.objects.filter(loan=loan).order_by("-pk")[:1]] == [200_000]
    shot(page, "month-repayments-desktop")
    books_verify()


def open_booth(page: Page) -> int:
    phone(page)
    login(page, "09120000015")
    page.goto("/market/exhibitions/")
    page.locator("[data-test=my-booths] a").first.click()
    expect(page.locator("[data-test=sale-form]")).to_be_visible()
    ready_for_offline(page)
    return int(page.locator("[data-offline-queue]").get_attribute("data-booth") or 0)


def sell(page: Page, quantity: str, price: str, method: str = "cash") -> None:
    form = page.locator("[data-test=sale-form]")
    form.locator("select[name=product_1]").select_option(label="زعفران")
    form.locator("input[name=quantity_1]").fill(quantity)
    form.locator("input[name=price_1]").fill(price)
    form.locator(f"input[value={method}]").check()
    form.locator("[data-test=sell]").click()


def test_a_booth_day_offline_with_the_connection_cut_midway_posts_each_sale_once(page: Page) -> None:
    booth = open_booth(page)
    before = set(Sale.objects.filter(application_id=booth).values_list("pk", flat=True))
    calls = drop_the_first_answer(page)
    page.context.set_offline(True)
    sell(page, "۲", "۱۵۰٬۰۰۰")
    sell(page, "1", "200000", "card")
    sell(page, "۳", "۱۰۰٬۰۰۰")
    expect(page.locator("[data-test=queue] li")).to_have_count(3)
    assert set(Sale.objects.filter(application_id=booth).values_list("pk", flat=True)) == before

    response = page.reload()
    assert response is not None and response.headers.get("x-mardom-offline") == "cache"
    expect(page.locator("[data-test=queue] li")).to_have_count(3)
    shot(page, "offline-booth-waiting-360")

    page.context.set_offline(False)
    expect(page.locator("[data-test=queue-note]:not([hidden])")).to_have_count(1)
    expect(page.locator("[data-offline-queue]:not([data-sending])")).to_have_count(1)
    expect(page.locator("[data-test=queue] li[data-status=waiting]")).to_have_count(3)
    page.click("[data-test=send-now]")
    expect(page.locator("[data-test=queue] li[data-status=sent]")).to_have_count(3)
    assert len(calls) == 2
    new = Sale.objects.filter(application_id=booth).exclude(pk__in=before).order_by("pk")
    # A toman is ten rials: 2 × 150,000 tomans, 1 × 200,000 and 3 × 100,000.
    assert [(s.total, s.method) for s in new] == [(3_000_000, "cash"), (2_000_000, "card"), (3_000_000, "cash")]
    shot(page, "offline-booth-sent-360")
    books_verify()

    # A shared phone: signing out empties the kept pages, so the next person cannot open this booth offline.
    page.click("[data-test=logout]")
    kept = page.evaluate("async () => (await (await caches.open('mardom-offline-v1')).keys()).map(r => r.url)")
    assert not [url for url in kept if "/market/booths/" in url or "/month/" in url]


def test_the_phone_turns_a_jalali_date_into_the_servers_gregorian(page: Page) -> None:
    open_month(page)
    for day in (datetime.date(2026, 3, 20), datetime.date(2026, 3, 21), datetime.date(2025, 3, 20),
                datetime.date(2024, 12, 31), datetime.date(2027, 3, 21), datetime.date(2026, 12, 2)):
        j = jdatetime.date.fromgregorian(date=day)
        typed = f"{j.year}/{j.month:02d}/{j.day:02d}"
        assert page.evaluate("t => window.mardomJalaliToIso(t)", typed) == day.isoformat()
    assert page.evaluate("t => window.mardomJalaliToIso(t)", "۱۴۰۵/۰۹/۱۱") == "2026-12-02"
    assert page.evaluate("t => window.mardomJalaliToIso(t)", "1405/13/01") is None


def test_the_worker_is_served_from_the_root_and_the_manifest_is_persian(page: Page) -> None:
    """At the root, so its scope covers both pages; right-to-left and Persian on the home screen."""
    response = page.request.get("/sw.js")
    assert response.status == 200 and response.headers["service-worker-allowed"] == "/"
    assert "javascript" in response.headers["content-type"]
    manifest = page.request.get("/manifest.webmanifest").json()
    assert manifest["dir"] == "rtl" and manifest["lang"] == "fa" and manifest["start_url"] == "/"


def test_a_meeting_closed_meanwhile_refuses_what_was_taken_offline_beside_its_row(page: Page) -> None:
    """A second phone took a contribution offline; meanwhile the meeting was closed at the office. The waiting
    command is refused beside its row with the server's Persian reason, and nothing is posted. The demo's
    second fund is used, with a treasurer made for the test, so the closed day does not reach the other tests."""
    from mardom.demo.builders import DEMO_PASSWORD
    from mardom.funds.selectors import unpaid_members
    from mardom.funds.services import meeting_close
    from mardom.people.models import RoleAssignment, User

    fund = Fund.objects.order_by("pk")[1]
    today = jdatetime.date.fromgregorian(date=timezone.localdate())
    unpaid = list(unpaid_members(fund=fund, year=today.year, month=today.month))
    person = next(m.person for m in unpaid if not hasattr(m.person, "user"))
    treasurer = User.objects.create_user(person.national_id, DEMO_PASSWORD, person=person)
    RoleAssignment.objects.create(user=treasurer, role="fund_treasurer", unit=fund)
    member, mistaken = [m for m in unpaid if m.person_id != person.pk][:2]
    phone(page)
    login(page, person.national_id)
    month_url = f"/funds/{fund.pk}/month/?year={today.year}&month={today.month}"
    page.goto(month_url)
    ready_for_offline(page)

    # Online first: a contribution ticked for the wrong member is reversed from the month page, with a reason.
    tick_only(page, [mistaken])
    page.click("[data-test=save]")
    page.goto(month_url)
    row = page.locator(f"[data-test=recorded-contribution][data-membership='{mistaken.pk}']")
    row.locator("[data-test=reverse-link]").click()
    page.click("[data-test=reverse]")  # no reason: refused beside the field
    expect(page.locator("[data-field=reason].invalid")).to_be_visible()
    page.fill("textarea[name=reason]", "برای عضو دیگری ثبت شده بود")
    shot(page, "reverse-contribution-360")
    page.click("[data-test=reverse]")
    expect(page).to_have_url(re.compile(r"/month/"))
    expect(row.locator("[data-test=reversed]")).to_be_visible()
    assert not Contribution.objects.filter(membership=mistaken, year=today.year, month=today.month).live().exists()
    ready_for_offline(page)

    page.context.set_offline(True)
    tick_only(page, [member])
    page.click("[data-test=save]")
    expect(page.locator("[data-test=queue] li[data-status=waiting]")).to_have_count(1)
    meeting_close(by=treasurer, fund=fund, year=today.year, month=today.month, held_on=timezone.localdate())
    page.context.set_offline(False)
    refused = page.locator("[data-test=queue] li[data-status=refused]")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text(str(member.person.full_name))
    expect(refused).to_contain_text("بسته")
    assert not Contribution.objects.filter(membership=member, year=today.year, month=today.month).exists()
    shot(page, "offline-month-closed-refused-360")
    # Online again, the page says the meeting is closed and offers only the reversals.
    page.goto(month_url)
    expect(page.locator("[data-test=meeting-closed]")).to_be_visible()
    expect(page.locator("[data-test=locked-today]")).to_be_visible()
    expect(page.locator("[data-test=month-form]")).to_have_count(0)
    shot(page, "month-closed-360")
    page.set_viewport_size({"width": 1280, "height": 900})
    shot(page, "month-closed-desktop")
    books_verify()
