"""Personal tokens: hashed at rest, expired, revoked, scope missing, made and revoked on the page and by the
command, audited."""

from __future__ import annotations

import datetime
import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from mardom.api.models import PersonalToken
from mardom.core.models import AuditEntry

from .conftest import money_rows

pytestmark = pytest.mark.django_db


def test_only_a_digest_of_the_token_is_kept(meeting):
    token = PersonalToken.objects.get(user=meeting.treasurer)
    assert meeting.token.startswith("mrd_") and len(meeting.token) > 40
    assert token.digest == hashlib.sha256(meeting.token.encode()).hexdigest()
    assert meeting.token not in str(list(PersonalToken.objects.values()))
    assert AuditEntry.objects.filter(action="api.token.create", actor=meeting.treasurer).count() == 1


def test_a_token_reads_what_its_user_sees(api, meeting):
    response = api.get("/api/v1/funds/", meeting.token)
    assert response.status_code == 200
    assert [f["id"] for f in response.json()["results"]] == [meeting.fund.pk]


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer mrd_nothing", "Bearer not-a-client-token", "Basic abc"])
def test_no_or_unknown_token_is_401_in_persian(api, meeting, header):
    response = api.client.get("/api/v1/funds/", HTTP_AUTHORIZATION=header) if header else api.get("/api/v1/funds/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == response.status_code and any("\u0600" <= ch <= "\u06ff" for ch in body["detail"])


def test_an_expired_token_is_refused(api, meeting, time_machine):
    time_machine.move_to(timezone.now() + datetime.timedelta(days=31))
    response = api.get("/api/v1/funds/", meeting.token)
    assert response.status_code == 401
    assert response.json()["detail"] == "این توکن منقضی شده است؛ توکن تازه‌ای بسازید."


def test_a_revoked_token_is_refused_and_writes_nothing(api, meeting, this_month):
    from mardom.api.services import token_revoke

    token_revoke(by=meeting.treasurer, token=PersonalToken.objects.get(user=meeting.treasurer))
    before = money_rows()
    year, month = this_month
    response = api.post(f"/api/v1/memberships/{meeting.members[0].pk}/contributions/",
                        {"year": year, "month": month}, meeting.token)
    assert response.status_code == 401
    assert response.json()["detail"] == "این توکن لغو شده است."
    assert money_rows() == before


def test_a_scope_missing_is_403_and_writes_nothing(api, meeting, make_token, this_month):
    read_only = make_token(meeting.treasurer, scopes=("read",))
    before = money_rows()
    year, month = this_month
    response = api.post(f"/api/v1/memberships/{meeting.members[0].pk}/contributions/",
                        {"year": year, "month": month}, read_only)
    assert response.status_code == 403
    assert "funds:write" in response.json()["detail"]
    assert money_rows() == before
    assert api.get("/api/v1/funds/", read_only).status_code == 200


def test_nobody_revokes_another_persons_token(client, meeting):
    token = PersonalToken.objects.get(user=meeting.treasurer)
    client.force_login(meeting.member_user)
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_tokens_page_makes_shows_once_and_revokes(client, meeting):
    client.force_login(meeting.member_user)
    assert "api-tokens" in client.get("/").content.decode()
    page = client.post("/api/tokens/", {"device": "تبلت", "scopes": ["read"], "days": "۳۰"})
    assert page.status_code == 200
    secret = page.context["secret"]
    made = PersonalToken.objects.get(user=meeting.member_user, device="تبلت")
    assert made.digest == hashlib.sha256(secret.encode()).hexdigest() and made.scopes == ["read"]
    assert secret not in client.get("/api/tokens/").content.decode()  # shown once
    client.post(f"/api/tokens/{made.pk}/revoke/")
    made.refresh_from_db()
    assert made.revoked_at is not None
    assert AuditEntry.objects.filter(action="api.token.revoke", object_id=str(made.pk)).exists()


def test_the_tokens_page_refuses_bad_input_beside_the_field(client, meeting):
    client.force_login(meeting.member_user)
    before = PersonalToken.objects.count()
    page = client.post("/api/tokens/", {"device": "", "days": "9999"})
    assert page.status_code == 400
    assert set(page.context["form"].errors) == {"device", "scopes", "days"}
    assert PersonalToken.objects.count() == before


def test_the_command_makes_lists_and_revokes(meeting, api):
    out = StringIO()
    call_command("api-token", "create", meeting.member_user.username, "--device", "laptop", "--scopes", "read",
                 stdout=out, stderr=StringIO())
    secret = out.getvalue().strip()
    assert api.get(f"/api/v1/memberships/{meeting.members[0].pk}/", secret).status_code == 200
    listing = StringIO()
    call_command("api-token", "list", meeting.member_user.username, stdout=listing)
    assert secret[:12] in listing.getvalue()
    call_command("api-token", "revoke", meeting.member_user.username, secret[:12], stdout=StringIO())
    assert api.get(f"/api/v1/memberships/{meeting.members[0].pk}/", secret).status_code == 401


def test_throttled_per_token(api, meeting, settings, make_token):
    from django.core.cache import cache

    cache.clear()
    settings.MARDOM_API_RATE = "3/min"
    other = make_token(meeting.treasurer)
    codes = [api.get("/api/v1/funds/", meeting.token).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert api.get("/api/v1/funds/", other).status_code == 200  # another token has its own count
    cache.clear()
