"""Shared fixtures: the org units every test talks about, people and users with roles.

Fixtures may write models directly (that is arranging, not behaviour); tests of behaviour go through services.
"""

from __future__ import annotations

import itertools
import os
import time
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


# --- Reference data ---------------------------------------------------------------------------------------
# The test database is created by the migrations, which also load the reference data every test relies on:
# ~104k geo.Place rows (geo 0002), the nation/province/county OrgUnits (orgs 0003) and the holidays of the
# working calendar (desk 0002). Tests that commit for real (`transactional_db`, `django_db(transaction=True)`)
# end with a flush of every table, reference data included. pytest-django runs those tests after all the
# others, but anything that follows them (another transactional test, a `--reuse-db` session) would find the
# tables empty, so they are reloaded on demand.
reference_reloads: list[float] = []  # seconds per reload, for measuring


def reload_reference_data(using: str = "default") -> bool:
    """Load the reference data the migrations load, if a flush has removed it; returns whether it did.

    Costs five `exists()` queries when nothing is missing. Commits for real: call it outside a test's
    transaction (the fixtures below make sure of that), or it would be rolled back with the test.
    """
    from django.db import transaction

    from mardom.desk.models import Holiday
    from mardom.desk.reference import seed_holidays
    from mardom.geo.loading import load_places
    from mardom.geo.models import Place
    from mardom.orgs.models import OrgUnit
    from mardom.orgs.reference import NATION_ID, create_top_units
    from mardom.production.models import ChainStage, ChainTemplate, Product
    from mardom.production.reference import load_default_chain, load_products

    has_places = Place.objects.using(using).exists()
    has_production = Product.objects.using(using).exists() and ChainStage.objects.using(using).exists()
    has_holidays = Holiday.objects.using(using).exists()
    if has_places and has_production and has_holidays and OrgUnit.objects.using(using).filter(
            pk=NATION_ID).exists():
        return False
    started = time.perf_counter()
    with transaction.atomic(using=using):
        if not has_places:
            load_places(Place, using=using)  # resets Place's id sequence, as migration geo 0002 does
        if not OrgUnit.objects.using(using).filter(pk=NATION_ID).exists():
            create_top_units(OrgUnit, Place, using=using)  # resets OrgUnit's, as migration orgs 0003 does
        if not Product.objects.using(using).exists():
            load_products(Product, using=using)
        load_default_chain(ChainTemplate, ChainStage, using=using)
        if not has_holidays:
            seed_holidays(Holiday, using=using)  # as migration desk 0002 does
    reference_reloads.append(time.perf_counter() - started)
    return True


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if reference_reloads:
        terminalreporter.write_line(f"reference data reloaded {len(reference_reloads)} time(s) after a flush, "
                                    f"{sum(reference_reloads):.1f} s in all")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The demo's fingerprint test first: on PostgreSQL under pytest-xdist it once saw other people than recorded
    when it ran after some other test on the same worker (CI, 2026-12-02; which test leaves what behind is not
    found yet, and serial runs never showed it). xdist hands out the collected tests in order, one at a time to
    each worker, so the first one runs before anything else on its worker's fresh database."""
    first = [item for item in items if item.nodeid.startswith("mardom/demo/tests/test_demo.py::")]
    if first:
        rest = [item for item in items if item not in first]
        items[:] = first + rest


def _uses_db(request: pytest.FixtureRequest) -> bool:
    return "_django_db_helper" in request.fixturenames or request.node.get_closest_marker("django_db") is not None


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    """Before every database test: reload the reference data if a transactional test flushed it.

    It must run before the test's transaction opens, or the reload would be rolled back with the test and
    repeated by every later test. Being autouse it runs before `db` and every fixture that queries places,
    but pytest-django's own autouse `_django_db_marker` runs first and opens that transaction for tests
    marked `django_db`; so `_django_db_helper` (behind `db`, `transactional_db` and the marker) is extended
    below to request this fixture before it starts.
    """
    if not _uses_db(request):
        return  # a test without the database must not trigger its creation
    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock():
        reload_reference_data()


