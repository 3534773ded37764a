"""Shared fixtures: the org units every test talks about, people and users with roles.

Fixtures may write models directly (that is arranging, not behaviour); tests of behaviour go through services.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

import pytest

PASSWORD = "a-Long-pass-123"

_serial = itertools.count(1)


def national_id_for(n: int) -> str:
    """A valid 10-digit national ID whose first nine digits are 100000000 + n."""
    head = f"{100_000_000 + n:09d}"
    s = sum(int(head[i]) * (10 - i) for i in range(9))
    r = s % 11
    return head + str(r if r < 2 else 11 - r)


def next_national_id() -> str:
    return national_id_for(next(_serial))


def next_mobile() -> str:
    return f"0912{next(_serial) % 10_000_000:07d}"


def village_of(county_unit: Any) -> Any:
    from mardom.geo.models import Place

    return Place.objects.filter(kind="village", county_id=county_unit.place_id).order_by("pk").first()


@pytest.fixture(autouse=True)
def _axes_reset(request: pytest.FixtureRequest) -> None:
    """django-axes keeps failed attempts in the database: start every database test unlocked."""
    if "db" in request.fixturenames:
        request.getfixturevalue("db")
        from axes.utils import reset

        reset()


@pytest.fixture
def nation(db: None) -> Any:
    from mardom.orgs.models import OrgUnit

    return OrgUnit.objects.get(pk=1)


@pytest.fixture
def south_khorasan(db: None) -> Any:
    from mardom.orgs.models import OrgUnit

    return OrgUnit.objects.get(kind="province", name="خراسان جنوبی")


@pytest.fixture
def qaenat(db: None) -> Any:
    from mardom.orgs.models import OrgUnit

    return OrgUnit.objects.get(kind="county", name="قاینات")


@pytest.fixture
def birjand(db: None) -> Any:
    from mardom.orgs.models import OrgUnit

    return OrgUnit.objects.get(kind="county", name="بیرجند")


@pytest.fixture
def qaenat_village(qaenat: Any) -> Any:
    return village_of(qaenat)


@pytest.fixture
def birjand_village(birjand: Any) -> Any:
    return village_of(birjand)


@pytest.fixture
def make_person(db: None) -> Callable[..., Any]:
    """make_person(unit, national_id=None, **fields): a Person filed under `unit`, living in its county."""
    from mardom.core.text import search_key
    from mardom.geo.models import Place
    from mardom.people.models import Person

    def make(unit: Any, national_id: str | None = None, **kw: Any) -> Any:
        if "home_place" not in kw:
            county = unit if unit.kind == "county" else unit.ancestor_of_kind("county")
            kw["home_place"] = village_of(county) if county else Place.objects.filter(kind="village").first()
        kw.setdefault("first_name", "مریم")
        kw.setdefault("last_name", f"احمدی {next(_serial)}")
        kw.setdefault("mobile", next_mobile())
        kw.setdefault("gender", "female")
        kw["search_key"] = search_key(f"{kw['first_name']} {kw['last_name']}")
        return Person.objects.create(national_id=national_id or next_national_id(), unit=unit, **kw)

    return make


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    """make_user(person or None, roles=[(role, unit)]): a login with password PASSWORD and active roles."""
    from mardom.people.models import RoleAssignment, User

    def make(person: Any = None, roles: Iterable[tuple[str, Any]] = (), **kw: Any) -> Any:
        username = person.national_id if person is not None else f"sys{next(_serial)}"
        user = User.objects.create_user(username, PASSWORD, person=person, **kw)
        for role, unit in roles:
            RoleAssignment.objects.create(user=user, role=role, unit=unit)
        return user

    return make


@pytest.fixture
def national_officer(make_person: Any, make_user: Any, nation: Any, qaenat: Any) -> Any:
    return make_user(make_person(qaenat), roles=[("national_officer", nation)])


@pytest.fixture
def province_officer(make_person: Any, make_user: Any, south_khorasan: Any, birjand: Any) -> Any:
    return make_user(make_person(birjand), roles=[("province_officer", south_khorasan)])


@pytest.fixture
def county_officer(make_person: Any, make_user: Any, qaenat: Any) -> Any:
    return make_user(make_person(qaenat), roles=[("county_officer", qaenat)])


@pytest.fixture
def birjand_officer(make_person: Any, make_user: Any, birjand: Any) -> Any:
    return make_user(make_person(birjand), roles=[("county_officer", birjand)])


@pytest.fixture
def auditor(make_person: Any, make_user: Any, qaenat: Any) -> Any:
    return make_user(make_person(qaenat), roles=[("auditor", qaenat)])


@pytest.fixture
def base(county_officer: Any, qaenat: Any, qaenat_village: Any) -> Any:
    from mardom.orgs import services

    return services.base_create(by=county_officer, county=qaenat, name="پایگاه امام رضا", place=qaenat_village)


@pytest.fixture
def base_officer(make_person: Any, make_user: Any, base: Any) -> Any:
    return make_user(make_person(base), roles=[("base_officer", base)])


@pytest.fixture
def plain_user(make_person: Any, make_user: Any, qaenat: Any) -> Any:
    return make_user(make_person(qaenat))


@pytest.fixture
def row_counts(db: None) -> Callable[[], dict[str, int]]:
    """row_counts(): how many rows each table a service may write holds (compare before and after a refusal)."""
    from mardom.core.models import AuditEntry
    from mardom.orgs.models import Linkage, OrgUnit, Referral
    from mardom.people.models import Person, RoleAssignment, User

    def counts() -> dict[str, int]:
        return {
            "person": Person.objects.count(),
            "user": User.objects.count(),
            "role": RoleAssignment.objects.count(),
            "active_role": RoleAssignment.objects.filter(revoked_at__isnull=True).count(),
            "unit": OrgUnit.objects.count(),
            "linkage": Linkage.objects.count(),
            "referral": Referral.objects.count(),
            "audit": AuditEntry.objects.count(),
        }

    return counts


@pytest.fixture
def qaenat_world(county_officer: Any, qaenat: Any, qaenat_village: Any, base: Any, make_person: Any,
                 make_user: Any) -> SimpleNamespace:
    """One of everything in Qaenat, made through the services: a person with a login and a role, a group
    linked to the base, another group not linked yet, a bank branch, and an open referral base -> branch."""
    from mardom.orgs import services as orgs
    from mardom.people import services as people

    by = county_officer
    person = people.person_create(by=by, desk=qaenat, national_id=next_national_id(), first_name="فاطمه",
                                  last_name="قائنی", mobile="09159876543", gender="female",
                                  home_place=qaenat_village)
    user = people.account_set_password(by=by, person=person, password=PASSWORD)
    assignment = people.role_grant(by=by, user=user, role="auditor", unit=qaenat)
    group = orgs.group_create(by=by, county=qaenat, name="گروه جهادی نور", place=qaenat_village,
                              fields_of_work=["health"])
    free_group = orgs.group_create(by=by, county=qaenat, name="گروه جهادی امید", place=None,
                                   fields_of_work=["relief"])
    institution = orgs.institution_create(by=by, county=qaenat, name="بانک کشاورزی قاین", place=qaenat_village,
                                          type="bank_branch", bank="keshavarzi")
    linkage = orgs.linkage_create(by=by, base=base, group=group)
    referral = orgs.referral_create(by=by, from_unit=base, to_unit=institution, need="loan", subject="وام دام")
    return SimpleNamespace(person=person, user=user, assignment=assignment, base=base, group=group,
                           free_group=free_group, institution=institution, linkage=linkage, referral=referral,
                           county=qaenat, village=qaenat_village, officer=by)


def world_state(w: SimpleNamespace) -> tuple[Any, ...]:
    """Everything a request could change in `qaenat_world`: row counts and the editable values."""
    from mardom.core.models import AuditEntry
    from mardom.orgs.models import Linkage, OrgUnit, Referral
    from mardom.people.models import Person, RoleAssignment, User

    person = Person.objects.get(pk=w.person.pk)
    units = {u.pk: (u.name, u.place_id) for u in OrgUnit.objects.filter(pk__in=[w.base.pk, w.group.pk,
                                                                                 w.institution.pk])}
    return (
        Person.objects.count(), User.objects.count(), RoleAssignment.objects.filter(revoked_at__isnull=True).count(),
        OrgUnit.objects.count(), Linkage.objects.count(), Referral.objects.count(), AuditEntry.objects.count(),
        (person.first_name, person.last_name, person.mobile, person.home_place_id, person.birth_date),
        User.objects.get(pk=w.user.pk).password, units,
        Referral.objects.get(pk=w.referral.pk).status,
        RoleAssignment.objects.get(pk=w.assignment.pk).revoked_at,
    )
