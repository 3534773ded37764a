"""Request pages through the test client: each role's pages, scope (another county's officer, another
institution's officer: 403 or 404), forms with Persian messages beside their fields, uploads, query counts."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from mardom.core.models import AuditEntry, Notification
from mardom.desk.models import Request, RequestDocument, RequestStep
from mardom.desk.services import requests as services

from . import requests_world as world
from .requests_world import at

desk, make_request, plain_calendar = world.desk, world.make_request, world.plain_calendar

pytestmark = pytest.mark.django_db
S = Request.Status


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 200, 10)).save(out, format="JPEG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def counts() -> tuple[int, ...]:
    return (Request.objects.count(), RequestStep.objects.count(), RequestDocument.objects.count(),
            AuditEntry.objects.count(), Notification.objects.count())


def sent(desk: Any, make_request: Any, **over: Any) -> Request:
    return services.request_submit(by=desk.base_officer, request=make_request(**over), now=at(7, 9))


# --- the pages of each role --------------------------------------------------------------------------------

def test_the_desk_list_shows_the_countys_requests_with_their_lights(client, desk, make_request):
    r = sent(desk, make_request)
    client.force_login(desk.officer)
    body = client.get(reverse("desk:requests")).content.decode()
    assert r.subject in body and 'data-light="red"' in body  # June 2025 deadlines are long past
    assert "دیرکرد" in body  # the light says it in words, not colour only
    client.force_login(desk.birjand_officer)
    assert r.subject not in client.get(reverse("desk:requests")).content.decode()


def test_filters_of_the_desk_list(client, desk, make_request):
    loan = sent(desk, make_request)
    permit = make_request(kind="permit", amount_asked=None, institution=desk.agency, subject="مجوز کارگاه")
    client.force_login(desk.officer)
    body = client.get(reverse("desk:requests"), {"kind": "permit"}).content.decode()
    assert permit.subject in body and loan.subject not in body
    body = client.get(reverse("desk:requests"), {"status": "draft"}).content.decode()
    assert permit.subject in body and loan.subject not in body
    body = client.get(reverse("desk:requests"), {"light": "red"}).content.decode()
    assert loan.subject in body and permit.subject not in body
    body = client.get(reverse("desk:requests"), {"q": desk.person.national_id}).content.decode()
    assert loan.subject in body
    for bad in ({"status": "x" * 300}, {"kind": "<b>"}, {"institution": "abc"}, {"page": "-1"}, {"light": "blue"}):
        assert client.get(reverse("desk:requests"), bad).status_code == 200


def test_the_person_sees_her_requests_and_her_home_page_lists_them(client, desk, make_request):
    r = sent(desk, make_request)
    client.force_login(desk.person_user)
    assert r.subject in client.get(reverse("desk:mine")).content.decode()
    home = client.get(reverse("home")).content.decode()
    assert 'data-test="home-requests"' in home and r.subject in home
    assert client.get(reverse("desk:request", args=[r.pk])).status_code == 200
    assert client.get(reverse("desk:requests")).status_code == 403  # not the desk


def test_the_institution_officers_inbox_has_only_her_institutions_work_nearest_deadline_first(client, desk,
                                                                                              make_request):
    later = services.request_submit(by=desk.base_officer, request=make_request(subject="دومی"), now=at(9, 9))
    sent(desk, make_request, subject="اولی")
    other = sent(desk, make_request, subject="برای بانک ملی", institution=desk.other_bank)
    client.force_login(desk.bank_officer)
    body = client.get(reverse("desk:inbox")).content.decode()
    assert body.index("اولی") < body.index("دومی") and other.subject not in body
    home = client.get(reverse("home")).content.decode()
    assert 'data-test="home-inbox"' in home and later.subject in home
    client.force_login(desk.other_bank_officer)
    body = client.get(reverse("desk:inbox")).content.decode()
    assert other.subject in body and "اولی" not in body
    client.force_login(desk.officer)
    assert client.get(reverse("desk:inbox")).status_code == 403  # the county officer answers for no institution


def test_the_officer_answers_from_the_inbox(client, desk, make_request):
    r = sent(desk, make_request)
    client.force_login(desk.bank_officer)
    assert client.post(reverse("desk:request-act", args=[r.pk, "receive"]), {}).status_code == 302
    page = client.get(reverse("desk:request-answer", args=[r.pk]))
    assert page.status_code == 200 and 'data-test="paper-answer"' not in page.content.decode()
    response = client.post(reverse("desk:request-answer", args=[r.pk]),
                           {"outcome": "partly", "granted_amount": "20000000", "refusal_reason": ""})
    assert response.status_code == 302 and response["Location"] == reverse("desk:inbox")
    r.refresh_from_db()
    assert (r.status, r.outcome) == (S.ANSWERED, "partly") and 0 < r.granted_amount < r.amount_asked


def test_a_bad_answer_shows_a_persian_message_beside_the_field_and_changes_nothing(client, desk, make_request):
    r = sent(desk, make_request)
    client.force_login(desk.bank_officer)
    before = counts()
    response = client.post(reverse("desk:request-answer", args=[r.pk]), {"outcome": "refused"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field="refusal_reason"' in body and "دلیل رد را انتخاب کنید." in body
    assert counts() == before and Request.objects.get(pk=r.pk).status == S.SUBMITTED


def test_the_desk_records_a_paper_answer_for_an_institution_without_an_officer(client, desk, make_request):
    r = sent(desk, make_request, kind="permit", amount_asked=None, institution=desk.agency)
    client.force_login(desk.officer)
    page = client.get(reverse("desk:request", args=[r.pk])).content.decode()
    assert 'data-test="desk-records"' in page
    before = counts()
    response = client.post(reverse("desk:request-answer", args=[r.pk]), {"outcome": "granted", "channel": ""})
    assert response.status_code == 400 and counts() == before
    assert 'data-field="channel"' in response.content.decode()
    response = client.post(reverse("desk:request-answer", args=[r.pk]),
                           {"outcome": "granted", "channel": "paper", "said_by": "نامه ۱۲۳ اداره"})
    assert response.status_code == 302
    step = RequestStep.objects.get(request=r, action="answer")
    assert (step.channel, step.said_by) == ("paper", "نامه ۱۲۳ اداره")
    body = client.get(reverse("desk:request", args=[r.pk])).content.decode()
    assert "نامه ۱۲۳ اداره" in body and "روی کاغذ" in body


def test_a_step_the_table_does_not_allow_is_refused_in_persian(client, desk, make_request):
    r = make_request()
    client.force_login(desk.base_officer)
    before = counts()
    response = client.post(reverse("desk:request-act", args=[r.pk, "close"]), {})
    assert response.status_code == 400
    assert "نمی‌تواند" in response.content.decode()
    assert counts() == before


# --- making a request --------------------------------------------------------------------------------------

def test_the_desk_makes_a_request_for_a_person_found_by_national_id(client, desk):
    client.force_login(desk.officer)
    data = {"national_id": desk.person.national_id, "unit": str(desk.county.pk), "kind": "bank_loan",
            "subject": "وام دام سبک برای پرورش گوسفند", "details": "", "amount_asked": "۵۰٬۰۰۰٬۰۰۰"}
    response = client.post(reverse("desk:request-new"), {**data, "suggest": "1"})
    body = response.content.decode()
    assert response.status_code == 200 and 'data-test="suggestion"' in body
    # "دام" is among the services of the agricultural bank, not of the other one: it comes first and is chosen.
    assert body.index('data-test="suggestion"') == body.index(f'data-test="suggestion" data-pk="{desk.bank.pk}"')
    assert f'<option value="{desk.bank.pk}" selected>' in body
    assert Request.objects.count() == 0  # a suggestion saves nothing
    response = client.post(reverse("desk:request-new"), {**data, "institution": str(desk.bank.pk), "send": "1"})
    r = Request.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("desk:request", args=[r.pk])
    assert (r.status, r.person, r.unit_id, r.amount_asked) == (S.SUBMITTED, desk.person, desk.county.pk,
                                                               500_000_000)


@pytest.mark.parametrize(("over", "field", "message"), [
    ({"national_id": "1234567890"}, "national_id", None),  # not a valid ID
    ({"subject": ""}, "subject", None),
    ({"kind": "permit"}, "amount_asked", "در این نوع درخواست مبلغی خواسته نمی‌شود."),
    ({"amount_asked": "-5"}, "amount_asked", None),
    ({"kind": "bank_loan", "amount_asked": ""}, "amount_asked", "مبلغ درخواستی را به ریال بنویسید."),
])
def test_bad_input_on_the_new_request_page(client, desk, over, field, message):
    client.force_login(desk.officer)
    data = {"national_id": desk.person.national_id, "unit": str(desk.county.pk), "kind": "bank_loan",
            "subject": "وام", "amount_asked": "1000000", "institution": str(desk.bank.pk), "save": "1", **over}
    if over.get("kind") == "permit":
        data["institution"] = str(desk.agency.pk)
    before = counts()
    response = client.post(reverse("desk:request-new"), data)
    body = response.content.decode()
    assert response.status_code == 200 and f'data-field="{field}"' in body
    assert body.split(f'data-field="{field}"')[1].split("</div>")[0].count("errorlist") == 1
    if message:
        assert message in body
    assert counts() == before


def test_a_person_outside_the_officers_reach_is_not_found(client, desk):
    client.force_login(desk.officer)
    before = counts()
    response = client.post(reverse("desk:request-new"), {
        "national_id": desk.birjand_person.national_id, "unit": str(desk.county.pk), "kind": "training",
        "subject": "دوره", "institution": str(desk.centre.pk), "save": "1"})
    assert "این فرد در حوزهٔ شما نیست." in response.content.decode() and counts() == before


def test_the_person_asks_for_something_herself(client, desk):
    client.force_login(desk.person_user)
    page = client.get(reverse("desk:request-new")).content.decode()
    assert 'name="national_id"' not in page
    response = client.post(reverse("desk:request-new") + "?own=1", {
        "kind": "training", "subject": "دوره قالی‌بافی", "institution": str(desk.centre.pk), "send": "1"})
    assert response.status_code == 302
    r = Request.objects.get()
    assert (r.person, r.created_by, r.status) == (desk.person, desk.person_user, S.SUBMITTED)


# --- scope -------------------------------------------------------------------------------------------------

def _views(r: Request, doc: RequestDocument) -> list[tuple[str, str, list[Any], dict[str, Any]]]:
    return [
        ("get", "desk:request", [r.pk], {}),
        ("get", "desk:request-answer", [r.pk], {}),
        ("post", "desk:request-answer", [r.pk], {"outcome": "granted"}),
        ("post", "desk:document-add", [r.pk], {"file": SimpleUploadedFile("a.pdf", PDF)}),
        ("get", "desk:document", [r.pk, doc.pk], {}),
        *[("post", "desk:request-act", [r.pk, action], {"note": "x", "details": "x",
                                                         "institution": "1"})
          for action in ("submit", "receive", "review", "wait", "resume", "close", "withdraw", "appeal",
                         "reroute")],
    ]


@pytest.mark.parametrize("who", ["birjand_officer", "other_bank_officer", "stranger"])
def test_every_request_view_is_closed_to_another_scope(client, desk, make_request, who):
    r = sent(desk, make_request)
    doc = services.request_document_add(by=desk.base_officer, request=r, name="deed.pdf", data=PDF)
    client.force_login(getattr(desk, who))
    before = counts()
    for method, name, args, data in _views(r, doc):
        response = getattr(client, method)(reverse(name, args=args), data)
        assert response.status_code in (403, 404), (name, args, response.status_code)
    assert counts() == before
    assert Request.objects.get(pk=r.pk).status == S.SUBMITTED


@pytest.mark.parametrize(("who", "status"), [("birjand_officer", 403), ("other_bank_officer", 403),
                                             ("stranger", 403), ("county_officer", 403), ("national_officer", 200)])
def test_the_service_levels_page_is_the_national_officers(client, desk, who, status, national_officer,
                                                          county_officer):
    user = {"national_officer": national_officer, "county_officer": county_officer}.get(who) or getattr(desk, who)
    client.force_login(user)
    assert client.get(reverse("desk:service-levels")).status_code == status


def test_a_zero_service_level_is_refused_in_persian(client, national_officer):
    client.force_login(national_officer)
    response = client.post(reverse("desk:service-levels"), {"receiver_type": "agency", "kind": "permit",
                                                            "first_answer_days": "۰", "decision_days": "10"})
    assert response.status_code == 400
    assert "نخستین پاسخ دست‌کم یک روز کاری مهلت لازم دارد." in response.content.decode()
    response = client.post(reverse("desk:service-levels"), {"receiver_type": "agency", "kind": "permit",
                                                            "first_answer_days": "۲", "decision_days": "۸"})
    assert response.status_code == 302
    assert services.service_level_for(receiver_type="agency", kind="permit") == (2, 8)


# --- documents ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data"), [("deed.pdf", PDF), ("photo.jpg", "jpeg"), ("scan.PNG", "png")])
def test_pdf_jpeg_and_png_are_taken_stored_under_a_random_name_and_downloaded_in_scope(client, desk,
                                                                                      make_request, name, data):
    content = {"jpeg": jpeg_bytes, "png": png_bytes}[data]() if isinstance(data, str) else data
    r = sent(desk, make_request)
    client.force_login(desk.person_user)
    response = client.post(reverse("desk:document-add", args=[r.pk]),
                           {"title": "سند", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302
    doc = RequestDocument.objects.get()
    assert doc.original_name == name and name.split(".")[0] not in doc.file.name
    assert doc.file.name.startswith("desk/requests/") and len(doc.file.name.split("/")[-1]) >= 32
    client.force_login(desk.bank_officer)
    download = client.get(reverse("desk:document", args=[r.pk, doc.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert download["Content-Type"] == doc.content_type and download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("notes.txt", b"just some text", "پرونده‌ای با قالب PDF، JPEG یا PNG بفرستید."),
    ("fake.pdf", b"MZ\x90\x00 an executable", "پرونده‌ای با قالب PDF، JPEG یا PNG بفرستید."),
    ("image.pdf", "png", "جور نیست"),  # a PNG renamed .pdf
    ("broken.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20, "پرونده‌ای با قالب PDF، JPEG یا PNG"),
    ("big.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024) + b"\n%%EOF", "بیش از ۵ مگابایت"),
    ("empty.pdf", b"", None),
])
def test_wrong_or_oversized_files_are_refused_and_nothing_is_stored(client, desk, make_request, name, data,
                                                                    message):
    content = png_bytes() if data == "png" else data
    r = sent(desk, make_request)
    client.force_login(desk.base_officer)
    before = counts()
    response = client.post(reverse("desk:document-add", args=[r.pk]), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field="file"' in body and "errorlist" in body.split('data-field="file"')[1]
    if message:
        assert message in body
    assert counts() == before


def test_the_upload_check_judges_by_content(desk):
    assert services.sniff_document(PDF[:32], PDF[-1024:]) == "application/pdf"
    assert services.sniff_document(png_bytes()[:32], b"") == "image/png"
    assert services.sniff_document(b"GIF89a", b"") is None


# --- query counts ------------------------------------------------------------------------------------------

def _many(desk: Any, make_request: Any, n: int) -> None:
    for i in range(n):
        sent(desk, make_request, subject=f"درخواست {i}",
             institution=desk.bank if i % 2 else desk.other_bank)


@pytest.mark.parametrize(("who", "url"), [("officer", "desk:requests"), ("bank_officer", "desk:inbox"),
                                          ("person_user", "desk:mine")])
def test_the_lists_cost_the_same_for_more_requests(client, desk, make_request, django_assert_max_num_queries,
                                                   who, url):
    _many(desk, make_request, 3)
    client.force_login(getattr(desk, who))
    client.get(reverse(url))  # warm: the session and grants
    with django_assert_max_num_queries(14) as few:
        assert client.get(reverse(url)).status_code == 200
    _many(desk, make_request, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(url)).status_code == 200


def test_the_inbox_pages_by_deadline_without_counting_the_queue(client, desk, make_request, plain_calendar,
                                                               django_assert_max_num_queries):
    """Page after page from the last row shown (keyset): every running request once, nearest deadline first."""
    import datetime as _dt

    from mardom.core.paging import PER_PAGE
    from mardom.desk.services import requests as services

    made = []
    for i in range(PER_PAGE + 3):
        r = make_request(subject=f"وام {i}")
        made.append(services.request_submit(by=desk.base_officer, request=r,
                                            now=world.at(7, 9) + _dt.timedelta(minutes=i % 7)))
    client.force_login(desk.bank_officer)
    seen, url, pages = [], reverse("desk:inbox"), 0
    while url and pages < 5:
        with django_assert_max_num_queries(25):
            response = client.get(url)
        assert response.status_code == 200
        page = response.context["page"]
        seen += list(page.object_list)
        url = f"{reverse('desk:inbox')}?before={page.next_before}" if page.next_before else None
        pages += 1
    assert pages == 2 and sorted(r.pk for r in seen) == sorted(r.pk for r in made)
    assert [(r.due_at, r.pk) for r in seen] == sorted((r.due_at, r.pk) for r in seen)
    assert "مهلت‌های بعدی" in client.get(reverse("desk:inbox")).content.decode()
