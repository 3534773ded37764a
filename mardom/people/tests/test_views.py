"""People pages through the test client: sign-in, scope, forms, errors, query counts, language."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from mardom.conftest import PASSWORD, next_national_id, world_state
from mardom.core.digits import localize_digits, to_persian_digits
from mardom.core.jalali import parse_jalali
from mardom.core.models import AuditEntry
from mardom.people import urls as people_urls
from mardom.people.models import Person, RoleAssignment, User

pytestmark = pytest.mark.django_db

OTHER_PASSWORD = "new-Pass-777x"


def _person_data(w, **over):
    data = {"first_name": "فاطمه", "last_name": "قائنی‌پور", "mobile": "09150001122", "gender": "female",
            "birth_date": "1365/06/31", "home_place": str(w.village.pk)}
    data.update(over)
    return data


# (id, method, url name, args(world), data(world) or None). Every view on one Qaenat object, GET and POST.
OBJECT_VIEWS = [
    ("detail", "get", "people:detail", lambda w: [w.person.pk], None),
    ("edit", "get", "people:edit", lambda w: [w.person.pk], None),
    ("edit", "post", "people:edit", lambda w: [w.person.pk], lambda w: _person_data(w, first_name="تغییر")),
    ("password", "post", "people:password", lambda w: [w.person.pk],
     lambda w: {"password": OTHER_PASSWORD, "password_again": OTHER_PASSWORD}),
    ("role-grant", "post", "people:role-grant", lambda w: [w.person.pk],
     lambda w: {"role": "base_officer", "unit": str(w.base.pk)}),
    ("role-revoke", "post", "people:role-revoke", lambda w: [w.assignment.pk], lambda w: {}),
]
OBJECT_IDS = [f"{name}-{method}" for name, method, *_ in OBJECT_VIEWS]


def _call(client, method, url, data):
    return client.get(url) if method == "get" else client.post(url, data or {})


# --- (c) another scope gets 403/404 and changes nothing ----------------------------------------------


@pytest.mark.parametrize(("name", "method", "url_name", "args", "data"), OBJECT_VIEWS, ids=OBJECT_IDS)
def test_another_county_gets_403_or_404_and_nothing_changes(client, qaenat_world, birjand_officer,
                                                           name, method, url_name, args, data):
    w = qaenat_world
    before = world_state(w)
    client.force_login(birjand_officer)
    response = _call(client, method, reverse(url_name, args=args(w)), data(w) if data else None)
    assert response.status_code in (403, 404)
    assert 'lang="fa"' in response.content.decode()
    assert world_state(w) == before


@pytest.mark.parametrize(("name", "method", "url_name", "args", "data"), OBJECT_VIEWS, ids=OBJECT_IDS)
def test_a_base_officer_cannot_reach_county_files(client, qaenat_world, base_officer,
                                                 name, method, url_name, args, data):
    w = qaenat_world
    before = world_state(w)
    client.force_login(base_officer)
    response = _call(client, method, reverse(url_name, args=args(w)), data(w) if data else None)
    assert response.status_code in (403, 404)
    assert world_state(w) == before


def test_another_county_does_not_see_qaenat_people_in_lists(client, qaenat_world, birjand_officer, make_person,
                                                           birjand):
    mine = make_person(birjand, first_name="بیرجندی")
    client.force_login(birjand_officer)
    body = client.get(reverse("people:list")).content.decode()
    assert mine.last_name in body
    assert qaenat_world.person.last_name not in body
    body = client.get(reverse("people:list"), {"q": qaenat_world.person.national_id}).content.decode()
    assert qaenat_world.person.last_name not in body


def test_another_county_cannot_register_on_the_qaenat_desk(client, qaenat_world, birjand_officer):
    w = qaenat_world
    before = world_state(w)
    client.force_login(birjand_officer)
    data = _person_data(w, national_id=next_national_id(), desk=str(w.county.pk))
    response = client.post(reverse("people:create"), data)
    assert response.status_code == 200
    # The desk is a hidden field (one desk only): its error is shown above the form.
    assert 'class="errorlist nonfield"' in response.content.decode()
    assert world_state(w) == before


# --- (b) the rightful officer ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "method", "url_name", "args", "data"), OBJECT_VIEWS, ids=OBJECT_IDS)
def test_the_county_officer_may_use_every_view(client, qaenat_world, name, method, url_name, args, data):
    w = qaenat_world
    before = world_state(w)
    client.force_login(w.officer)
    response = _call(client, method, reverse(url_name, args=args(w)), data(w) if data else None)
    if method == "get":
        assert response.status_code == 200
        assert world_state(w) == before
    else:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert response["Location"] == reverse("people:detail", args=[w.person.pk])
        assert world_state(w) != before


@pytest.mark.parametrize("url_name", ["home", "people:list", "people:create", "audit"])
def test_the_county_officer_gets_the_pages(client, county_officer, url_name):
    client.force_login(county_officer)
    assert client.get(reverse(url_name)).status_code == 200


def test_create_person_through_the_form(client, county_officer, qaenat, qaenat_village):
    client.force_login(county_officer)
    nid = next_national_id()
    data = {"national_id": to_persian_digits(nid), "first_name": "علي", "last_name": "كاظمی",
            "mobile": "+98 915 111 2233", "gender": "male", "birth_date": "۱۳۶۵/۰۶/۳۱",
            "home_place": str(qaenat_village.pk), "desk": str(qaenat.pk)}
    response = client.post(reverse("people:create"), data)
    assert response.status_code == 302
    person = Person.objects.get(national_id=nid)
    assert response["Location"] == reverse("people:detail", args=[person.pk])
    assert (person.first_name, person.last_name, person.mobile) == ("علی", "کاظمی", "09151112233")
    assert person.birth_date.isoformat() == "1986-09-22"
    assert person.unit == qaenat
    assert AuditEntry.objects.filter(action="person.create", object_id=str(person.pk)).exists()


def test_edit_person_through_the_form(client, qaenat_world):
    w = qaenat_world
    client.force_login(w.officer)
    response = client.post(reverse("people:edit", args=[w.person.pk]), _person_data(w, first_name="زينب"))
    assert response.status_code == 302
    w.person.refresh_from_db()
    assert w.person.first_name == "زینب"
    assert AuditEntry.objects.filter(action="person.update", object_id=str(w.person.pk)).exists()


def test_password_through_the_form_then_sign_in(client, qaenat_world):
    w = qaenat_world
    client.force_login(w.officer)
    url = reverse("people:password", args=[w.person.pk])
    assert client.post(url, {"password": OTHER_PASSWORD, "password_again": OTHER_PASSWORD}).status_code == 302
    client.logout()
    response = client.post(reverse("login"), {"username": w.person.national_id, "password": OTHER_PASSWORD})
    assert response.status_code == 302


def test_grant_and_revoke_through_the_forms(client, qaenat_world):
    w = qaenat_world
    client.force_login(w.officer)
    response = client.post(reverse("people:role-grant", args=[w.person.pk]),
                           {"role": "base_officer", "unit": str(w.base.pk)})
    assert response.status_code == 302
    grant = RoleAssignment.objects.get(user=w.user, role="base_officer", unit_id=w.base.pk, revoked_at=None)
    assert client.post(reverse("people:role-revoke", args=[grant.pk])).status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None


def test_role_of_the_wrong_kind_shows_the_error_beside_the_unit(client, qaenat_world, row_counts):
    w = qaenat_world
    client.force_login(w.officer)
    before = row_counts()
    response = client.post(reverse("people:role-grant", args=[w.person.pk]),
                           {"role": "county_officer", "unit": str(w.base.pk)})
    assert response.status_code == 400
    assert 'class="field invalid" data-field="unit"' in response.content.decode()
    assert row_counts() == before


def test_a_person_sees_their_own_file_but_cannot_edit_it(client, qaenat_world, make_person, make_user, qaenat):
    person = make_person(qaenat)
    user = make_user(person)
    client.force_login(user)
    me = client.get(reverse("me"))
    assert me.status_code == 302 and me["Location"] == reverse("people:detail", args=[person.pk])
    assert client.get(me["Location"]).status_code == 200
    assert client.get(reverse("people:edit", args=[person.pk])).status_code == 403
    assert client.get(reverse("people:detail", args=[qaenat_world.person.pk])).status_code == 404
    assert client.get(reverse("people:list")).status_code == 403


def test_a_system_account_without_person_has_a_me_page(client, make_user):
    client.force_login(make_user(None))
    assert client.get(reverse("me")).status_code == 200


def test_county_officer_cannot_take_over_a_province_officer_account(client, county_officer, make_person, make_user,
                                                                   qaenat, south_khorasan):
    # Was possible: resetting the password of anyone filed in the county, whatever roles they hold.
    # The province officer lives in Qaenat, so their file is filed under Qaenat.
    boss = make_user(make_person(qaenat), roles=[("province_officer", south_khorasan)])
    old_hash = boss.password
    client.force_login(county_officer)
    response = client.post(reverse("people:password", args=[boss.person.pk]),
                           {"password": OTHER_PASSWORD, "password_again": OTHER_PASSWORD})
    assert response.status_code in (400, 403)
    assert User.objects.get(pk=boss.pk).password == old_hash


# --- (a) anonymous ------------------------------------------------------------------------------------


def _all_urls(w):
    urls = [("get", reverse("home")), ("get", reverse("me")), ("get", reverse("people:list")),
            ("get", reverse("people:create")), ("post", reverse("people:create")), ("get", reverse("audit"))]
    urls += [(method, reverse(url_name, args=args(w))) for _, method, url_name, args, _ in OBJECT_VIEWS]
    return urls


def test_anonymous_is_sent_to_login_everywhere(client, qaenat_world):
    before = world_state(qaenat_world)
    for method, url in _all_urls(qaenat_world):
        response = client.get(url) if method == "get" else client.post(url, {"first_name": "x"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url
    assert world_state(qaenat_world) == before


def test_every_people_and_audit_url_is_in_the_tables():
    from mardom.core import urls as core_urls

    names = {p.name for p in people_urls.people_patterns if isinstance(p, URLPattern)}
    from mardom.people.tests.test_separation import SOD_VIEWS  # the proposal views' own scope table

    covered = {url_name.split(":")[1] for _, _, url_name, _, _ in OBJECT_VIEWS} | {"list", "create"}
    covered |= {url_name.split(":")[1] for _, _, url_name, _ in SOD_VIEWS}
    assert names == covered
    top = {p.name for p in people_urls.urlpatterns} | {p.name for p in core_urls.urlpatterns}
    # favicon: public and static (core/tests/test_demo_behaves_like_the_product.py); a background document's
    # pages answer only its owner, 404 to anyone else (core/tests/test_documents.py). The service worker and the
    # web app manifest: public, the same for everyone, no data (core/tests/test_offline.py).
    assert top == {"home", "login", "logout", "me", "audit", "favicon", "document", "document-status",
                   "document-download", "service-worker", "manifest"}


def test_logout(client, county_officer):
    client.force_login(county_officer)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


# --- (d) bad input ------------------------------------------------------------------------------------


def _fa(msgid, **params):
    with translation.override("fa"):
        params = {k: localize_digits(v) for k, v in params.items()}
        return escape(gettext(msgid) % params if params else gettext(msgid))


def _jalali_error(text):
    with translation.override("fa"):
        try:
            parse_jalali(text)
        except ValueError as error:
            return escape(str(error))
    raise AssertionError(f"{text} parsed")


def _bad_national_id():
    nid = next_national_id()
    return nid[:9] + str((int(nid[9]) + 1) % 10)


BAD_PERSON_INPUT = [
    ("national_id", _bad_national_id, lambda: _fa("Enter a valid 10-digit national ID (code melli).")),
    ("birth_date", lambda: "1404/12/30", lambda: _jalali_error("1404/12/30")),
    ("mobile", lambda: "12345",
     lambda: _fa("Enter a mobile number of 11 digits starting with 09, like %(example)s.", example="09121234567")),
    ("home_place", lambda: "999999999", lambda: _fa("Choose a place from the list.")),
    ("first_name", lambda: "ب" * 81,
     lambda: _fa("Use at most %(limit)s characters (you used %(length)s).", limit="80", length="81")),
    ("last_name", lambda: "<b>x</b>", lambda: _fa("HTML is not allowed here.")),
    ("first_name", lambda: "<script>alert(1)</script>", lambda: _fa("HTML is not allowed here.")),
]
BAD_IDS = [f"{field}-{i}" for i, (field, *_) in enumerate(BAD_PERSON_INPUT)]


@pytest.mark.parametrize(("field", "value", "message"), BAD_PERSON_INPUT, ids=BAD_IDS)
def test_bad_input_on_person_create(client, county_officer, qaenat, qaenat_village, row_counts,
                                    field, value, message):
    client.force_login(county_officer)
    data = {"national_id": next_national_id(), "first_name": "علی", "last_name": "کاظمی",
            "mobile": "09151112233", "gender": "male", "birth_date": "1365/06/31",
            "home_place": str(qaenat_village.pk), "desk": str(qaenat.pk), field: value()}
    before = row_counts()
    response = client.post(reverse("people:create"), data)
    body = response.content.decode()
    assert response.status_code in (200, 400)
    assert f'class="field invalid" data-field="{field}"' in body
    assert message() in body
    assert "<b>x</b>" not in body and "<script>alert(1)" not in body
    assert row_counts() == before


@pytest.mark.parametrize(("field", "value", "message"), BAD_PERSON_INPUT[1:], ids=BAD_IDS[1:])
def test_bad_input_on_person_edit(client, qaenat_world, field, value, message):
    w = qaenat_world
    before = world_state(w)
    client.force_login(w.officer)
    response = client.post(reverse("people:edit", args=[w.person.pk]), _person_data(w, **{field: value()}))
    body = response.content.decode()
    assert response.status_code in (200, 400)
    assert f'class="field invalid" data-field="{field}"' in body
    assert message() in body
    assert world_state(w) == before


def test_duplicate_national_id_shows_beside_the_field(client, qaenat_world, row_counts):
    w = qaenat_world
    client.force_login(w.officer)
    data = _person_data(w, national_id=w.person.national_id, desk=str(w.county.pk))
    before = row_counts()
    response = client.post(reverse("people:create"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="field invalid" data-field="national_id"' in body
    assert _fa("A person with this national ID is already registered.") in body
    assert row_counts() == before


@pytest.mark.parametrize(
    ("password", "again", "field"),
    [("12345678", "12345678", "password"), ("short", "short", "password"),
     (OTHER_PASSWORD, OTHER_PASSWORD + "x", "password_again"), ("", "", "password")],
)
def test_bad_password_is_refused(client, qaenat_world, password, again, field):
    w = qaenat_world
    before = world_state(w)
    client.force_login(w.officer)
    response = client.post(reverse("people:password", args=[w.person.pk]),
                           {"password": password, "password_again": again})
    assert response.status_code == 400
    assert f'class="field invalid" data-field="{field}"' in response.content.decode()
    assert world_state(w) == before


def test_missing_gender_and_empty_form(client, county_officer, row_counts):
    client.force_login(county_officer)
    before = row_counts()
    response = client.post(reverse("people:create"), {"gender": ""})
    assert response.status_code == 200
    body = response.content.decode()
    for field in ("national_id", "first_name", "last_name", "mobile", "home_place"):
        assert f'class="field invalid" data-field="{field}"' in body
    assert row_counts() == before


# --- (e) signing in -----------------------------------------------------------------------------------


@pytest.fixture
def login_user(qaenat_world):
    return qaenat_world.person, qaenat_world.user


def test_login_page_renders(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="fa"' in response.content.decode()


def test_wrong_password_shows_the_error(client, login_user):
    person, _ = login_user
    response = client.post(reverse("login"), {"username": person.national_id, "password": "wrong-Pass-1"})
    assert response.status_code == 200
    assert _fa("The national ID, mobile or password is wrong.") in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("form", ["national_id", "persian_national_id", "mobile", "persian_mobile", "plus98"])
def test_sign_in_with_any_form_of_the_name(client, login_user, form):
    person, user = login_user
    username = {
        "national_id": person.national_id,
        "persian_national_id": to_persian_digits(person.national_id),
        "mobile": person.mobile,
        "persian_mobile": to_persian_digits(person.mobile),
        "plus98": "+98" + person.mobile[1:],
    }[form]
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)


def _fail_five_times(client, spellings):
    for name in spellings:
        client.post(reverse("login"), {"username": name, "password": "wrong-Pass-1"})


def test_five_wrong_attempts_lock_the_name(client, login_user):
    person, _ = login_user
    client.raise_request_exception = False
    url = reverse("login")
    statuses = [client.post(url, {"username": person.national_id, "password": f"wrong-{i}-Pass"}).status_code
                for i in range(4)]
    assert statuses == [200] * 4
    assert client.post(url, {"username": person.national_id, "password": "wrong-5-Pass"}).status_code == 429
    locked = client.post(url, {"username": person.national_id, "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another name from the same address is not locked.
    other = client.post(url, {"username": "0000000000", "password": "x"})
    assert other.status_code == 200


def test_lockout_page_is_429_with_the_message(client, login_user):
    # Was a 500: the lockout view called add_error() on an unbound LoginForm.
    person, _ = login_user
    client.raise_request_exception = False
    _fail_five_times(client, [person.national_id] * 4)
    fifth = client.post(reverse("login"), {"username": person.national_id, "password": "wrong-Pass-1"})
    assert fifth.status_code == 429
    locked = client.post(reverse("login"), {"username": person.national_id, "password": PASSWORD})
    assert locked.status_code == 429
    assert _fa("Too many wrong attempts. Please wait fifteen minutes and try again.") in locked.content.decode()
    assert 'lang="fa"' in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_counts_every_spelling_of_the_name_as_one(client, login_user):
    person, _ = login_user
    client.raise_request_exception = False
    persian = to_persian_digits(person.national_id)
    _fail_five_times(client, [person.national_id, persian, person.national_id, persian, person.national_id])
    response = client.post(reverse("login"), {"username": persian, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lock_is_reset_between_tests(client, login_user):
    # A lock from the test above must not leak (axes.utils.reset in the autouse fixture).
    person, _ = login_user
    response = client.post(reverse("login"), {"username": person.national_id, "password": PASSWORD})
    assert response.status_code == 302


def test_signed_in_user_skips_the_login_page(client, county_officer):
    client.force_login(county_officer)
    assert client.get(reverse("login")).status_code == 302


# --- (f) query counts do not grow with rows -------------------------------------------------------------


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_person_list_queries_do_not_grow(client, county_officer, qaenat, make_person,
                                         django_assert_max_num_queries):
    client.force_login(county_officer)
    for _ in range(5):
        make_person(qaenat)
    few = _count_queries(client, reverse("people:list"))
    for _ in range(25):
        make_person(qaenat)
    with django_assert_max_num_queries(few):
        response = client.get(reverse("people:list"))
    assert response.content.decode().count('href="/people/') >= 30


def test_person_detail_queries_do_not_grow_with_roles(client, qaenat_world, django_assert_max_num_queries):
    w = qaenat_world
    client.force_login(w.officer)
    url = reverse("people:detail", args=[w.person.pk])
    few = _count_queries(client, url)
    for _ in range(5):
        RoleAssignment.objects.create(user=w.user, role="auditor", unit=w.county, revoked_at="2024-01-01T00:00Z",
                                      granted_by=w.officer, revoked_by=w.officer)
    with django_assert_max_num_queries(few):
        client.get(url)


# --- (g) error pages and language ------------------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True])
def test_404_is_the_persian_page(client, county_officer, signed_in):
    if signed_in:
        client.force_login(county_officer)
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert 'lang="fa"' in body and 'dir="rtl"' in body
    assert _fa("Page not found") in body


def test_403_is_the_persian_page(client, plain_user):
    client.force_login(plain_user)
    response = client.get(reverse("people:list"))
    body = response.content.decode()
    assert response.status_code == 403
    assert 'lang="fa"' in body and 'dir="rtl"' in body


def test_language_switch_to_english_and_back(client, county_officer):
    client.force_login(county_officer)
    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    body = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in body and 'dir="ltr"' in body
    body = client.get("/no-such-page/").content.decode()
    assert 'lang="en"' in body and 'dir="ltr"' in body
    client.post("/i18n/setlang/", {"language": "fa", "next": reverse("home")})
    body = client.get(reverse("home")).content.decode()
    assert 'lang="fa"' in body and 'dir="rtl"' in body


def test_validation_error_type_is_a_django_one():
    # guard for the helper above: validators raise Django's ValidationError
    from mardom.core.validators import validate_mobile

    with pytest.raises(ValidationError):
        validate_mobile("12345")


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_login_does_not_redirect_off_site(client, login_user, next_url):
    person, _ = login_user
    response = client.post(reverse("login"), {"username": person.national_id, "password": PASSWORD,
                                              "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_login_follows_a_local_next(client, login_user):
    person, _ = login_user
    next_url = reverse("people:list")
    response = client.post(reverse("login"), {"username": person.national_id, "password": PASSWORD,
                                              "next": next_url})
    assert response["Location"] == next_url
