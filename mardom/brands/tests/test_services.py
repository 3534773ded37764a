"""Brands through their services: founding, rules versions, authorisation and sanctions, lots, inspection,
labels, and the public check of a serial."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given
from hypothesis import strategies as st

from mardom.brands import serials, services
from mardom.brands.models import Authorisation, Brand, BrandRules, Label, Lot, Sanction
from mardom.core.errors import DomainError
from mardom.core.models import AuditEntry
from mardom.production import services as production
from mardom.production.models import Product

STARTED = datetime.date(2018, 3, 21)
FROM = datetime.date(2026, 3, 21)
DAY = datetime.date(2026, 10, 20)


# --- serials ------------------------------------------------------------------------------------------------

@given(st.text(alphabet=serials.ALPHABET, min_size=serials.BODY, max_size=serials.BODY))
def test_a_serial_checks_itself(body):
    assert serials.is_well_formed(body + serials.check_char(body))


@given(st.text(alphabet=serials.ALPHABET, min_size=serials.BODY, max_size=serials.BODY),
       st.integers(min_value=0, max_value=serials.BODY), st.sampled_from(serials.ALPHABET))
def test_one_wrong_character_is_always_caught(body, position, replacement):
    serial = body + serials.check_char(body)
    typo = serial[:position] + replacement + serial[position + 1:]
    assert typo == serial or not serials.is_well_formed(typo)


@given(st.text(alphabet=serials.ALPHABET, min_size=serials.BODY, max_size=serials.BODY),
       st.integers(min_value=0, max_value=serials.BODY - 1))
def test_two_neighbours_swapped_are_caught_unless_the_luhn_blind_pair(body, position):
    serial = body + serials.check_char(body)
    a, b = serial[position], serial[position + 1]
    swapped = serial[:position] + b + a + serial[position + 2:]
    blind = {a, b} == {serials.ALPHABET[0], serials.ALPHABET[-1]}  # Luhn's one blind spot (like 09/90)
    assert swapped == serial or blind or not serials.is_well_formed(swapped)


def test_typed_serials_are_normalised():
    serial = serials.new_serial()
    assert serials.normalise(f" {serial[:4].lower()}-{serial[4:]} ") == serial
    assert serials.normalise("oil") == "011"


# --- a brand ------------------------------------------------------------------------------------------------

@pytest.fixture
def world(saffron_growers, make_person, make_user, qaenat, county_officer, birjand, birjand_village,
          birjand_officer):
    grown = saffron_growers()
    saffron, people, growers, cluster = grown.saffron, grown.people, grown.growers, grown.cluster
    outsider_person = make_person(birjand)
    outsider = production.producer_register(by=birjand_officer, person=outsider_person, place=birjand_village,
                                            activities="کاشت", started_on=STARTED, baseline_sales=1,
                                            products=[(saffron, 10)])
    brand = services.brand_create(by=county_officer, owner=cluster, name="زعفران قائنات",
                                  specification="رطوبت کمتر از ۱۰٪، رنگ بالای ۲۲۰", rules="فقط زعفران سرگل",
                                  effective_from=FROM)
    inspector = make_user(make_person(qaenat), roles=[("brand_inspector", brand)])
    authorisation = services.authorise(by=county_officer, brand=brand, producer=growers[0], product=saffron,
                                       valid_from=FROM, name_public=True)
    return SimpleNamespace(saffron=saffron, growers=growers, grower_users=[make_user(p) for p in people],
                           cluster=cluster, brand=brand, inspector=inspector, authorisation=authorisation,
                           outsider=outsider)


def passed_lot(w, by, quantity=Decimal(100)):
    lot = services.lot_declare(by=by, authorisation=w.authorisation, quantity=quantity, made_on=DAY)
    return services.lot_inspect(by=w.inspector, lot=lot, passed=True)


def test_a_cluster_founds_a_brand_with_versioned_rules(world, county_officer):
    brand = world.brand
    assert brand.parent_id == world.cluster.pk and brand.value_chain == "saffron" and brand.kind == "brand"
    assert brand.path.startswith(world.cluster.path)
    services.brand_rules_add(by=county_officer, brand=brand, text="سرگل و پوشال", effective_from=DAY)
    assert list(BrandRules.objects.filter(brand=brand).values_list("version", flat=True)) == [2, 1]
    with pytest.raises(DomainError):  # earlier than the current version
        services.brand_rules_add(by=county_officer, brand=brand, text="x", effective_from=FROM)
    with pytest.raises(DomainError):  # unchanged
        services.brand_rules_add(by=county_officer, brand=brand, text="سرگل و پوشال", effective_from=DAY)


def test_only_managers_in_scope_found_or_change_a_brand(world, birjand_officer, make_user, make_person, qaenat):
    with pytest.raises(PermissionDenied):
        services.brand_create(by=birjand_officer, owner=world.cluster, name="x", specification="x", rules="x",
                              effective_from=FROM)
    with pytest.raises(PermissionDenied):
        services.brand_rules_add(by=birjand_officer, brand=world.brand, text="y", effective_from=DAY)
    guide = make_user(make_person(qaenat), roles=[("cluster_guide", world.cluster)])
    services.brand_rules_add(by=guide, brand=world.brand, text="قواعد راهبر", effective_from=DAY)


@pytest.mark.parametrize("case", ["not_member", "other_chain", "period", "twice"])
def test_bad_authorisations_change_nothing(world, county_officer, case):
    kwargs = {"brand": world.brand, "producer": world.growers[1], "product": world.saffron, "valid_from": FROM}
    if case == "not_member":
        kwargs["producer"] = world.outsider
    elif case == "other_chain":
        kwargs["product"] = Product.objects.get(code="barberry")
    elif case == "period":
        kwargs["valid_to"] = FROM - datetime.timedelta(days=1)
    else:
        kwargs["producer"] = world.growers[0]
    before = Authorisation.objects.count(), AuditEntry.objects.count()
    with pytest.raises(DomainError):
        services.authorise(by=county_officer, **kwargs)
    assert (Authorisation.objects.count(), AuditEntry.objects.count()) == before


def test_suspension_is_logged_and_stops_lots_and_labels(world, county_officer):
    lot = passed_lot(world, world.grower_users[0])
    with pytest.raises(DomainError):  # a reason is required
        services.sanction(by=county_officer, authorisation=world.authorisation, action="suspend", reason=" ")
    services.sanction(by=county_officer, authorisation=world.authorisation, action="suspend", reason="تقلب در وزن")
    with pytest.raises(DomainError):  # already suspended
        services.sanction(by=county_officer, authorisation=world.authorisation, action="suspend", reason="دوباره")
    with pytest.raises(DomainError):
        services.lot_declare(by=world.grower_users[0], authorisation=world.authorisation, quantity=Decimal(1),
                             made_on=DAY)
    with pytest.raises(DomainError):
        services.labels_issue(by=county_officer, lot=lot, count=5)
    services.sanction(by=county_officer, authorisation=world.authorisation, action="reinstate", reason="اصلاح شد")
    assert len(services.labels_issue(by=county_officer, lot=lot, count=5)) == 5
    assert list(Sanction.objects.values_list("action", flat=True)) == ["reinstate", "suspend"]


def test_a_lot_is_declared_by_its_producer_and_inspected_by_the_brands_inspector(world, county_officer):
    with pytest.raises(PermissionDenied):  # another grower
        services.lot_declare(by=world.grower_users[1], authorisation=world.authorisation, quantity=Decimal(1),
                             made_on=DAY)
    lot = services.lot_declare(by=world.grower_users[0], authorisation=world.authorisation,
                               quantity=Decimal("250.5"), made_on=DAY)
    assert lot.colony is not None and lot.code.endswith("-1405-0001") and lot.status == "declared"
    with pytest.raises(PermissionDenied):  # managing is not inspecting
        services.lot_inspect(by=county_officer, lot=lot, passed=True)
    with pytest.raises(DomainError):  # a failure needs its reason
        services.lot_inspect(by=world.inspector, lot=lot, passed=False)
    services.lot_inspect(by=world.inspector, lot=lot, passed=False, note="رطوبت بالا")
    with pytest.raises(DomainError):
        services.lot_inspect(by=world.inspector, lot=lot, passed=True)
    with pytest.raises(DomainError):  # labels for a failed lot
        services.labels_issue(by=world.inspector, lot=lot, count=1)
    assert not Label.objects.exists()


@pytest.mark.parametrize(("quantity", "made_on"), [
    (Decimal(0), DAY), (Decimal(-3), DAY), (Decimal(1), datetime.date(2099, 1, 1)),
    (Decimal(1), FROM - datetime.timedelta(days=1)),  # before the authorisation starts
])
def test_bad_lots_change_nothing(world, quantity, made_on):
    with pytest.raises(DomainError):
        services.lot_declare(by=world.grower_users[0], authorisation=world.authorisation, quantity=quantity,
                             made_on=made_on)
    assert not Lot.objects.exists()


def test_labels_are_unique_checked_serials_up_to_the_lots_size(world, county_officer):
    lot = passed_lot(world, world.grower_users[0], quantity=Decimal("12.5"))
    labels = services.labels_issue(by=county_officer, lot=lot, count=10)
    assert [label.number for label in labels] == list(range(1, 11))
    assert all(serials.is_well_formed(label.serial) for label in labels)
    assert len({label.serial for label in labels}) == 10
    with pytest.raises(DomainError):  # 13 at most for 12.5 units
        services.labels_issue(by=county_officer, lot=lot, count=4)
    more = services.labels_issue(by=county_officer, lot=lot, count=3)
    assert more[0].number == 11 and Lot.objects.get(pk=lot.pk).label_count == 13
    for count in (0, -1):
        with pytest.raises(DomainError):
            services.labels_issue(by=county_officer, lot=lot, count=count)


def test_the_public_check_tells_every_case_apart(world, county_officer, settings):
    lot = passed_lot(world, world.grower_users[0], quantity=Decimal(2))
    label, other = services.labels_issue(by=county_officer, lot=lot, count=2)
    assert services.label_check(serial=label.serial.lower()).status == "genuine"
    assert services.label_check(serial=label.serial[:-1] + ("0" if label.serial[-1] != "0" else "1")).status \
        == "mistyped"
    forged = serials.new_serial()
    while Label.objects.filter(serial=forged).exists():
        forged = serials.new_serial()
    assert services.label_check(serial=forged).status == "unknown"
    assert services.label_check(serial="<script>").status == "mistyped"
    services.sanction(by=county_officer, authorisation=world.authorisation, action="suspend", reason="تخلف")
    assert services.label_check(serial=label.serial).status == "suspended"
    services.sanction(by=county_officer, authorisation=world.authorisation, action="reinstate", reason="رفع شد")
    # Two labels: ten scans of the lot are expected, more look like copies going round.
    for _ in range(7):
        services.label_check(serial=other.serial)
    assert services.label_check(serial=other.serial).status == "genuine"  # the lot's tenth scan
    assert services.label_check(serial=other.serial).status == "suspicious"
    assert Label.objects.get(pk=other.pk).scan_count == 9 and Lot.objects.get(pk=lot.pk).scan_count == 11
    settings.PUBLIC_BASE_URL = "https://mardom.example"
    assert services.public_url(label.serial) == f"https://mardom.example/p/{label.serial}/"


def test_a_brand_belongs_to_a_cluster_or_colony(world, county_officer, qaenat):
    with pytest.raises(DomainError):
        services.brand_create(by=county_officer, owner=qaenat, name="نام", specification="x", rules="x",
                              effective_from=FROM)
    with pytest.raises(DomainError):  # the name is taken
        services.brand_create(by=county_officer, owner=world.cluster, name="زعفران  قائنات", specification="x",
                              rules="x", effective_from=FROM)
    assert Brand.objects.count() == 1


def test_brand_rules_cannot_take_effect_in_1921_or_before_the_brand_began(world, county_officer):
    before = (Brand.objects.count(), BrandRules.objects.count())
    with pytest.raises(DomainError) as error:
        services.brand_create(by=county_officer, owner=world.cluster, name="زعفران کهن", specification="x",
                              rules="x", effective_from=datetime.date(1921, 3, 21))
    assert error.value.field == "effective_from"
    with pytest.raises(DomainError) as error:
        services.brand_rules_add(by=county_officer, brand=world.brand, text="قواعد تازه",
                                 effective_from=FROM - datetime.timedelta(days=1))
    assert error.value.field == "effective_from"
    assert (Brand.objects.count(), BrandRules.objects.count()) == before


# --- separation of duties: whoever declared or made a lot never inspects it -------------------------------------

def _inspector_too(user, brand):
    """Arranged directly (as if a second officer had confirmed it): the user also holds the inspector role."""
    from mardom.people.models import RoleAssignment
    from mardom.people.scopes import forget_grants

    RoleAssignment.objects.create(user=user, role="brand_inspector", unit=brand)
    forget_grants(user)
    return user


def _lot_row(lot):
    row = Lot.objects.get(pk=lot.pk)
    return row.status, row.inspected_by_id, row.inspected_at, row.label_count


def test_the_officer_who_declared_a_lot_cannot_inspect_it_even_as_inspector(world, county_officer):
    lot = services.lot_declare(by=county_officer, authorisation=world.authorisation, quantity=Decimal(10),
                               made_on=DAY)
    _inspector_too(county_officer, world.brand)
    before, audits = _lot_row(lot), AuditEntry.objects.count()
    for passed in (True, False):
        with pytest.raises(DomainError) as error:
            services.lot_inspect(by=county_officer, lot=lot, passed=passed, note="خوب")
        assert error.value.field == "result"
    assert _lot_row(lot) == before and AuditEntry.objects.count() == audits
    assert not services.may_inspect(county_officer, lot)
    # Another inspector may.
    assert services.may_inspect(world.inspector, lot)
    assert services.lot_inspect(by=world.inspector, lot=lot, passed=True).status == "passed"


def test_the_producer_cannot_inspect_her_own_lot_even_declared_for_her(world, county_officer):
    grower = _inspector_too(world.grower_users[0], world.brand)
    for by in (county_officer, grower):  # the manager declares for her, or she declares it herself
        lot = services.lot_declare(by=by, authorisation=world.authorisation, quantity=Decimal(10), made_on=DAY)
        before = _lot_row(lot)
        with pytest.raises(DomainError):
            services.lot_inspect(by=grower, lot=lot, passed=True)
        assert _lot_row(lot) == before
    assert not Label.objects.exists()
