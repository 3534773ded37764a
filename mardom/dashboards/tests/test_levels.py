"""The level dashboards through the real funds services: every level sees its figures and drills down within
its scope, a user of another scope gets 404, the children sort and mark the best and worst, the series runs
right-to-left, the exports carry the same figures, a member sees her fund and the average fund only, and the
number of queries does not grow with the number of children."""

from __future__ import annotations

import csv
import datetime
import io
import re
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from mardom.dashboards import display, figures, metrics
from mardom.dashboards.selectors import levels
from mardom.funds import services
from mardom.funds.tests.conftest import FOUNDED, RULES

AT = datetime.datetime(2024, 5, 1, 10, 0, tzinfo=datetime.UTC)  # 1403/02/12
PAID = datetime.date(2024, 5, 1)


def page_text(response: Any) -> str:
    return response.content.decode()


def url(unit: Any, **query: str) -> str:
    base = reverse("dashboards:unit", args=[unit.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def world(base_officer: Any, base: Any, fund: Any, treasurer: Any, make_person: Any, make_user: Any,
          national_officer: Any, province_officer: Any, county_officer: Any, birjand_officer: Any,
          qaenat: Any, south_khorasan: Any, nation: Any) -> SimpleNamespace:
    """Three funds in one base of Qaenat with 1, 2 and 3 members; the first fund's member has a login."""
    with time_machine.travel(AT, tick=False):
        funds = [fund]
        for name in ("صندوق الغدیر", "صندوق کوثر"):
            funds.append(services.fund_create(by=base_officer, base=base, name=name, founded_on=FOUNDED, rules=RULES))
        keys = iter(range(1, 1000))
        members = []
        for count, one in enumerate(funds, start=1):
            cashier = treasurer if one.pk == fund.pk else make_user(make_person(base),
                                                                    roles=[("fund_treasurer", one)])
            for _ in range(count):
                members.append(services.membership_join(
                    by=cashier, fund=one, person=make_person(base), opening_deposit=1_000_000 * count,
                    joined_on=FOUNDED, idempotency_key=f"j{next(keys)}", today=FOUNDED))
        services.contribution_record(by=treasurer, membership=members[0], year=1403, month=2, paid_on=PAID,
                                     today=PAID)
    member_user = make_user(members[0].person)
    manager = make_user(make_person(base), roles=[("fund_manager", fund)])
    from mardom.orgs.models import OrgUnit

    tehran = OrgUnit.objects.get(kind="province", name="تهران")
    return SimpleNamespace(
        funds=funds, members=members, member_user=member_user, manager=manager, treasurer=treasurer,
        national=national_officer, province=province_officer, county=county_officer, base_officer=base_officer,
        other_county=birjand_officer, other_province=make_user(make_person(tehran), roles=[("province_officer",
                                                                                            tehran)]),
        base=base, qaenat=qaenat, south_khorasan=south_khorasan, nation=nation,
    )


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(AT, tick=False):
        yield


# --- reaching the dashboards ---------------------------------------------------------------------------------
def test_dashboards_home_sends_each_officer_to_their_own_unit(client: Any, world: SimpleNamespace) -> None:
    for user, unit in ((world.national, world.nation), (world.province, world.south_khorasan),
                       (world.county, world.qaenat), (world.base_officer, world.base),
                       (world.manager, world.funds[0]), (world.treasurer, world.funds[0]),
                       (world.member_user, world.funds[0])):
        client.force_login(user)
        response = client.get(reverse("dashboards:home"))
        assert response.status_code == 302 and response["Location"] == reverse("dashboards:unit", args=[unit.pk])


def test_someone_with_no_unit_gets_404(client: Any, plain_user: Any, world: SimpleNamespace) -> None:
    client.force_login(plain_user)
    assert client.get(reverse("dashboards:home")).status_code == 404
    assert client.get(url(world.funds[0])).status_code == 404


@pytest.mark.parametrize("who", ["other_county", "other_province"])
def test_a_user_of_another_scope_gets_404_on_every_unit_and_export(client: Any, world: SimpleNamespace,
                                                                   who: str) -> None:
    client.force_login(getattr(world, who))
    for unit in (world.qaenat, world.base, world.funds[0], world.nation, *(
            [world.south_khorasan] if who == "other_province" else [])):
        for name in ("unit", "children-csv", "children-xlsx", "series-csv", "series-xlsx"):
            assert client.get(reverse(f"dashboards:{name}", args=[unit.pk])).status_code == 404, (unit, name)


def test_the_manager_and_a_member_cannot_open_the_county_or_another_fund(client: Any, world: SimpleNamespace) -> None:
    for user in (world.manager, world.member_user, world.treasurer):
        client.force_login(user)
        for unit in (world.qaenat, world.base, world.funds[1]):
            assert client.get(url(unit)).status_code == 404
        assert client.get(url(world.funds[0])).status_code == 200


def test_a_unit_that_is_not_one_or_carries_no_figures_is_404(client: Any, world: SimpleNamespace) -> None:
    client.force_login(world.national)
    assert client.get(reverse("dashboards:unit", args=[99_999_999])).status_code == 404
    for name in ("unit", "children-csv", "children-xlsx", "series-csv", "series-xlsx"):
        assert client.get(reverse(f"dashboards:{name}", args=[10**30])).status_code == 404
    from mardom.orgs.models import OrgUnit

    brand = OrgUnit.objects.create(kind="brand", name="نمانام", parent=world.qaenat)  # a kind with no figures
    OrgUnit.objects.filter(pk=brand.pk).update(path=f"{world.qaenat.path}{brand.pk}/")
    assert client.get(url(brand)).status_code == 404


# --- what each level shows --------------------------------------------------------------------------------------
def _savings_cells(html: str) -> list[str]:
    row = re.search(r'<tr data-metric="funds.savings">(.*?)</tr>', html, re.S)
    assert row is not None
    return re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))


