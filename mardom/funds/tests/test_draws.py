from __future__ import annotations

import datetime
import json
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.urls import reverse

from mardom.core.errors import DomainError
from mardom.core.models import AuditEntry
from mardom.funds import draw as protocol
from mardom.funds import draw_v2, services
from mardom.funds.models import Draw
from mardom.funds.services import SourceInput

from .test_loans import pay_up

NOW = datetime.datetime(2024, 11, 5, 10, tzinfo=zoneinfo.ZoneInfo("Asia/Tehran"))  # 1403/08/15
LATER = NOW + datetime.timedelta(days=4)
PUBLIC = SourceInput(kind="public_value", name="شاخص کل بورس تهران، رقم پایانی", date=NOW.date()
                     + datetime.timedelta(days=2))


@pytest.fixture
def members(join, treasurer):
    made = [join(1_000_000) for _ in range(5)]
    for m in made:
        pay_up(treasurer, m, until=NOW.date())
    return made


@pytest.fixture
def manager(make_user, make_person, base, fund):
    return make_user(make_person(base), roles=[("fund_manager", fund)])


def announce(manager, fund, n=2, source=PUBLIC, at=LATER):
    return services.draw_announce(by=manager, fund=fund, winners_count=n, scheduled_at=at, source=source, now=NOW)


def perform(manager, draw, value="۲٬۳۴۵٬۶۷۸", at=LATER):
    return services.draw_perform(by=manager, draw=draw, values=[value], now=at)


def saved(tmp_path, doc, name="announcement.json"):
    path = tmp_path / name
    path.write_text(draw_v2.to_json(doc), encoding="utf-8")
    return str(path)


def test_announce_freezes_the_list_names_the_source_and_keeps_no_secret(manager, fund, members, join):
    late = join(1_000_000)  # never paid a month: left out, with the reason published
    draw = announce(manager, fund)
    assert draw.protocol == "mardom-draw-v2" and draw.seed == "" and draw.commitment == ""
    assert [e["ref"] for e in draw.entries] == sorted(str(m.number) for m in members)
    doc = draw.announcement
    assert draw_v2.verify_announcement(doc).ok and doc["digest"] == draw.digest
    assert doc["source"] == {"kind": "public_value", "name": PUBLIC.name, "date": "2024-11-07", "places": 0}
    assert doc["notice_days"] == 3 and doc["number"] == 1 and doc["fund_id"] == fund.pk
    assert [(e["ref"], bool(e["reason"])) for e in doc["excluded"]] == [(str(late.number), True)]
    assert "پرداخت نشده" in doc["excluded"][0]["reason"]
    assert AuditEntry.objects.filter(action="draw.announce").count() == 1


def test_perform_with_the_published_figure_and_anyone_can_verify(manager, fund, members, tmp_path, capsys):
    draw = announce(manager, fund)
    announcement = saved(tmp_path, draw.announcement)
    draw = perform(manager, draw)
    assert draw.status == "performed" and draw.values == ["2345678"] and draw.winners == draw.order[:2]
    record = services.draw_document(draw)
    assert draw_v2.verify(record, draw.announcement).ok
    call_command("draw-verify", str(draw.pk), "--announced", announcement)
    assert "verified" in capsys.readouterr().out
    path = tmp_path / "record.json"
    path.write_text(draw_v2.to_json(record), encoding="utf-8")
    call_command("draw-verify", str(path), "--announced", announcement)


