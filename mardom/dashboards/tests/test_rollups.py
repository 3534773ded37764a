"""The roll-ups through the real services: every level moves with a write, nothing moves with a rollback, the
drain neither loses nor doubles, a late entry counts when recorded, and the rebuild agrees with the writers."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction

from mardom.dashboards import figures, rebuild, rollups
from mardom.dashboards.models import Figure, FigureDelta
from mardom.dashboards.periods import ALL_TIME, month_of, year_of
from mardom.funds import services
from mardom.funds.tests.conftest import FOUNDED

PAID = datetime.date(2024, 5, 1)  # 1403/02/12
AT = datetime.datetime(2024, 5, 1, 10, 0, tzinfo=datetime.UTC)


def levels(fund: Any) -> list[Any]:
    """The fund and every unit above it (base, county, province, nation)."""
    from mardom.orgs.models import OrgUnit

    ids = rollups.unit_ids(fund.path)
    return sorted(OrgUnit.objects.filter(pk__in=ids), key=lambda unit: len(unit.path))


def value(unit: Any, period: int, code: str) -> int:
    return figures.table(units=[unit], periods=[period], codes=[code]).get((unit.pk, period, code), 0)


@time_machine.travel(AT, tick=False)
def test_a_contribution_moves_every_level_before_and_after_the_drain(join: Any, treasurer: Any, fund: Any) -> None:
    member = join(1_000_000, on=FOUNDED)
    services.contribution_record(by=treasurer, membership=member, year=1403, month=2, paid_on=PAID, today=PAID)
    month = month_of(AT)
    assert len(levels(fund)) == 5  # nation, province, county, base, fund
    for unit in levels(fund):
        assert value(unit, ALL_TIME, "funds.savings") == 1_500_000
        assert value(unit, month, "funds.contributions") == 1
        assert value(unit, year_of(month), "funds.contributions_amount") == 500_000
        assert value(unit, month, "funds.contributions_on_time") == 1
        assert value(unit, ALL_TIME, "funds.members") == 1
        assert value(unit, ALL_TIME, "funds.active") == 1
    assert FigureDelta.objects.exists()  # the test's transaction never commits: nothing drained yet
    rollups.drain()
    assert not FigureDelta.objects.exists()
    for unit in levels(fund):
        assert Figure.objects.get(unit=unit, period=ALL_TIME, metric="funds.savings").value == 1_500_000
        assert value(unit, month, "funds.contributions") == 1
    assert rebuild.rebuild(write=False) == []


@time_machine.travel(AT, tick=False)
def test_a_write_rolled_back_leaves_the_figures_unchanged(join: Any, treasurer: Any, fund: Any) -> None:
    member = join(1_000_000, on=FOUNDED)
    rollups.drain()
    before = list(Figure.objects.values_list("unit_id", "period", "metric", "value").order_by("pk"))

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        services.contribution_record(by=treasurer, membership=member, year=1403, month=2, paid_on=PAID, today=PAID)
        raise Abort
    assert not FigureDelta.objects.exists()
    assert list(Figure.objects.values_list("unit_id", "period", "metric", "value").order_by("pk")) == before
    assert value(fund, ALL_TIME, "funds.savings") == 1_000_000


@time_machine.travel(AT, tick=False)
def test_a_drain_that_fails_midway_loses_nothing_and_the_next_one_catches_up(
        join: Any, treasurer: Any, fund: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    join(1_000_000, on=FOUNDED)
    pending = FigureDelta.objects.count()

    def crash(_sums: Any) -> None:
        raise RuntimeError("the worker died")

    monkeypatch.setattr(rollups, "upsert_add", crash)
    with pytest.raises(RuntimeError):
        rollups.drain()
    assert FigureDelta.objects.count() == pending and not Figure.objects.exists()
    assert value(fund, ALL_TIME, "funds.savings") == 1_000_000  # readers still see the pending deltas
    monkeypatch.undo()
    assert rollups.drain() == pending
    assert rollups.drain() == 0  # a second drain finds nothing to add twice
    assert value(fund, ALL_TIME, "funds.savings") == 1_000_000


def test_a_late_entry_counts_in_the_month_it_was_recorded_and_the_closed_month_does_not_move(
        join: Any, treasurer: Any, fund: Any) -> None:
    with time_machine.travel(datetime.datetime(2024, 4, 25, 9, 0, tzinfo=datetime.UTC), tick=False):  # 1403/02/06
        member = join(1_000_000, on=FOUNDED)
        rollups.drain()
    april = month_of(datetime.date(2024, 4, 25))
    closed = value(fund, april, "funds.contributions")
    # Recorded in 1403/03 for month 1403/02, paid (dated) in 1403/02: late, and counted in 1403/03.
    with time_machine.travel(datetime.datetime(2024, 6, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        services.contribution_record(by=treasurer, membership=member, year=1403, month=2,
                                     paid_on=datetime.date(2024, 5, 10), today=datetime.date(2024, 6, 1))
        june = month_of(datetime.date(2024, 6, 1))
        assert value(fund, june, "funds.contributions") == 1
        assert value(fund, june, "funds.late_entries") == 1
        assert value(fund, june, "funds.contributions_on_time") == 1  # paid within its month, entered late
        assert value(fund, april, "funds.contributions") == closed == 0
        assert rebuild.rebuild(write=False) == []


@time_machine.travel(AT, tick=False)
def test_the_rebuild_lists_every_figure_that_differs_and_repairs_it(join: Any, treasurer: Any, fund: Any) -> None:
    member = join(1_000_000, on=FOUNDED)
    services.contribution_record(by=treasurer, membership=member, year=1403, month=2, paid_on=PAID, today=PAID)
    rollups.drain()
    nation = levels(fund)[0]
    Figure.objects.filter(unit=nation, period=ALL_TIME, metric="funds.savings").update(value=7)
    Figure.objects.filter(unit=fund, period=month_of(AT), metric="funds.contributions").delete()
    found = rebuild.rebuild(write=False)
    assert {(d.unit_id, d.metric, d.stored, d.facts) for d in found} == {
        (nation.pk, "funds.savings", 7, 1_500_000), (fund.pk, "funds.contributions", 0, 1)}
    with pytest.raises(CommandError, match="2 figures differ"):
        call_command("rollups-rebuild", "--check")
    call_command("rollups-rebuild")
    assert rebuild.rebuild(write=False) == []
    assert value(nation, ALL_TIME, "funds.savings") == 1_500_000
    call_command("rollups-rebuild", "--check")


@time_machine.travel(AT, tick=False)
def test_members_leaving_and_loans_move_their_figures(join: Any, treasurer: Any, fund: Any) -> None:
    first, second = join(2_000_000, on=FOUNDED), join(3_000_000, on=FOUNDED)
    services.membership_leave(by=treasurer, membership=second, left_on=PAID, idempotency_key="leave", today=PAID)
    month = month_of(AT)
    assert value(fund, ALL_TIME, "funds.members") == 1
    assert value(fund, month, "funds.joined") == 2 and value(fund, month, "funds.left") == 1
    assert value(fund, ALL_TIME, "funds.savings") == first.savings == 2_000_000
    assert rebuild.rebuild(write=False) == []


def test_the_rebuild_goes_by_batches_of_small_provinces_and_the_counties_of_large_ones() -> None:
    units = [(1, "/1/"), (2, "/1/2/"), (3, "/1/2/3/"), (4, "/1/2/4/"), (5, "/1/2/4/5/"), (6, "/1/6/"), (7, "/1/6/7/"),
             (8, "/1/8/")]
    # With room for 3 units a batch: province 2 (4 units) is split into its counties 3 and 4; 6 (2) and 8 (1)
    # are whole, and fill a batch together.
    assert rebuild.batches(units, size=3) == [["/1/2/3/", "/1/2/4/"], ["/1/6/", "/1/8/"]]
    assert rebuild.batches(units, size=100) == [["/1/2/", "/1/6/", "/1/8/"]]


@time_machine.travel(AT, tick=False)
def test_the_rebuild_agrees_whatever_the_batches(join: Any, treasurer: Any, fund: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    member = join(1_000_000, on=FOUNDED)
    services.contribution_record(by=treasurer, membership=member, year=1403, month=2, paid_on=PAID, today=PAID)
    rollups.drain()
    Figure.objects.filter(unit=fund, period=ALL_TIME, metric="funds.savings").update(value=3)
    monkeypatch.setattr(rebuild, "BATCH_UNITS", 40)  # provinces split into their counties, a few a batch
    assert [(d.unit_id, d.metric) for d in rebuild.rebuild(write=False)] == [(fund.pk, "funds.savings")]


def test_a_late_entry_is_listed_on_its_fund(join: Any, treasurer: Any, fund: Any) -> None:
    from mardom.dashboards.sources.funds import late_entries

    with time_machine.travel(datetime.datetime(2024, 4, 25, 9, 0, tzinfo=datetime.UTC), tick=False):
        member = join(1_000_000, on=datetime.date(2024, 4, 25))  # recorded the day it is dated: on time
    with time_machine.travel(datetime.datetime(2024, 6, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        services.contribution_record(by=treasurer, membership=member, year=1403, month=2,
                                     paid_on=datetime.date(2024, 5, 10), today=datetime.date(2024, 6, 1))
        services.contribution_record(by=treasurer, membership=member, year=1403, month=3,
                                     paid_on=datetime.date(2024, 6, 1), today=datetime.date(2024, 6, 1))
        listed = late_entries(fund=fund)
    assert [(e.kind, e.occurred_on) for e in listed] == [("contribution", datetime.date(2024, 5, 10))]


def test_the_funds_dashboard_lists_its_late_entries_to_its_officers_not_to_members(
        client: Any, join: Any, treasurer: Any, fund: Any, make_user: Any, make_person: Any, base: Any) -> None:
    from django.urls import reverse

    with time_machine.travel(datetime.datetime(2024, 4, 25, 9, 0, tzinfo=datetime.UTC), tick=False):
        member = join(1_000_000, on=datetime.date(2024, 4, 25))
    with time_machine.travel(datetime.datetime(2024, 6, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        services.contribution_record(by=treasurer, membership=member, year=1403, month=2,
                                     paid_on=datetime.date(2024, 5, 10), today=datetime.date(2024, 6, 1))
        manager = make_user(make_person(base), roles=[("fund_manager", fund)])
        client.force_login(manager)
        page = client.get(reverse("dashboards:unit", args=[fund.pk])).content.decode()
        assert page.count('data-test="late-entry"') == 1 and "۱۴۰۳/۰۲/۲۱" in page
        client.logout()
        client.force_login(make_user(member.person))
        page = client.get(reverse("dashboards:unit", args=[fund.pk])).content.decode()
        assert 'data-test="late-entries"' not in page


def test_a_fund_onboarded_from_its_workbook_rolls_up_and_rebuilds_to_the_same_figures(
        base: Any, base_officer: Any) -> None:
    from mardom.funds.models import Membership
    from mardom.funds.tests.test_onboarding import run

    record = run(base_officer, base)
    assert record.status == "done", record.problems
    fund = record.fund
    members = Membership.objects.filter(fund=fund).count()
    assert value(fund, ALL_TIME, "funds.members") == members > 0
    savings = sum(-m.savings_account.balance for m in Membership.objects.filter(fund=fund)
                  .select_related("savings_account"))
    assert value(fund.ancestor_of_kind("nation"), ALL_TIME, "funds.savings") == savings > 0
    assert value(fund, ALL_TIME, "funds.outstanding") > 0
    assert rebuild.rebuild(write=False) == []


def test_history_replayed_at_its_own_moments_rolls_up_month_by_month(join: Any, treasurer: Any, fund: Any) -> None:
    """A write given the moment it is recorded (the demo replaying a fund's history) counts in that moment's month,
    is no late entry, and the rebuild agrees: the fund's chart has its history, not one month of everything."""
    member = join(1_000_000, on=FOUNDED)
    for month, paid in ((2, datetime.date(2024, 4, 25)), (3, datetime.date(2024, 5, 25))):
        moment = datetime.datetime.combine(paid, datetime.time(6, 30), tzinfo=datetime.UTC)
        services.contribution_record(by=treasurer, membership=member, year=1403, month=month, paid_on=paid,
                                     today=paid, now=moment)
    rollups.drain()
    for paid in (datetime.date(2024, 4, 25), datetime.date(2024, 5, 25)):
        assert value(fund, month_of(paid), "funds.contributions") == 1
        assert value(fund, month_of(paid), "funds.late_entries") == 0
    assert rebuild.rebuild(write=False) == []