@pytest.mark.parametrize("who,unit", [("national", "nation"), ("province", "south_khorasan"), ("county", "qaenat"),
                                      ("base_officer", "base")])
def test_every_level_shows_its_figures_in_three_columns(client: Any, world: SimpleNamespace, who: str,
                                                        unit: str) -> None:
    client.force_login(getattr(world, who))
    response = client.get(url(getattr(world, unit)))
    assert response.status_code == 200
    html = page_text(response)
    total = 1_000_000 * (1 + 2 * 2 + 3 * 3) + 500_000  # deposits of 1, 2×2 and 3×3 millions, one contribution
    # A stock: its level now this month and this year; last year it was nothing (the funds were founded in 1403).
    savings = metrics.get("funds.savings")
    assert _savings_cells(html) == [display.fmt(v, savings).replace("\u00a0", " ") for v in (total, total, 0)]
    assert "اردیبهشت ۱۴۰۳" in html and "سال ۱۴۰۳" in html and "سال ۱۴۰۲" in html
    for group in ("funds", "production", "market", "desk"):
        assert f'data-test="group-{group}"' in html


def test_the_fund_page_shows_only_the_groups_a_fund_has(client: Any, world: SimpleNamespace) -> None:
    client.force_login(world.manager)
    html = page_text(client.get(url(world.funds[0])))
    assert 'data-test="group-funds"' in html and 'data-test="group-desk"' in html
    assert 'data-test="group-production"' not in html


def test_drill_down_links_children_and_the_breadcrumb_stays_in_scope(client: Any, world: SimpleNamespace) -> None:
    client.force_login(world.county)
    html = page_text(client.get(url(world.base)))
    for one in world.funds:
        assert f'href="{url(one)}" data-test="drill"' in html
    crumbs = re.search(r'data-test="breadcrumb">(.*?)</nav>', html, re.S).group(1)
    assert url(world.qaenat) in crumbs
    assert url(world.south_khorasan) not in crumbs and url(world.nation) not in crumbs  # above her scope
    client.force_login(world.national)
    crumbs = re.search(r'data-test="breadcrumb">(.*?)</nav>', page_text(client.get(url(world.base))), re.S).group(1)
    assert url(world.nation) in crumbs and url(world.south_khorasan) in crumbs and url(world.qaenat) in crumbs


