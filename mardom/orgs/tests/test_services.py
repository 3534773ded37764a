"""Writes for organisations: bases, groups, institutions, linkages, referrals, through the services only."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from mardom.conftest import village_of
from mardom.core.errors import DomainError
from mardom.core.models import AuditEntry
from mardom.orgs import services
from mardom.orgs.models import Base, Institution, Linkage, OrgUnit, VolunteerGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def mashhad(db):
    return OrgUnit.objects.get(kind="county", name="مشهد")


@pytest.fixture
def group(county_officer, qaenat, qaenat_village):
    return services.group_create(by=county_officer, county=qaenat, name="گروه جهادی شهید", place=qaenat_village,
                                 fields_of_work=["health", "training", "health"], leader_name="علي",
                                 leader_mobile="09151234567", member_count=12)


@pytest.fixture
def institution(county_officer, qaenat, qaenat_village):
    return services.institution_create(by=county_officer, county=qaenat, name="بانک ملی شعبه مرکزی",
                                       place=qaenat_village, type="bank_branch", bank="melli")


# --- bases --------------------------------------------------------------------------------------------


def test_base_create_sets_path_and_audits(base, qaenat, county_officer):
    assert base.parent == qaenat
    assert base.path == f"{qaenat.path}{base.pk}/"
    assert base.kind == "base"
    entry = AuditEntry.objects.get(action="base.create", object_id=str(base.pk))
    assert entry.actor == county_officer
    assert entry.scope_path == base.path
    assert entry.after["name"] == "پایگاه امام رضا"


def test_base_create_normalises_name(county_officer, qaenat, qaenat_village):
    base = services.base_create(by=county_officer, county=qaenat, name="  پايگاه   كوثر ", place=qaenat_village)
    assert base.name == "پایگاه کوثر"


def test_base_with_place_outside_the_county_is_refused(county_officer, qaenat, birjand_village, row_counts):
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.base_create(by=county_officer, county=qaenat, name="پایگاه نو", place=birjand_village)
    assert exc.value.field == "place"
    assert row_counts() == before


def test_base_on_a_province_is_refused(province_officer, south_khorasan, row_counts):
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.base_create(by=province_officer, county=south_khorasan, name="پایگاه نو", place=None)
    assert exc.value.field == "county"
    assert row_counts() == before


@pytest.mark.parametrize("spelling", ["پایگاه امام رضا", "پايگاه امام رضا", "پایگاه امام‌رضا", " پایگاه  امام رضا "])
def test_duplicate_base_name_in_the_same_county_is_refused(base, county_officer, qaenat, spelling, row_counts):
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.base_create(by=county_officer, county=qaenat, name=spelling, place=None)
    assert exc.value.field == "name"
    assert row_counts() == before


def test_same_base_name_in_another_county_is_fine(base, province_officer, birjand):
    other = services.base_create(by=province_officer, county=birjand, name=base.name, place=None)
    assert other.parent == birjand


def test_base_create_in_another_county_is_denied(birjand_officer, qaenat, row_counts):
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.base_create(by=birjand_officer, county=qaenat, name="پایگاه نو", place=None)
    assert row_counts() == before


@pytest.mark.parametrize("who", ["auditor", "base_officer", "plain_user"])
def test_base_create_without_manage_on_the_county_is_denied(request, who, qaenat, row_counts):
    user = request.getfixturevalue(who)
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.base_create(by=user, county=qaenat, name="پایگاه نو", place=None)
    assert row_counts() == before


def test_base_update_audits_before_and_after(base, county_officer):
    services.base_update(by=county_officer, base=base, name="پایگاه امام رضا (ع)", place=base.place,
                         address="خيابان اصلی", phone="05632521234")
    base.refresh_from_db()
    assert base.address == "خیابان اصلی"
    entry = AuditEntry.objects.get(action="base.update", object_id=str(base.pk))
    assert entry.before["name"] == "پایگاه امام رضا"
    assert entry.after["name"] == "پایگاه امام رضا (ع)"
    assert entry.before["phone"] == "" and entry.after["phone"] == "05632521234"


def test_base_update_by_its_own_officer(base, base_officer):
    services.base_update(by=base_officer, base=base, name="پایگاه تازه", place=base.place)
    base.refresh_from_db()
    assert base.name == "پایگاه تازه"


def test_base_update_without_change_writes_no_audit(base, county_officer, row_counts):
    before = row_counts()
    services.base_update(by=county_officer, base=base, name=base.name, place=base.place)
    assert row_counts() == before


def test_base_update_to_a_taken_name_is_refused(base, county_officer, qaenat, row_counts):
    other = services.base_create(by=county_officer, county=qaenat, name="پایگاه کوثر", place=None)
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.base_update(by=county_officer, base=other, name="پايگاه امام رضا", place=None)
    assert exc.value.field == "name"
    other.refresh_from_db()
    assert other.name == "پایگاه کوثر"
    assert row_counts() == before


def test_base_update_place_outside_the_county_is_refused(base, county_officer, birjand_village, row_counts):
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.base_update(by=county_officer, base=base, name=base.name, place=birjand_village)
    assert exc.value.field == "place"
    base.refresh_from_db()
    assert base.place != birjand_village
    assert row_counts() == before


def test_base_update_from_another_county_is_denied(base, birjand_officer, row_counts):
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.base_update(by=birjand_officer, base=base, name="ربوده", place=None)
    base.refresh_from_db()
    assert base.name == "پایگاه امام رضا"
    assert row_counts() == before


# --- groups -------------------------------------------------------------------------------------------


def test_group_create_dedupes_fields_and_normalises(group, qaenat):
    assert isinstance(group, VolunteerGroup)
    assert group.fields_of_work == ["health", "training"]
    assert group.leader_name == "علی"
    assert group.path.startswith(qaenat.path)
    assert AuditEntry.objects.filter(action="group.create", object_id=str(group.pk)).exists()


def test_group_duplicate_name_is_refused_but_a_base_may_share_it(group, county_officer, qaenat, row_counts):
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.group_create(by=county_officer, county=qaenat, name="گروه جهادي شهيد", place=None,
                              fields_of_work=["health"])
    assert exc.value.field == "name"
    assert row_counts() == before
    # Names are unique per kind: a base may carry the same name.
    services.base_create(by=county_officer, county=qaenat, name=group.name, place=None)


def test_group_place_outside_the_county_is_refused(county_officer, qaenat, birjand_village, row_counts):
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.group_create(by=county_officer, county=qaenat, name="گروه نو", place=birjand_village,
                              fields_of_work=["relief"])
    assert exc.value.field == "place"
    assert row_counts() == before


def test_group_update_audits(group, county_officer):
    services.group_update(by=county_officer, group=group, name=group.name, place=group.place,
                          fields_of_work=["relief"], member_count=30)
    entry = AuditEntry.objects.get(action="group.update", object_id=str(group.pk))
    assert entry.before["fields_of_work"] == ["health", "training"]
    assert entry.after["fields_of_work"] == ["relief"]
    assert (entry.before["member_count"], entry.after["member_count"]) == (12, 30)


def test_group_update_from_another_county_is_denied(group, birjand_officer, row_counts):
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.group_update(by=birjand_officer, group=group, name="x", place=None, fields_of_work=[])
    assert row_counts() == before


# --- institutions -------------------------------------------------------------------------------------


def test_institution_create(institution):
    assert isinstance(institution, Institution)
    assert (institution.type, institution.bank) == ("bank_branch", "melli")
    assert AuditEntry.objects.filter(action="institution.create", object_id=str(institution.pk)).exists()


def test_bank_branch_without_bank_is_refused(county_officer, qaenat, row_counts):
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.institution_create(by=county_officer, county=qaenat, name="شعبه بی‌نام", place=None,
                                    type="bank_branch", bank="")
    assert exc.value.field == "bank"
    assert row_counts() == before


def test_agency_drops_a_bank(county_officer, qaenat):
    agency = services.institution_create(by=county_officer, county=qaenat, name="جهاد کشاورزی", place=None,
                                         type="agency", bank="melli")
    assert agency.bank == ""


def test_institution_update_to_bank_branch_without_bank_is_refused(county_officer, qaenat, row_counts):
    agency = services.institution_create(by=county_officer, county=qaenat, name="جهاد کشاورزی", place=None,
                                         type="agency")
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.institution_update(by=county_officer, institution=agency, name=agency.name, place=None,
                                    type="bank_branch", bank="")
    assert exc.value.field == "bank"
    agency.refresh_from_db()
    assert agency.type == "agency"
    assert row_counts() == before


def test_institution_update_audits(institution, county_officer):
    services.institution_update(by=county_officer, institution=institution, name=institution.name,
                                place=institution.place, type="bank_branch", bank="sepah", services="وام")
    entry = AuditEntry.objects.get(action="institution.update", object_id=str(institution.pk))
    assert (entry.before["bank"], entry.after["bank"]) == ("melli", "sepah")


def test_institution_duplicate_name_is_refused(institution, county_officer, qaenat, row_counts):
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.institution_create(by=county_officer, county=qaenat, name="بانك ملي شعبه مركزي", place=None,
                                    type="agency")
    assert exc.value.field == "name"
    assert row_counts() == before


# --- linkages -----------------------------------------------------------------------------------------


def test_linkage_create_and_twice_is_refused(base, group, county_officer, row_counts):
    linkage = services.linkage_create(by=county_officer, base=base, group=group)
    assert (linkage.base, linkage.group, linkage.created_by) == (base, group, county_officer)
    assert AuditEntry.objects.filter(action="linkage.create", object_id=str(linkage.pk)).exists()
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.linkage_create(by=county_officer, base=base, group=group)
    assert exc.value.field == "group"
    assert row_counts() == before


def test_linkage_with_a_group_of_the_same_province_is_fine(base, county_officer, province_officer, birjand):
    group = services.group_create(by=province_officer, county=birjand, name="گروه بیرجند", place=None,
                                  fields_of_work=["health"])
    assert services.linkage_create(by=county_officer, base=base, group=group).pk


def test_linkage_with_a_group_of_another_province_is_refused(base, county_officer, national_officer, mashhad,
                                                            row_counts):
    group = services.group_create(by=national_officer, county=mashhad, name="گروه مشهد",
                                  place=village_of(mashhad), fields_of_work=["health"])
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.linkage_create(by=county_officer, base=base, group=group)
    assert exc.value.field == "group"
    assert row_counts() == before


def test_linkage_from_another_county_is_denied(base, group, birjand_officer, row_counts):
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.linkage_create(by=birjand_officer, base=base, group=group)
    assert row_counts() == before


# --- referrals: desk requests of kind "referral" -----------------------------------------------------------
PAPER = {"said_by": "آقای رحیمی، رئیس شعبه", "channel": "phone"}  # the desk records what the branch said


@pytest.fixture
def referral(base, base_officer, institution):
    return services.referral_create(by=base_officer, from_unit=base, to_unit=institution, need="loan",
                                    subject="وام  كشاورزي")


def test_referral_create(referral, base, institution, base_officer):
    assert (referral.kind, referral.status) == ("referral", "submitted")
    assert referral.subject == "وام کشاورزی"
    assert (referral.unit_id, referral.institution_id, referral.to_unit_id) == (base.pk, institution.pk, None)
    assert referral.referral.need == "loan"
    assert referral.first_answer_due is not None and referral.decision_due is not None  # the desk's deadlines
    entries = AuditEntry.objects.filter(object_id=str(referral.pk), object_type="desk.request").order_by("pk")
    assert [e.action for e in entries] == ["request.create", "request.submit"]
    assert {e.scope_path for e in entries} == {base.path} and {e.actor_id for e in entries} == {base_officer.pk}


def test_referral_to_a_group_goes_to_the_unit(base, base_officer, group):
    request = services.referral_create(by=base_officer, from_unit=base, to_unit=group, need="health",
                                       subject="ویزیت")
    assert (request.institution_id, request.to_unit_id) == (None, group.pk)


def test_referral_to_itself_is_refused(base, base_officer, row_counts):
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.referral_create(by=base_officer, from_unit=base, to_unit=base, need="loan", subject="x")
    assert exc.value.field == "to_unit"
    assert row_counts() == before


def test_referral_of_an_unknown_need_is_refused(base, base_officer, institution, row_counts):
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.referral_create(by=base_officer, from_unit=base, to_unit=institution, need="bribe", subject="x")
    assert exc.value.field == "need"
    assert row_counts() == before


def test_referral_from_a_unit_outside_the_scope_is_denied(base, birjand_officer, birjand, row_counts):
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.referral_create(by=birjand_officer, from_unit=base, to_unit=birjand, need="loan", subject="x")
    assert row_counts() == before


def test_referral_accepted_then_done(referral, county_officer):
    # The branch has no officer in Mardom: the county's desk records what it said, and who said it.
    services.referral_set_status(by=county_officer, referral=referral, status="accepted", answer="بررسي", **PAPER)
    referral.refresh_from_db()
    assert referral.status == "in_review" and referral.first_answer_at is not None
    receive = referral.steps.get(action="receive")
    assert (receive.note, receive.said_by, receive.channel, receive.by) == ("بررسی", PAPER["said_by"], "phone",
                                                                            county_officer)
    services.referral_set_status(by=county_officer, referral=referral, status="done", answer="انجام شد", **PAPER)
    referral.refresh_from_db()
    assert (referral.status, referral.outcome, referral.answer_text) == ("answered", "granted", "انجام شد")
    entries = AuditEntry.objects.filter(object_id=str(referral.pk), object_type="desk.request").order_by("pk")
    assert [e.action for e in entries][2:] == ["request.receive", "request.review", "request.answer"]


def test_referral_declined(referral, county_officer):
    services.referral_set_status(by=county_officer, referral=referral, status="declined", answer="خارج از فصل",
                                 **PAPER)
    referral.refresh_from_db()
    assert (referral.status, referral.outcome, referral.refusal_text) == ("answered", "refused", "خارج از فصل")


def test_the_desk_says_who_gave_the_answer(referral, county_officer, row_counts):
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.referral_set_status(by=county_officer, referral=referral, status="accepted")
    assert exc.value.field == "channel"
    assert row_counts() == before and type(referral).objects.get(pk=referral.pk).status == "submitted"


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (["accepted"], "accepted"),
        (["done"], "accepted"),
        (["done"], "declined"),
        (["declined"], "done"),
        (["accepted", "done"], "done"),
        ([], "open"),
    ],
)
def test_referral_answers_outside_the_table_are_refused(referral, county_officer, path, refused, row_counts):
    for status in path:
        services.referral_set_status(by=county_officer, referral=referral, status=status, **PAPER)
    referral.refresh_from_db()
    current = referral.status
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.referral_set_status(by=county_officer, referral=referral, status=refused, **PAPER)
    assert exc.value.field == "status"
    referral.refresh_from_db()
    assert referral.status == current
    assert row_counts() == before


def test_the_quick_answers_follow_the_requests_transition_table():
    from mardom.desk.models import Request
    from mardom.desk.services.referrals import answers_open_to
    from mardom.desk.services.requests import TRANSITIONS

    S = Request.Status
    for status in S.values:
        answers = answers_open_to(Request(kind="referral", status=status))
        assert ("declined" in answers) == ("done" in answers) == (S.ANSWERED in TRANSITIONS[status])
        assert ("accepted" in answers) == (status in (S.SUBMITTED, S.RECEIVED))
    assert answers_open_to(Request(kind="bank_loan", status=S.SUBMITTED)) == []


@pytest.mark.parametrize("who", ["base_officer", "birjand_officer", "auditor", "plain_user"])
def test_only_the_receiving_side_may_answer(request, referral, who, row_counts):
    # The base officer sent it (desk.request on the base only); the institution sits on the county.
    user = request.getfixturevalue(who)
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.referral_set_status(by=user, referral=referral, status="accepted", **PAPER)
    referral.refresh_from_db()
    assert referral.status == "submitted"
    assert row_counts() == before


def test_institution_officer_of_the_receiving_unit_may_answer(referral, institution, make_person, make_user,
                                                              county_officer, row_counts):
    officer = make_user(make_person(institution.parent), roles=[("institution_officer", institution)])
    # With its own officer in Mardom, the desk no longer answers for the branch.
    before = row_counts()
    with pytest.raises(DomainError):
        services.referral_set_status(by=county_officer, referral=referral, status="accepted", **PAPER)
    assert row_counts() == before
    services.referral_set_status(by=officer, referral=referral, status="accepted")
    referral.refresh_from_db()
    assert referral.status == "in_review"
    assert referral.steps.get(action="receive").channel == "mardom"


def test_the_groups_leader_answers_a_referral_to_his_group(base, base_officer, group, make_person, make_user):
    leader = make_user(make_person(group.parent), roles=[("group_leader", group)])
    request = services.referral_create(by=base_officer, from_unit=base, to_unit=group, need="health",
                                       subject="ویزیت")
    services.referral_set_status(by=leader, referral=request, status="done", answer="ویزیت شد")
    request.refresh_from_db()
    assert (request.status, request.outcome) == ("answered", "granted")


def test_models_have_the_expected_kinds(base, group, institution):
    assert {Base.objects.get().kind, group.kind, institution.kind} == {"base", "group", "institution"}
    assert Linkage.objects.count() == 0


def test_referral_to_another_province_is_refused_and_nothing_changes(county_officer, national_officer, base,
                                                                    row_counts):
    from mardom.core.errors import DomainError
    from mardom.geo.models import Place
    from mardom.orgs import services
    from mardom.orgs.models import OrgUnit

    tehran = OrgUnit.objects.get(kind="county", name="تهران")
    tehran_city = Place.objects.get(kind="city", name="تهران")
    branch = services.institution_create(by=national_officer, county=tehran, name="بانک ملی شعبه مرکزی تهران",
                                         place=tehran_city, type="bank_branch", bank="melli")
    before = row_counts()
    with pytest.raises(DomainError) as error:
        services.referral_create(by=county_officer, from_unit=base, to_unit=branch, need="loan", subject="وام")
    assert error.value.field == "to_unit"
    assert row_counts() == before


def test_empty_post_to_the_base_form_shows_required_errors(client, county_officer, row_counts):
    client.force_login(county_officer)
    before = row_counts()
    response = client.post("/orgs/bases/new/", {})
    assert response.status_code == 200
    assert 'class="field invalid" data-field="name"' in response.content.decode()
    assert row_counts() == before
