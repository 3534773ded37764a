"""Training in the browser, on a 360 px phone: the county officer publishes a course of the Qaen training centre
(a zero capacity refused beside its field), two people enrol, the trainer marks one present on his checklist
and the other scans the session's QR code, both complete, and the certificate is downloaded and checked on its
public page (a mistyped code is caught)."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from mardom.core.jalali import format_jalali
from mardom.core.tests.pdfs import pdf_text
from mardom.orgs.models import Institution
from mardom.training.models import Certificate, Course, Enrolment

from .conftest import shot
from .test_foundation import login

PHONE = {"width": 360, "height": 780}


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _jalali(day: datetime.date) -> str:
    with translation.override("fa"):
        return format_jalali(day)


def _first_session_hours() -> tuple[str, str]:
    """A session under way now, within today (the demo server's clock is the real one)."""
    hour = timezone.localtime().hour
    start = min(max(hour - 1, 0), 21)
    return f"{start:02d}:00", "23:59" if start + 3 >= 23 else f"{start + 3:02d}:00"


def _publish(page: Page) -> Course:
    centre = Institution.objects.get(name="مرکز آموزش فنی و حرفه‌ای قاین")
    login(page, "09120000003")
    page.goto("/training/")
    page.locator("[data-test=course-new]").click()
    form = page.locator("[data-test=course-form]")
    form.locator("select[name=unit]").select_option(str(centre.pk))
    form.locator("input[name=title]").fill("نگهداری و بسته‌بندی زرشک")
    form.locator("input[name=venue]").fill("قاین، مرکز آموزش فنی و حرفه‌ای")
    form.locator("input[name=capacity]").fill("۰")
    form.locator("input[name=min_sessions]").fill("۱")
    form.locator("[data-test=save]").click()
    expect(page.locator("[data-field=capacity] .errorlist")).to_be_visible()
    assert not Course.objects.filter(title="نگهداری و بسته‌بندی زرشک").exists()
    shot(page, "training-course-form-error-phone")
    page.locator("[data-test=course-form] input[name=capacity]").fill("۲")
    page.locator("[data-test=course-form] [data-test=save]").click()
    expect(page.locator("[data-test=course-status]")).to_have_attribute("data-status", "draft")
    course = Course.objects.get(title="نگهداری و بسته‌بندی زرشک")

    today = timezone.localdate()
    starts, ends = _first_session_hours()
    for day, a, b in [(today, starts, ends), (today + datetime.timedelta(days=1), "10:00", "12:00")]:
        session_form = page.locator("[data-test=session-form]")
        session_form.locator("input[name=day]").fill(_jalali(day))
        session_form.locator("input[name=starts]").fill(a)
        session_form.locator("input[name=ends]").fill(b)
        session_form.locator("[data-test=session-save]").click()
        expect(page.locator(".msg.success")).to_be_visible()
    expect(page.locator("[data-test=session]")).to_have_count(2)
    page.locator("[data-test=publish]").click()
    expect(page.locator("[data-test=course-status]")).to_have_attribute("data-status", "published")
    _fits(page)
    shot(page, "training-course-published-phone")
    page.context.clear_cookies()
    return course


def _enrol(page: Page, mobile: str, course: Course) -> None:
    login(page, mobile)
    page.goto("/training/")
    page.locator(f"[data-test=open-course] a[href='/training/{course.pk}/']").click()
    page.locator("[data-test=enrol]").click()
    expect(page.locator("[data-test=my-enrolment]")).to_have_attribute("data-status", "enrolled")
    _fits(page)
    page.context.clear_cookies()


def test_publish_enrol_attend_complete_and_check_the_certificate(page: Page) -> None:
    page.set_viewport_size(PHONE)
    course = _publish(page)
    _enrol(page, "09120000009", course)  # the person with no role
    _enrol(page, "09120000012", course)  # the fund member
    person = Enrolment.objects.get(course=course, person__mobile="09120000009")
    member = Enrolment.objects.get(course=course, person__mobile="09120000012")

    # The trainer opens the session under way: the checklist and the rotating code.
    login(page, "09120000018")
    page.goto(f"/training/{course.pk}/")
    page.locator("[data-test=session-open]").first.click()
    expect(page.locator("[data-test=qr-image]")).to_be_visible()
    scan_address = page.locator("[data-test=qr-image]").get_attribute("data-url")
    assert scan_address
    shot(page, "training-session-trainer-phone")
    page.locator(f"[data-test=checklist] input[value='{person.pk}']").check()
    page.locator("[data-test=attendance-save]").click()
    expect(page.locator(".msg.success")).to_be_visible()
    _fits(page)
    person.refresh_from_db()
    assert person.status == "completed"  # she enrolled after session 1 began: 1 of the 1 session left is enough
    page.context.clear_cookies()

    # The fund member scans the code shown in the room with her phone and confirms.
    login(page, "09120000012")
    page.goto(urlsplit(scan_address).path)
    page.locator("[data-test=scan-confirm]").click()
    expect(page.locator("[data-test=scan-result]")).to_have_attribute("data-status", "present")
    shot(page, "training-scan-phone")
    member.refresh_from_db()
    assert member.status == "completed"
    page.context.clear_cookies()

    # The person downloads her certificate and opens its public page.
    login(page, "09120000009")
    page.goto("/training/mine/")
    done = page.locator(f"[data-test=enrolment][data-status=completed] a[href='/training/{course.pk}/']")
    expect(done).to_be_visible()
    shot(page, "training-my-courses-phone")
    page.goto(f"/training/{course.pk}/")
    href = page.locator("[data-test=certificate-pdf]").get_attribute("href")
    assert href
    pdf = page.request.get(href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    certificate = Certificate.objects.get(enrolment=person)
    assert "گواهی پایان دوره" in text and certificate.holder_name in text and "نگهداری و بسته" in text
    page.locator("[data-test=certificate-public]").click()
    expect(page.locator("[data-test=verdict]")).to_have_attribute("data-status", "valid")
    expect(page.locator("[data-test=holder]")).to_have_text(certificate.holder_name)
    _fits(page)
    shot(page, "training-certificate-public-phone")

    # Anyone, without logging in, types the code with a mistake; then correctly, in small letters.
    page.context.clear_cookies()
    code = certificate.code
    typo = code[:4] + ("X" if code[4] != "X" else "Y") + code[5:]
    page.goto(f"/c/{typo}/")
    expect(page.locator("[data-test=verdict]")).to_have_attribute("data-status", "mistyped")
    page.locator("[data-test=code-form] input[name=code]").fill(code.lower())
    page.locator("[data-test=code-form] [data-test=check]").click()
    expect(page.locator("[data-test=verdict]")).to_have_attribute("data-status", "valid")
    expect(page.locator("[data-test=logout]")).to_have_count(0)
    shot(page, "training-certificate-checked-anonymous-phone")


def test_the_demo_trainer_and_person_have_their_courses(page: Page) -> None:
    page.set_viewport_size(PHONE)
    login(page, "09120000009")
    page.goto("/training/mine/")
    expect(page.locator("[data-test=enrolment][data-status=completed]").first).to_be_visible()
    expect(page.locator("[data-test=enrolment][data-status=waiting]").first).to_be_visible()
    _fits(page)
    shot(page, "training-demo-person-phone")
    page.context.clear_cookies()
    login(page, "09120000018")
    page.goto("/training/")
    expect(page.locator("[data-test=staff-courses] tbody tr").first).to_be_visible()
    _fits(page)
    shot(page, "training-demo-trainer-phone")