def _child_order(html: str) -> list[str]:
    table = re.search(r'data-test="children-fund">(.*?)</table>', html, re.S).group(1)
    return re.findall(r'data-test="drill">(.*?)</a>', table)


def test_children_sort_by_any_metric_both_ways_with_best_and_worst_marked(client: Any, world: SimpleNamespace) -> None:
    client.force_login(world.base_officer)
    names = [one.name for one in world.funds]  # 1, 2 and 3 members: savings grow in that order
    html = page_text(client.get(url(world.base, sort="funds.savings", dir="desc")))
    assert _child_order(html) == names[::-1]
    table = re.search(r'data-test="children-fund">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr(?: class=\"(\w+)\")? data-test=\"child\">(.*?)</tr>", table, re.S)
    assert [mark for mark, _row in rows] == ["best", "", "worst"]
    assert _child_order(page_text(client.get(url(world.base, sort="funds.members", dir="asc")))) == names
    # Fewer members leaving is better: the metric's best is its least (all are 0 here, so nobody is marked).
    html = page_text(client.get(url(world.base, sort="funds.left")))
    assert 'data-test="best"' not in html and 'data-test="worst"' not in html


def test_lower_is_better_marks_the_least_as_best() -> None:
    from mardom.orgs.models import OrgUnit

    rows = []
    for index, value in enumerate((5, 1, 3)):
        values = figures.Values()
        values.year["funds.par30_permille"] = value
        rows.append(levels.Child(OrgUnit(pk=index + 1, name=str(index)), values))
    rows = levels.sort_rows(rows, code="funds.par30_permille", column="year", descending=True)
    levels.mark_best_worst(rows, code="funds.par30_permille", column="year")
    assert [(row.unit.name, row.mark) for row in rows] == [("0", "worst"), ("2", ""), ("1", "best")]


def test_many_rows_tied_at_an_end_are_not_marked() -> None:
    from mardom.orgs.models import OrgUnit

    rows = []
    for index, value in enumerate((0, 0, 0, 5, 2)):
        values = figures.Values()
        values.year["funds.members"] = value
        rows.append(levels.Child(OrgUnit(pk=index + 1, name=str(index)), values))
    levels.mark_best_worst(rows, code="funds.members", column="year")
    assert [row.mark for row in rows] == ["", "", "", "best", ""]  # three of five with none: not all "worst"


def test_a_share_of_nothing_sorts_last_and_is_never_marked() -> None:
    from mardom.orgs.models import OrgUnit

    rows = []
    for index, value in enumerate((None, 200, 100)):
        values = figures.Values()
        values.year["funds.on_time_permille"] = value
        rows.append(levels.Child(OrgUnit(pk=index + 1, name=str(index)), values))
    for descending in (True, False):
        ordered = levels.sort_rows(rows, code="funds.on_time_permille", column="year", descending=descending)
        assert ordered[-1].unit.name == "0"
    levels.mark_best_worst(rows, code="funds.on_time_permille", column="year")
    assert [row.mark for row in rows] == ["", "best", "worst"]


def test_bad_sort_column_direction_and_metric_fall_back_to_the_defaults(client: Any, world: SimpleNamespace) -> None:
    client.force_login(world.base_officer)
    for query in ({"sort": "nope"}, {"col": "x"}, {"dir": "sideways"}, {"metric": "<script>"},
                  {"sort": "۱۲۳", "metric": "desk.answer_days.00x"}, {"sort": "a" * 500}):
        response = client.get(url(world.base, **query))
        assert response.status_code == 200
        assert "<script>" not in page_text(response).split("<main", 1)[1]


# --- the series -----------------------------------------------------------------------------------------------
def test_the_series_runs_right_to_left_with_jalali_months_and_persian_digits(client: Any,
                                                                            world: SimpleNamespace) -> None:
    client.force_login(world.county)
    html = page_text(client.get(url(world.qaenat, metric="funds.members")))
    svg = re.search(r"<svg class=\"series\".*?</svg>", html, re.S).group(0)
    assert 'data-newest="140302"' in svg and 'data-oldest="140103"' in svg
    bars = re.findall(r'<rect x="([\d.]+)"[^>]*><title>(.*?): (.*?)</title>', svg)
    assert len(bars) == 24
    xs = [float(x) for x, _label, _value in bars]
    assert xs == sorted(xs, reverse=True)  # drawn oldest first: the oldest on the right, the newest on the left
    assert bars[-1][1] == "اردیبهشت ۱۴۰۳" and bars[-1][2] == "۶"  # six members now
    assert bars[0][1] == "خرداد ۱۴۰۱" and bars[0][2] == "۰"
    labels = re.findall(r'class="month(?: edge)?">([^<]*)</text>', svg)
    # Every sixth month back from the newest is named (in the drawing's order, oldest first): Aban 1401,
    # Ordibehesht 1402, Aban 1402, Ordibehesht 1403.
    assert labels == ["آبان", "اردیبهشت", "آبان", "اردیبهشت"]
    assert re.findall(r'class="month year(?: edge)?">([^<]*)</text>', svg) == ["۱۴۰۱", "۱۴۰۲", "۱۴۰۲", "۱۴۰۳"]
    assert re.search(r"[0-9]", "".join(re.findall(r">([^<]*)</text>", svg))) is None  # Persian digits only


def test_series_of_a_stock_is_its_month_end_level(world: SimpleNamespace) -> None:
    page = levels.level(user=world.county, pk=world.qaenat.pk)
    members = [month["funds.members"] for month in page.series]
    # Dated 1403/01/01 but recorded in Ordibehesht (the clock of the test): a fact counts when it is recorded,
    # so the end of Farvardin, a closed month, still shows none.
    assert members[-1] == 6 and members[:-1] == [0] * 23


# --- the fund's own dashboard -----------------------------------------------------------------------------------
def test_a_member_sees_her_fund_against_the_average_fund_and_no_other_fund(client: Any,
                                                                         world: SimpleNamespace) -> None:
    client.force_login(world.member_user)
    html = page_text(client.get(url(world.funds[0])))
    assert 'data-test="fund-compare"' in html
    assert 'data-test="children' not in html and 'data-test="breadcrumb"' not in html
    for other in world.funds[1:]:
        assert other.name not in html
    row = re.search(r'<tr data-metric="funds.members">(.*?)</tr>', html.split('data-test="fund-compare"')[1], re.S)
    own, county, province = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
    assert (own, county, province) == ("۱", "۲", "۲")  # 6 members over 3 active funds
    assert client.get(reverse("dashboards:children-csv", args=[world.funds[0].pk])).status_code == 200
    lines = b"".join(client.get(reverse("dashboards:children-csv",
                                        args=[world.funds[0].pk])).streaming_content).decode().splitlines()
    assert len(lines) == 1  # the header only: a fund has no children, and a member sees none


def test_the_average_is_hidden_over_too_few_funds(client: Any, world: SimpleNamespace,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    page = levels.level(user=world.manager, pk=world.funds[0].pk)
    assert page.compare is not None and page.compare.county_avg is not None
    # 14,500,000 rials over 3 funds, rounded down to whole tomans (the display unit).
    assert page.compare.county_avg.year["funds.savings"] == 4_833_330
    monkeypatch.setattr(levels, "MIN_FUNDS_FOR_AVERAGE", 4)  # three funds are now too few
    page = levels.level(user=world.manager, pk=world.funds[0].pk)
    assert page.compare.county_avg is None and page.compare.province_avg is None
    client.force_login(world.member_user)
    html = page_text(client.get(url(world.funds[0])))
    assert 'data-test="too-few-funds"' in html
    row = re.search(r'<tr data-metric="funds.savings">(.*?)</tr>', html.split('data-test="fund-compare"')[1], re.S)
    assert re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))[1:] == ["—", "—"]


