"""The desk in the browser at 360 px, in Persian: the county's desk officer makes a request for a person found by
national ID (with an institution suggested), the bank's officer finds it in her inbox, receives and answers it,
and the person sees it among her requests."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from mardom.desk.models import Request
from mardom.orgs.models import Institution, OrgUnit
from mardom.people.models import Person

from .conftest import shot
from .test_foundation import login

SUBJECT = "تسهیلات کشاورزی برای خرید دو رأس گاو شیری"


def _logout(page: Page) -> None:
    page.click("[data-test=logout]")


def test_the_desk_makes_a_request_and_the_bank_officer_answers_it_from_her_inbox(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    qaenat = OrgUnit.objects.get(kind=OrgUnit.Kind.COUNTY, name="قاینات")
    person = Person.objects.filter(unit=qaenat, user__isnull=True).order_by("pk").first()
    bank = Institution.objects.get(name="بانک کشاورزی شعبه مرکزی قاین")

    # The county's desk officer.
    login(page, "09120000003")
    page.goto("/desk/requests/")
    expect(page.locator("h1")).to_have_text("درخواست به نهادها")
    expect(page.locator("[data-light]").first).to_be_visible()
    shot(page, "desk-requests-list-360")
    page.click("[data-test=new-request]")
    page.fill("#id_national_id", person.national_id)
    page.select_option("#id_kind", "bank_loan")
    page.fill("#id_subject", SUBJECT)
    page.fill("#id_amount_asked", "۳۰۰٬۰۰۰٬۰۰۰")
    page.click("[data-test=suggest]")
    expect(page.locator("[data-test=suggestions]")).to_be_visible()
    expect(page.locator("#id_institution")).to_have_value(str(bank.pk))  # its services: «تسهیلات کشاورزی ...»
    shot(page, "desk-request-new-suggested-360")
    page.click("[data-test=send]")
    expect(page.locator("[data-test=status]")).to_have_text("فرستاده به نهاد")
    expect(page.locator("[data-test=first-due]")).to_contain_text("۱۴")  # a Jalali date, in Persian digits
    shot(page, "desk-request-sent-360")
    made = Request.objects.filter(subject=SUBJECT).get()
    assert (made.status, made.person_id, made.institution_id) == ("submitted", person.pk, bank.pk)
    _logout(page)

    # The bank's officer: from her home page to her inbox, the nearest deadline first.
    login(page, "09120000007")
    page.click("[data-test=inbox-all]")
    expect(page).to_have_url(re.compile(r"/desk/inbox/$"))
    row = page.locator(f"[data-test=request-row][data-pk='{made.pk}']")
    expect(row).to_be_visible()
    shot(page, "desk-inbox-360")
    row.locator("a").first.click()
    page.click("[data-test=act-receive]")
    expect(page.locator("[data-test=status]")).to_have_text("دریافت‌شده در نهاد")
    page.click("[data-test=act-answer]")
    page.check("input[name=outcome][value=partly]")
    page.fill("#id_granted_amount", "۱۵۰٬۰۰۰٬۰۰۰")
    page.fill("#id_answer_text", "نیمی از مبلغ با ضمانت صندوق")
    shot(page, "desk-answer-form-360")
    page.click("[data-test=answer-save]")
    expect(page).to_have_url(re.compile(r"/desk/inbox/$"))
    expect(page.locator(".msg")).to_contain_text("پاسخ ثبت شد")
    made.refresh_from_db()
    assert (made.status, made.outcome) == ("answered", "partly")
    assert made.granted_amount * 2 == made.amount_asked  # both typed in the display unit
    _logout(page)


def test_a_bad_answer_is_refused_beside_its_field_in_persian(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    waiting = Request.objects.filter(institution__name="بانک کشاورزی شعبه مرکزی قاین",
                                     status="submitted").order_by("pk").first()
    login(page, "09120000007")
    page.goto(f"/desk/requests/{waiting.pk}/answer/")
    page.check("input[name=outcome][value=refused]")
    page.click("[data-test=answer-save]")
    expect(page.locator("[data-field=refusal_reason] .errorlist")).to_have_text("دلیل رد را انتخاب کنید.")
    shot(page, "desk-answer-refused-without-reason-360")
    waiting.refresh_from_db()
    assert waiting.status == "submitted"


def test_the_person_follows_her_requests(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    login(page, "09120000009")
    expect(page.locator("[data-test=home-requests]")).to_be_visible()
    page.click("[data-test=my-requests]")
    rows = page.locator("[data-test=my-requests] [data-test=request-row]")
    expect(rows).to_have_count(3)
    expect(page.locator("[data-light=paused]")).to_be_visible()  # the bank waits on a document from her
    shot(page, "desk-my-requests-360")


def test_the_desk_records_a_paper_answer(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    made = Request.objects.filter(institution__name="مدیریت جهاد کشاورزی شهرستان قاینات",
                                  status="submitted").exclude(created_by__person__mobile="09120000003").order_by(
        "pk").first()
    login(page, "09120000003")
    page.goto(f"/desk/requests/{made.pk}/")
    expect(page.locator("[data-test=desk-records]")).to_be_visible()
    page.click("[data-test=act-answer]")
    expect(page.locator("[data-test=paper-answer]")).to_be_visible()
    page.check("input[name=outcome][value=refused]")
    page.select_option("#id_refusal_reason", "no_budget")
    page.check("input[name=channel][value=phone]")
    page.fill("#id_said_by", "آقای احمدی، رئیس اداره")
    shot(page, "desk-paper-answer-360")
    page.click("[data-test=answer-save]")
    expect(page.locator("[data-test=status]")).to_have_text("پاسخ داده شده")
    expect(page.locator("[data-test=history]")).to_contain_text("آقای احمدی، رئیس اداره")
    shot(page, "desk-paper-answer-recorded-360")


def test_the_person_asks_for_training_herself_and_the_base_officer_asks_for_a_neighbour(page: Page) -> None:
    """The two roles the other tests leave out: the person making her own request from "My requests", and the
    base officer making one for someone registered by her base."""
    from mardom.orgs.models import Base

    page.set_viewport_size({"width": 360, "height": 800})
    centre = Institution.objects.get(type=Institution.Type.TRAINING_CENTRE, name="مرکز آموزش فنی و حرفه‌ای قاین")
    login(page, "09120000009")
    page.goto("/desk/requests/mine/")
    page.click("[data-test=new-own-request]")
    page.select_option("#id_kind", "training")
    page.fill("#id_subject", "دوره خیاطی صنعتی")
    page.select_option("#id_institution", str(centre.pk))
    shot(page, "desk-request-own-360")
    page.click("[data-test=send]")
    expect(page.locator("[data-test=status]")).to_have_text("فرستاده به نهاد")
    own = Request.objects.get(subject="دوره خیاطی صنعتی")
    assert own.person.user.username and own.person.mobile == "09120000009" and own.institution_id == centre.pk
    _logout(page)

    base = Base.objects.get(name="پایگاه مقاومت امام علی (ع)")
    neighbour = Person.objects.filter(unit=base, user__isnull=True).order_by("pk").first()
    assert neighbour is not None
    login(page, "09120000005")
    page.goto("/desk/requests/")
    page.click("[data-test=new-request]")
    page.fill("#id_national_id", neighbour.national_id)
    page.select_option("#id_kind", "training")
    page.fill("#id_subject", "آموزش بسته‌بندی زرشک")
    page.select_option("#id_institution", str(centre.pk))
    page.click("[data-test=send]")
    expect(page.locator("[data-test=status]")).to_have_text("فرستاده به نهاد")
    shot(page, "desk-request-by-base-360")
    made = Request.objects.get(subject="آموزش بسته‌بندی زرشک")
    assert (made.person_id, made.unit_id, made.status) == (neighbour.pk, base.pk, "submitted")