@pytest.fixture
def _django_db_helper(_reference_data: None, _django_db_helper: None) -> None:
    """pytest-django's per-test database set-up, after `_reference_data` (see there)."""
    return _django_db_helper


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings: None, tmp_path_factory: pytest.TempPathFactory) -> None:
    """MARDOM_TEST_SQLITE_FILE=1 puts the SQLite test database in a file instead of memory.

    Django's in-memory test database ("file:memorydb_default?mode=memory&cache=shared") is visible to
    other threads of this process only through SQLite's shared cache, whose table locks fail at once
    ("database table is locked") instead of waiting for the busy timeout, and to other processes not at
    all; so the concurrency and crash tests skip there. In a file they run as on a real deployment.
    """
    from django.conf import settings

    if os.environ.get("MARDOM_TEST_SQLITE_FILE"):
        for db_settings in settings.DATABASES.values():
            if db_settings["ENGINE"] == "django.db.backends.sqlite3":
                db_settings.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def shared_database() -> pytest.MarkDecorator:
    """Mark for tests whose threads or child processes must use the test database: skipped on the
    in-memory SQLite test database (see `django_db_modify_db_settings`), never anywhere else."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    in_memory = (db["ENGINE"] == "django.db.backends.sqlite3" and not os.environ.get("MARDOM_TEST_SQLITE_FILE")
                 and db.get("TEST", {}).get("NAME") in (None, "", ":memory:"))
    return pytest.mark.skipif(in_memory, reason="needs a shared database: runs on PostgreSQL in CI")


def committing() -> pytest.MarkDecorator:
    """`django_db(transaction=True)` for tests that commit for real, without flushing geo.Place afterwards.

    Django's flush at the end of such a test empties only the tables of `available_apps`: leaving out
    mardom.geo keeps its ~104k places, so all `_reference_data` has to put back is the ~500 top org units
    (milliseconds, against seconds for the places). Nothing else is left out, and geo's models stay
    usable: only the app registry stops listing them during the test.
    """
    from django.conf import settings

    apps = [app for app in settings.INSTALLED_APPS if app != "mardom.geo"]
    return pytest.mark.django_db(transaction=True, available_apps=apps)


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


def confirm_proposals(user: Any, *, by: Any) -> None:
    """Confirm, as the second officer `by`, every role still only proposed for `user` (a job leader's role,
    proposed by the county officer who registered the business, needs a second officer; see people.services)."""
    from mardom.people.models import RoleAssignment
    from mardom.people.services import role_confirm

    for assignment in RoleAssignment.objects.filter(user=user, confirmed_at__isnull=True, revoked_at__isnull=True):
        role_confirm(by=by, assignment=assignment)


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
    from mardom.desk.models import Request, RequestStep
    from mardom.orgs.models import Linkage, OrgUnit
    from mardom.people.models import Person, RoleAssignment, User

    def counts() -> dict[str, int]:
        return {
            "person": Person.objects.count(),
            "user": User.objects.count(),
            "role": RoleAssignment.objects.count(),
            "active_role": RoleAssignment.objects.filter(revoked_at__isnull=True).count(),
            "unit": OrgUnit.objects.count(),
            "linkage": Linkage.objects.count(),
            "referral": Request.objects.filter(kind="referral").count(),  # referrals are desk requests
            "request_step": RequestStep.objects.count(),
            "audit": AuditEntry.objects.count(),
        }

    return counts


@pytest.fixture
def qaenat_world(county_officer: Any, qaenat: Any, qaenat_village: Any, base: Any, base_officer: Any,
                 make_person: Any, make_user: Any) -> SimpleNamespace:
    """One of everything in Qaenat, made through the services: a person with a login and a role, a group
    linked to the base, another group not linked yet, a bank branch (no officer of its own in Mardom), and a
    referral base -> branch made by the base officer, waiting for its answer."""
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
    referral = orgs.referral_create(by=base_officer, from_unit=base, to_unit=institution, need="loan",
                                    subject="وام دام")
    return SimpleNamespace(person=person, user=user, assignment=assignment, base=base, group=group,
                           free_group=free_group, institution=institution, linkage=linkage, referral=referral,
                           county=qaenat, village=qaenat_village, officer=by)


def world_state(w: SimpleNamespace) -> tuple[Any, ...]:
    """Everything a request could change in `qaenat_world`: row counts and the editable values."""
    from mardom.core.models import AuditEntry
    from mardom.desk.models import Request, RequestStep
    from mardom.orgs.models import Linkage, OrgUnit
    from mardom.people.models import Person, RoleAssignment, User

    person = Person.objects.get(pk=w.person.pk)
    units = {u.pk: (u.name, u.place_id) for u in OrgUnit.objects.filter(pk__in=[w.base.pk, w.group.pk,
                                                                                 w.institution.pk])}
    return (
        Person.objects.count(), User.objects.count(), RoleAssignment.objects.filter(revoked_at__isnull=True).count(),
        OrgUnit.objects.count(), Linkage.objects.count(), Request.objects.filter(kind="referral").count(),
        RequestStep.objects.count(), AuditEntry.objects.count(),
        (person.first_name, person.last_name, person.mobile, person.home_place_id, person.birth_date),
        User.objects.get(pk=w.user.pk).password, units,
        Request.objects.get(pk=w.referral.pk).status,
        RoleAssignment.objects.get(pk=w.assignment.pk).revoked_at,
    )


@pytest.fixture
def saffron_growers(make_person: Any, qaenat: Any, qaenat_village: Any, county_officer: Any) -> Callable[..., Any]:
    """saffron_growers(n=4, baseline=1): approved saffron growers of a Qaenat village, paired into colonies
    (two growers each) that form the county's saffron cluster. Returns saffron, people, growers, colonies,
    cluster."""
    import datetime

    from mardom.production import services as production
    from mardom.production.models import Product

    def make(n: int = 4, baseline: int = 1) -> SimpleNamespace:
        saffron = Product.objects.get(code="saffron")
        people = [make_person(qaenat) for _ in range(n)]
        growers = [production.producer_register(
            by=county_officer, person=p, place=qaenat_village, activities="کاشت زعفران",
            started_on=datetime.date(2018, 3, 21), baseline_sales=baseline, products=[(saffron, 5000)])
            for p in people]
        colonies = [production.colony_create(by=county_officer, county=qaenat, product=saffron, place=qaenat_village,
                                             producers=growers[i:i + 2], name=f"کلنی {i // 2 + 1}")
                    for i in range(0, n - n % 2, 2)]
        cluster = production.county_cluster_create(by=county_officer, county=qaenat, focus_product=saffron,
                                                   colonies=colonies)
        return SimpleNamespace(saffron=saffron, people=people, growers=growers, colonies=colonies, cluster=cluster)

    return make
