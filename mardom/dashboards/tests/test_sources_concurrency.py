"""The market's figures under real concurrency (threads, own connections, real commits, drains on commit racing
each other): corrections of one day's visitors at once each add their own difference, and sales at two booths at
once are each counted once. Needs a shared database (PostgreSQL in CI)."""

from __future__ import annotations

from typing import Any

from mardom.conftest import committing, shared_database
from mardom.dashboards import rebuild, rollups
from mardom.dashboards.tests.test_sources_market import MONTH
from mardom.dashboards.tests.test_sources_production import chain, value
from mardom.ledger.tests.test_concurrency import at_once
from mardom.market import services
from mardom.market.models import VisitorCount
from mardom.market.tests import test_sales as sales_world
from mardom.market.tests.test_sales import OPENS, sell

pytestmark = [committing(), shared_database()]
world = sales_world.world  # the market tests' fixture


def test_visitor_corrections_and_sales_at_once_are_each_counted_once(world: Any, qaenat: Any,
                                                                      county_officer: Any) -> None:
    counts = [300, 320, 340, 360]
    outcomes = at_once(4, lambda i: services.visitors_record(by=county_officer, exhibition=world.exhibition,
                                                             day=OPENS, visitors=counts[i]))
    assert [status for status, _ in outcomes] == ["ok"] * 4, outcomes
    final = VisitorCount.objects.get(exhibition=world.exhibition, day=OPENS).visitors
    for unit in chain(world.exhibition):
        assert value(unit, MONTH, "market.visitors") == final

    booths = [(world.mine, world.users[0]), (world.other, world.users[1])]
    outcomes = at_once(6, lambda i: sell(world, booths[i % 2][0], booths[i % 2][1], f"at-once-{i}"))
    assert [status for status, _ in outcomes] == ["ok"] * 6, outcomes
    for unit in chain(qaenat):
        assert value(unit, MONTH, "market.booth_sales") == 6 * 6_000_000
    rollups.drain()
    for unit in chain(world.exhibition):
        assert value(unit, MONTH, "market.exhibition_sales") == 6 * 6_000_000
    assert rebuild.rebuild(write=False) == []
