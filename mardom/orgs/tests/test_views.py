"""Organisation pages through the test client: scope, forms, errors, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from mardom.conftest import world_state
from mardom.core.digits import localize_digits
from mardom.core.models import AuditEntry
from mardom.desk.models import Request
from mardom.orgs import services
from mardom.orgs import urls as org_urls
from mardom.orgs.models import Base, Linkage, OrgUnit, VolunteerGroup

pytestmark = pytest.mark.django_db


def _edit_data(kind, w, **over):
    data = {
        "bases": {"name": "پایگاه تازه", "place": str(w.village.pk), "address": "خیابان امام",
                  "phone": "۰۵۶۳۲۵۲۱۲۳۴"},
        "groups": {"name": "گروه تازه", "place": "", "fields_of_work": ["health", "relief"],
                   "leader_name": "رضا", "leader_mobile": "09151230000", "member_count": "5"},
        "institutions": {"name": "نهاد تازه", "place": str(w.village.pk), "type": "bank_branch", "bank": "melli",
                         "address": "", "phone": "", "services": "وام"},
    }[kind]
    data.update(over)
    return data


def _create_data(kind, w, **over):
    return {**_edit_data(kind, w), "county": str(w.county.pk), **over}


def _unit(kind, w):
    return {"bases": w.base, "groups": w.group, "institutions": w.institution}[kind]


KINDS = ["bases", "groups", "institutions"]

# (id, method, url name, args(world), data(world) or None): every view on one Qaenat object, GET and POST.
OBJECT_VIEWS = [
    *[(f"{k}-detail", "get", "orgs:detail", lambda w, k=k: [k, _unit(k, w).pk], None) for k in KINDS],
    *[(f"{k}-edit", "get", "orgs:edit", lambda w, k=k: [k, _unit(k, w).pk], None) for k in KINDS],
    *[(f"{k}-edit", "post", "orgs:edit", lambda w, k=k: [k, _unit(k, w).pk], lambda w, k=k: _edit_data(k, w))
      for k in KINDS],
    ("linkage", "post", "orgs:linkage-create", lambda w: [w.base.pk], lambda w: {"group": str(w.free_group.pk)}),
    ("referral", "post", "orgs:referral-create", lambda w: [w.base.pk],
     lambda w: {"from_unit": str(w.base.pk), "to_unit": str(w.institution.pk), "need": "training",
                "subject": "دوره آموزشی", "national_id": w.person.national_id}),
    ("referral-status", "post", "orgs:referral-status", lambda w: [w.referral.pk],
     lambda w: {"status": "accepted", "answer": "پذیرفته شد", "said_by": "آقای رحیمی", "channel": "phone"}),
]
OBJECT_IDS = [f"{name}-{method}" for name, method, *_ in OBJECT_VIEWS]
ROW = ("name", "method", "url_name", "args", "data")


def _call(client, method, url, data):
    return client.get(url) if method == "get" else client.post(url, data or {})


# --- (c) another scope gets 403/404 and changes nothing ----------------------------------------------


@pytest.mark.parametrize(ROW, OBJECT_VIEWS, ids=OBJECT_IDS)
def test_another_county_gets_403_or_404_and_nothing_changes(client, qaenat_world, birjand_officer,
                                                           name, method, url_name, args, data):
    w = qaenat_world
    before = world_state(w)
    client.force_login(birjand_officer)
    response = _call(client, method, reverse(url_name, args=args(w)), data(w) if data else None)
    assert response.status_code in (403, 404)
    assert 'lang="fa"' in response.content.decode()
    assert world_state(w) == before


@pytest.mark.parametrize(ROW, [v for v in OBJECT_VIEWS if v[1] == "post"],
                         ids=[i for i, v in zip(OBJECT_IDS, OBJECT_VIEWS, strict=True) if v[1] == "post"])
@pytest.mark.parametrize("who", ["plain_user", "auditor"])
def test_users_without_manage_rights_change_nothing(request, client, qaenat_world, who,
                                                    name, method, url_name, args, data):
    w = qaenat_world
    user = request.getfixturevalue(who)
    before = world_state(w)
    client.force_login(user)
    response = _call(client, method, reverse(url_name, args=args(w)), data(w) if data else None)
    assert response.status_code in (403, 404)
    assert world_state(w) == before


@pytest.mark.parametrize(
    ("name", "method", "url_name", "args", "data"),
    [v for v in OBJECT_VIEWS if v[0] in ("groups-edit", "institutions-edit", "referral-status")],
)
def test_a_base_officer_cannot_change_county_units(client, qaenat_world, base_officer,
                                                   name, method, url_name, args, data):
    w = qaenat_world
    before = world_state(w)
    client.force_login(base_officer)
    response = _call(client, method, reverse(url_name, args=args(w)), data(w) if data else None)
    assert response.status_code in (403, 404)
    assert world_state(w) == before


@pytest.mark.parametrize("kind", KINDS)
def test_another_county_cannot_create_in_qaenat(client, qaenat_world, birjand_officer, kind):
    w = qaenat_world
    before = world_state(w)
    client.force_login(birjand_officer)
    response = client.post(reverse("orgs:create", args=[kind]), _create_data(kind, w, name="ربوده"))
    assert response.status_code == 200
    assert 'class="field invalid" data-field="county"' in response.content.decode()
    assert world_state(w) == before


@pytest.mark.parametrize("kind", KINDS)
def test_another_county_does_not_see_qaenat_units_in_lists(client, qaenat_world, birjand_officer, kind):
    unit = _unit(kind, qaenat_world)
    link = f'href="{reverse("orgs:detail", args=[kind, unit.pk])}"'
    client.force_login(birjand_officer)
    body = client.get(reverse("orgs:list", args=[kind])).content.decode()
    assert unit.name not in body
    body = client.get(reverse("orgs:list", args=[kind]), {"q": unit.name}).content.decode()
    assert link not in body


def test_base_page_does_not_show_referrals_of_other_counties(client, qaenat_world, birjand_officer, birjand,
                                                            make_person, base_officer):
    # Was leaking: linkage_page listed every referral to or from a linked group, whoever the other side was.
    w = qaenat_world
    birjand_group = services.group_create(by=birjand_officer, county=birjand, name="گروه بیرجند", place=None,
                                          fields_of_work=["health"])
    birjand_bank = services.institution_create(by=birjand_officer, county=birjand, name="بانک بیرجند",
                                               place=None, type="agency")
    services.linkage_create(by=w.officer, base=w.base, group=birjand_group)
    secret = make_person(birjand, first_name="محرمانه", last_name="بیرجندی")
    services.referral_create(by=birjand_officer, from_unit=birjand_group, to_unit=birjand_bank, need="health",
                             subject="پرونده درمانی", person=secret)
    client.force_login(base_officer)
    body = client.get(reverse("orgs:detail", args=["bases", w.base.pk])).content.decode()
    assert "پرونده درمانی" not in body
    assert secret.last_name not in body


def test_base_page_shows_referrals_between_the_base_and_a_group_of_another_county(
        client, qaenat_world, birjand_officer, birjand, base_officer, province_officer):
    w = qaenat_world
    birjand_group = services.group_create(by=birjand_officer, county=birjand, name="گروه بیرجند", place=None,
                                          fields_of_work=["health"])
    birjand_bank = services.institution_create(by=birjand_officer, county=birjand, name="بانک بیرجند",
                                               place=None, type="agency")
    services.linkage_create(by=w.officer, base=w.base, group=birjand_group)
    services.referral_create(by=base_officer, from_unit=w.base, to_unit=birjand_group, need="health",
                             subject="درخواست پزشک")
    services.referral_create(by=birjand_officer, from_unit=birjand_group, to_unit=birjand_bank, need="loan",
                             subject="کار بیرجند")
    client.force_login(base_officer)
    body = client.get(reverse("orgs:detail", args=["bases", w.base.pk])).content.decode()
    assert "درخواست پزشک" in body and "کار بیرجند" not in body
    # The province reaches both counties: it sees the group's other referral too.
    client.force_login(province_officer)
    body = client.get(reverse("orgs:detail", args=["bases", w.base.pk])).content.decode()
    assert "درخواست پزشک" in body and "کار بیرجند" in body


# --- (b) the rightful officer ----------------------------------------------------------------------


@pytest.mark.parametrize(ROW, OBJECT_VIEWS, ids=OBJECT_IDS)
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
        assert world_state(w) != before


@pytest.mark.parametrize("url", ["orgs:base-list", "orgs:group-list", "orgs:institution-list"])
def test_lists(client, qaenat_world, url):
    client.force_login(qaenat_world.officer)
    response = client.get(reverse(url))
    assert response.status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_generic_list_and_create_pages(client, county_officer, kind):
    client.force_login(county_officer)
    assert client.get(reverse("orgs:list", args=[kind])).status_code == 200
    assert client.get(reverse("orgs:create", args=[kind])).status_code == 200


@pytest.mark.parametrize("url", ["/orgs/funds/", "/orgs/funds/new/", "/orgs/funds/1/", "/orgs/funds/1/edit/"])
def test_unknown_kind_is_404(client, county_officer, url):
    client.force_login(county_officer)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_create_through_the_form(client, qaenat_world, kind):
    w = qaenat_world
    client.force_login(w.officer)
    response = client.post(reverse("orgs:create", args=[kind]), _create_data(kind, w, name="واحد ك جديد"))
    assert response.status_code == 302
    unit = OrgUnit.objects.get(name="واحد ک جدید")
    assert response["Location"] == reverse("orgs:detail", args=[kind, unit.pk])
    assert unit.parent_id == w.county.pk
    assert AuditEntry.objects.filter(action=f"{unit.kind}.create", object_id=str(unit.pk)).exists()


def test_base_phone_is_stored_in_latin_digits(client, qaenat_world):
    w = qaenat_world
    client.force_login(w.officer)
    client.post(reverse("orgs:edit", args=["bases", w.base.pk]), _edit_data("bases", w, phone="۰۵۶-۳۲۵۲ ۱۲۳۴"))
    assert Base.objects.get(pk=w.base.pk).phone == "05632521234"


def test_edit_through_the_form_changes_and_audits(client, qaenat_world):
    w = qaenat_world
    client.force_login(w.officer)
    response = client.post(reverse("orgs:edit", args=["groups", w.group.pk]), _edit_data("groups", w))
    assert response.status_code == 302
    group = VolunteerGroup.objects.get(pk=w.group.pk)
    assert (group.name, group.fields_of_work, group.member_count) == ("گروه تازه", ["health", "relief"], 5)
    assert AuditEntry.objects.filter(action="group.update", object_id=str(group.pk)).exists()


def test_link_refer_and_answer_through_the_forms(client, qaenat_world, make_user, make_person):
    w = qaenat_world
    client.force_login(w.officer)
    assert client.post(reverse("orgs:linkage-create", args=[w.base.pk]),
                       {"group": str(w.free_group.pk)}).status_code == 302
    assert Linkage.objects.filter(base=w.base, group=w.free_group).exists()
    response = client.post(reverse("orgs:referral-create", args=[w.base.pk]), {
        "from_unit": str(w.base.pk), "to_unit": str(w.free_group.pk), "need": "health", "subject": "ويزيت",
        "national_id": w.person.national_id})
    assert response.status_code == 302
    referral = Request.objects.get(subject="ویزیت", kind="referral")
    assert (referral.person, referral.to_unit_id, referral.status) == (w.person, w.free_group.pk, "submitted")
    assert referral.referral.need == "health"
    # The group's leader answers, from the page of referrals sent to his group (he sees no base).
    leader = make_user(make_person(w.county), roles=[("group_leader", w.free_group)])
    client.force_login(leader)
    body = client.get(reverse("orgs:referrals")).content.decode()
    assert reverse("orgs:referral-status", args=[referral.pk]) in body and 'name="said_by"' not in body
    for status in ("accepted", "done"):
        response = client.post(reverse("orgs:referral-status", args=[referral.pk]), {"status": status})
        assert response.status_code == 302
        assert response["Location"] == reverse("orgs:referrals")
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("answered", "granted")
    # The county's officer sees it answered on the base's page.
    client.force_login(w.officer)
    body = client.get(reverse("orgs:detail", args=["bases", w.base.pk])).content.decode()
    assert "ویزیت" in body and 'class="badge granted"' in body


def test_a_refused_transition_is_a_message_and_changes_nothing(client, qaenat_world):
    w = qaenat_world
    client.force_login(w.officer)
    paper = {"said_by": "آقای رحیمی", "channel": "paper"}
    assert client.post(reverse("orgs:referral-status", args=[w.referral.pk]),
                       {"status": "accepted", **paper}).status_code == 302
    assert Request.objects.get(pk=w.referral.pk).status == "in_review"
    before = world_state(w)
    response = client.post(reverse("orgs:referral-status", args=[w.referral.pk]), {"status": "accepted", **paper},
                           follow=True)
    assert response.status_code == 200
    with translation.override("fa"):
        assert 'class="msg error"' in response.content.decode()
    assert world_state(w) == before


def test_the_desk_records_a_paper_answer_only_saying_who_gave_it(client, qaenat_world):
    w = qaenat_world
    client.force_login(w.officer)
    body = client.get(reverse("orgs:detail", args=["bases", w.base.pk])).content.decode()
    assert 'name="said_by"' in body  # the branch has no officer in Mardom: the desk answers for it
    before = world_state(w)
    response = client.post(reverse("orgs:referral-status", args=[w.referral.pk]), {"status": "accepted"},
                           follow=True)
    assert 'class="msg error"' in response.content.decode()
    assert world_state(w) == before


def test_the_base_officer_refers_but_cannot_answer_for_the_county(client, qaenat_world, base_officer):
    w = qaenat_world
    client.force_login(base_officer)
    body = client.get(reverse("orgs:detail", args=["bases", w.base.pk])).content.decode()
    assert 'data-test="referral-form"' in body
    response = client.post(reverse("orgs:referral-create", args=[w.base.pk]), {
        "from_unit": str(w.base.pk), "to_unit": str(w.institution.pk), "need": "loan", "subject": "وام"})
    assert response.status_code == 302
    before = world_state(w)
    assert client.post(reverse("orgs:referral-status", args=[w.referral.pk]),
                       {"status": "accepted"}).status_code == 403
    assert world_state(w) == before


def test_referral_for_a_person_outside_the_scope_is_refused(client, qaenat_world, base_officer, row_counts):
    w = qaenat_world
    client.force_login(base_officer)  # the person is filed under the county, not the base
    before = row_counts()
    response = client.post(reverse("orgs:referral-create", args=[w.base.pk]), {
        "from_unit": str(w.base.pk), "to_unit": str(w.institution.pk), "need": "loan", "subject": "وام",
        "national_id": w.person.national_id})
    assert response.status_code == 400
    assert 'class="field invalid" data-field="national_id"' in response.content.decode()
    assert row_counts() == before


def test_linking_an_already_linked_group_is_refused(client, qaenat_world, row_counts):
    w = qaenat_world
    client.force_login(w.officer)
    before = row_counts()
    response = client.post(reverse("orgs:linkage-create", args=[w.base.pk]), {"group": str(w.group.pk)})
    assert response.status_code == 400
    assert 'class="field invalid" data-field="group"' in response.content.decode()
    assert row_counts() == before


# --- (a) anonymous ------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_everywhere(client, qaenat_world):
    w = qaenat_world
    before = world_state(w)
    urls = [("get", reverse(n)) for n in ("orgs:base-list", "orgs:group-list", "orgs:institution-list")]
    urls += [(m, reverse(n, args=[k])) for k in KINDS for m in ("get", "post") for n in ("orgs:list", "orgs:create")]
    urls += [(method, reverse(url_name, args=args(w))) for _, method, url_name, args, _ in OBJECT_VIEWS]
    for method, url in urls:
        response = client.get(url) if method == "get" else client.post(url, {"name": "x"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url
    assert world_state(w) == before


def test_every_orgs_url_is_in_the_tables():
    names = {p.name for p in org_urls.urlpatterns}
    covered = {url_name.split(":")[1] for _, _, url_name, _, _ in OBJECT_VIEWS}
    covered |= {"base-list", "group-list", "institution-list", "list", "create"}
    covered |= {"referrals"}  # a list scoped to the user's institutions: test_referrals_received.py
    assert names == covered


# --- (d) bad input ------------------------------------------------------------------------------------


def _fa(msgid, **params):
    with translation.override("fa"):
        params = {k: localize_digits(v) for k, v in params.items()}
        return escape(gettext(msgid) % params if params else gettext(msgid))


BAD_ORG_INPUT = [
    ("bases", "name", "ن" * 151,
     lambda: _fa("Use at most %(limit)s characters (you used %(length)s).", limit="150", length="151")),
    ("bases", "name", "<b>x</b>", lambda: _fa("HTML is not allowed here.")),
    ("bases", "address", "<img src=x onerror=alert(1)>", lambda: _fa("HTML is not allowed here.")),
    ("bases", "phone", "abc", lambda: _fa("Enter a phone number in digits, for example ۰۵۶۳۲۵۲۱۲۳۴.")),
    ("bases", "place", "999999999", lambda: _fa("Choose a place from the list.")),
    ("groups", "leader_mobile", "12345",
     lambda: _fa("Enter a mobile number of 11 digits starting with 09, like %(example)s.", example="09121234567")),
    ("groups", "leader_name", "<b>x</b>", lambda: _fa("HTML is not allowed here.")),
    ("groups", "place", "999999999", lambda: _fa("Choose a place from the list.")),
    ("institutions", "phone", "abc", lambda: _fa("Enter a phone number in digits, for example ۰۵۶۳۲۵۲۱۲۳۴.")),
    ("institutions", "services", "<b>x</b>", lambda: _fa("HTML is not allowed here.")),
    ("institutions", "name", "ن" * 151,
     lambda: _fa("Use at most %(limit)s characters (you used %(length)s).", limit="150", length="151")),
]
BAD_IDS = [f"{k}-{f}-{i}" for i, (k, f, *_) in enumerate(BAD_ORG_INPUT)]


@pytest.mark.parametrize(("kind", "field", "value", "message"), BAD_ORG_INPUT, ids=BAD_IDS)
def test_bad_input_on_create(client, qaenat_world, row_counts, kind, field, value, message):
    w = qaenat_world
    client.force_login(w.officer)
    before = row_counts()
    response = client.post(reverse("orgs:create", args=[kind]), _create_data(kind, w, **{field: value}))
    body = response.content.decode()
    assert response.status_code in (200, 400)
    assert f'class="field invalid" data-field="{field}"' in body
    assert message() in body
    assert "<b>x</b>" not in body and "<img src=x" not in body
    assert row_counts() == before


@pytest.mark.parametrize(("kind", "field", "value", "message"), BAD_ORG_INPUT, ids=BAD_IDS)
def test_bad_input_on_edit(client, qaenat_world, kind, field, value, message):
    w = qaenat_world
    client.force_login(w.officer)
    before = world_state(w)
    response = client.post(reverse("orgs:edit", args=[kind, _unit(kind, w).pk]), _edit_data(kind, w, **{field: value}))
    assert response.status_code in (200, 400)
    assert f'class="field invalid" data-field="{field}"' in response.content.decode()
    assert message() in response.content.decode()
    assert world_state(w) == before


DOMAIN_ERRORS = [
    ("bases", "place", lambda w: {"place": "BIRJAND"}, "This place is not in the chosen county."),
    ("bases", "name", lambda w: {"name": "پايگاه امام رضا"}, "One with this name already exists in this county."),
    ("groups", "name", lambda w: {"name": "گروه جهادي نور"}, "One with this name already exists in this county."),
    ("institutions", "bank", lambda w: {"bank": ""}, "Choose the bank this branch belongs to."),
]


@pytest.mark.parametrize(
    ("kind", "field", "over", "msgid"), DOMAIN_ERRORS, ids=[f"{k}-{f}" for k, f, *_ in DOMAIN_ERRORS]
)
def test_service_errors_show_beside_the_field(client, qaenat_world, birjand_village, row_counts,
                                              kind, field, over, msgid):
    w = qaenat_world
    client.force_login(w.officer)
    data = over(w)
    if data.get("place") == "BIRJAND":
        data["place"] = str(birjand_village.pk)
    before = row_counts()
    response = client.post(reverse("orgs:create", args=[kind]), _create_data(kind, w, **data))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'class="field invalid" data-field="{field}"' in body
    assert _fa(msgid) in body
    assert row_counts() == before


def test_negative_member_count_is_refused(client, qaenat_world, row_counts):
    w = qaenat_world
    client.force_login(w.officer)
    before = row_counts()
    response = client.post(reverse("orgs:create", args=["groups"]), _create_data("groups", w, member_count="-1"))
    assert 'class="field invalid" data-field="member_count"' in response.content.decode()
    assert row_counts() == before


# --- (f) query counts do not grow with rows -------------------------------------------------------------


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_units(kind, by, county, n, start):
    for i in range(start, start + n):
        name = f"واحد {i}"
        if kind == "bases":
            services.base_create(by=by, county=county, name=name, place=None, phone="0563000000")
        elif kind == "groups":
            services.group_create(by=by, county=county, name=name, place=None, fields_of_work=["health"])
        else:
            services.institution_create(by=by, county=county, name=name, place=None, type="bank_branch", bank="melli")


@pytest.mark.parametrize("kind", KINDS)
def test_list_queries_do_not_grow(client, county_officer, qaenat, kind, django_assert_max_num_queries):
    client.force_login(county_officer)
    url = reverse("orgs:list", args=[kind])
    _add_units(kind, county_officer, qaenat, 5, 0)
    few = _count_queries(client, url)
    _add_units(kind, county_officer, qaenat, 25, 5)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.content.decode().count(f'href="/orgs/{kind}/') >= 30


def test_base_page_queries_do_not_grow_with_referrals(client, qaenat_world, django_assert_max_num_queries):
    w = qaenat_world
    client.force_login(w.officer)
    url = reverse("orgs:detail", args=["bases", w.base.pk])
    few = _count_queries(client, url)
    for i in range(10):
        group = services.group_create(by=w.officer, county=w.county, name=f"گروه {i}", place=None,
                                      fields_of_work=["health"])
        services.linkage_create(by=w.officer, base=w.base, group=group)
        services.referral_create(by=w.officer, from_unit=w.base, to_unit=group, need="health", subject=f"ارجاع {i}",
                                 person=w.person)
    with django_assert_max_num_queries(few):
        client.get(url)

