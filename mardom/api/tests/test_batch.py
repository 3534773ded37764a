"""The offline batch: each command at most once, in its own transaction; refused ones beside applied ones; a
command for another fund; the same id with other content; 10,000 commands; two devices, one member's month."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from mardom.api.models import AppliedCommand
from mardom.funds.models import Contribution, Movement
from mardom.market.tests.test_sales import world  # noqa: F401  (the sales tests' booths)

from .conftest import money_rows

pytestmark = pytest.mark.django_db
BATCH = "/api/v1/batch/"


def contribution(membership, year, month, **extra):
    return {"id": str(uuid.uuid4()), "type": "contribution.record",
            "payload": {"membership": membership.pk, "year": year, "month": month, **extra}}


def send(api, token, *commands):
    response = api.post(BATCH, {"commands": list(commands)}, token)  # a new Idempotency-Key each call
    assert response.status_code == 200, response.content
    return response.json()


def test_a_meeting_sent_twice_posts_once(api, meeting, this_month):
    year, month = this_month
    commands = [contribution(m, year, month) for m in meeting.members]
    commands.append({"id": str(uuid.uuid4()), "type": "withdrawal.record",
                     "payload": {"membership": meeting.members[1].pk, "amount": 200_000}})
    first = send(api, meeting.token, *commands)
    assert (first["applied"], first["already_applied"], first["refused"]) == (3, 0, 0)
    before = money_rows()
    again = send(api, meeting.token, *commands)  # the connection dropped before the answer came back
    assert (again["applied"], again["already_applied"], again["refused"]) == (0, 3, 0)
    assert [r["result"] for r in again["results"]] == [r["result"] for r in first["results"]]
    assert money_rows() == before
    assert Contribution.objects.filter(membership__fund=meeting.fund, year=year, month=month).count() == 2


def test_refused_commands_stand_beside_applied_ones_and_leave_nothing(api, meeting, this_month):
    year, month = this_month
    good = contribution(meeting.members[0], year, month)
    too_much = {"id": str(uuid.uuid4()), "type": "withdrawal.record",
                "payload": {"membership": meeting.members[1].pk, "amount": 50_000_000}}
    elsewhere = contribution(meeting.other_member, year, month)  # another fund's member
    malformed = {"id": "not-a-uuid", "type": "contribution.record", "payload": {}}
    unknown = {"id": str(uuid.uuid4()), "type": "loan.forgive", "payload": {}}
    result = send(api, meeting.token, good, too_much, elsewhere, malformed, unknown)
    states = [r["status"] for r in result["results"]]
    assert states == ["applied", "refused", "refused", "refused", "refused"]
    assert result["results"][1]["field"] == "amount" and "برداشت" in result["results"][1]["detail"]
    assert result["results"][2]["detail"] == "پیدا نشد، یا ثبت آن با شما نیست."
    assert result["results"][3]["field"] == "id"
    assert not Contribution.objects.filter(membership=meeting.other_member).exists()
    assert not Movement.objects.filter(membership=meeting.members[1], kind="withdrawal").exists()
    assert AppliedCommand.objects.count() == 1
    # Corrected, the refused one goes through under its own id.
    too_much["payload"]["amount"] = 100_000
    assert send(api, meeting.token, too_much)["results"][0]["status"] == "applied"


def test_the_same_id_with_other_content_is_refused(api, meeting, this_month):
    year, month = this_month
    command = contribution(meeting.members[0], year, month)
    send(api, meeting.token, command)
    before = money_rows()
    changed = {**command, "payload": {**command["payload"], "membership": meeting.members[1].pk}}
    result = send(api, meeting.token, changed)["results"][0]
    assert result["status"] == "refused" and result["field"] == "id"
    assert money_rows() == before


def test_two_devices_send_the_same_members_month(api, meeting, this_month, make_user, make_person):
    """The treasurer's phone and the manager's tablet both recorded member 1's month offline."""
    year, month = this_month
    manager = make_user(make_person(meeting.fund.parent), roles=[("fund_manager", meeting.fund)])
    from mardom.api.services import token_create

    tablet = token_create(by=manager, device="تبلت", scopes=["read", "funds:write"], days=30)[1]
    one = send(api, meeting.token, contribution(meeting.members[0], year, month))["results"][0]
    two = send(api, tablet, contribution(meeting.members[0], year, month))["results"][0]
    assert one["status"] == "applied" and two["status"] == "already_applied"
    assert two["result"]["id"] == one["result"]["id"]
    assert Contribution.objects.filter(membership=meeting.members[0]).count() == 1


