"""The dashboard figures through the API: the page's figures and scope (a member sees her fund, not its county;
another scope's unit is 404), money in rials."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _by_code(body: dict) -> dict:
    return {row["code"]: row for row in body["figures"]}


def test_a_treasurer_reads_her_funds_figures_as_the_dashboard_shows_them(api, meeting):
    response = api.get(f"/api/v1/figures/{meeting.fund.pk}/", meeting.token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["unit"] == {"id": meeting.fund.pk, "name": meeting.fund.name, "kind": "fund"}
    figures = _by_code(body)
    assert figures["funds.members"]["month"] == 2 and figures["funds.members"]["unit"] == "count"
    assert figures["funds.savings"]["year"] == 2_000_000 and figures["funds.savings"]["unit"] == "rials"
    assert body["month"] // 100 * 100 == body["year"] == body["last_year"] + 100


def test_a_county_officer_reads_the_county_with_its_children(api, meeting, county_officer, make_token, base):
    body = api.get(f"/api/v1/figures/{base.parent_id}/", make_token(county_officer)).json()
    assert _by_code(body)["funds.members"]["year"] == 2
    bases = {child["id"]: child for child in body["children"]}
    assert bases[base.pk]["year"]["funds.savings"] == 2_000_000


def test_another_scope_and_a_member_above_her_fund_get_404(api, meeting, base):
    assert api.get(f"/api/v1/figures/{meeting.fund.pk}/", meeting.other_token).status_code == 404
    assert api.get(f"/api/v1/figures/{base.parent_id}/", meeting.member_token).status_code == 404
    member = api.get(f"/api/v1/figures/{meeting.fund.pk}/", meeting.member_token).json()
    assert member["children"] == [] and _by_code(member)["funds.members"]["month"] == 2
    assert api.get("/api/v1/figures/99999999999999999999/", meeting.token).status_code == 404
