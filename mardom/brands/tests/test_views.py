"""The brand pages through the test client: founding a brand, its rules, members and sanctions, lots, their
inspection and labels, the label sheet, and the public provenance page; bad input refused beside its field with
nothing changed; every brands URL tried from another scope; and the brand page's queries bounded."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from mardom.brands import serials, services
from mardom.brands.models import Authorisation, Brand, BrandRules, Label, Lot, Sanction
from mardom.brands.views import grouped
from mardom.core.digits import localize_digits
from mardom.core.jalali import format_jalali
from mardom.core.models import AuditEntry
from mardom.core.tests.pdfs import pdf_text
from mardom.orgs.models import OrgUnit
from mardom.production import services as production
from mardom.production.models import Product

STARTED = datetime.date(2020, 3, 20)


def jalali(day: datetime.date) -> str:
    with translation.override("fa"):
        return format_jalali(day)


def fa(msgid: str, **params: object) -> str:
    """The message as the Persian page shows it (escaped; numbers in Persian digits)."""
    with translation.override("fa"):
        text = gettext(msgid)
        if params:
            text = text % {k: localize_digits(str(v)) if isinstance(v, int) else v for k, v in params.items()}
        return escape(text)


def beside(html: str, field: str) -> str:
    """The error text shown beside `field` (every form on the page with a field of that name)."""
    out = []
    for part in html.split(f'data-field="{field}"')[1:]:
        block = part.split("data-field=")[0]
        out += re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', block, flags=re.S)
    return " ".join(out)


def png(size: tuple[int, int] = (12, 12)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def producers(by, make_person, unit, village, product, n):
    return [production.producer_register(by=by, person=make_person(unit), place=village, activities="کاشت زعفران",
                                         started_on=STARTED, baseline_sales=1_000_000, products=[(product, 100)])
            for _ in range(n)]


@pytest.fixture
def world(make_person, make_user, qaenat, birjand, qaenat_village, birjand_village, county_officer,
          birjand_officer):
    today = timezone.localdate()
    saffron = Product.objects.get(code="saffron")
    q = producers(county_officer, make_person, qaenat, qaenat_village, saffron, 5)
    colonies = [production.colony_create(by=county_officer, county=qaenat, product=saffron, place=qaenat_village,
                                         producers=q[i:i + 2], name=f"کلنی زعفران قاین {i}") for i in (0, 2)]
    cluster = production.county_cluster_create(by=county_officer, county=qaenat, focus_product=saffron,
                                               colonies=colonies)
    brand = services.brand_create(by=county_officer, owner=cluster, name="زعفران قائنات",
                                  specification="زعفران سرگل، قدرت رنگ‌دهی دست‌کم ۲۵۰",
                                  rules="فقط اعضای کلنی‌های خوشه.\nهر بسته برچسب دارد.",
                                  effective_from=today - datetime.timedelta(days=90))
    since = today - datetime.timedelta(days=60)
    hidden = services.authorise(by=county_officer, brand=brand, producer=q[0], product=saffron, valid_from=since)
    shown = services.authorise(by=county_officer, brand=brand, producer=q[1], product=saffron, valid_from=since,
                               name_public=True)
    producer_user = make_user(q[0].person)
    inspector = make_user(make_person(qaenat), roles=[("brand_inspector", brand)])
    made = today - datetime.timedelta(days=3)
    lot = services.lot_declare(by=producer_user, authorisation=hidden, quantity=Decimal(50), made_on=made)
    services.lot_inspect(by=inspector, lot=lot, passed=True)
    labels = services.labels_issue(by=county_officer, lot=lot, count=5)
    shown_lot = services.lot_declare(by=county_officer, authorisation=shown, quantity=Decimal(10), made_on=made)
    services.lot_inspect(by=inspector, lot=shown_lot, passed=True)
    shown_labels = services.labels_issue(by=inspector, lot=shown_lot, count=2)
    waiting = services.lot_declare(by=producer_user, authorisation=hidden, quantity=Decimal(7), made_on=made)
    failed = services.lot_declare(by=producer_user, authorisation=hidden, quantity=Decimal(7), made_on=made)
    services.lot_inspect(by=inspector, lot=failed, passed=False, note="رطوبت زیاد")

    # Another brand in Birjand, with its own producer.
    b = producers(birjand_officer, make_person, birjand, birjand_village, saffron, 2)
    b_colony = production.colony_create(by=birjand_officer, county=birjand, product=saffron, place=birjand_village,
                                        producers=b, name="کلنی زعفران بیرجند")
    b_brand = services.brand_create(by=birjand_officer, owner=b_colony, name="زعفران بیرجند", specification="سرگل",
                                    rules="قواعد", effective_from=since)
    b_auth = services.authorise(by=birjand_officer, brand=b_brand, producer=b[0], product=saffron, valid_from=since)
    far_county = OrgUnit.objects.filter(kind="county").exclude(parent=qaenat.parent).order_by("pk").first()
    return SimpleNamespace(
        today=today, qaenat=qaenat, saffron=saffron, q=q, colonies=colonies, cluster=cluster, brand=brand,
        hidden=hidden, shown=shown, producer_user=producer_user, inspector=inspector, lot=lot, labels=labels,
        shown_lot=shown_lot,
        shown_labels=shown_labels, waiting=waiting, failed=failed, made=made, since=since, officer=county_officer,
        b=b, b_brand=b_brand, b_auth=b_auth, b_producer_user=make_user(b[0].person),
        outsider=make_user(make_person(far_county), roles=[("county_officer", far_county)]),
    )


def state():
    return (Brand.objects.count(), BrandRules.objects.count(),
            list(Authorisation.objects.order_by("pk").values_list("status", "valid_from", "valid_to", "name_public")),
            Sanction.objects.count(), list(Lot.objects.order_by("pk").values_list("status", "label_count")),
            Label.objects.count(), list(Brand.objects.order_by("pk").values_list("logo", flat=True)),
            AuditEntry.objects.count())


# --- Founding a brand -------------------------------------------------------------------------------------------

def test_an_officer_founds_a_brand_with_a_logo(world, client):
    client.force_login(world.officer)
    page = client.get(reverse("brands:create"))
    assert page.status_code == 200
    assert world.cluster.name in page.content.decode() and world.colonies[0].name in page.content.decode()
    response = client.post(reverse("brands:create"), {
        "owner": world.colonies[1].pk, "name": "زعفران روستای ما", "specification": "سرگل",
        "rules": "بند یک\r\n\r\n\r\n\r\nبند دو", "effective_from": jalali(world.today),
        "logo": SimpleUploadedFile("logo.bin", png(), content_type="application/octet-stream")})
    assert response.status_code == 302
    brand = Brand.objects.get(name="زعفران روستای ما")
    assert brand.parent_id == world.colonies[1].pk and brand.value_chain == "saffron"
    assert brand.rules.get().text == "بند یک\n\nبند دو"
    assert brand.logo.name.endswith(".png")
    assert AuditEntry.objects.filter(action="brand.logo").count() == 1
    assert response["Location"] == reverse("brands:brand", args=[brand.pk])
    page = client.get(response["Location"]).content.decode()
    assert reverse("brands:logo", args=[brand.pk]) in page
    client.logout()
    logo = client.get(reverse("brands:logo", args=[brand.pk]))  # public, like the packs
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert b"".join(logo.streaming_content) == png()


@pytest.mark.parametrize("upload, message", [
    (SimpleUploadedFile("logo.png", b"not an image at all", content_type="image/png"),
     "This file is not an image we can read. Send a PNG or JPEG."),
    (SimpleUploadedFile("logo.png", b"\x89PNG" + b"0" * (1024 * 1024), content_type="image/png"),
     "The logo may be at most 1 MB."),
    (SimpleUploadedFile("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                        content_type="image/svg+xml"),
     "This file is not an image we can read. Send a PNG or JPEG."),
])
def test_a_bad_logo_is_refused_beside_its_field(world, client, upload, message):
    client.force_login(world.officer)
    before = state()
    response = client.post(reverse("brands:create"), {
        "owner": world.cluster.pk, "name": "نمانام تازه", "specification": "سرگل", "rules": "قواعد",
        "effective_from": jalali(world.today), "logo": upload})
    assert response.status_code == 400
    assert fa(message) in beside(response.content.decode(), "logo")
    assert state() == before


def test_founding_refuses_a_taken_name_and_an_owner_out_of_scope(world, client, birjand_officer):
    client.force_login(world.officer)
    before = state()
    response = client.post(reverse("brands:create"), {
        "owner": world.cluster.pk, "name": "زعفران قائنات", "specification": "سرگل", "rules": "قواعد",
        "effective_from": jalali(world.today)})
    assert response.status_code == 400
    assert fa("A brand with this name already exists.") in beside(response.content.decode(), "name")
    client.force_login(birjand_officer)
    page = client.get(reverse("brands:create")).content.decode()
    assert world.cluster.name not in page
    response = client.post(reverse("brands:create"), {
        "owner": world.cluster.pk, "name": "نمانام دیگر", "specification": "سرگل", "rules": "قواعد",
        "effective_from": jalali(world.today)})
    assert response.status_code == 400 and beside(response.content.decode(), "owner")
    assert state() == before


def test_a_brand_cannot_be_founded_without_the_permission(world, client):
    client.force_login(world.producer_user)
    assert client.get(reverse("brands:create")).status_code == 403
    client.force_login(world.inspector)
    assert client.get(reverse("brands:create")).status_code == 403


# --- The brand page -----------------------------------------------------------------------------------------------

def test_the_brand_page_for_its_manager(world, client):
    client.force_login(world.officer)
    page = client.get(reverse("brands:brand", args=[world.brand.pk])).content.decode()
    for text in (world.brand.name, world.cluster.name, "قدرت رنگ‌دهی", "هر بسته برچسب دارد",
                 world.q[0].person.full_name, world.q[1].person.full_name, localize_digits(world.lot.code),
                 jalali(world.since), 'data-test="authorise-form"', 'data-test="rules-form"',
                 'data-test="sanction-form"'):
        assert text in page, text
    assert world.b_brand.name not in page


def test_the_cluster_guide_runs_the_brand_and_an_auditor_reads_it(world, client, make_person, make_user):
    guide = make_user(make_person(world.qaenat), roles=[("cluster_guide", world.cluster)])
    client.force_login(guide)
    page = client.get(reverse("brands:brand", args=[world.brand.pk])).content.decode()
    assert 'data-test="authorise-form"' in page and world.q[1].person.full_name in page
    auditor = make_user(make_person(world.qaenat), roles=[("auditor", world.qaenat)])
    client.force_login(auditor)
    page = client.get(reverse("brands:brand", args=[world.brand.pk])).content.decode()
    assert world.q[1].person.full_name in page and 'data-test="authorise-form"' not in page
    assert client.get(reverse("brands:lot", args=[world.lot.pk])).status_code == 200
    assert client.get(reverse("brands:labels-pdf", args=[world.lot.pk])).status_code == 403
    assert client.post(reverse("brands:rules-add", args=[world.brand.pk]),
                       {"text": "x", "effective_from": jalali(world.today)}).status_code == 403


def test_a_producer_sees_only_their_own_membership_and_lots(world, client):
    client.force_login(world.producer_user)
    page = client.get(reverse("brands:brand", args=[world.brand.pk])).content.decode()
    assert world.q[0].person.full_name in page and localize_digits(world.lot.code) in page
    assert world.q[1].person.full_name not in page and localize_digits(world.shown_lot.code) not in page
    for form in ("authorise-form", "rules-form", "sanction-form", "logo-form"):
        assert f'data-test="{form}"' not in page
    assert reverse("brands:lot-declare", args=[world.brand.pk]) in page


def test_a_new_version_of_the_rules(world, client):
    client.force_login(world.officer)
    url = reverse("brands:rules-add", args=[world.brand.pk])
    before = state()
    early = world.today - datetime.timedelta(days=365)
    response = client.post(url, {"text": "قواعد تازه", "effective_from": jalali(early)})
    assert response.status_code == 400
    assert fa("A new version cannot take effect before the current one.") in beside(
        response.content.decode(), "effective_from")
    response = client.post(url, {"text": "", "effective_from": "۱۴۰۳/۱۳/۴۵"})
    assert response.status_code == 400
    assert beside(response.content.decode(), "text") and beside(response.content.decode(), "effective_from")
    response = client.post(url, {"text": "<script>x</script>", "effective_from": jalali(world.today)})
    assert response.status_code == 400 and "<script>x" not in response.content.decode()
    assert state() == before
    response = client.post(url, {"text": "نسخه دوم\nبند تازه", "effective_from": jalali(world.today)})
    assert response.status_code == 302
    assert list(world.brand.rules.values_list("version", flat=True)) == [2, 1]
    page = client.get(reverse("brands:brand", args=[world.brand.pk])).content.decode()
    assert "نسخه دوم" in page and 'data-test="rules-history"' in page


def test_authorising_a_member_refuses_bad_input_beside_its_field(world, client, make_person):
    client.force_login(world.officer)
    url = reverse("brands:authorise", args=[world.brand.pk])
    good = {"national_id": world.q[2].person.national_id, "product": world.saffron.pk,
            "valid_from": jalali(world.today), "valid_to": "", "name_public": ""}
    before = state()
    cases = [
        ("national_id", {"national_id": "1234567890"}, None),
        ("national_id", {"national_id": world.b[1].person.national_id},
         "No member of this brand's colonies has this national ID."),
        ("national_id", {"national_id": make_person(world.q[0].unit).national_id},
         "No member of this brand's colonies has this national ID."),
        ("national_id", {"national_id": world.q[0].person.national_id}, None),  # already authorised
        ("valid_to", {"valid_to": jalali(world.today - datetime.timedelta(days=1))},
         "The end of the period comes before its start."),
        ("valid_from", {"valid_from": "فردا"}, None),
        ("product", {"product": Product.objects.exclude(value_chain="saffron").first().pk}, None),
    ]
    for field, change, message in cases:
        response = client.post(url, {**good, **change})
        assert response.status_code == 400, change
        errors = beside(response.content.decode(), field)
        assert errors, (field, change)
        if message:
            assert fa(message) in errors
    assert state() == before
    response = client.post(url, {**good, "name_public": "on"})
    assert response.status_code == 302
    member = Authorisation.objects.get(brand=world.brand, producer=world.q[2])
    assert member.name_public and member.valid_to is None and member.status == "active"


def test_sanctions_are_logged_and_change_the_status(world, client):
    client.force_login(world.officer)
    url = reverse("brands:sanction", args=[world.brand.pk, world.hidden.pk])
    before = state()
    response = client.post(url, {"action": "reinstate", "reason": "اشتباه"})
    assert response.status_code == 400
    html = response.content.decode()
    assert fa("This member is not in a state for that.") in beside(html, "action")
    assert 'open><summary data-test="sanction-open"' in html  # the row with the error stays open
    response = client.post(url, {"action": "suspend", "reason": "  "})
    assert response.status_code == 400 and beside(response.content.decode(), "reason")
    response = client.post(url, {"action": "ban", "reason": "x"})
    assert response.status_code == 400 and beside(response.content.decode(), "action")
    assert state() == before
    response = client.post(url, {"action": "suspend", "reason": "برچسب روی بسته‌های دیگران"})
    assert response.status_code == 302
    world.hidden.refresh_from_db()
    assert world.hidden.status == "suspended"
    page = client.get(reverse("brands:brand", args=[world.brand.pk])).content.decode()
    assert 'data-test="sanctions"' in page and "برچسب روی بسته‌های دیگران" in page
    # A member of another brand cannot be reached through this one.
    other = reverse("brands:sanction", args=[world.brand.pk, world.b_auth.pk])
    assert client.post(other, {"action": "warning", "reason": "x"}).status_code == 404


# --- Lots ---------------------------------------------------------------------------------------------------------

def test_a_producer_declares_a_lot_and_bad_quantities_are_refused(world, client):
    client.force_login(world.producer_user)
    url = reverse("brands:lot-declare", args=[world.brand.pk])
    for odd in ("abc", "9" * 40, "<b>"):
        assert client.get(url, {"authorisation": odd}).status_code == 200
    page = client.get(f"{url}?authorisation={world.hidden.pk}").content.decode()
    assert f'value="{world.hidden.pk}" selected' in page
    assert f'value="{world.shown.pk}"' not in page  # only her own authorisations
    base = {"authorisation": world.hidden.pk, "made_on": jalali(world.today)}
    lots = Lot.objects.count()
    for quantity in ("-5", "۰", "-۲٫۵", "abc", "1e400"):
        response = client.post(url, {**base, "quantity": quantity})
        assert response.status_code == 400, quantity
        assert beside(response.content.decode(), "quantity"), quantity
    response = client.post(url, {**base, "quantity": "-5"})
    assert fa("The quantity must be more than zero.") in beside(response.content.decode(), "quantity")
    response = client.post(url, {**base, "quantity": "2",
                                 "made_on": jalali(world.today + datetime.timedelta(days=2))})
    assert fa("The lot date cannot be in the future.") in beside(response.content.decode(), "made_on")
    response = client.post(url, {**base, "quantity": "2", "authorisation": world.shown.pk})
    assert response.status_code == 400 and beside(response.content.decode(), "authorisation")
    assert Lot.objects.count() == lots
    response = client.post(url, {**base, "quantity": "۲٫۵"})
    assert response.status_code == 302
    lot = Lot.objects.order_by("-pk").first()
    assert lot.quantity == Decimal("2.5") and lot.authorisation == world.hidden and lot.status == "declared"
    assert response["Location"] == reverse("brands:lot", args=[lot.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-test="inspect-form"' not in page and 'data-test="labels-form"' not in page


def test_a_suspended_producer_cannot_declare(world, client):
    services.sanction(by=world.officer, authorisation=world.hidden, action="suspend", reason="تخلف")
    client.force_login(world.producer_user)
    assert client.get(reverse("brands:lot-declare", args=[world.brand.pk])).status_code == 403


def test_the_inspector_passes_or_fails_a_lot(world, client):
    url = reverse("brands:lot-inspect", args=[world.waiting.pk])
    for user in (world.producer_user, world.officer):  # nobody passes their own lots; the manager neither
        client.force_login(user)
        assert client.post(url, {"result": "pass"}).status_code == 403
    client.force_login(world.inspector)
    page = client.get(reverse("brands:lot", args=[world.waiting.pk])).content.decode()
    assert 'data-test="inspect-form"' in page
    before = state()
    response = client.post(url, {"result": "fail", "note": ""})
    assert response.status_code == 400
    assert fa("Say why the lot fails.") in beside(response.content.decode(), "note")
    assert client.post(url, {"result": "maybe"}).status_code == 400
    assert state() == before
    assert client.post(url, {"result": "pass", "note": "خوب"}).status_code == 302
    world.waiting.refresh_from_db()
    assert world.waiting.status == "passed" and world.waiting.inspected_by == world.inspector
    response = client.post(url, {"result": "fail", "note": "دوباره"})
    assert response.status_code == 400
    assert fa("This lot was already inspected.") in response.content.decode()


def test_labels_for_a_failed_lot_are_refused(world, client):
    client.force_login(world.inspector)
    before = state()
    page = client.get(reverse("brands:lot", args=[world.failed.pk])).content.decode()
    assert 'data-test="labels-form"' not in page and "رطوبت زیاد" in page
    response = client.post(reverse("brands:labels-issue", args=[world.failed.pk]), {"count": "5"})
    assert response.status_code == 400
    assert fa("Labels are only for lots that passed inspection.") in beside(response.content.decode(), "count")
    for count in ("-3", "0", "x", "100000"):
        response = client.post(reverse("brands:labels-issue", args=[world.lot.pk]), {"count": count})
        assert response.status_code == 400 and beside(response.content.decode(), "count"), count
    assert state() == before


def test_labels_are_issued_and_listed(world, client):
    client.force_login(world.officer)
    url = reverse("brands:lot", args=[world.lot.pk])
    page = client.get(url).content.decode()
    assert 'data-test="labels-form"' in page and grouped(world.labels[0].serial) in page
    response = client.post(reverse("brands:labels-issue", args=[world.lot.pk]), {"count": "۳"})
    assert response.status_code == 302
    world.lot.refresh_from_db()
    assert world.lot.label_count == 8 and world.lot.labels.count() == 8
    page = client.get(url).content.decode()
    # Issue 10: a sheet is asked for as a background document (a form), no longer a direct PDF link.
    assert f'action="{reverse("brands:labels-document", args=[world.lot.pk])}"' in page
    assert 'name="start" value="1"' in page
    assert client.get(f"{url}?start=abc").status_code == 200
    assert client.get(f"{url}?start=-4").status_code == 200


def test_the_label_sheet_is_a_pdf_with_the_serials(world, client):
    client.force_login(world.inspector)
    response = client.get(reverse("brands:labels-pdf", args=[world.lot.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    for label in world.labels:
        assert grouped(label.serial) in text
    assert client.get(reverse("brands:labels-pdf", args=[world.lot.pk]) + "?start=99").status_code == 404
    assert client.get(reverse("brands:labels-pdf", args=[world.lot.pk]) + "?start=x").status_code == 200
    assert client.get(reverse("brands:labels-pdf", args=[world.waiting.pk])).status_code == 404
    client.force_login(world.producer_user)
    assert client.get(reverse("brands:labels-pdf", args=[world.lot.pk])).status_code == 403


def test_a_label_sheet_is_made_in_the_background_and_only_its_owner_downloads_it(
        world, client, django_capture_on_commit_callbacks):
    from mardom.core.models import Document

    client.force_login(world.inspector)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("brands:labels-document", args=[world.lot.pk]), {"start": "۱"})
    doc = Document.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("document", args=[doc.pk])
    assert doc.owner == world.inspector and doc.kind == "labels" and doc.params == {"lot": world.lot.pk, "start": 1}
    assert doc.status == "done" and doc.progress == 100 and doc.file
    assert AuditEntry.objects.filter(action="document.request", object_id=str(doc.pk), actor=world.inspector).exists()
    page = client.get(reverse("document", args=[doc.pk])).content.decode()
    assert 'data-test="document-download"' in page and 'hx-trigger="every 2s"' not in page
    download = client.get(reverse("document-download", args=[doc.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    content = b"".join(download.streaming_content)
    text = pdf_text(content)
    for label in world.labels:
        assert grouped(label.serial) in text
    # Somebody else, even one who may print this lot's labels, sees no such document.
    for other in (world.producer_user, world.outsider, world.b_producer_user, world.officer):
        client.force_login(other)
        for name in ("document", "document-status", "document-download"):
            assert client.get(reverse(name, args=[doc.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("document-download", args=[doc.pk])).status_code == 302  # to the login page


def test_a_label_sheet_document_is_refused_as_the_direct_sheet_is(world, client, django_capture_on_commit_callbacks):
    from mardom.core.models import Document

    url = reverse("brands:labels-document", args=[world.lot.pk])
    client.force_login(world.producer_user)  # her own lot, but she may not print its labels
    assert client.post(url, {"start": "1"}).status_code == 403
    client.force_login(world.b_producer_user)  # another brand's producer: the lot is not there for her
    assert client.post(url, {"start": "1"}).status_code == 404
    client.force_login(world.inspector)
    assert client.post(url, {"start": "99"}).status_code == 404  # no labels from there on
    assert client.post(reverse("brands:labels-document", args=[world.waiting.pk]), {"start": "1"}).status_code == 404
    assert client.get(url).status_code == 405
    assert not Document.objects.exists() and not AuditEntry.objects.filter(action="document.request").exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"start": "x"}).status_code == 302  # a bad number reads as the first sheet
    assert Document.objects.get().params["start"] == 1


# --- The public provenance page -----------------------------------------------------------------------------------

def private_bits(world):
    people = [world.q[0].person, world.q[1].person]
    return [p.national_id for p in people] + [p.mobile for p in people] + [
        localize_digits(p.national_id) for p in people] + [str(world.q[0].baseline_sales)]


def test_a_genuine_label_shows_where_it_comes_from_without_login(world, client):
    label = world.labels[0]
    response = client.get(reverse("provenance", args=[label.serial]))
    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex") and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert 'data-status="genuine"' in page
    for text in (world.saffron.name, world.brand.name, world.cluster.name, world.colonies[0].name,
                 world.q[0].place.name, jalali(world.made).split("/")[0], grouped(label.serial)):
        assert text in page, text
    with translation.override("fa"):
        assert format_jalali(world.made, "long") in page
    assert world.q[0].person.full_name not in page  # no consent
    assert world.q[0].person.last_name not in page
    for bit in private_bits(world):
        assert bit not in page
    label.refresh_from_db()
    assert label.scan_count == 1


def test_the_name_is_shown_only_with_consent(world, client):
    page = client.get(reverse("provenance", args=[world.shown_labels[0].serial])).content.decode()
    assert 'data-test="producer-name"' in page and world.q[1].person.full_name in page
    for bit in private_bits(world):
        assert bit not in page


def test_a_typed_serial_in_any_case_and_grouping_is_found(world, client):
    serial = world.labels[1].serial
    response = client.get(reverse("provenance-search"), {"serial": f" {grouped(serial).lower()} "})
    assert response.status_code == 302 and response["Location"] == reverse("provenance", args=[serial])
    assert client.get(reverse("provenance-search")).status_code == 200


@pytest.mark.parametrize("typed", ["", "abc", "ABCD-EFGH-JX", "<script>", "۱۲۳۴۵۶۷۸۹۰", "x" * 500])
def test_a_mistyped_serial_is_asked_again(world, client, typed):
    response = client.get(reverse("provenance-search"), {"serial": typed})
    assert response.status_code == 400
    html = response.content.decode()
    assert beside(html, "serial") and "<script>" not in html.split("</header>")[1]
    assert response["X-Robots-Tag"].startswith("noindex")


def test_a_nul_byte_in_a_serial_is_refused_before_the_page(world, client):
    assert client.get("/p/%00/").status_code == 400  # core.middleware.RejectNulBytesMiddleware


@pytest.mark.parametrize("serial", ["ABC", "ZZZZZZZZZZZZ", "%3Cb%3E", "۱۲۳", "a" * 300, "ÄÖÜ", ".."])
def test_a_mistyped_serial_on_the_page(world, client, serial):
    response = client.get(f"/p/{serial}/")
    assert response.status_code == 200
    assert 'data-status="mistyped"' in response.content.decode()
    assert 'data-test="serial-form"' in response.content.decode()


def test_an_unknown_serial_may_be_counterfeit(world, client):
    serial = serials.new_serial()
    while Label.objects.filter(serial=serial).exists():
        serial = serials.new_serial()
    page = client.get(reverse("provenance", args=[serial])).content.decode()
    assert 'data-status="unknown"' in page
    assert fa("This code was not issued by the brand system. The product may be counterfeit.") in page
    assert world.brand.name not in page


def test_a_suspended_producers_label_says_so(world, client):
    services.sanction(by=world.officer, authorisation=world.hidden, action="suspend", reason="تخلف")
    page = client.get(reverse("provenance", args=[world.labels[0].serial])).content.decode()
    assert 'data-status="suspended"' in page and world.brand.name in page
    assert "تخلف" not in page  # the reason is the brand's business
    for bit in private_bits(world):
        assert bit not in page


def test_a_label_checked_too_often_looks_copied(world, client):
    label = world.labels[2]
    Label.objects.filter(pk=label.pk).update(scan_count=services.SUSPICIOUS_SCANS_PER_LABEL + 4,
                                             first_scanned_at=timezone.now() - datetime.timedelta(days=40))
    page = client.get(reverse("provenance", args=[label.serial])).content.decode()
    assert 'data-status="suspicious"' in page
    assert localize_digits(str(services.SUSPICIOUS_SCANS_PER_LABEL + 5)) in page
    for bit in private_bits(world):
        assert bit not in page


def test_the_public_page_takes_no_post(world, client):
    assert client.post(reverse("provenance", args=[world.labels[0].serial])).status_code == 405


# --- Navigation and the producer's page ---------------------------------------------------------------------------

def test_the_brands_section_and_the_producers_brands_card(world, client):
    client.force_login(world.officer)
    assert reverse("brands:list") in client.get(reverse("home")).content.decode()
    page = client.get(reverse("brands:list")).content.decode()
    assert world.brand.name in page and world.b_brand.name not in page
    client.force_login(world.producer_user)
    page = client.get(reverse("production:producer", args=[world.q[0].pk])).content.decode()
    assert 'data-test="producer-brands"' in page
    assert f"{reverse('brands:lot-declare', args=[world.brand.pk])}?authorisation={world.hidden.pk}" in page
    page = client.get(reverse("brands:list")).content.decode()
    assert 'data-test="my-authorisations"' in page and world.brand.name in page
    assert world.b_brand.name not in page


# --- Scope ------------------------------------------------------------------------------------------------------

def urls(w):
    """Every brands view that names an object, with a POST body that would change something if allowed."""
    today = jalali(w.today)
    return [
        ("get", reverse("brands:brand", args=[w.brand.pk]), None),
        ("post", reverse("brands:rules-add", args=[w.brand.pk]), {"text": "قواعد تازه", "effective_from": today}),
        ("post", reverse("brands:logo-set", args=[w.brand.pk]),
         {"logo": SimpleUploadedFile("l.png", png(), content_type="image/png")}),
        ("post", reverse("brands:authorise", args=[w.brand.pk]),
         {"national_id": w.q[2].person.national_id, "product": w.saffron.pk, "valid_from": today}),
        ("post", reverse("brands:sanction", args=[w.brand.pk, w.hidden.pk]), {"action": "suspend", "reason": "x"}),
        ("get", reverse("brands:lot-declare", args=[w.brand.pk]), None),
        ("post", reverse("brands:lot-declare", args=[w.brand.pk]),
         {"authorisation": w.hidden.pk, "quantity": "1", "made_on": today}),
        ("get", reverse("brands:lot", args=[w.lot.pk]), None),
        ("post", reverse("brands:lot-inspect", args=[w.waiting.pk]), {"result": "pass"}),
        ("post", reverse("brands:labels-issue", args=[w.lot.pk]), {"count": "1"}),
        ("get", reverse("brands:labels-pdf", args=[w.lot.pk]), None),
        ("post", reverse("brands:labels-document", args=[w.lot.pk]), {"start": "1"}),
    ]


UNSCOPED = {"list", "create"}  # tried below for what they show
PUBLIC = {"logo"}  # a brand's logo is printed on its packs and shown on the provenance pages


def test_every_brands_url_is_in_the_scope_table(world):
    from mardom.brands.urls import urlpatterns

    covered = {resolve(url.split("?")[0]).url_name for _method, url, _data in urls(world)}
    assert covered | UNSCOPED | PUBLIC == {pattern.name for pattern in urlpatterns}
    assert not covered & (UNSCOPED | PUBLIC)


def _refused(client, world, skip=()):
    before = state()
    for method, url, data in urls(world):
        if resolve(url.split("?")[0]).url_name in skip:
            continue
        response = client.get(url) if method == "get" else client.post(url, data)
        assert response.status_code in (403, 404), f"{method} {url}: {response.status_code}"
    assert state() == before


@pytest.mark.parametrize("who", ["outsider", "birjand_officer", "province_elsewhere", "plain_user",
                                 "other_brands_producer", "birjand_auditor"])
def test_someone_from_another_scope_is_refused_everything(world, client, who, plain_user, birjand_officer,
                                                          make_person, make_user, birjand):
    if who == "province_elsewhere":
        province = OrgUnit.objects.filter(kind="province").exclude(pk=world.qaenat.parent_id).first()
        user = make_user(make_person(world.outsider.person.unit), roles=[("province_officer", province)])
    elif who == "birjand_auditor":
        user = make_user(make_person(birjand), roles=[("auditor", birjand)])
    else:
        user = {"outsider": world.outsider, "birjand_officer": birjand_officer, "plain_user": plain_user,
                "other_brands_producer": world.b_producer_user}[who]
    client.force_login(user)
    _refused(client, world)


def test_an_inspector_of_another_brand_is_refused(world, client, make_person, make_user, birjand):
    client.force_login(make_user(make_person(birjand), roles=[("brand_inspector", world.b_brand)]))
    _refused(client, world)


def test_the_brands_own_producer_is_refused_what_managers_and_inspectors_do(world, client):
    client.force_login(world.producer_user)
    _refused(client, world, skip={"brand", "lot", "lot-declare"})


def test_another_member_of_the_same_brand_cannot_open_her_lot(world, client, make_user):
    client.force_login(make_user(world.q[1].person))
    assert client.get(reverse("brands:lot", args=[world.lot.pk])).status_code == 404
    assert client.get(reverse("brands:lot", args=[world.shown_lot.pk])).status_code == 200


def test_lists_show_nothing_of_another_scope(world, client, plain_user):
    client.force_login(world.outsider)
    page = client.get(reverse("brands:list")).content.decode()
    assert world.brand.name not in page and world.b_brand.name not in page
    client.force_login(plain_user)
    assert client.get(reverse("brands:list")).status_code == 403
    assert client.get(reverse("brands:create")).status_code == 403
    client.force_login(world.outsider)
    page = client.get(reverse("brands:create")).content.decode()
    assert world.cluster.name not in page and world.colonies[0].name not in page


def test_anonymous_visitors_are_sent_to_log_in(world, client):
    for _method, url, _data in urls(world):
        response = client.get(url)
        assert response.status_code in (302, 405), url
        if response.status_code == 302:
            assert "login" in response["Location"]


def test_the_logo_is_public_but_only_for_brands_with_one(world, client):
    assert client.get(reverse("brands:logo", args=[world.brand.pk])).status_code == 404
    assert client.get(reverse("brands:logo", args=[999999])).status_code == 404


# --- Queries ------------------------------------------------------------------------------------------------------

def test_the_brand_page_costs_the_same_queries_at_any_size(world, client, make_person, qaenat, qaenat_village):
    client.force_login(world.officer)
    url = reverse("brands:brand", args=[world.brand.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    more = producers(world.officer, make_person, qaenat, qaenat_village, world.saffron, 3)
    for producer in more:
        production.colony_add_member(by=world.officer, colony=world.colonies[0], producer=producer)
        member = services.authorise(by=world.officer, brand=world.brand, producer=producer, product=world.saffron,
                                    valid_from=world.since)
        services.sanction(by=world.officer, authorisation=member, action="warning", reason="هشدار")
        services.lot_declare(by=world.officer, authorisation=member, quantity=Decimal(3), made_on=world.made)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(large) <= 15, len(large)


def test_whoever_declared_a_lot_is_not_offered_its_inspection_and_is_refused(world, client):
    from mardom.people.models import RoleAssignment

    # The county officer made herself inspector (arranged directly, as if confirmed) and declared a lot.
    RoleAssignment.objects.create(user=world.officer, role="brand_inspector", unit=world.brand)
    lot = services.lot_declare(by=world.officer, authorisation=world.shown, quantity=Decimal(3),
                               made_on=timezone.localdate())
    client.force_login(world.officer)
    page = client.get(reverse("brands:lot", args=[lot.pk])).content.decode()
    assert 'data-test="inspect-form"' not in page and 'data-test="own-lot"' in page
    before = state()
    response = client.post(reverse("brands:lot-inspect", args=[lot.pk]), {"result": "pass", "note": "خوب"})
    assert response.status_code == 400
    assert fa("Whoever declared or made a lot cannot inspect it; another inspector must.") in beside(
        response.content.decode(), "result")
    assert state() == before
    client.force_login(world.inspector)
    assert 'data-test="inspect-form"' in client.get(reverse("brands:lot", args=[lot.pk])).content.decode()
    assert client.post(reverse("brands:lot-inspect", args=[lot.pk]), {"result": "pass"}).status_code == 302
    assert Lot.objects.get(pk=lot.pk).inspected_by == world.inspector
