"""An institution's system end to end, as the README tells a partner: registered by the command, a token by
client credentials, the requests sent to its institution listed, one answered through the inbox's own service."""

from __future__ import annotations

import base64
from io import StringIO

import pytest
from django.core.management import call_command

from mardom.desk.models import Request, RequestStep
from mardom.desk.tests.requests_world import at, desk, make_request  # noqa: F401  (the desk tests' world)

pytestmark = pytest.mark.django_db


def register(institution, by) -> tuple[str, str]:
    out = StringIO()
    call_command("api-client", "register", "--institution", str(institution.pk), "--name", "سامانه بانک",
                 "--by", by.username, stdout=out, stderr=StringIO())
    values = dict(line.split("=", 1) for line in out.getvalue().split())
    return values["client_id"], values["client_secret"]


def client_token(api, client_id: str, secret: str, **extra: str):
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return api.client.post("/api/oauth/token/", {"grant_type": "client_credentials", **extra},
                           HTTP_AUTHORIZATION=f"Basic {basic}")


@pytest.fixture
def sent(desk, make_request):  # noqa: F811
    from mardom.desk.services.requests import request_submit

    mine = request_submit(by=desk.base_officer, request=make_request(), now=at(7, 10))
    elsewhere = request_submit(by=desk.base_officer, request=make_request(institution=desk.other_bank),
                               now=at(7, 10))
    return mine, elsewhere


def test_a_bank_gets_a_token_lists_its_requests_and_answers_one(api, desk, sent):  # noqa: F811
    mine, _elsewhere = sent
    client_id, secret = register(desk.bank, desk.officer)
    response = client_token(api, client_id, secret)
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    assert response.json()["token_type"] == "Bearer"
    listed = api.get("/api/v1/desk/requests/", token).json()["results"]
    assert [r["id"] for r in listed] == [mine.pk]  # not the other bank's
    assert listed[0]["amount_asked"] == 500_000_000 and listed[0]["submitted_at_jalali"] == "1404-03-17"
    answered = api.post(f"/api/v1/desk/requests/{mine.pk}/answer/",
                        {"outcome": "partly", "granted_amount": 300_000_000, "answer_text": "۳۰۰ میلیون"}, token)
    assert answered.status_code == 200, answered.content
    mine.refresh_from_db()
    assert (mine.status, mine.outcome, mine.granted_amount) == ("answered", "partly", 300_000_000)
    step = RequestStep.objects.filter(request=mine).order_by("-pk").first()
    assert step.channel == "mardom"  # answered by the institution itself, not recorded by the desk for it
    assert [r["id"] for r in api.get("/api/v1/desk/requests/", token, view="done").json()["results"]] == [mine.pk]


def test_a_bank_cannot_see_or_answer_another_banks_request(api, desk, sent):  # noqa: F811
    _mine, elsewhere = sent
    token = client_token(api, *register(desk.bank, desk.officer)).json()["access_token"]
    assert api.get(f"/api/v1/desk/requests/{elsewhere.pk}/", token).status_code == 404
    steps = RequestStep.objects.count()
    response = api.post(f"/api/v1/desk/requests/{elsewhere.pk}/answer/", {"outcome": "refused"}, token)
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == "submitted" and RequestStep.objects.count() == steps


def test_a_clients_token_never_records_money_or_reads_funds(api, desk, sent):  # noqa: F811
    client_id, secret = register(desk.bank, desk.officer)
    assert client_token(api, client_id, secret, scope="funds:write").status_code in (400, 401)  # no such scope
    token = client_token(api, client_id, secret).json()["access_token"]
    assert api.get("/api/v1/funds/", token).json()["results"] == []
    result = api.post("/api/v1/batch/", {"commands": [{"id": "7d1c1e0e-6f3e-4a8e-9d53-1b2c3d4e5f60",
                                                       "type": "contribution.record", "payload": {}}]},
                      token).json()
    assert result["refused"] == 1 and "funds:write" in result["results"][0]["detail"]


def test_a_wrong_secret_or_a_revoked_client_gets_no_token(api, desk, sent):  # noqa: F811
    from mardom.api.models import InstitutionClient

    client_id, secret = register(desk.bank, desk.officer)
    assert client_token(api, client_id, "wrong").status_code == 401
    token = client_token(api, client_id, secret).json()["access_token"]
    call_command("api-client", "revoke", "--client", str(InstitutionClient.objects.get().pk), "--by",
                 desk.officer.username, stdout=StringIO())
    assert api.get("/api/v1/desk/requests/", token).status_code == 401
    mine, _elsewhere = sent
    assert api.post(f"/api/v1/desk/requests/{mine.pk}/answer/", {"outcome": "granted"}, token).status_code == 401
    assert Request.objects.get(pk=mine.pk).status == "submitted"


def test_only_an_officer_over_the_institution_registers_a_client(desk):  # noqa: F811
    from django.core.management.base import CommandError

    from mardom.api.models import InstitutionClient

    with pytest.raises(CommandError):
        register(desk.bank, desk.birjand_officer)  # another county's officer
    with pytest.raises(CommandError):
        register(desk.bank, desk.bank_officer)  # the bank's own officer grants no roles
    assert not InstitutionClient.objects.exists()


def test_a_referral_with_no_person_lists_without_error(api, qaenat_world, make_token, make_user, make_person):
    """A base's referral to a bank is a desk request with no person: the bank's list shows it, person null."""
    w = qaenat_world
    officer = make_user(make_person(w.county), roles=[("institution_officer", w.institution)])
    rows = api.get("/api/v1/desk/requests/", make_token(officer)).json()["results"]
    assert [(r["id"], r["person"]) for r in rows] == [(w.referral.pk, None)]


def test_the_command_finds_the_institution_by_name_and_the_officer_by_mobile(desk):  # noqa: F811
    from mardom.api.models import InstitutionClient
    from mardom.core.digits import to_persian_digits

    out = StringIO()
    call_command("api-client", "register", "--institution", "بانک کشاورزی", "--name", "سامانه",
                 "--by", to_persian_digits(desk.officer.person.mobile), stdout=out, stderr=StringIO())
    client = InstitutionClient.objects.get()
    assert client.institution_id == desk.bank.pk and f"client_id={client.application.client_id}" in out.getvalue()
    assert client.user.role_assignments.get().role == "institution_officer"
    listing = StringIO()
    call_command("api-client", "list", stdout=listing)
    assert client.application.client_id in listing.getvalue()
