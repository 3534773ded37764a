"""The funds list at national size: 50 a page, search on the stored key, filters by area and status, a CSV
export scoped like the page; bad input is shown, never a 500."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from mardom.funds import services
from mardom.orgs import services as org_services

from .conftest import FOUNDED, RULES

URL = reverse("funds:list")
EXPORT = reverse("funds:export")


@pytest.fixture
def many_funds(base_officer, base):
    """55 funds under one Qaenat base: 'صندوق شماره N'."""
    return [services.fund_create(by=base_officer, base=base, name=f"صندوق شماره {n}", founded_on=FOUNDED,
                                 rules=RULES) for n in range(1, 56)]


@pytest.fixture
def birjand_fund(birjand_officer, birjand, birjand_village, make_person, make_user):
    birjand_base = org_services.base_create(by=birjand_officer, county=birjand, name="پایگاه شهدا",
                                            place=birjand_village)
    officer = make_user(make_person(birjand_base), roles=[("base_officer", birjand_base)])
    return services.fund_create(by=officer, base=birjand_base, name="صندوق كوثر", founded_on=FOUNDED, rules=RULES)


def body(response):
    return response.content.decode()


def test_fifty_a_page_in_a_fixed_number_of_queries(client, county_officer, many_funds,
                                                    django_assert_max_num_queries):
    client.force_login(county_officer)
    with django_assert_max_num_queries(16):
        first = client.get(URL)
    assert first.status_code == 200
    page = first.context["page"]
    assert len(page.object_list) == 50 and page.paginator.count == 55
    with django_assert_max_num_queries(16):
        second = client.get(URL, {"page": "2"})
    assert len(second.context["page"].object_list) == 5
    assert "page=2" in body(first)


def test_search_on_the_stored_key_and_the_pager_keeps_it(client, county_officer, many_funds):
    client.force_login(county_officer)
    # Arabic yeh and Latin digits find the Persian name.
    response = client.get(URL, {"q": "شماره 1"})
    names = {f.name for f in response.context["page"]}
    assert names == {"صندوق شماره 1", *(f"صندوق شماره {n}" for n in range(10, 20))}
    many = client.get(URL, {"q": "صندوق", "status": "active"})
    assert "q=%D8%B5%D9%86%D8%AF%D9%88%D9%82&amp;status=active&amp;page=2" in body(many)


def test_filters_by_county_base_and_status(client, national_officer, many_funds, birjand_fund, base,
                                            qaenat, birjand):
    client.force_login(national_officer)
    assert client.get(URL).context["page"].paginator.count == 56
    only_birjand = client.get(URL, {"county": birjand.pk})
    assert [f.pk for f in only_birjand.context["page"]] == [birjand_fund.pk]
    assert client.get(URL, {"base": base.pk, "county": qaenat.pk}).context["page"].paginator.count == 55
    closed = many_funds[0]
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    assert [f.pk for f in client.get(URL, {"status": "closed"}).context["page"]] == [closed.pk]
    assert client.get(URL, {"status": "active"}).context["page"].paginator.count == 55


def test_a_national_officer_picks_a_province_before_its_counties(client, national_officer, south_khorasan, qaenat):
    client.force_login(national_officer)
    assert client.get(URL).context["form"].shown == ["province"]
    form = client.get(URL, {"province": south_khorasan.pk}).context["form"]
    assert "county" in form.shown
    assert set(form.fields["county"].queryset.values_list("parent_id", flat=True)) == {south_khorasan.pk}
    assert qaenat in form.fields["county"].queryset


@pytest.mark.parametrize("params", [
    {"page": "abc"}, {"page": "-3"}, {"page": "999999999999999999999"}, {"county": "x"}, {"county": "99999999"},
    {"province": "'; drop table"}, {"status": "nope"}, {"q": "x" * 500}, {"base": "1.5"}, {"q": "\x00"},
])
def test_bad_input_is_never_a_500(client, county_officer, many_funds, params):
    client.force_login(county_officer)
    expected = 400 if "\x00" in params.get("q", "") else 200  # a NUL is refused by the middleware
    assert client.get(URL, params).status_code == expected
    assert client.get(EXPORT, params).status_code == expected


def test_a_county_outside_the_scope_is_refused_beside_the_field(client, county_officer, many_funds, birjand_fund,
                                                                birjand):
    """A Qaenat officer naming Birjand gets a message beside the select and still only her own funds."""
    client.force_login(county_officer)
    response = client.get(URL, {"county": birjand.pk})
    assert response.context["form"].errors["county"]
    assert birjand_fund.pk not in {f.pk for f in response.context["page"]}
    assert "صندوق كوثر" not in body(response) and "صندوق کوثر" not in body(response)


def export_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    raw = b"".join(response.streaming_content).decode("utf-8")
    assert raw.startswith("\ufeff")
    return list(csv.reader(io.StringIO(raw[1:])))


def test_csv_is_streamed_with_a_bom_jalali_dates_and_rials(client, county_officer, many_funds):
    client.force_login(county_officer)
    response = client.get(EXPORT, {"q": "شماره 55"})
    assert response.streaming
    header, *rows = export_rows(response)
    assert "ریال" in " ".join(header)
    assert len(rows) == 1
    assert rows[0][1] == "صندوق شماره 55"
    assert rows[0][5] == "1403/01/01"
    assert rows[0][-1] == "0"


def test_csv_counts_members_and_cash(client, county_officer, fund, join):
    join(3_000_000)
    join(1_000_000)
    client.force_login(county_officer)
    _header, *rows = export_rows(client.get(EXPORT))
    row = next(r for r in rows if r[0] == str(fund.pk))
    assert row[7] == "2" and row[8] == "4000000"


def test_csv_is_scoped_like_the_page(client, birjand_officer, many_funds, birjand_fund):
    client.force_login(birjand_officer)
    _header, *rows = export_rows(client.get(EXPORT))
    assert [r[0] for r in rows] == [str(birjand_fund.pk)]
    page = client.get(URL)
    assert [f.pk for f in page.context["page"]] == [birjand_fund.pk]


def test_members_see_their_fund_but_get_no_export(client, join, make_user):
    membership = join(1_000_000)
    user = make_user(membership.person)
    client.force_login(user)
    response = client.get(URL)
    assert [f.pk for f in response.context["page"]] == [membership.fund_id]
    assert client.get(EXPORT).status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    assert client.get(URL).status_code == 302
    assert client.get(EXPORT).status_code == 302