def test_a_device_clock_a_year_wrong_does_not_decide(api, meeting, this_month):
    year, month = this_month
    ahead = (timezone.localdate() + datetime.timedelta(days=366)).isoformat()
    behind = (timezone.localdate() - datetime.timedelta(days=366)).isoformat()
    before = money_rows()
    result = send(api, meeting.token, contribution(meeting.members[0], year, month, paid_on=ahead),
                  contribution(meeting.members[1], year, month, paid_on=behind))
    assert [r["status"] for r in result["results"]] == ["refused", "refused"]
    assert result["results"][0]["field"] == "paid_on"  # after today: money is recorded when it has moved
    assert result["results"][1]["field"] in ("paid_on", "month")  # a late entry, and a month a year ahead of it
    assert money_rows() == before


def test_a_scope_missing_refuses_each_command(api, meeting, this_month, make_token):
    year, month = this_month
    read_only = make_token(meeting.treasurer, scopes=("read",))
    result = send(api, read_only, contribution(meeting.members[0], year, month))
    assert result["refused"] == 1 and "funds:write" in result["results"][0]["detail"]
    assert not Contribution.objects.exists()


def test_ten_thousand_commands_are_refused_at_once(api, meeting, this_month):
    year, month = this_month
    commands = [contribution(meeting.members[0], year, month) for _ in range(10_000)]
    before = money_rows()
    response = api.post(BATCH, {"commands": commands}, meeting.token)
    assert response.status_code == 413
    assert response.json()["detail"] == "در هر دسته دست‌بالا ۵۰۰ فرمان؛ بقیه را در دستهٔ دیگری بفرستید."
    assert money_rows() == before


@pytest.mark.parametrize("body", [{}, {"commands": []}, {"commands": "x"}, [1, 2]])
def test_a_malformed_batch_is_400(api, meeting, body):
    response = api.post(BATCH, body, meeting.token)
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"


def test_a_booths_sales_offline(api, world, make_token):  # noqa: F811
    """The seller's tablet at the booth: two sales, then the same batch again; a command for another's booth."""
    from mardom.market.models import Sale

    token = make_token(world.users[0], scopes=("read", "sales:write"))
    sale = {"id": str(uuid.uuid4()), "type": "sale.record",
            "payload": {"booth": world.mine.pk, "method": "cash",
                        "lines": [{"product": world.saffron.pk, "quantity": "2", "unit_price": 1_500_000}]}}
    second = {**sale, "id": str(uuid.uuid4())}
    others = {**sale, "id": str(uuid.uuid4()), "payload": {**sale["payload"], "booth": world.other.pk}}
    barberry = {**sale, "id": str(uuid.uuid4()), "payload": {**sale["payload"], "lines": [
        {"product": world.barberry.pk, "quantity": "1", "unit_price": 10}]}}
    result = send(api, token, sale, second, others, barberry)
    assert [r["status"] for r in result["results"]] == ["applied", "applied", "refused", "refused"]
    assert result["results"][3]["field"] == "lines.0.product"
    assert send(api, token, sale, second)["already_applied"] == 2
    assert Sale.objects.filter(application=world.mine).count() == 2
    assert Sale.objects.filter(application=world.other).count() == 0
    assert sum(s.total for s in Sale.objects.all()) == 6_000_000


def test_a_booth_day_that_ended_refuses_the_sale(api, world, make_token, time_machine):  # noqa: F811
    from mardom.market.models import Sale

    token = make_token(world.users[0], scopes=("read", "sales:write"))
    time_machine.move_to(datetime.datetime(2026, 12, 20, 9, 0, tzinfo=datetime.UTC), tick=False)
    sale = {"id": str(uuid.uuid4()), "type": "sale.record",
            "payload": {"booth": world.mine.pk, "method": "cash",
                        "lines": [{"product": world.saffron.pk, "quantity": "1", "unit_price": 1_000}]}}
    result = send(api, token, sale)["results"][0]
    assert result["status"] == "refused" and "غرفه" in result["detail"]
    assert not Sale.objects.exists()


def test_the_sales_resource_is_the_sellers_own(api, world, make_token):  # noqa: F811
    from mardom.market.models import Sale

    mine, stranger = make_token(world.users[0]), make_token(world.users[1])
    body = {"method": "cash", "lines": [{"product": world.saffron.pk, "quantity": "1.5", "unit_price": 1_000_000}]}
    assert api.get(f"/api/v1/booths/{world.mine.pk}/sales/", stranger).status_code == 404
    assert api.post(f"/api/v1/booths/{world.mine.pk}/sales/", body, stranger).status_code == 404
    assert not Sale.objects.exists()
    made = api.post(f"/api/v1/booths/{world.mine.pk}/sales/", body, mine)
    assert made.status_code == 201 and made.json()["total"] == 1_500_000
    assert [b["id"] for b in api.get("/api/v1/booths/", mine).json()] == [world.mine.pk]
    assert [s["id"] for s in api.get(f"/api/v1/booths/{world.mine.pk}/sales/", mine).json()["results"]] == [
        made.json()["id"]]


