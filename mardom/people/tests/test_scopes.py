"""The one scope helper every selector uses: which units a user reaches, and at what cost."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mardom.orgs import services as org_services
from mardom.orgs.models import Base, OrgUnit
from mardom.people import services
from mardom.people.models import User
from mardom.people.roles import Perm
from mardom.people.scopes import Grant, grants_of, has_perm_on, scope_filter, scope_paths

pytestmark = pytest.mark.django_db


@pytest.fixture
def birjand_base(birjand_officer, birjand):
    return org_services.base_create(by=birjand_officer, county=birjand, name="پایگاه بیرجند", place=None)


def _fresh(user):
    return User.objects.get(pk=user.pk)


def test_scope_paths_drops_nested_paths(make_person, make_user, qaenat, base, south_khorasan):
    user = make_user(make_person(qaenat), roles=[
        ("county_officer", qaenat), ("base_officer", base), ("auditor", south_khorasan),
    ])
    assert scope_paths(user, Perm.PEOPLE_MANAGE) == [qaenat.path]
    assert scope_paths(user, Perm.PEOPLE_VIEW) == [south_khorasan.path]
    assert scope_paths(user, Perm.ROLES_GRANT) == [qaenat.path]


def test_scope_paths_keeps_siblings(make_person, make_user, qaenat, birjand):
    user = make_user(make_person(qaenat), roles=[("county_officer", qaenat), ("county_officer", birjand)])
    assert sorted(scope_paths(user, Perm.ORGS_VIEW)) == sorted([qaenat.path, birjand.path])


def test_scope_paths_is_not_fooled_by_a_numeric_prefix():
    # "/1/2/" must not swallow "/1/20/": paths end with a slash.
    user = SimpleNamespace(is_authenticated=True, _mardom_grants=[
        Grant(1, "county_officer", 2, "county", "a", "/1/2/"),
        Grant(2, "county_officer", 20, "county", "b", "/1/20/"),
        Grant(3, "base_officer", 21, "base", "c", "/1/2/21/"),
    ])
    assert scope_paths(user, Perm.ORGS_VIEW) == ["/1/2/", "/1/20/"]


def test_scope_paths_ignores_roles_without_the_permission(make_person, make_user, qaenat):
    user = make_user(make_person(qaenat), roles=[("auditor", qaenat)])
    assert scope_paths(user, Perm.PEOPLE_VIEW) == [qaenat.path]
    assert scope_paths(user, Perm.PEOPLE_MANAGE) == []
    assert scope_paths(user, Perm.ORGS_MANAGE) == []


def test_scope_filter_returns_only_objects_under_the_users_units(
    base, birjand_base, county_officer, birjand_officer, province_officer, national_officer, plain_user,
):
    bases = Base.objects.all()
    assert list(scope_filter(bases, county_officer, Perm.ORGS_VIEW)) == [base]
    assert list(scope_filter(bases, birjand_officer, Perm.ORGS_VIEW)) == [birjand_base]
    assert set(scope_filter(bases, province_officer, Perm.ORGS_VIEW)) == {base, birjand_base}
    assert set(scope_filter(bases, national_officer, Perm.ORGS_VIEW)) == {base, birjand_base}
    assert list(scope_filter(bases, plain_user, Perm.ORGS_VIEW)) == []


def test_base_officer_reaches_the_base_but_not_the_county(base, base_officer, qaenat):
    assert has_perm_on(base_officer, Perm.ORGS_MANAGE, base)
    assert not has_perm_on(base_officer, Perm.ORGS_MANAGE, qaenat)
    units = scope_filter(OrgUnit.objects.all(), base_officer, Perm.ORGS_VIEW)
    assert list(units) == [OrgUnit.objects.get(pk=base.pk)]


def test_anonymous_reaches_nothing(base):
    from django.contrib.auth.models import AnonymousUser

    anon = AnonymousUser()
    assert grants_of(anon) == []
    assert list(scope_filter(Base.objects.all(), anon, Perm.ORGS_VIEW)) == []
    assert not has_perm_on(anon, Perm.ORGS_VIEW, base)


def test_superuser_sees_all(base, birjand_base, make_user, qaenat):
    root = make_user(None, is_superuser=True, is_staff=True)
    assert set(scope_filter(Base.objects.all(), root, Perm.ORGS_VIEW)) == {base, birjand_base}
    assert has_perm_on(root, Perm.ORGS_MANAGE, qaenat)


def test_inactive_superuser_sees_nothing(base, make_user):
    root = make_user(None, is_superuser=True, is_active=False)
    assert list(scope_filter(Base.objects.all(), root, Perm.ORGS_VIEW)) == []
    assert not has_perm_on(root, Perm.ORGS_VIEW, base)


def test_revoked_role_sees_nothing(base, county_officer, national_officer):
    assignment = county_officer.role_assignments.get()
    services.role_revoke(by=national_officer, assignment=assignment)
    user = _fresh(county_officer)
    assert grants_of(user) == []
    assert list(scope_filter(Base.objects.all(), user, Perm.ORGS_VIEW)) == []
    assert not has_perm_on(user, Perm.ORGS_VIEW, base)


def test_role_on_an_inactive_unit_sees_nothing(base, base_officer):
    OrgUnit.objects.filter(pk=base.pk).update(is_active=False)
    user = _fresh(base_officer)
    assert grants_of(user) == []
    assert not has_perm_on(user, Perm.ORGS_VIEW, base)


def test_inactive_user_has_no_permission(base, county_officer):
    User.objects.filter(pk=county_officer.pk).update(is_active=False)
    assert not has_perm_on(_fresh(county_officer), Perm.ORGS_VIEW, base)


def test_grants_are_read_once_and_cached(county_officer, base, django_assert_num_queries):
    user = _fresh(county_officer)
    with django_assert_num_queries(1):
        for _ in range(5):
            grants_of(user)
            scope_paths(user, Perm.PEOPLE_VIEW)
            has_perm_on(user, Perm.ORGS_MANAGE, base)


def _role_queries(queries):
    return [q["sql"] for q in queries if 'FROM "people_roleassignment"' in q["sql"]]


@pytest.mark.parametrize("url", ["home", "people:list", "orgs:base-list", "audit"])
def test_grants_are_read_once_per_request(client, county_officer, base, url):
    client.force_login(county_officer)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(url))
    assert response.status_code == 200
    assert len(_role_queries(ctx.captured_queries)) == 1, _role_queries(ctx.captured_queries)


def test_grants_are_read_once_on_a_detail_page(client, county_officer, base):
    client.force_login(county_officer)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("orgs:detail", args=["bases", base.pk]))
    assert response.status_code == 200
    assert len(_role_queries(ctx.captured_queries)) == 1