def test_the_manager_sees_the_same_fund_figures_as_the_county(world: SimpleNamespace) -> None:
    mine = levels.level(user=world.manager, pk=world.funds[0].pk)
    county = levels.level(user=world.county, pk=world.funds[0].pk)
    assert mine.values == county.values and mine.access == levels.FULL


# --- exports --------------------------------------------------------------------------------------------------
def test_the_children_csv_streams_every_figure_of_every_child(client: Any, world: SimpleNamespace) -> None:
    client.force_login(world.base_officer)
    response = client.get(reverse("dashboards:children-csv", args=[world.base.pk]) + "?col=year")
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[0] == "نام" and "پس‌انداز اعضا (ریال)" in header
    savings = header.index("پس‌انداز اعضا (ریال)")
    by_name = {row[0]: row for row in body}
    assert by_name[world.funds[2].name][savings] == str(9_000_000)
    assert len(body) == 3


def test_the_xlsx_exports_open_with_openpyxl_right_to_left(client: Any, world: SimpleNamespace) -> None:
    from openpyxl import load_workbook

    client.force_login(world.county)
    response = client.get(reverse("dashboards:children-xlsx", args=[world.base.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=False)
    sheet = book.active
    assert sheet.sheet_view.rightToLeft
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "نام" and len(rows) == 4
    header = list(rows[0])
    members = header.index("اعضا")
    assert sorted(row[members] for row in rows[1:]) == [1, 2, 3]
    response = client.get(reverse("dashboards:series-xlsx", args=[world.qaenat.pk]))
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert len(rows) == 25 and rows[-1][0] == "1403/02" and rows[1][0] == "1401/03"
    assert rows[-1][list(rows[0]).index("اعضا")] == 6


def test_a_name_that_looks_like_a_formula_is_exported_as_text(client: Any, world: SimpleNamespace,
                                                              base_officer: Any) -> None:
    from openpyxl import load_workbook

    services.fund_create(by=base_officer, base=world.base, name="=HYPERLINK(1)", founded_on=FOUNDED, rules=RULES)
    client.force_login(world.base_officer)
    response = client.get(reverse("dashboards:children-xlsx", args=[world.base.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "'=HYPERLINK(1)" in names


def test_the_series_csv_has_24_months_oldest_first(client: Any, world: SimpleNamespace) -> None:
    client.force_login(world.province)
    response = client.get(reverse("dashboards:series-csv", args=[world.qaenat.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]][:2] == ["1401/03", "1401/04"] and rows[-1][0] == "1403/02"
    assert rows[-1][rows[0].index("واریزهای ماهانه")] == "1"


# --- cost ------------------------------------------------------------------------------------------------------
def _funds_under(base: Any, base_officer: Any, n: int, first: int = 0) -> None:
    for index in range(first, first + n):
        services.fund_create(by=base_officer, base=base, name=f"صندوق {index}", founded_on=FOUNDED, rules=RULES)


def test_the_query_count_does_not_grow_with_the_children(client: Any, base_officer: Any, base: Any,
                                                         django_assert_max_num_queries: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(base_officer)
    counts = {}
    for n in (3, 30):
        had = 3 if counts else 0
        _funds_under(base, base_officer, n - had, first=had)  # 3, then 27 more
        client.get(url(base))  # the session and the user, as on any later page
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url(base, sort="funds.savings"))
        assert response.status_code == 200 and page_text(response).count('data-test="drill"') == n
        counts[n] = len(ctx.captured_queries)
    assert counts[3] == counts[30] <= 12, counts
    with django_assert_max_num_queries(counts[3]):
        client.get(reverse("dashboards:children-csv", args=[base.pk])).getvalue()


def test_a_dashboard_page_stays_small(client: Any, base_officer: Any, base: Any) -> None:
    _funds_under(base, base_officer, 30)
    client.force_login(base_officer)
    response = client.get(url(base))
    assert len(response.content) < 150_000


# --- links from home ---------------------------------------------------------------------------------------------
def test_every_level_and_the_member_find_their_dashboard_on_the_home_page(client: Any, world: SimpleNamespace,
                                                                         plain_user: Any) -> None:
    for user, unit in ((world.national, world.nation), (world.province, world.south_khorasan),
                       (world.county, world.qaenat), (world.base_officer, world.base),
                       (world.manager, world.funds[0]), (world.treasurer, world.funds[0]),
                       (world.member_user, world.funds[0])):
        client.force_login(user)
        html = page_text(client.get(reverse("home")))
        assert f'href="{url(unit)}" data-test="home-dashboard"' in html, user
        assert html.count('data-test="home-dashboard"') == 1
    client.force_login(plain_user)
    assert 'data-test="home-dashboards"' not in page_text(client.get(reverse("home")))


def test_an_institution_officer_and_a_cluster_guide_reach_their_unit(client: Any, qaenat_world: SimpleNamespace,
                                                                    saffron_growers: Any, make_person: Any,
                                                                    make_user: Any, qaenat: Any) -> None:
    officer = make_user(make_person(qaenat), roles=[("institution_officer", qaenat_world.institution)])
    grown = saffron_growers()
    guide = make_user(make_person(qaenat), roles=[("cluster_guide", grown.cluster)])
    client.force_login(officer)
    assert f'href="{url(qaenat_world.institution)}" data-test="home-dashboard"' in page_text(client.get("/"))
    html = page_text(client.get(url(qaenat_world.institution)))
    assert 'data-test="group-desk"' in html and 'data-test="group-funds"' not in html
    assert client.get(url(qaenat)).status_code == 404
    client.force_login(guide)
    assert f'href="{url(grown.cluster)}" data-test="home-dashboard"' in page_text(client.get("/"))
    html = page_text(client.get(url(grown.cluster)))
    for colony in grown.colonies:  # filed under the county, but the cluster's children
        assert f'href="{url(colony)}" data-test="drill"' in html
        assert client.get(url(colony)).status_code == 200
    assert client.get(url(qaenat)).status_code == 404


def test_the_nations_page_with_every_province_weighs_under_150_kb_on_first_load(
        client: Any, world: SimpleNamespace) -> None:
    """The page itself and every file it loads (styles, scripts, the font), as a server sends them compressed
    (whitenoise gzips text files; the woff2 font is compressed already)."""
    import gzip

    from django.contrib.staticfiles import finders

    client.force_login(world.national)
    response = client.get(url(world.nation))
    html = response.content
    assert html.count(b'data-test="drill"') >= 31  # every province
    assert len(html) < 150_000
    total = len(gzip.compress(html))
    assets = set(re.findall(rb'(?:href|src)="/static/([^"]+)"', html))
    assert any(name.endswith(b"dashboards.css") for name in assets)
    for name in assets:
        path = finders.find(name.decode())
        assert path, name
        with open(path, "rb") as handle:
            data = handle.read()
        total += len(data) if name.endswith((b".woff2", b".ico")) else len(gzip.compress(data))
    assert total < 150_000, total


def test_the_menu_marks_one_section_current(client: Any, world: SimpleNamespace) -> None:
    client.force_login(world.county)
    html = page_text(client.get(reverse("dashboards:doubling")))
    assert re.findall(r'href="([^"]+)" aria-current="page"', html) == [reverse("dashboards:doubling")] * 2  # top, side
    html = page_text(client.get(url(world.qaenat)))
    assert set(re.findall(r'href="([^"]+)" aria-current="page"', html)) == {reverse("dashboards:home")}
