"""Roll-ups under real concurrency (threads, own connections, real commits; PostgreSQL in CI): writers on one
fund and drains running side by side leave the right totals, each delta counted once."""

from __future__ import annotations

from typing import Any

from mardom.conftest import committing, shared_database
from mardom.dashboards import figures, rebuild, rollups
from mardom.dashboards.models import FigureDelta
from mardom.dashboards.periods import ALL_TIME
from mardom.funds import services
from mardom.funds.models import Membership
from mardom.funds.tests.test_services import PAID
from mardom.ledger.tests.test_concurrency import at_once

pytestmark = [committing(), shared_database()]


def test_two_treasurers_on_one_fund_at_once_leave_the_right_totals(join: Any, treasurer: Any, fund: Any) -> None:
    members = [join(1_000_000) for _ in range(4)]

    def record(i: int) -> Any:
        return services.contribution_record(by=treasurer, membership=Membership.objects.get(pk=members[i].pk),
                                            year=1403, month=2, paid_on=PAID, today=PAID)

    assert [status for status, _ in at_once(4, record)] == ["ok"] * 4
    nation = fund.ancestor_of_kind("nation")
    assert figures.table(units=[nation], periods=[ALL_TIME], codes=["funds.savings"])[
        (nation.pk, ALL_TIME, "funds.savings")] == 4 * 1_500_000
    assert rebuild.rebuild(write=False) == []


def test_drains_running_at_once_add_each_delta_once(join: Any, fund: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(rollups, "DRAIN_BATCH", 3)  # many small batches, so the drains interleave
    for _ in range(6):
        join(1_000_000)
    assert FigureDelta.objects.count() == 0  # the immediate backend drained on each commit
    rollups.record(path=fund.path, deltas={"funds.joined": 1})  # outside a transaction: drained at once too
    rows = [FigureDelta(path=fund.path, period=ALL_TIME, metric="funds.savings", delta=1) for _ in range(40)]
    FigureDelta.objects.bulk_create(rows)
    before = figures.table(units=[fund], periods=[ALL_TIME], codes=["funds.savings"])[
        (fund.pk, ALL_TIME, "funds.savings")]
    outcomes = at_once(3, lambda _i: rollups.drain())
    assert [status for status, _ in outcomes] == ["ok"] * 3, outcomes
    assert sum(value for _status, value in outcomes) == 40
    assert not FigureDelta.objects.exists()
    assert figures.table(units=[fund], periods=[ALL_TIME], codes=["funds.savings"])[
        (fund.pk, ALL_TIME, "funds.savings")] == before
