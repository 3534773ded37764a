"""Writes for people: registering, editing, logins and roles, through the services only."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from mardom.conftest import PASSWORD, next_national_id
from mardom.core.digits import to_persian_digits
from mardom.core.errors import DomainError
from mardom.core.models import AuditEntry
from mardom.people import services
from mardom.people.models import RoleAssignment, User
from mardom.people.roles import Perm
from mardom.people.scopes import scope_paths

pytestmark = pytest.mark.django_db


def _create(by, desk, home_place, **kw):
    data = {
        "national_id": next_national_id(), "first_name": "زهرا", "last_name": "رضایی", "mobile": "09151234567",
        "gender": "female", "home_place": home_place, "birth_date": datetime.date(1990, 5, 1),
    }
    data.update(kw)
    return services.person_create(by=by, desk=desk, **data)


def _login(username, password=PASSWORD):
    return authenticate(RequestFactory().post("/login/"), username=username, password=password)


# --- person_create ------------------------------------------------------------------------------------


def test_person_create_normalises_arabic_letters_and_audits(county_officer, qaenat, qaenat_village):
    person = _create(county_officer, qaenat, qaenat_village, first_name="علي", last_name="كريمي  ")
    assert (person.first_name, person.last_name) == ("علی", "کریمی")
    assert person.unit == qaenat
    entry = AuditEntry.objects.get(action="person.create", object_id=str(person.pk))
    assert entry.actor == county_officer
    assert entry.scope_path == qaenat.path
    assert entry.after["first_name"] == "علی"
    assert entry.before is None


def test_person_create_search_key_matches_any_spelling(county_officer, qaenat, qaenat_village):
    from mardom.people.selectors import person_list

    person = _create(county_officer, qaenat, qaenat_village, first_name="علي", last_name="كريمي")
    assert list(person_list(user=county_officer, query="کریمی")) == [person]
    assert list(person_list(user=county_officer, query="كريمي")) == [person]


@pytest.mark.parametrize("officer", ["province_officer", "national_officer"])
def test_person_create_from_a_desk_above_files_under_the_home_county(request, officer, qaenat, qaenat_village):
    user = request.getfixturevalue(officer)
    desk = user.role_assignments.get().unit
    person = _create(user, desk, qaenat_village)
    assert person.unit == qaenat


def test_person_create_by_base_officer_files_under_the_base(base_officer, base, qaenat_village):
    person = _create(base_officer, base, qaenat_village)
    assert person.unit_id == base.pk


def test_person_create_outside_the_desk_county_files_under_the_desk(birjand_officer, birjand, qaenat_village):
    # A Birjand officer registering a Qaenat resident keeps the file on their own desk (they must see it).
    person = _create(birjand_officer, birjand, qaenat_village)
    assert person.unit == birjand


def test_person_create_duplicate_national_id_is_refused(county_officer, qaenat, qaenat_village, row_counts):
    first = _create(county_officer, qaenat, qaenat_village)
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        _create(county_officer, qaenat, qaenat_village, national_id=first.national_id, first_name="دیگر")
    assert exc.value.field == "national_id"
    assert row_counts() == before


def test_person_create_on_another_county_desk_is_denied(birjand_officer, qaenat, qaenat_village, row_counts):
    before = row_counts()
    with pytest.raises(PermissionDenied):
        _create(birjand_officer, qaenat, qaenat_village)
    assert row_counts() == before


@pytest.mark.parametrize("who", ["auditor", "plain_user"])
def test_person_create_without_manage_permission_is_denied(request, who, qaenat, qaenat_village, row_counts):
    user = request.getfixturevalue(who)
    before = row_counts()
    with pytest.raises(PermissionDenied):
        _create(user, qaenat, qaenat_village)
    assert row_counts() == before


# --- person_update ------------------------------------------------------------------------------------


def test_person_update_audits_before_and_after(county_officer, qaenat, qaenat_village, make_person):
    person = make_person(qaenat, first_name="حسن", last_name="نوری")
    services.person_update(by=county_officer, person=person, first_name="حسين", last_name="نوری",
                           mobile=person.mobile, gender=person.gender, home_place=person.home_place,
                           birth_date=None)
    person.refresh_from_db()
    assert person.first_name == "حسین"
    entry = AuditEntry.objects.get(action="person.update", object_id=str(person.pk))
    assert entry.before["first_name"] == "حسن"
    assert entry.after["first_name"] == "حسین"
    assert entry.before["national_id"] == entry.after["national_id"] == person.national_id
    assert entry.scope_path == qaenat.path


def test_person_update_without_change_writes_no_audit(county_officer, qaenat, make_person, row_counts):
    person = make_person(qaenat)
    before = row_counts()
    services.person_update(by=county_officer, person=person, first_name=person.first_name,
                           last_name=person.last_name, mobile=person.mobile, gender=person.gender,
                           home_place=person.home_place, birth_date=person.birth_date)
    assert row_counts() == before


def test_person_update_from_another_county_is_denied(birjand_officer, qaenat, make_person, row_counts):
    person = make_person(qaenat, first_name="حسن")
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.person_update(by=birjand_officer, person=person, first_name="دزد", last_name="x",
                               mobile=person.mobile, gender=person.gender, home_place=person.home_place)
    person.refresh_from_db()
    assert person.first_name == "حسن"
    assert row_counts() == before


# --- account_set_password and signing in ------------------------------------------------------------


def test_weak_password_is_refused_and_nothing_written(county_officer, qaenat, make_person, row_counts):
    person = make_person(qaenat)
    before = row_counts()
    for weak in ("12345678", "short1", "password"):
        with pytest.raises(DomainError) as exc:
            services.account_set_password(by=county_officer, person=person, password=weak)
        assert exc.value.field == "password"
    assert row_counts() == before
    assert not User.objects.filter(person=person).exists()


def test_set_password_creates_login_that_works_with_every_form_of_the_name(county_officer, qaenat, make_person):
    person = make_person(qaenat, mobile="09151112233")
    user = services.account_set_password(by=county_officer, person=person, password=PASSWORD)
    assert user.username == person.national_id
    assert AuditEntry.objects.filter(action="account.create", object_id=str(user.pk)).count() == 1
    assert _login(person.national_id) == user
    assert _login(to_persian_digits(person.national_id)) == user
    assert _login("09151112233") == user
    assert _login("۰۹۱۵۱۱۱۲۲۳۳") == user
    assert _login("+989151112233") == user
    assert _login(person.national_id, "wrong-Pass-999") is None


def test_reset_password_audits_and_replaces_the_old_one(county_officer, qaenat, make_person):
    person = make_person(qaenat)
    user = services.account_set_password(by=county_officer, person=person, password=PASSWORD)
    same = services.account_set_password(by=county_officer, person=person, password="another-Pass-456")
    assert same.pk == user.pk
    assert AuditEntry.objects.filter(action="account.password", object_id=str(user.pk)).count() == 1
    assert _login(person.national_id) is None
    assert _login(person.national_id, "another-Pass-456") == user


def test_a_shared_mobile_does_not_sign_in(county_officer, qaenat, make_person):
    a = make_person(qaenat, mobile="09150000001")
    b = make_person(qaenat, mobile="09150000001")
    user_a = services.account_set_password(by=county_officer, person=a, password=PASSWORD)
    services.account_set_password(by=county_officer, person=b, password=PASSWORD)
    assert _login("09150000001") is None
    assert _login(a.national_id) == user_a


def test_set_password_from_another_county_is_denied(birjand_officer, qaenat, make_person, row_counts):
    person = make_person(qaenat)
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.account_set_password(by=birjand_officer, person=person, password=PASSWORD)
    assert row_counts() == before


# --- roles --------------------------------------------------------------------------------------------


def test_role_of_the_wrong_unit_kind_is_refused(county_officer, base, plain_user, row_counts):
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.role_grant(by=county_officer, user=plain_user, role="county_officer", unit=base)
    assert exc.value.field == "unit"
    assert row_counts() == before


def test_unknown_role_is_refused(county_officer, qaenat, plain_user, row_counts):
    before = row_counts()
    with pytest.raises(DomainError):
        services.role_grant(by=county_officer, user=plain_user, role="king", unit=qaenat)
    assert row_counts() == before


def test_duplicate_role_is_refused(county_officer, qaenat, plain_user, row_counts):
    services.role_grant(by=county_officer, user=plain_user, role="auditor", unit=qaenat)
    before = row_counts()
    with pytest.raises(DomainError) as exc:
        services.role_grant(by=county_officer, user=plain_user, role="auditor", unit=qaenat)
    assert exc.value.field == "role"
    assert row_counts() == before


def test_granting_on_another_county_is_denied(birjand_officer, qaenat, plain_user, row_counts):
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.role_grant(by=birjand_officer, user=plain_user, role="auditor", unit=qaenat)
    assert row_counts() == before


def test_grant_then_revoke_audits_and_scope_follows(county_officer, base, plain_user, qaenat):
    assert scope_paths(User.objects.get(pk=plain_user.pk), Perm.PEOPLE_MANAGE) == []
    assignment = services.role_grant(by=county_officer, user=plain_user, role="base_officer", unit=base)
    assert assignment.granted_by == county_officer
    # role_grant forgets the cached grants of the very user object it was given
    assert scope_paths(plain_user, Perm.PEOPLE_MANAGE) == [base.path]
    assert AuditEntry.objects.filter(action="role.grant", object_id=str(assignment.pk),
                                     scope_path=base.path).count() == 1

    services.role_revoke(by=county_officer, assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None
    assert assignment.revoked_by == county_officer
    fresh = User.objects.get(pk=plain_user.pk)  # the next request reads the grants anew
    assert scope_paths(fresh, Perm.PEOPLE_MANAGE) == []
    assert AuditEntry.objects.filter(action="role.revoke", object_id=str(assignment.pk)).count() == 1
    # The row stays: who could do what, when, remains answerable.
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_revoking_twice_is_refused(county_officer, qaenat, plain_user, row_counts):
    assignment = services.role_grant(by=county_officer, user=plain_user, role="auditor", unit=qaenat)
    services.role_revoke(by=county_officer, assignment=assignment)
    before = row_counts()
    with pytest.raises(DomainError):
        services.role_revoke(by=county_officer, assignment=assignment)
    assert row_counts() == before


def test_revoking_from_another_county_is_denied(county_officer, birjand_officer, qaenat, plain_user, row_counts):
    assignment = services.role_grant(by=county_officer, user=plain_user, role="auditor", unit=qaenat)
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.role_revoke(by=birjand_officer, assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.revoked_at is None
    assert row_counts() == before


def test_a_role_can_be_granted_again_after_revoke(county_officer, qaenat, plain_user):
    first = services.role_grant(by=county_officer, user=plain_user, role="auditor", unit=qaenat)
    services.role_revoke(by=county_officer, assignment=first)
    again = services.role_grant(by=county_officer, user=plain_user, role="auditor", unit=qaenat)
    assert again.pk != first.pk
    assert RoleAssignment.objects.filter(user=plain_user, role="auditor").count() == 2



# --- taking over a login ---------------------------------------------------------------------------------


def test_an_officer_cannot_reset_the_password_of_a_higher_officer(county_officer, qaenat, south_khorasan,
                                                                  make_person, make_user, row_counts):
    # The province officer lives in Qaenat, so their file is in the county officer's reach - their login is not.
    boss = make_user(make_person(qaenat), roles=[("province_officer", south_khorasan)])
    before, old_hash = row_counts(), boss.password
    with pytest.raises(PermissionDenied):
        services.account_set_password(by=county_officer, person=boss.person, password="taken-Over-999")
    assert User.objects.get(pk=boss.pk).password == old_hash
    assert row_counts() == before
    assert _login(boss.username, "taken-Over-999") is None


def test_an_officer_cannot_reset_the_password_of_a_superuser(county_officer, qaenat, make_person, make_user):
    root = make_user(make_person(qaenat), is_superuser=True, is_staff=True)
    with pytest.raises(PermissionDenied):
        services.account_set_password(by=county_officer, person=root.person, password="taken-Over-999")
    assert _login(root.username) == root


def test_an_officer_cannot_reset_the_password_of_another_counties_officer(county_officer, birjand, qaenat,
                                                                          make_person, make_user):
    other = make_user(make_person(qaenat), roles=[("county_officer", birjand)])
    with pytest.raises(PermissionDenied):
        services.account_set_password(by=county_officer, person=other.person, password="taken-Over-999")


def test_an_officer_may_reset_logins_within_reach(county_officer, province_officer, base_officer, qaenat):
    # county officer -> base officer below; province officer -> county officer below (filed in Qaenat)
    services.account_set_password(by=county_officer, person=base_officer.person, password="reset-Pass-111")
    assert _login(base_officer.username, "reset-Pass-111") == base_officer
    services.account_set_password(by=province_officer, person=county_officer.person, password="reset-Pass-222")
    assert _login(county_officer.username, "reset-Pass-222") == county_officer


def test_revoked_roles_do_not_block_a_reset(county_officer, qaenat, south_khorasan, make_person, make_user,
                                            national_officer):
    former = make_user(make_person(qaenat), roles=[("province_officer", south_khorasan)])
    services.role_revoke(by=national_officer, assignment=former.role_assignments.get())
    services.account_set_password(by=county_officer, person=former.person, password="reset-Pass-333")
    assert _login(former.username, "reset-Pass-333") == former
