"""Every resource scoped as its page: the user's own world answers, another scope's is 404 (or 403 where the
page says 403), and a write from outside changes nothing in the database. Money in rials, dates with Jalali."""

from __future__ import annotations

import pytest

from .conftest import money_rows

pytestmark = pytest.mark.django_db


def test_funds_memberships_and_contributions_read_with_jalali_dates(api, meeting, this_month):
    fund = api.get(f"/api/v1/funds/{meeting.fund.pk}/", meeting.token).json()
    assert fund["founded_on"] == "2024-03-20" and fund["founded_on_jalali"] == "1403-01-01"
    assert fund["totals"]["cash"] == 2_000_000 and fund["totals"]["members"] == 2
    members = api.get(f"/api/v1/funds/{meeting.fund.pk}/memberships/", meeting.token).json()["results"]
    assert sorted(m["savings"] for m in members) == [1_000_000, 1_000_000]
    year, month = this_month
    made = api.post(f"/api/v1/memberships/{meeting.members[0].pk}/contributions/", {"year": year, "month": month},
                    meeting.token)
    assert made.status_code == 201 and made.json()["amount"] == 500_000
    listed = api.get(f"/api/v1/memberships/{meeting.members[0].pk}/contributions/", meeting.token).json()
    assert [c["id"] for c in listed["results"]] == [made.json()["id"]]
    assert "next" in listed and "count" not in listed  # keyset pages: no COUNT


OTHER_SCOPE_READS = [
    ("/api/v1/funds/{other_fund}/", 404),
    ("/api/v1/funds/{other_fund}/memberships/", 404),
    ("/api/v1/funds/{other_fund}/loans/", 404),
    ("/api/v1/funds/{other_fund}/draws/", 404),
    ("/api/v1/memberships/{other_member}/", 404),
    ("/api/v1/memberships/{other_member}/contributions/", 404),
    ("/api/v1/memberships/{other_member}/withdrawals/", 404),
]


@pytest.mark.parametrize(("path", "code"), OTHER_SCOPE_READS)
def test_another_funds_treasurer_reads_nothing_of_this_one(api, meeting, path, code):
    url = path.format(other_fund=meeting.other_fund.pk, other_member=meeting.other_member.pk)
    response = api.get(url, meeting.token)
    assert response.status_code == code
    assert response["Content-Type"] == "application/problem+json"
    assert api.get(url, meeting.other_token).status_code == 200  # the owner of that scope does


def test_the_fund_list_holds_only_the_users_funds(api, meeting):
    ids = [f["id"] for f in api.get("/api/v1/funds/", meeting.other_token).json()["results"]]
    assert ids == [meeting.other_fund.pk]


def test_a_member_sees_her_fund_but_not_the_others_memberships(api, meeting):
    assert api.get(f"/api/v1/funds/{meeting.fund.pk}/", meeting.member_token).status_code == 200
    assert api.get(f"/api/v1/funds/{meeting.fund.pk}/memberships/", meeting.member_token).status_code == 403
    assert api.get(f"/api/v1/memberships/{meeting.members[0].pk}/", meeting.member_token).status_code == 200
    assert api.get(f"/api/v1/memberships/{meeting.members[1].pk}/", meeting.member_token).status_code == 404


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/memberships/{m}/contributions/", {"year": 1405, "month": 9}),
    ("/api/v1/memberships/{m}/withdrawals/", {"amount": 100_000}),
])
def test_another_scopes_treasurer_writes_nothing(api, meeting, path, body):
    before = money_rows()
    response = api.post(path.format(m=meeting.members[0].pk), body, meeting.other_token)
    assert response.status_code == 404
    assert money_rows() == before


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/memberships/{m}/contributions/", {"year": 1405, "month": 9}),
    ("/api/v1/memberships/{m}/withdrawals/", {"amount": 100_000}),
])
def test_a_member_cannot_record_money_on_her_own_membership(api, meeting, path, body):
    before = money_rows()
    response = api.post(path.format(m=meeting.members[0].pk), body, meeting.member_token)
    assert response.status_code == 403
    assert money_rows() == before


def test_a_rule_refusal_is_422_in_persian_beside_the_field(api, meeting, this_month):
    import datetime

    from django.utils import timezone

    before = money_rows()
    year, month = this_month
    future = (timezone.localdate() + datetime.timedelta(days=365)).isoformat()  # a device clock a year ahead
    response = api.post(f"/api/v1/memberships/{meeting.members[0].pk}/contributions/",
                        {"year": year, "month": month, "paid_on": future}, meeting.token)
    body = response.json()
    assert response.status_code == 422 and body["field"] == "paid_on"
    assert body["detail"] == "این تاریخ پس از امروز است؛ پول وقتی ثبت می‌شود که جابه‌جا شده باشد."
    assert money_rows() == before


@pytest.mark.parametrize("body", [{}, {"year": "x", "month": 13}, {"year": 1405, "month": 5, "amount": -1},
                                  {"year": 1405, "month": 5, "amount": 10**30}, [], "text"])
def test_bad_input_is_400_never_500_and_changes_nothing(api, meeting, body):
    before = money_rows()
    response = api.post(f"/api/v1/memberships/{meeting.members[0].pk}/contributions/", body, meeting.token)
    assert response.status_code == 400
    assert response.json()["errors"]
    assert money_rows() == before


def test_a_month_already_recorded_is_not_recorded_twice(api, meeting, this_month):
    year, month = this_month
    url = f"/api/v1/memberships/{meeting.members[0].pk}/contributions/"
    first = api.post(url, {"year": year, "month": month}, meeting.token)
    second = api.post(url, {"year": year, "month": month}, meeting.other_token)  # not in scope: 404
    again = api.post(url, {"year": year, "month": month}, meeting.token)  # another key, the same month
    assert (first.status_code, second.status_code, again.status_code) == (201, 404, 200)
    assert again.json()["id"] == first.json()["id"]
    assert money_rows()["contributions"] == 1


def test_producers_booths_orders_and_enrolments_are_the_users_own(api, meeting, make_token):
    for path in ("/api/v1/producers/", "/api/v1/orders/"):
        response = api.get(path, meeting.member_token)
        assert response.status_code == 200 and response.json()["results"] == []
    for path in ("/api/v1/booths/", "/api/v1/training/enrolments/"):
        response = api.get(path, meeting.member_token)
        assert response.status_code == 200 and response.json() == []
