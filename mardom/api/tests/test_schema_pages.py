"""The schema and the reference page are public and script-free; Django's own refusals under /api/v1/ are
problem+json too."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_is_public_openapi_3_with_the_problem_answers(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    answer = schema["paths"]["/api/v1/desk/requests/{id}/answer/"]["post"]
    assert {"200", "401", "409", "422"} <= set(answer["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in answer["parameters"])
    assert "bearer" in schema["components"]["securitySchemes"]


def test_the_reference_page_lists_every_operation_without_script(client):
    from mardom.core.tests.test_security_headers import inline_script_problems

    page = client.get("/api/docs/")
    html = page.content.decode()
    assert page.status_code == 200 and "/api/v1/batch/" in html
    assert html.count("<script") == 3  # the site's own three (htmx, the date picker, mardom.js): no viewer bundle
    assert inline_script_problems(html) == []
    assert html.count('data-test="operation"') >= 24


def test_an_address_no_route_matches_is_problem_json(client):
    response = client.get("/api/v1/memberships/null,null/")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "پیدا نشد، یا دیدن آن با شما نیست."


def test_a_nul_character_in_json_is_400_and_writes_nothing(client, meeting):
    from mardom.api.models import IdempotencyRecord

    response = client.post(f"/api/v1/memberships/{meeting.members[0].pk}/contributions/",
                           '{"year": 1405, "month": 1, "note": "\\u0000"}', content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {meeting.token}", HTTP_IDEMPOTENCY_KEY="nul")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "متن درخواست نویسهٔ تهی (NUL) دارد."
    assert not IdempotencyRecord.objects.exists()
