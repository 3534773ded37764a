"""Training pages through the test client: every view tried from another county, another centre and another
centre's trainer (403/404, nothing changed); bad input beside its field in Persian; query counts on the lists;
the certificate PDF's Persian text; the public check page."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from mardom.core.digits import localize_digits
from mardom.core.tests.pdfs import pdf_text
from mardom.training import services
from mardom.training.models import Attendance, Certificate, Course, Enrolment, Session

from .conftest import at, make_course
from .test_services import state

pytestmark = pytest.mark.django_db
DURING_FIRST = at(1, 10, 30)  # session 1 is under way, sessions 2 and 3 are ahead


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(DURING_FIRST, tick=False):
        yield


def fa(msgid, **params):
    with translation.override("fa"):
        text = gettext(msgid)
        return escape(text % {k: localize_digits(str(v)) for k, v in params.items()} if params else text)


@pytest.fixture
def vw(tw):
    """tw, with trainee 0 completed (certificate), trainee 1 enrolled, and a draft course with one session."""
    s1, s2, _s3 = tw.sessions
    e0 = services.enrolment_create(by=tw.trainees[0], course=tw.course, person=tw.people[0], now=at(0, 9))
    e1 = services.enrolment_create(by=tw.trainees[1], course=tw.course, person=tw.people[1], now=at(0, 9))
    services.attendance_mark(by=tw.trainer, session=s1, present=[e0.pk], now=s1.starts_at)
    with time_machine.travel(s2.starts_at, tick=False):
        services.attendance_mark(by=tw.trainer, session=s2, present=[e0.pk], now=s2.starts_at)
    tw.e0, tw.e1 = Enrolment.objects.get(pk=e0.pk), e1
    tw.certificate = Certificate.objects.get(enrolment=e0)
    tw.draft = make_course(tw.centre_officer, tw.centre, publish=False, title="قالی‌بافی", first_day=10)
    tw.draft_session = tw.draft.sessions.first()
    return tw


def _session_data():
    return {"day": "۱۴۰۴/۰۸/۲۸", "starts": "۱۶:۰۰", "ends": "۱۸:۰۰", "topic": "رنگرزی"}


# (id, method, url name, args(w), data(w)) — every training view on one Qaenat centre's objects.
VIEWS = [
    ("draft-detail", "get", "training:course", lambda w: [w.draft.pk], None),
    ("edit", "get", "training:edit", lambda w: [w.draft.pk], None),
    ("edit", "post", "training:edit", lambda w: [w.draft.pk],
     lambda w: {"unit": w.centre.pk, "title": "تغییر", "venue": "قاین", "capacity": "5", "min_sessions": "1",
                "eligibility": "county"}),
    ("session-add", "post", "training:session-add", lambda w: [w.draft.pk], lambda w: _session_data()),
    ("session-remove", "post", "training:session-remove", lambda w: [w.draft.pk, w.draft_session.pk], None),
    ("publish", "post", "training:publish", lambda w: [w.draft.pk], None),
    ("cancel", "post", "training:cancel", lambda w: [w.course.pk], lambda w: {"reason": "لغو"}),
    ("enrol-person", "post", "training:enrol-person", lambda w: [w.course.pk],
     lambda w: {"national_id": w.people[2].national_id}),
    ("withdraw", "post", "training:withdraw", lambda w: [w.e1.pk], None),
    ("session", "get", "training:session", lambda w: [w.sessions[0].pk], None),
    ("session", "post", "training:session", lambda w: [w.sessions[0].pk], lambda w: {"present": [w.e1.pk]}),
    ("session-qr", "get", "training:session-qr", lambda w: [w.sessions[0].pk], None),
    ("certificate-pdf", "get", "training:certificate-pdf", lambda w: [w.certificate.pk], None),
    ("certificate-revoke", "post", "training:certificate-revoke", lambda w: [w.certificate.pk],
     lambda w: {"reason": "نادرست"}),
]
IDS = [f"{name}-{method}" for name, method, *_ in VIEWS]


def _call(client, method, url, data):
    return client.get(url) if method == "get" else client.post(url, data or {})


def _certificate_state():
    return list(Certificate.objects.values_list("pk", "revoked_at"))


@pytest.mark.parametrize("who", ["birjand_officer", "other_officer", "other_trainer", "bank_officer"])
@pytest.mark.parametrize(("name", "method", "url_name", "args", "data"), VIEWS, ids=IDS)
def test_another_scope_or_centre_gets_403_or_404_and_nothing_changes(client, vw, who, name, method, url_name,
                                                                    args, data):
    before = (state(), _certificate_state())
    client.force_login(getattr(vw, who))
    response = _call(client, method, reverse(url_name, args=args(vw)), data(vw) if data else None)
    assert response.status_code in (403, 404)
    assert 'lang="fa"' in response.content.decode()
    assert (state(), _certificate_state()) == before


@pytest.mark.parametrize(("name", "method", "url_name", "args", "data"),
                         [v for v in VIEWS if v[0] not in ("certificate-pdf",)],
                         ids=[i for i, v in zip(IDS, VIEWS, strict=True) if v[0] != "certificate-pdf"])
def test_a_trainee_reaches_no_publisher_or_trainer_view(client, vw, name, method, url_name, args, data):
    before = (state(), _certificate_state())
    client.force_login(vw.trainees[1])
    response = _call(client, method, reverse(url_name, args=args(vw)), data(vw) if data else None)
    if name == "withdraw":  # her own enrolment: she may leave the course
        assert response.status_code == 302
        return
    assert response.status_code in (403, 404)
    assert (state(), _certificate_state()) == before


def test_the_trainer_reaches_only_the_attendance_pages(client, vw):
    client.force_login(vw.trainer)
    assert client.get(reverse("training:session", args=[vw.sessions[0].pk])).status_code == 200
    assert client.get(reverse("training:session-qr", args=[vw.sessions[0].pk])).status_code == 200
    assert client.get(reverse("training:edit", args=[vw.draft.pk])).status_code == 404
    assert client.post(reverse("training:publish", args=[vw.draft.pk])).status_code == 404


def test_the_published_course_is_404_for_another_county_and_shows_no_roster_to_a_resident(client, vw):
    client.force_login(vw.outsider)
    assert client.get(reverse("training:course", args=[vw.course.pk])).status_code == 404
    assert client.post(reverse("training:enrol", args=[vw.course.pk])).status_code == 404
    client.force_login(vw.other_officer)  # lives in Qaenat: may see and enrol, not see who else did
    page = client.get(reverse("training:course", args=[vw.course.pk])).content.decode()
    assert 'data-test="roster"' not in page and vw.people[0].full_name not in page
    assert 'data-test="enrol"' in page


def test_a_certificate_pdf_is_for_its_holder_and_the_publisher(client, vw):
    url = reverse("training:certificate-pdf", args=[vw.certificate.pk])
    for user, status in [(vw.trainees[0], 200), (vw.centre_officer, 200), (vw.officer, 200),
                         (vw.trainees[1], 404), (vw.trainer, 404)]:
        client.force_login(user)
        assert client.get(url).status_code == status


def test_the_certificate_pdf_has_its_persian_text_intact(client, vw):
    client.force_login(vw.trainees[0])
    response = client.get(reverse("training:certificate-pdf", args=[vw.certificate.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    from mardom.core.tests.pdfs import pdf_page_count

    assert pdf_page_count(response.content) == 1
    text = pdf_text(response.content)
    for words in ["گواهی پایان دوره", "بدین‌وسیله گواهی می‌شود که", vw.people[0].full_name, "بسته‌بندی زعفران",
                  vw.centre.name, "به پایان رسانده است"]:
        assert words.replace("\u200c", "") in text.replace("\u200c", ""), words
    from mardom.brands.views import grouped

    assert grouped(vw.certificate.code) in text


# --- the public check page ----------------------------------------------------------------------------

def test_the_public_page_shows_only_name_course_centre_and_date(client, vw):
    from mardom.brands.views import grouped

    response = client.get(reverse("certificate", args=[vw.certificate.code]))
    body = response.content.decode()
    assert response.status_code == 200 and 'data-status="valid"' in body
    assert vw.people[0].full_name in body and "بسته‌بندی زعفران" in body and vw.centre.name in body
    assert grouped(vw.certificate.code) in body
    person = vw.people[0]
    assert person.national_id not in body and person.mobile not in body and 'data-test="logout"' not in body
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_mistyped_code_asks_to_check_it_and_an_unknown_one_says_so(client, vw):
    code = vw.certificate.code
    typo = code[:5] + ("A" if code[5] != "A" else "B") + code[6:]
    body = client.get(reverse("certificate", args=[typo])).content.decode()
    assert 'data-status="mistyped"' in body and fa("This code was not read correctly") in body
    assert vw.people[0].full_name not in body
    from mardom.brands import serials

    unknown = serials.new_serial()
    assert 'data-status="unknown"' in client.get(reverse("certificate", args=[unknown])).content.decode()
    response = client.get(reverse("certificate-search"), {"code": "ABC"})
    assert response.status_code == 400
    assert fa("This code was not read correctly: check it against the certificate.") in response.content.decode()
    response = client.get(reverse("certificate-search"), {"code": localize_digits(code.lower())})
    assert response.status_code == 302 and response["Location"] == reverse("certificate", args=[code])


def test_a_revoked_certificate_says_so(client, vw):
    services.certificate_revoke(by=vw.centre_officer, certificate=vw.certificate, reason="خطا در ثبت حضور")
    body = client.get(reverse("certificate", args=[vw.certificate.code])).content.decode()
    assert 'data-status="revoked"' in body and fa("This certificate was revoked") in body


# --- publishing and bad input -------------------------------------------------------------------------

def test_a_centre_officer_publishes_a_course_with_persian_digits(client, tw):
    client.force_login(tw.centre_officer)
    assert client.get(reverse("training:create")).status_code == 200
    response = client.post(reverse("training:create"), {
        "unit": tw.centre.pk, "title": "خیاطی", "venue": "قاین", "capacity": "۱۵", "min_sessions": "۱",
        "eligibility": "county", "waitlist_open": "on"})
    course = Course.objects.get(title="خیاطی")
    assert response.status_code == 302 and course.capacity == 15 and course.status == "draft"
    response = client.post(reverse("training:session-add", args=[course.pk]), _session_data())
    assert response.status_code == 302
    session = Session.objects.get(course=course)
    from django.utils import timezone

    local = timezone.localtime(session.starts_at)
    assert local.hour == 16 and local.date().isoformat() == "2025-11-19"  # 1404/08/28 at 16:00 in Tehran
    assert client.post(reverse("training:publish", args=[course.pk])).status_code == 302
    course.refresh_from_db()
    assert course.status == "published"


@pytest.mark.parametrize(("field", "value", "msgid"), [
    ("capacity", "۰", "The number must be at least %(limit_value)s."),
    ("unit", "999999", "Choose the publisher from the list."),
    ("title", "", "This field is required."),
])
def test_bad_course_input_is_shown_beside_its_field(client, tw, field, value, msgid):
    data = {"unit": tw.centre.pk, "title": "خیاطی", "venue": "قاین", "capacity": "10", "min_sessions": "1",
            "eligibility": "county", field: value}
    before = state()
    client.force_login(tw.centre_officer)
    response = client.post(reverse("training:create"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert f'data-field="{field}"' in body and 'class="field invalid"' in body
    if "%(limit_value)s" in msgid:
        assert fa(msgid, limit_value=1) in body
    else:
        assert fa(msgid) in body
    assert state() == before


def test_a_bank_officer_may_not_open_the_course_form(client, tw):
    client.force_login(tw.bank_officer)
    # She holds training.manage on her bank branch, which publishes none: no unit to choose from.
    response = client.post(reverse("training:create"), {"unit": tw.bank.pk, "title": "x", "venue": "y",
                                                        "capacity": "3", "min_sessions": "1",
                                                        "eligibility": "county"})
    assert response.status_code == 400 and not Course.objects.filter(title="x").exists()


def test_a_session_ending_before_it_starts_is_refused_beside_the_field(client, vw):
    client.force_login(vw.centre_officer)
    before = state()
    response = client.post(reverse("training:session-add", args=[vw.draft.pk]),
                           {**_session_data(), "ends": "۱۵:۰۰"})
    assert response.status_code == 400 and fa("A session ends after it starts.") in response.content.decode()
    assert state() == before


def test_enrolment_beyond_capacity_without_a_waiting_list_is_refused_in_persian(client, tw):
    course = make_course(tw.centre_officer, tw.centre, capacity=1, waitlist_open=False, first_day=2)
    services.enrolment_create(by=tw.trainees[0], course=course, person=tw.people[0], now=at(0, 9))
    client.force_login(tw.trainees[1])
    before = state()
    response = client.post(reverse("training:enrol", args=[course.pk]))
    assert response.status_code == 400
    assert fa("The course is full and keeps no waiting list: no more people can enrol.") in response.content.decode()
    assert state() == before


def test_a_person_enrols_and_joins_the_waiting_list_when_full(client, vw):
    client.force_login(vw.trainees[2])
    page = client.get(reverse("training:course", args=[vw.course.pk])).content.decode()
    assert fa("Join the waiting list") in page
    assert client.post(reverse("training:enrol", args=[vw.course.pk])).status_code == 302
    assert Enrolment.objects.get(course=vw.course, person=vw.people[2]).status == "waiting"


def test_the_publisher_enrols_by_national_id_and_an_unknown_id_is_refused(client, vw, make_person, birjand):
    client.force_login(vw.centre_officer)
    url = reverse("training:enrol-person", args=[vw.course.pk])
    stranger = make_person(birjand)
    before = state()
    response = client.post(url, {"national_id": stranger.national_id})
    assert response.status_code == 400
    assert fa("Nobody with this national ID is registered within your reach.") in response.content.decode()
    assert state() == before
    assert client.post(url, {"national_id": vw.people[3].national_id}).status_code == 302
    assert Enrolment.objects.get(course=vw.course, person=vw.people[3]).status == "waiting"


def test_the_trainer_marks_attendance_on_the_session_page(client, vw):
    session = vw.sessions[0]
    client.force_login(vw.trainer)
    page = client.get(reverse("training:session", args=[session.pk])).content.decode()
    assert 'data-test="qr-image"' in page and 'hx-trigger="every 20s"' in page
    assert client.post(reverse("training:session", args=[session.pk]), {"present": [vw.e1.pk]}).status_code == 302
    assert Attendance.objects.get(session=session, enrolment=vw.e1).present


def test_attendance_for_another_courses_enrolment_is_refused_on_the_page(client, vw):
    other = make_course(vw.other_officer, vw.other, first_day=2)
    stranger = services.enrolment_create(by=vw.trainees[3], course=other, person=vw.people[3], now=at(0, 9))
    client.force_login(vw.trainer)
    before = state()
    response = client.post(reverse("training:session", args=[vw.sessions[0].pk]),
                           {"present": [vw.e1.pk, stranger.pk]})
    assert response.status_code == 400
    assert fa("Attendance can be marked only for the people enrolled in this session's course.") in \
        response.content.decode()
    assert state() == before


def test_the_trainee_scans_the_code_and_confirms(client, vw):
    from mardom.training import tokens
    from mardom.training.views.attendance import scan_url

    session = vw.sessions[0]
    from urllib.parse import urlsplit

    path = urlsplit(scan_url(session, tokens.window_at(DURING_FIRST))).path
    client.force_login(vw.trainees[1])
    page = client.get(path).content.decode()
    assert 'data-test="scan-confirm"' in page
    assert not Attendance.objects.get(session=session, enrolment=vw.e1).present  # a GET changes nothing
    response = client.post(path)
    assert 'data-status="present"' in response.content.decode()
    assert Attendance.objects.get(session=session, enrolment=vw.e1).method == "qr"
    # Someone not enrolled is refused in Persian; an old code too.
    client.force_login(vw.trainees[3])
    response = client.post(path)
    assert response.status_code == 400 and 'data-status="refused"' in response.content.decode()
    old = urlsplit(scan_url(session, tokens.window_at(DURING_FIRST) - 5)).path
    client.force_login(vw.trainees[1])
    assert client.get(old).status_code == 400


# --- lists and their cost -----------------------------------------------------------------------------

def test_the_lists_cost_the_same_with_more_courses_and_people(client, vw, make_person, make_user,
                                                              django_assert_max_num_queries):
    pages = [reverse("training:list"), reverse("training:mine"), reverse("training:course", args=[vw.course.pk]),
             reverse("training:session", args=[vw.sessions[0].pk])]
    staff = {pages[0]: vw.centre_officer, pages[2]: vw.centre_officer, pages[3]: vw.trainer}
    counts = {}
    for url in pages[:1] + pages[2:]:
        client.force_login(staff[url])
        with django_assert_max_num_queries(40) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured.captured_queries)
    client.force_login(vw.trainees[0])
    with django_assert_max_num_queries(40) as captured:
        assert client.get(pages[1]).status_code == 200
    counts[pages[1]] = len(captured.captured_queries)
    for i in range(5):
        course = make_course(vw.centre_officer, vw.centre, title=f"دوره {i}", capacity=20, first_day=2)
        person = make_person(vw.county)
        make_user(person)
        services.enrolment_create(by=vw.centre_officer, course=course, person=vw.people[0], now=at(0, 9))
        services.enrolment_create(by=vw.centre_officer, course=vw.course, person=person, now=at(0, 9))
    for url in pages[:1] + pages[2:]:
        client.force_login(staff[url])
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200
    client.force_login(vw.trainees[0])
    with django_assert_max_num_queries(counts[pages[1]]):
        assert client.get(pages[1]).status_code == 200


def test_every_training_url_is_in_the_scope_table():
    from django.urls import URLPattern

    from mardom.training import urls

    names = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern)}
    covered = {url_name.split(":")[1] for _, _, url_name, _, _ in VIEWS}
    # The list, the form, "my courses" and self-enrolment answer for the user's own reach (tested above);
    # the course page is in the table as a draft; scan is for any enrolled person (the service refuses others).
    assert names - covered == {"list", "create", "mine", "enrol", "scan"}


def test_an_auditor_reads_a_course_of_her_scope_and_changes_nothing(tw, client, auditor):
    client.force_login(auditor)
    with time_machine.travel(at(0, 8), tick=False):
        assert client.get(reverse("training:course", args=[tw.course.pk])).status_code == 200
        response = client.post(reverse("training:enrol-person", args=[tw.course.pk]),
                               {"national_id": tw.people[0].national_id})
    assert response.status_code in (403, 404)
    assert not Enrolment.objects.exists()
