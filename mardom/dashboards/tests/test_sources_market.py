"""The market figures through the real services: exhibitions, booths let, booth sales (at the producer's county
and at the exhibition), storefront shares and visitors move every level in the write's transaction; a rolled-back
sale moves nothing; after any sequence of sales, cancellations, buybacks and corrections the rebuild from the
facts finds nothing to change, and the doubling figures read from the roll-ups are the sum of the producers'."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mardom.conftest import confirm_proposals
from mardom.dashboards import doubling, rebuild, rollups
from mardom.dashboards.models import Figure, FigureDelta
from mardom.dashboards.periods import ALL_TIME, month_of, year_of
from mardom.dashboards.selectors import population_of
from mardom.dashboards.tests.test_sources_production import chain, value
from mardom.market import services
from mardom.market.services.sales import Line
from mardom.market.tests import conftest as shop_world
from mardom.market.tests import test_sales as sales_world
from mardom.market.tests.test_sales import NOW, OPENS, sell
from mardom.market.tests.test_shop import pay, place
from mardom.production.services import jobs

shop, world = shop_world.shop, sales_world.world  # the market tests' fixtures

MONTH = month_of(NOW)  # the exhibition was set up, let and sold at in one Jalali month (1405/09)
_keys = itertools.count(1)


def key(prefix: str) -> str:
    return f"{prefix}{next(_keys)}"


def test_an_exhibition_and_its_booths_let_count_at_the_exhibition_and_above(world: Any) -> None:
    exhibition = world.exhibition
    assert [u.kind for u in chain(exhibition)] == ["nation", "province", "county", "exhibition"]
    for unit in chain(exhibition):
        assert value(unit, MONTH, "market.exhibitions") == 1
        assert value(unit, year_of(MONTH), "market.exhibitions") == 1
        assert value(unit, MONTH, "market.booths_let") == 3  # three applications, three booths
    assert rebuild.rebuild(write=False) == []


def test_a_booth_sale_counts_at_the_producers_county_and_at_the_exhibition(world: Any, qaenat: Any) -> None:
    sell(world, world.mine, world.users[0], key("s"))  # 4 × 1,500,000
    # A colony's booth: one line names its producer, one does not (then it is nobody's booth sale: it counts in
    # the exhibition's sales only, so no county's doubling figure holds a sale none of its producers made).
    services.sale_record(by=world.users[2], application=world.group, method="cash", idempotency_key=key("g"),
                         lines=[Line(product=world.saffron, quantity=Decimal(1), unit_price=2_000_000,
                                     producer=world.growers[3]),
                                Line(product=world.saffron, quantity=Decimal(2), unit_price=500_000)])
    exhibition = world.exhibition
    for unit in chain(qaenat):
        assert value(unit, MONTH, "market.booth_sales") == 6_000_000 + 2_000_000
    assert value(exhibition, MONTH, "market.booth_sales") == 0
    for unit in chain(exhibition):
        assert value(unit, MONTH, "market.exhibition_sales") == 9_000_000
    assert rebuild.rebuild(write=False) == []


def test_a_cancelled_sale_takes_its_figures_back(world: Any, qaenat: Any) -> None:
    sale = sell(world, world.mine, world.users[0], key("s"))
    sell(world, world.other, world.users[1], key("s"))
    services.sale_cancel(by=world.users[0], sale=sale, idempotency_key=key("c"))
    for unit in chain(qaenat):
        assert value(unit, MONTH, "market.booth_sales") == 6_000_000
        assert value(unit, MONTH, "market.exhibition_sales") == 6_000_000
    assert rebuild.rebuild(write=False) == []


def test_a_rolled_back_sale_leaves_the_figures_unchanged(world: Any, qaenat: Any) -> None:
    sell(world, world.mine, world.users[0], key("s"))
    rollups.drain()
    before = sorted(Figure.objects.values_list("unit_id", "period", "metric", "value"))

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        sell(world, world.other, world.users[1], key("s"))
        assert value(qaenat, MONTH, "market.booth_sales") == 12_000_000
        raise Abort
    assert not FigureDelta.objects.exists()
    assert sorted(Figure.objects.values_list("unit_id", "period", "metric", "value")) == before
    assert value(qaenat, MONTH, "market.booth_sales") == 6_000_000
    assert rebuild.rebuild(write=False) == []


def test_visitors_count_as_given_and_a_later_correction_counts_when_it_is_made(
        world: Any, county_officer: Any, time_machine: Any) -> None:
    services.visitors_record(by=county_officer, exhibition=world.exhibition, day=OPENS, visitors=420)
    services.visitors_record(by=county_officer, exhibition=world.exhibition, day=OPENS, visitors=450)
    services.visitors_record(by=county_officer, exhibition=world.exhibition, day=OPENS + datetime.timedelta(days=1),
                             visitors=100)
    for unit in chain(world.exhibition):
        assert value(unit, MONTH, "market.visitors") == 550
    assert rebuild.rebuild(write=False) == []
    later = datetime.datetime(2027, 1, 10, 9, 0, tzinfo=datetime.UTC)  # 1405/10/20: the next month
    time_machine.move_to(later, tick=False)
    services.visitors_record(by=county_officer, exhibition=world.exhibition, day=OPENS, visitors=400)
    assert value(world.exhibition, MONTH, "market.visitors") == 550  # the closed month keeps its figure
    assert value(world.exhibition, month_of(later), "market.visitors") == -50
    assert value(world.exhibition, year_of(MONTH), "market.visitors") == 500
    assert rebuild.rebuild(write=False) == []
    # A count replayed from history (the demo's last-year fair) is given the moment it was made, and counts then.
    services.visitors_record(by=county_officer, exhibition=world.exhibition, day=OPENS + datetime.timedelta(days=2),
                             visitors=70, now=NOW)
    assert value(world.exhibition, MONTH, "market.visitors") == 620
    assert value(world.exhibition, month_of(later), "market.visitors") == -50
    assert rebuild.rebuild(write=False) == []


def test_storefront_shares_count_at_each_producers_county_when_paid(shop: Any, qaenat: Any) -> None:
    order = place(shop)  # 2 × 1,000,000 from the first grower, 1 × 2,000,000 from the second
    month = month_of(NOW.replace(month=11, day=25))
    assert value(qaenat, month, "market.shop_sales") == 0  # placed, not paid
    services.payment_callback(params=pay(order)[1])
    unpaid = place(shop, key="k-000002", items=[(shop.listings[0], 1)])
    services.payment_callback(params=pay(unpaid, paid=False)[1])  # cancelled at the bank: never a sale
    for unit in chain(qaenat):
        assert value(unit, month, "market.shop_sales") == 4_000_000
        assert value(unit, ALL_TIME, "market.shop_sales") == 0  # a flow: no level now
    assert rebuild.rebuild(write=False) == []


OPS = st.lists(st.tuples(st.sampled_from(["sell", "sell_other", "sell_group", "cancel", "buy", "reverse"]),
                         st.integers(min_value=1, max_value=40)), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_any_sequence_of_sales_and_buybacks_rebuilds_to_the_same_figures(
        world: Any, qaenat: Any, county_officer: Any, province_officer: Any, make_person: Any, make_user: Any,
        ops: list[tuple[str, int]]) -> None:
    agreement = getattr(world, "agreement", None)
    if agreement is None:
        owner = make_person(qaenat)
        owner_user = make_user(owner)
        leader = jobs.job_leader_register(by=county_officer, county=qaenat, owner=owner, name="کارگاه زعفران",
                                          functions=["sales"])
        confirm_proposals(owner_user, by=province_officer)
        world.owner_user = owner_user
        world.agreement = agreement = jobs.job_agreement_create(
            by=owner_user, job_leader=leader, producer=world.growers[0], product=world.saffron,
            pricing="purchase", rate_a=300_000, starts_on=datetime.date(2026, 3, 21))
        world.sales, world.buybacks = [], []
    for op, n in ops:
        if op == "sell":
            world.sales.append((sell(world, world.mine, world.users[0], key("hs"),
                                     lines=[Line(product=world.saffron, quantity=Decimal(n), unit_price=10_000)]),
                                world.users[0]))
        elif op == "sell_other":
            world.sales.append((sell(world, world.other, world.users[1], key("hs"),
                                     lines=[Line(product=world.saffron, quantity=Decimal(n) / 4,
                                                 unit_price=7_001)]), world.users[1]))
        elif op == "sell_group":  # the colony's booth: one line credited to a member, one to nobody
            world.sales.append((services.sale_record(
                by=world.users[2], application=world.group, method="cash", idempotency_key=key("hg"),
                lines=[Line(product=world.saffron, quantity=Decimal(n), unit_price=3_000, producer=world.growers[3]),
                       Line(product=world.saffron, quantity=Decimal(1), unit_price=n * 1_000)]), world.users[2]))
        elif op == "cancel" and world.sales:
            sale, seller = world.sales.pop(n % len(world.sales))
            services.sale_cancel(by=seller, sale=sale, idempotency_key=key("hc"))
        elif op == "buy":
            world.buybacks.append(jobs.output_receive(
                by=world.owner_user, agreement=agreement, quantity=Decimal(n) / 10, grade="a",
                occurred_on=NOW.date(), idempotency_key=key("hb")))
        elif op == "reverse" and world.buybacks:
            entry = world.buybacks.pop(n % len(world.buybacks))
            jobs.job_entry_reverse(by=world.owner_user, entry=entry, idempotency_key=key("hr"), memo="اصلاح")
    if n % 3 == 0:
        rollups.drain()  # some figures drained, some pending: the rebuild reads both
    assert rebuild.rebuild(write=False) == []
    # The doubling page's two readers agree: the county, its province and the nation read from the roll-ups
    # hold exactly the sum of their producers' figures summed from the facts, this year and the year before.
    year = doubling.current_year(NOW.date())
    for unit in chain(qaenat)[::-1]:
        stored = doubling.from_rollups([unit], year=year, today=NOW.date())[unit.pk]
        summed = doubling.total_of(doubling.figures_by(population_of(unit), "pk", year=year).values())
        assert stored == summed