def test_the_sites_own_pages_send_the_queue_with_the_session_and_its_csrf_token(meeting, this_month):
    """The offline pages call the batch with the signed-in session: DRF asks them for the CSRF token."""
    import json

    from django.conf import settings
    from django.test import Client

    year, month = this_month
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(meeting.treasurer)
    body = json.dumps({"commands": [contribution(meeting.members[0], year, month)]})
    refused = browser.post(BATCH, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert refused.status_code == 403 and not Contribution.objects.exists()
    browser.get("/api/tokens/")  # any page with a form sets the CSRF cookie
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    done = browser.post(BATCH, body, content_type="application/json", HTTP_X_CSRFTOKEN=token,
                        HTTP_IDEMPOTENCY_KEY="k")
    assert done.status_code == 200 and done.json()["applied"] == 1
    assert Contribution.objects.filter(membership=meeting.members[0]).count() == 1


def test_the_batch_follows_the_idempotency_key_rules(api, meeting, this_month):
    """No key 400 with nothing applied; the same batch under its key again gets the first answer back, marked
    replayed; another batch under a used key 422 with nothing applied."""
    year, month = this_month
    batch = {"commands": [contribution(meeting.members[0], year, month)]}
    before = money_rows()
    missing = api.post(BATCH, batch, meeting.token, key=None)
    assert missing.status_code == 400 and missing.json()["field"] == "Idempotency-Key"
    assert money_rows() == before
    first = api.post(BATCH, batch, meeting.token, key="meeting-1")
    assert first.status_code == 200 and first.json()["applied"] == 1
    after = money_rows()
    again = api.post(BATCH, batch, meeting.token, key="meeting-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    other = {"commands": [contribution(meeting.members[1], year, month)]}
    reused = api.post(BATCH, other, meeting.token, key="meeting-1")
    assert reused.status_code == 422 and reused.json()["field"] == "Idempotency-Key"
    assert money_rows() == after
    assert Contribution.objects.filter(membership=meeting.members[1], year=year, month=month).count() == 0


def _command(kind, **payload):
    return {"id": str(uuid.uuid4()), "type": kind, "payload": payload}


def test_a_closed_meeting_accepts_only_reversals_and_its_recorder_does_not_reverse_alone(
        api, meeting, this_month, make_token, make_user, make_person, base):
    year, month = this_month
    first, second = meeting.members
    applied = send(api, meeting.token, contribution(first, year, month))["results"][0]
    assert applied["status"] == "applied"
    closed = send(api, meeting.token, _command("meeting.close", fund=meeting.fund.pk, year=year, month=month))
    assert closed["results"][0]["status"] == "applied"
    assert closed["results"][0]["result"]["summary"]["contributions"] == 1
    before = money_rows()
    late = send(api, meeting.token, contribution(second, year, month))["results"][0]
    assert late["status"] == "refused" and late["field"] == "paid_on" and "بسته" in late["detail"]
    reverse = _command("contribution.reverse", record=applied["result"]["id"], reason="برای عضو دیگری بود")
    own = send(api, meeting.token, reverse)["results"][0]
    assert own["status"] == "refused" and "مدیر صندوق" in own["detail"]
    elsewhere = send(api, meeting.other_token, {**reverse, "id": str(uuid.uuid4())})["results"][0]
    assert elsewhere["status"] == "refused" and elsewhere["detail"] == "پیدا نشد، یا ثبت آن با شما نیست."
    member = send(api, meeting.member_token, {**reverse, "id": str(uuid.uuid4())})["results"][0]
    assert member["status"] == "refused"
    assert money_rows() == before
    manager = make_token(make_user(make_person(base), roles=[("fund_manager", meeting.fund)]))
    done = send(api, manager, reverse)["results"][0]
    assert done["status"] == "applied" and done["result"]["reversed_on"] == timezone.localdate().isoformat()
    again = send(api, manager, reverse)["results"][0]
    assert again["status"] == "already_applied"
    assert money_rows()["entries"] == before["entries"] + 1
    assert not Contribution.objects.filter(membership=first, year=year, month=month).live().exists()
    listed = api.get(f"/api/v1/memberships/{first.pk}/contributions/", manager).json()
    assert [row["reversed_on"] for row in listed["results"]] == [timezone.localdate().isoformat()]