def test_draw_verify_detects_a_changed_list_or_digest(manager, fund, members, tmp_path, capsys):
    draw = announce(manager, fund)
    announcement = saved(tmp_path, draw.announcement)
    record = services.draw_document(perform(manager, draw))
    forged = dict(record, entries=record["entries"][1:])
    forged["list_hash"] = protocol.list_hash(protocol.Eligible(**e) for e in forged["entries"])
    forged["winners_count"] = 1
    forged["digest"] = draw_v2.digest(forged)
    forged["seed"] = draw_v2.seed(forged["digest"], forged["values"])
    forged["order"] = protocol.shuffled_refs([protocol.Eligible(**e) for e in forged["entries"]], forged["seed"],
                                             forged["draw_id"])
    forged["winners"] = forged["order"][:1]
    assert draw_v2.verify(forged).ok  # consistent on its own: only the member's saved copy exposes it
    path = tmp_path / "forged.json"
    path.write_text(draw_v2.to_json(forged), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("draw-verify", str(path), "--announced", announcement)
    err = capsys.readouterr().err
    assert "'entries' differs from your saved announcement" in err and "digest differs" in err
    record["digest"] = "f" * 64
    path.write_text(draw_v2.to_json(record), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("draw-verify", str(path), "--announced", announcement)
    assert "does not match its digest" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["", "   ", "۲٬۳۴۵ تومان", "12.5", "abc", "-7"])
def test_an_empty_or_malformed_public_value_is_refused_and_changes_nothing(manager, fund, members, value):
    draw = announce(manager, fund)
    with pytest.raises(DomainError) as error:
        perform(manager, draw, value=value)
    assert error.value.field == "value"
    draw.refresh_from_db()
    assert draw.status == "announced" and draw.values is None and draw.winners is None


def test_a_draw_before_the_notice_period_is_refused(manager, fund, members):
    with pytest.raises(DomainError) as error:
        announce(manager, fund, at=NOW + datetime.timedelta(days=2, hours=23))
    assert error.value.field == "scheduled_at" and "۳" in str(error.value.message)
    assert not Draw.objects.exists()
    longer = services.rules_in_force(fund=fund, on=NOW.date())
    assert longer.draw_notice_days == 3


def test_the_notice_period_is_a_fund_rule(manager, fund, members, base_officer):
    from dataclasses import asdict

    current = services.rules_in_force(fund=fund, on=NOW.date())
    fields = {f: getattr(current, f) for f in asdict(services.RulesInput(1, 1, 1, 1))}
    services.rules_change(by=base_officer, fund=fund, effective_from=NOW.date(),
                          rules=services.RulesInput(**{**fields, "draw_notice_days": 7}), now=NOW)
    with pytest.raises(DomainError):
        announce(manager, fund)  # four days: enough for three, not for seven
    assert announce(manager, fund, at=NOW + datetime.timedelta(days=7)).announcement["notice_days"] == 7
    with pytest.raises(DomainError) as error:
        services.rules_change(by=base_officer, fund=fund, effective_from=NOW.date() + datetime.timedelta(days=1),
                              rules=services.RulesInput(**{**fields, "draw_notice_days": 0}), now=NOW)
    assert error.value.field == "draw_notice_days"


@pytest.mark.parametrize("day", [0, 5])  # the announcement's own day is known; after the draw is too late
def test_the_public_figure_must_be_of_a_day_after_the_announcement(manager, fund, members, day):
    source = SourceInput(kind="public_value", name="شاخص", date=NOW.date() + datetime.timedelta(days=day))
    with pytest.raises(DomainError) as error:
        announce(manager, fund, source=source)
    assert error.value.field == "source_date" and not Draw.objects.exists()


def test_a_draw_cannot_be_performed_early_or_twice(manager, fund, members):
    draw = announce(manager, fund)
    with pytest.raises(DomainError):
        perform(manager, draw, at=NOW + datetime.timedelta(days=3))
    perform(manager, draw)
    with pytest.raises(DomainError):
        perform(manager, draw, value="1")
    assert Draw.objects.get().values == ["2345678"]


def test_a_reused_draw_number_is_refused_and_draws_are_never_deleted(manager, fund, members):
    draw = announce(manager, fund)
    with pytest.raises(IntegrityError), transaction.atomic():
        Draw.objects.create(fund=fund, number=draw.number, winners_count=1, scheduled_at=LATER, entries=[],
                            list_hash="", announced_by=manager, announced_at=NOW)
    with pytest.raises(TypeError):
        draw.delete()
    with pytest.raises(TypeError):
        Draw.objects.filter(pk=draw.pk).delete()
    assert Draw.objects.filter(number=1).count() == 1


def test_cancel_is_public_with_its_reason_and_the_number_is_not_reused(manager, fund, members, client,
                                                                       make_user,
                                                                       django_capture_on_commit_callbacks):
    from mardom.core.sms.backends import outbox

    draw = announce(manager, fund)
    with pytest.raises(DomainError) as error:
        services.draw_cancel(by=manager, draw=draw, reason="  ", now=NOW)
    assert error.value.field == "reason" and Draw.objects.get().status == "announced"
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.draw_cancel(by=manager, draw=draw, reason="جلسه به دلیل برف برگزار نشد", now=NOW)
    draw.refresh_from_db()
    assert draw.status == "cancelled" and draw.cancel_reason == "جلسه به دلیل برف برگزار نشد"
    assert draw.cancelled_by == manager and AuditEntry.objects.filter(action="draw.cancel").count() == 1
    assert len(outbox) == len(members) and all("لغو" in sms.text for sms in outbox)
    with pytest.raises(DomainError):
        perform(manager, draw)
    with pytest.raises(DomainError):
        services.draw_cancel(by=manager, draw=draw, reason="دوباره", now=NOW)
    fresh = announce(manager, fund)
    assert fresh.number == 2 and fresh.announcement["draw_id"].endswith("draw2")
    client.force_login(make_user(members[0].person))
    page = client.get(reverse("funds:draw", args=[draw.pk])).content.decode()
    assert "جلسه به دلیل برف برگزار نشد" in page and 'data-test="cancelled"' in page
    assert "جلسه به دلیل برف برگزار نشد" in client.get(reverse("funds:draws", args=[fund.pk])).content.decode()


def test_sealed_numbers_of_three_members(manager, fund, members):
    holders = [m.number for m in members[:3]]
    with pytest.raises(DomainError) as error:
        announce(manager, fund, source=SourceInput(kind="sealed", holders=holders[:2]))
    assert error.value.field == "holders"
    with pytest.raises(DomainError) as error:
        announce(manager, fund, source=SourceInput(kind="sealed", holders=[*holders[:2], 999]))
    assert error.value.field == "holders" and not Draw.objects.exists()
    draw = announce(manager, fund, source=SourceInput(kind="sealed", holders=holders))
    refs = [h["ref"] for h in draw.announcement["source"]["holders"]]
    assert refs == sorted(str(n) for n in holders)
    with pytest.raises(DomainError) as error:
        services.draw_perform(by=manager, draw=draw, values=["48", "", "903"], now=LATER)
    assert error.value.field == f"sealed_{refs[1]}" and Draw.objects.get().status == "announced"
    draw = services.draw_perform(by=manager, draw=draw, values=["۰۴۸", "17", "903"], now=LATER)
    assert draw.values == ["48", "17", "903"]
    assert draw_v2.verify(services.draw_document(draw), draw.announcement).ok


def test_winners_do_not_win_again_in_the_cycle_until_everyone_has(manager, fund, members):
    won: set[str] = set()
    for winners in (2, 2, 1):  # 5 members: 5, then 3, then 1 left in the first cycle
        draw = announce(manager, fund, n=winners)
        assert draw.cycle == 1
        assert not won & {e["ref"] for e in draw.entries}
        assert {e["ref"] for e in draw.announcement["excluded"]} == won
        won |= set(perform(manager, draw).winners)
    assert len(won) == 5
    fresh = announce(manager, fund, n=1)
    assert fresh.cycle == 2 and len(fresh.entries) == 5


def test_only_the_funds_manager_decides_on_draws(treasurer, base_officer, county_officer, manager, fund, members,
                                                 make_user, make_person, base):
    from .conftest import FOUNDED, RULES

    other_fund = services.fund_create(by=base_officer, base=base, name="صندوق دیگر", founded_on=FOUNDED, rules=RULES)
    other_manager = make_user(make_person(base), roles=[("fund_manager", other_fund)])
    for user in (treasurer, base_officer, county_officer, other_manager):  # officers above oversee, never draw
        with pytest.raises(PermissionDenied):
            announce(user, fund)
    assert not Draw.objects.exists()
    with pytest.raises(DomainError) as error:
        announce(manager, fund, n=6)
    assert error.value.field == "winners_count"
    draw = announce(manager, fund)
    for user in (treasurer, base_officer, other_manager):
        with pytest.raises(PermissionDenied):
            perform(user, draw)
        with pytest.raises(PermissionDenied):
            services.draw_cancel(by=user, draw=draw, reason="x", now=NOW)
    draw.refresh_from_db()
    assert draw.status == "announced" and draw.winners is None and not draw.cancel_reason


def test_members_see_the_draw_and_other_counties_do_not(client, make_user, manager, fund, members, birjand_officer):
    draw = perform(manager, announce(manager, fund))
    client.force_login(make_user(members[0].person))
    page = client.get(reverse("funds:draw", args=[draw.pk])).content.decode()
    assert page.count(draw.digest) >= 1 and 'data-test="keep"' in page and "نگه دارید" in page
    assert 'data-test="protocol-steps"' in page and "بذر قرعه‌کشی" in page  # the steps in Persian, spec below
    exported = json.loads(client.get(reverse("funds:draw-export", args=[draw.pk])).content)
    kept = json.loads(client.get(reverse("funds:draw-announcement", args=[draw.pk])).content)
    assert draw_v2.verify(exported, kept).ok and "winners" not in kept
    assert client.post(reverse("funds:draw-perform", args=[draw.pk])).status_code == 403
    assert client.post(reverse("funds:draw-cancel", args=[draw.pk]), {"reason": "x"}).status_code == 403
    client.force_login(birjand_officer)
    for name in ("funds:draw", "funds:draw-export", "funds:draw-announcement"):
        assert client.get(reverse(name, args=[draw.pk])).status_code == 404
    assert client.get(reverse("funds:draws", args=[fund.pk])).status_code == 404
    assert client.post(reverse("funds:draw-perform", args=[draw.pk])).status_code == 404
    assert client.post(reverse("funds:draw-cancel", args=[draw.pk])).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_announce_form_takes_persian_digits_and_rejects_bad_input(client, manager, fund, members):
    client.force_login(manager)
    url = reverse("funds:draws", args=[fund.pk])
    good = {"winners_count": "۱", "held_on": "۱۴۰۳/۰۸/۲۰", "held_at": "۱۸:۳۰", "source_kind": "public_value",
            "source_name": "شاخص کل بورس تهران", "source_date": "۱۴۰۳/۰۸/۱۸", "source_places": "۰"}
    for field, value in [("held_at", "25:99"), ("held_on", "۱۴۰۳/۰۸/۱۶"), ("source_date", "۱۴۰۳/۰۸/۱۵"),
                         ("source_name", ""), ("source_kind", "dice"), ("holders", "۳، x")]:
        bad = client.post(url, {**good, field: value} if field != "holders" else
                          {**good, "source_kind": "sealed", "holders": value})
        assert bad.status_code == 400
        assert f'class="field invalid" data-field="{field}"' in bad.content.decode(), field
    sealed = client.post(url, {**good, "source_kind": "sealed", "holders": "۱، ۲"})
    assert 'class="field invalid" data-field="holders"' in sealed.content.decode()
    assert not Draw.objects.exists()
    ok = client.post(url, good)
    assert ok.status_code == 302, ok.content.decode()[-3000:]
    assert Draw.objects.get().announcement["source"]["date"] == "2024-11-08"


@time_machine.travel(LATER, tick=False)
def test_perform_form_shows_a_malformed_value_beside_the_field(client, manager, fund, members):
    with time_machine.travel(NOW, tick=False):
        draw = announce(manager, fund)
    client.force_login(manager)
    page = client.get(reverse("funds:draw", args=[draw.pk])).content.decode()
    assert 'data-test="perform-form"' in page and PUBLIC.name in page
    bad = client.post(reverse("funds:draw-perform", args=[draw.pk]), {"value": "۲۳٫۵"})
    assert bad.status_code == 400 and 'class="field invalid" data-field="value"' in bad.content.decode()
    assert Draw.objects.get().status == "announced"
    ok = client.post(reverse("funds:draw-perform", args=[draw.pk]), {"value": "۲٬۳۴۵٬۶۷۸"})
    assert ok.status_code == 302 and Draw.objects.get().values == ["2345678"]


def test_members_get_the_digest_by_sms_and_winners_their_news(manager, fund, members,
                                                               django_capture_on_commit_callbacks):
    from mardom.core.sms.backends import outbox

    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        draw = announce(manager, fund)
    assert {sms.to for sms in outbox} == {m.person.mobile for m in members}
    assert all(draw.digest[:32] in sms.text and draw.list_hash[:16] in sms.text for sms in outbox)
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        draw = perform(manager, draw)
    winners = {m.person.mobile for m in members if str(m.number) in draw.winners}
    assert {sms.to for sms in outbox} == winners and len(outbox) == 2
    assert all("قرعه" in sms.text for sms in outbox)


def v1_draw(fund, manager, members, *, performed=True):
    """A draw made under mardom-draw-v1 before v2 existed, as it sits in the database."""
    seed = protocol.new_seed()
    entries = [protocol.Eligible(str(m.number), m.person.full_name) for m in members]
    draw = Draw(fund=fund, number=1, winners_count=2, scheduled_at=LATER, announced_by=manager, announced_at=NOW)
    a = protocol.announce(draw_id=draw.public_id, fund=fund.name, winners_count=2, entries=entries, seed=seed,
                          scheduled_at=LATER.isoformat())
    draw.entries = [{"ref": e.ref, "name": e.name} for e in a.entries]
    draw.list_hash, draw.commitment, draw.seed = a.list_hash, a.commitment, seed
    if performed:
        record = protocol.perform(a, seed, "۴۷۱۲")
        draw.public_entropy, draw.order, draw.winners = record.public_entropy, record.order, record.winners
        draw.status, draw.performed_by, draw.performed_at = "performed", manager, LATER
    draw.save()
    return draw


def test_v1_records_still_verify(manager, fund, members, client, make_user, tmp_path, capsys):
    draw = v1_draw(fund, manager, members)
    assert draw.protocol == "mardom-draw-v1"
    call_command("draw-verify", str(draw.pk))
    assert "verified" in capsys.readouterr().out
    client.force_login(make_user(members[0].person))
    exported = client.get(reverse("funds:draw-export", args=[draw.pk])).content
    assert protocol.verify(json.loads(exported)).ok
    page = client.get(reverse("funds:draw", args=[draw.pk])).content.decode()
    assert draw.seed in page and "تعهد" in page and "Protocol mardom-draw-v1" in page
    announcement = tmp_path / "a.json"
    announcement.write_bytes(client.get(reverse("funds:draw-announcement", args=[draw.pk])).content)
    record = tmp_path / "r.json"
    record.write_bytes(exported)
    call_command("draw-verify", str(record), "--announced", str(announcement))
    tampered = json.loads(exported)
    tampered["entries"] = tampered["entries"][:-1]
    record.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("draw-verify", str(record), "--announced", str(announcement))


def test_a_v1_draw_still_announced_cannot_be_performed_only_cancelled(manager, fund, members):
    draw = v1_draw(fund, manager, members, performed=False)
    with pytest.raises(DomainError):
        services.draw_perform(by=manager, draw=draw, values=["1"], now=LATER)
    services.draw_cancel(by=manager, draw=draw, reason="پروتکل قدیمی؛ دوباره اعلام می‌شود", now=NOW)
    assert Draw.objects.get(pk=draw.pk).status == "cancelled"
    assert announce(manager, fund).number == 2


def test_once_the_source_may_be_known_the_draw_can_no_longer_be_cancelled(manager, fund, members):
    """Otherwise the manager could read the published figure, dislike the result and throw the dice again."""
    draw = announce(manager, fund)
    with pytest.raises(DomainError):
        services.draw_cancel(by=manager, draw=draw, reason="نتیجه را نپسندیدم", now=NOW + datetime.timedelta(days=2))
    assert Draw.objects.get(pk=draw.pk).status == "announced"
    assert services.draw_values_may_be_known(draw, NOW + datetime.timedelta(days=2))
    perform(manager, draw)
    sealed = announce(manager, fund, n=1, source=SourceInput(kind="sealed", holders=[m.number for m in members[:3]]),
                      at=LATER + datetime.timedelta(days=3))
    with pytest.raises(DomainError):
        services.draw_cancel(by=manager, draw=sealed, reason="x", now=LATER + datetime.timedelta(days=3))
    services.draw_cancel(by=manager, draw=sealed, reason="برف", now=LATER)
    assert Draw.objects.get(pk=sealed.pk).status == "cancelled"
