from __future__ import annotations

import datetime
import json
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from mardom.core.errors import DomainError
from mardom.funds import draw as protocol
from mardom.funds import services
from mardom.funds.models import Draw

from .test_loans import pay_up

NOW = datetime.datetime(2024, 11, 5, 10, tzinfo=zoneinfo.ZoneInfo("Asia/Tehran"))  # 1403/08/15
LATER = NOW + datetime.timedelta(days=2)


@pytest.fixture
def members(join, treasurer):
    made = [join(1_000_000) for _ in range(5)]
    for m in made:
        pay_up(treasurer, m, until=NOW.date())
    return made


@pytest.fixture
def manager(make_user, make_person, base, fund):
    return make_user(make_person(base), roles=[("fund_manager", fund)])


def announce(manager, fund, n=2):
    return services.draw_announce(by=manager, fund=fund, winners_count=n, scheduled_at=LATER, now=NOW)


def test_announce_freezes_the_list_and_commits_to_a_hidden_seed(manager, fund, members):
    draw = announce(manager, fund)
    assert [e["ref"] for e in draw.entries] == sorted(str(m.number) for m in members)
    assert draw.list_hash == protocol.list_hash([protocol.Eligible(**e) for e in draw.entries])
    assert draw.commitment == protocol.commit(draw.seed)


def test_perform_reveals_and_anyone_can_verify(manager, fund, members, tmp_path, capsys):
    draw = services.draw_perform(by=manager, draw=announce(manager, fund), public_entropy="۱۲۳۴",
                                 now=LATER + datetime.timedelta(minutes=1))
    assert draw.status == "performed" and len(draw.winners) == 2 and draw.winners == draw.order[:2]
    record = services.draw_record(draw)
    assert protocol.verify(protocol.to_dict(record)).ok
    call_command("draw-verify", str(draw.pk))
    assert "verified" in capsys.readouterr().out
    tampered = protocol.to_dict(record)
    tampered["winners"] = list(reversed(tampered["order"]))[:2]
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("draw-verify", str(path))


def test_a_draw_cannot_be_performed_early_or_twice(manager, fund, members):
    draw = announce(manager, fund)
    with pytest.raises(DomainError):
        services.draw_perform(by=manager, draw=draw, now=NOW)
    services.draw_perform(by=manager, draw=draw, now=LATER)
    with pytest.raises(DomainError):
        services.draw_perform(by=manager, draw=draw, now=LATER)


def test_winners_do_not_win_again_in_the_cycle_until_everyone_has(manager, fund, members):
    won: set[str] = set()
    for winners in (2, 2, 1):  # 5 members: 5, then 3, then 1 left in the first cycle
        draw = services.draw_announce(by=manager, fund=fund, winners_count=winners, scheduled_at=LATER, now=NOW)
        assert draw.cycle == 1
        assert not won & {e["ref"] for e in draw.entries}
        won |= set(services.draw_perform(by=manager, draw=draw, now=LATER).winners)
    assert len(won) == 5
    fresh = services.draw_announce(by=manager, fund=fund, winners_count=1, scheduled_at=LATER, now=NOW)
    assert fresh.cycle == 2 and len(fresh.entries) == 5


def test_only_managers_announce_and_bad_counts_are_refused(treasurer, manager, fund, members):
    with pytest.raises(PermissionDenied):
        services.draw_announce(by=treasurer, fund=fund, winners_count=1, scheduled_at=LATER, now=NOW)
    with pytest.raises(DomainError) as error:
        services.draw_announce(by=manager, fund=fund, winners_count=6, scheduled_at=LATER, now=NOW)
    assert error.value.field == "winners_count"
    with pytest.raises(DomainError) as error:
        services.draw_announce(by=manager, fund=fund, winners_count=1, scheduled_at=NOW, now=NOW)
    assert error.value.field == "scheduled_at"
    assert not Draw.objects.exists()


def test_members_see_the_draw_and_other_counties_do_not(client, make_user, manager, fund, members, birjand_officer):
    draw = services.draw_perform(by=manager, draw=announce(manager, fund), now=LATER)
    client.force_login(make_user(members[0].person))
    page = client.get(reverse("funds:draw", args=[draw.pk]))
    assert page.status_code == 200 and draw.seed in page.content.decode()
    exported = client.get(reverse("funds:draw-export", args=[draw.pk]))
    assert protocol.verify(json.loads(exported.content)).ok
    assert client.post(reverse("funds:draw-perform", args=[draw.pk])).status_code == 403
    client.force_login(birjand_officer)
    for name in ("funds:draw", "funds:draw-export"):
        assert client.get(reverse(name, args=[draw.pk])).status_code == 404
    assert client.get(reverse("funds:draws", args=[fund.pk])).status_code == 404
    assert client.post(reverse("funds:draw-perform", args=[draw.pk])).status_code == 404


def test_the_seed_is_not_shown_before_the_draw(client, make_user, manager, fund, members):
    draw = announce(manager, fund)
    client.force_login(make_user(members[0].person))
    assert draw.seed not in client.get(reverse("funds:draw", args=[draw.pk])).content.decode()
    exported = json.loads(client.get(reverse("funds:draw-export", args=[draw.pk])).content)
    assert exported["seed"] == "" and exported["commitment"] == draw.commitment


@time_machine.travel(NOW, tick=False)
def test_announce_form_takes_persian_digits_and_rejects_a_bad_time(client, manager, fund, members):
    client.force_login(manager)
    bad = client.post(reverse("funds:draws", args=[fund.pk]), {"winners_count": "۱", "held_on": "1499/01/01",
                                                               "held_at": "25:99"})
    assert 'class="field invalid" data-field="held_at"' in bad.content.decode()
    ok = client.post(reverse("funds:draws", args=[fund.pk]), {"winners_count": "۱", "held_on": "۱۴۹۹/۰۱/۰۱",
                                                              "held_at": "۱۸:۳۰"})
    assert ok.status_code == 302, ok.content.decode()[-3000:]
    assert Draw.objects.count() == 1


def test_winners_get_one_sms_after_the_draw_commits(manager, fund, members, django_capture_on_commit_callbacks):
    from mardom.core.sms.backends import outbox

    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        draw = services.draw_perform(by=manager, draw=announce(manager, fund), now=LATER)
    winners = {m.person.mobile for m in members if str(m.number) in draw.winners}
    assert {sms.to for sms in outbox} == winners and len(outbox) == 2
    assert all("قرعه" in sms.text for sms in outbox)
