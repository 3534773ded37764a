"""The production figures through the real services: producers approved (with capacity and baseline), colonies
and clusters formed, job leaders' buybacks and their corrections move every level of their unit's chain in the
write's transaction; a rolled-back write moves nothing; the rebuild from the facts agrees with the writers."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.db import transaction

from mardom.conftest import confirm_proposals
from mardom.dashboards import figures, rebuild, rollups
from mardom.dashboards.models import Figure, FigureDelta
from mardom.dashboards.periods import ALL_TIME, month_of, year_of
from mardom.orgs.models import OrgUnit
from mardom.production import services
from mardom.production.models import Product
from mardom.production.services import jobs

AT = datetime.datetime(2026, 10, 5, 8, 0, tzinfo=datetime.UTC)  # 1405/07/13, 11:30 in Tehran
MONTH = month_of(AT)
STARTED = datetime.date(2020, 3, 20)
_keys = itertools.count(1)


def chain(unit: Any) -> list[Any]:
    """The unit and every unit above it, nation first."""
    return sorted(OrgUnit.objects.filter(pk__in=rollups.unit_ids(unit.path)), key=lambda u: len(u.path))


def value(unit: Any, period: int, code: str) -> int:
    return figures.table(units=[unit], periods=[period], codes=[code]).get((unit.pk, period, code), 0)


def register(by: Any, person: Any, place: Any, product: Any, *, capacity: int = 100,
             baseline: int = 50_000_000) -> Any:
    return services.producer_register(by=by, person=person, place=place, activities="بافت فرش", started_on=STARTED,
                                      baseline_sales=baseline, products=[(product, capacity)])


@pytest.fixture
def carpet(db: None) -> Any:
    return Product.objects.get(code="carpet")


@pytest.fixture
def saffron(db: None) -> Any:
    return Product.objects.get(code="saffron")


@pytest.fixture
def jobs_world(make_person: Any, make_user: Any, qaenat: Any, qaenat_village: Any, carpet: Any,
               county_officer: Any, province_officer: Any) -> SimpleNamespace:
    """A carpet job leader of Qaenat (its manager confirmed), with an agreement with one Qaenat weaver."""
    with time_machine.travel(AT, tick=False):
        owner = make_person(qaenat)
        owner_user = make_user(owner)
        leader = jobs.job_leader_register(by=county_officer, county=qaenat, owner=owner, name="کارگاه فرش",
                                          functions=["supply", "sales"])
        confirm_proposals(owner_user, by=province_officer)
        weaver = register(county_officer, make_person(qaenat), qaenat_village, carpet)
        agreement = jobs.job_agreement_create(
            by=owner_user, job_leader=leader, producer=weaver, product=carpet, pricing="purchase",
            rate_a=20_000_000, rate_b=15_000_000, starts_on=datetime.date(2025, 3, 21))
    return SimpleNamespace(leader=leader, owner_user=owner_user, weaver=weaver, agreement=agreement)


@time_machine.travel(AT, tick=False)
def test_a_producer_approved_by_an_officer_counts_at_its_county_province_and_nation(
        make_person: Any, qaenat: Any, qaenat_village: Any, carpet: Any, county_officer: Any) -> None:
    register(county_officer, make_person(qaenat), qaenat_village, carpet, capacity=120, baseline=40_000_000)
    levels = chain(qaenat)
    assert [u.kind for u in levels] == ["nation", "province", "county"]
    for unit in levels:
        assert value(unit, ALL_TIME, "production.producers") == 1
        assert value(unit, MONTH, "production.producers") == 1
        assert value(unit, year_of(MONTH), "production.capacity") == 120
        assert value(unit, ALL_TIME, "production.baseline") == 40_000_000
    assert rebuild.rebuild(write=False) == []


@time_machine.travel(AT, tick=False)
def test_a_self_registration_counts_only_when_the_county_approves_it(
        make_person: Any, make_user: Any, qaenat: Any, qaenat_village: Any, carpet: Any, saffron: Any,
        county_officer: Any) -> None:
    person = make_person(qaenat)
    pending = services.producer_register(by=make_user(person), person=person, place=qaenat_village,
                                         activities="فرش", started_on=STARTED, baseline_sales=9_000_000,
                                         products=[(carpet, 10), (saffron, 3)])
    assert value(qaenat, ALL_TIME, "production.producers") == 0
    assert rebuild.rebuild(write=False) == []
    rejected_person = make_person(qaenat)
    rejected = services.producer_register(by=make_user(rejected_person), person=rejected_person,
                                          place=qaenat_village, activities="فرش", started_on=STARTED,
                                          baseline_sales=1, products=[(carpet, 1)])
    services.producer_decide(by=county_officer, producer=rejected, approve=False)
    services.producer_decide(by=county_officer, producer=pending, approve=True)
    for unit in chain(qaenat):
        assert value(unit, ALL_TIME, "production.producers") == 1
        assert value(unit, ALL_TIME, "production.capacity") == 13
        assert value(unit, MONTH, "production.baseline") == 9_000_000
    assert rebuild.rebuild(write=False) == []


@time_machine.travel(AT, tick=False)
def test_colonies_and_clusters_count_at_themselves_and_above(
        make_person: Any, qaenat: Any, qaenat_village: Any, saffron: Any, county_officer: Any) -> None:
    growers = [register(county_officer, make_person(qaenat), qaenat_village, saffron) for _ in range(4)]
    first = services.colony_create(by=county_officer, county=qaenat, product=saffron, place=qaenat_village,
                                   producers=growers[:2], name="کلنی یک")
    second = services.colony_create(by=county_officer, county=qaenat, product=saffron, place=qaenat_village,
                                    producers=growers[2:], name="کلنی دو")
    cluster = services.county_cluster_create(by=county_officer, county=qaenat, focus_product=saffron,
                                             colonies=[first, second])
    assert value(first, ALL_TIME, "production.colonies") == 1
    assert value(cluster, MONTH, "production.clusters") == 1
    for unit in chain(qaenat):
        assert value(unit, ALL_TIME, "production.colonies") == 2
        assert value(unit, MONTH, "production.colonies") == 2
        assert value(unit, ALL_TIME, "production.clusters") == 1
        # The producers are counted once, at their county: forming colonies does not count them again.
        assert value(unit, ALL_TIME, "production.producers") == 4
    assert rebuild.rebuild(write=False) == []


def test_units_formed_at_a_given_moment_count_in_its_month(
        make_person: Any, qaenat: Any, qaenat_village: Any, saffron: Any, county_officer: Any) -> None:
    """A colony, a cluster and an exhibition replayed from history (the demo, an import) are formed when the
    service is told, and count in that month, as the rebuild (which reads the row's `created_at`) agrees."""
    from mardom.market import services as market

    earlier = AT - datetime.timedelta(days=200)  # 1405/01
    growers = [register(county_officer, make_person(qaenat), qaenat_village, saffron) for _ in range(4)]
    colonies = [services.colony_create(by=county_officer, county=qaenat, product=saffron, place=qaenat_village,
                                       producers=growers[i:i + 2], name=f"کلنی {i}", now=earlier) for i in (0, 2)]
    cluster = services.county_cluster_create(by=county_officer, county=qaenat, focus_product=saffron,
                                             colonies=colonies, now=earlier)
    fair = market.exhibition_create(by=county_officer, county=qaenat, name="نمایشگاه بهار", type="seasonal",
                                    venue="قاین", starts_on=datetime.date(2026, 4, 1),
                                    ends_on=datetime.date(2026, 4, 7), applications_close_on=datetime.date(2026, 3, 25),
                                    now=earlier)
    assert colonies[0].created_at == colonies[0].members.first().joined_at == cluster.created_at == earlier
    for code, n in (("production.colonies", 2), ("production.clusters", 1), ("market.exhibitions", 1)):
        assert value(qaenat, month_of(earlier), code) == n and value(qaenat, MONTH, code) == 0
    assert fair.created_at == earlier
    assert rebuild.rebuild(write=False) == []


def test_buybacks_and_their_corrections_count_at_the_producers_county_when_recorded(
        jobs_world: Any, qaenat: Any) -> None:
    w = jobs_world
    with time_machine.travel(AT, tick=False):
        bought = jobs.output_receive(by=w.owner_user, agreement=w.agreement, quantity=Decimal("1.5"), grade="a",
                                     occurred_on=datetime.date(2026, 10, 4), idempotency_key=f"b{next(_keys)}")
        jobs.output_receive(by=w.owner_user, agreement=w.agreement, quantity=Decimal(1), grade="b",
                            occurred_on=datetime.date(2026, 10, 5), idempotency_key=f"b{next(_keys)}")
        # A payment to the producer settles the account: it is not a sale.
        jobs.settlement_pay(by=w.owner_user, agreement=w.agreement, to_producer=True, amount=5_000_000,
                            occurred_on=datetime.date(2026, 10, 5), idempotency_key=f"p{next(_keys)}")
    for unit in chain(qaenat):
        assert value(unit, MONTH, "production.buybacks") == 30_000_000 + 15_000_000
    assert value(w.leader, MONTH, "production.buybacks") == 0  # counted at the producer's county, not the leader
    # Corrected a month later: the correction counts when recorded; the closed month keeps its figure.
    later = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(later, tick=False):
        jobs.job_entry_reverse(by=w.owner_user, entry=bought, idempotency_key=f"r{next(_keys)}", memo="اشتباه")
        for unit in chain(qaenat):
            assert value(unit, MONTH, "production.buybacks") == 45_000_000
            assert value(unit, month_of(later), "production.buybacks") == -30_000_000
            assert value(unit, year_of(MONTH), "production.buybacks") == 15_000_000
        assert rebuild.rebuild(write=False) == []


def test_a_rolled_back_approval_or_buyback_leaves_the_figures_unchanged(
        jobs_world: Any, make_person: Any, make_user: Any, qaenat: Any, qaenat_village: Any, carpet: Any,
        county_officer: Any) -> None:
    w = jobs_world
    rollups.drain()
    before = sorted(Figure.objects.values_list("unit_id", "period", "metric", "value"))
    person = make_person(qaenat)
    pending = services.producer_register(by=make_user(person), person=person, place=qaenat_village,
                                         activities="فرش", started_on=STARTED, baseline_sales=1,
                                         products=[(carpet, 1)])

    class Abort(Exception):
        pass

    with time_machine.travel(AT, tick=False), pytest.raises(Abort), transaction.atomic():
        services.producer_decide(by=county_officer, producer=pending, approve=True)
        jobs.output_receive(by=w.owner_user, agreement=w.agreement, quantity=Decimal(2), grade="a",
                            occurred_on=datetime.date(2026, 10, 5), idempotency_key="rolled-back")
        assert value(qaenat, ALL_TIME, "production.producers") == 2
        raise Abort
    assert not FigureDelta.objects.exists()
    assert sorted(Figure.objects.values_list("unit_id", "period", "metric", "value")) == before
    assert value(qaenat, ALL_TIME, "production.producers") == 1
    assert value(qaenat, MONTH, "production.buybacks") == 0
    with time_machine.travel(AT, tick=False):
        assert rebuild.rebuild(write=False) == []
