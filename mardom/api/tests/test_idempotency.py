"""Idempotency-Key (IETF draft): missing 400, same key and body replays, same key other body 422, the first still
running 409; per token; stored with the write; kept >= 30 days."""

from __future__ import annotations

import datetime
import threading
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from mardom.api.models import IdempotencyRecord
from mardom.conftest import committing
from mardom.funds.models import Movement

from .conftest import money_rows

pytestmark = pytest.mark.django_db


def _withdraw(api, meeting, key, amount=100_000, token=None):
    return api.post(f"/api/v1/memberships/{meeting.members[0].pk}/withdrawals/", {"amount": amount},
                    token or meeting.token, key=key)


def test_a_write_without_a_key_is_400_and_writes_nothing(api, meeting):
    before = money_rows()
    response = _withdraw(api, meeting, key=None)
    assert response.status_code == 400
    assert response.json()["field"] == "Idempotency-Key"
    assert "Idempotency-Key" in response.json()["detail"] and "سرآیند" in response.json()["detail"]
    assert money_rows() == before


def test_the_same_key_and_body_replays_the_first_answer_and_posts_once(api, meeting):
    first = _withdraw(api, meeting, key="k-1")
    assert first.status_code == 201
    again = _withdraw(api, meeting, key="k-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Movement.objects.filter(membership=meeting.members[0], kind="withdrawal").count() == 1


def test_the_same_key_with_another_body_is_422_and_posts_nothing_more(api, meeting):
    assert _withdraw(api, meeting, key="k-2").status_code == 201
    before = money_rows()
    response = _withdraw(api, meeting, key="k-2", amount=200_000)
    assert response.status_code == 422
    assert response.json()["title"] == "key reused"
    assert money_rows() == before


def test_a_key_is_per_token_another_token_s_same_key_is_its_own(api, meeting, make_token):
    second = make_token(meeting.treasurer)
    assert _withdraw(api, meeting, key="shared").status_code == 201
    other = _withdraw(api, meeting, key="shared", amount=50_000, token=second)
    assert other.status_code == 201 and "Idempotent-Replayed" not in other  # not the first token's answer
    assert IdempotencyRecord.objects.filter(key="shared").count() == 2
    # A token of someone else cannot read another's stored answer by guessing the key: it gets its own outcome.
    stranger = _withdraw(api, meeting, key="shared", token=meeting.other_token)
    assert stranger.status_code == 404
    assert Movement.objects.filter(membership=meeting.members[0], kind="withdrawal").count() == 2


def test_a_refusal_by_a_rule_is_kept_and_replayed_nothing_written(api, meeting):
    before = money_rows()
    response = _withdraw(api, meeting, key="big", amount=999_000_000)
    assert response.status_code == 422 and response.json()["field"] == "amount"
    assert response["Content-Type"] == "application/problem+json"
    assert money_rows() == before
    again = _withdraw(api, meeting, key="big", amount=999_000_000)
    assert again.status_code == 422 and again["Idempotent-Replayed"] == "true"
    assert again.json() == response.json()


def test_bad_input_is_not_kept_so_the_corrected_retry_goes_through(api, meeting):
    bad = api.post(f"/api/v1/memberships/{meeting.members[0].pk}/withdrawals/", {"amount": "زیاد"}, meeting.token,
                   key="fix-me")
    assert bad.status_code == 400 and bad.json()["field"] == "amount"
    assert not IdempotencyRecord.objects.filter(key="fix-me").exists()


def test_prune_keeps_thirty_days_at_least(meeting, api):
    from mardom.api.services import api_prune
    from mardom.core.errors import DomainError

    _withdraw(api, meeting, key="old")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - datetime.timedelta(days=29))
    assert api_prune(days=30) == (0, 0)
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - datetime.timedelta(days=31))
    assert api_prune(days=30)[0] == 1
    with pytest.raises(DomainError):
        api_prune(days=7)


def test_the_worker_prunes_daily_and_queues_its_next_run_once(meeting, api, capsys):
    from types import SimpleNamespace

    from django.core.management import call_command
    from django.test import override_settings
    from django_tasks_db.models import DBTaskResult

    from mardom.api.tasks import api_prune_task, schedule_prune

    assert schedule_prune() is False  # the immediate backend cannot defer: cron runs the command
    call_command("api-prune", "--start")
    assert "cannot defer" in capsys.readouterr().err
    _withdraw(api, meeting, key="old")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - datetime.timedelta(days=90))
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        call_command("api-prune", "--start")
        call_command("api-prune", "--start")  # one waiting run is enough
        [first] = DBTaskResult.objects.all()
        DBTaskResult.objects.filter(id=first.id).update(status="RUNNING")
        outcome = api_prune_task.func(SimpleNamespace(task_result=SimpleNamespace(id=first.id)))
        assert outcome["keys"] == 1 and not IdempotencyRecord.objects.filter(key="old").exists()
        [waiting] = DBTaskResult.objects.filter(status="READY")
        assert waiting.task_path == api_prune_task.module_path
        assert waiting.run_after - timezone.now() > datetime.timedelta(hours=23)


postgres_only = pytest.mark.skipif(not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
                                   reason="the key's advisory lock is PostgreSQL's; SQLite queues writers instead")


@postgres_only
@committing()
def test_the_same_key_while_the_first_still_runs_is_409(api, meeting):
    """The first request holds the key's lock in its transaction (as a slow first request does); the retry
    arriving meanwhile is told 409 and posts nothing; once the first is gone the key is free."""
    from mardom.api.auth import Principal
    from mardom.api.idempotency import _running_elsewhere
    from mardom.api.models import PersonalToken

    token = PersonalToken.objects.get(user=meeting.treasurer, device="گوشی")
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        from django.db import transaction

        with transaction.atomic():
            assert not _running_elsewhere(Principal("token", token.pk, frozenset()).ident, "slow")
            holding.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    holding.wait(10)
    before = money_rows()
    response = _withdraw(api, meeting, key="slow")
    release.set()
    thread.join()
    assert response.status_code == 409 and response["Retry-After"] == "1"
    assert money_rows() == before
    assert _withdraw(api, meeting, key="slow").status_code == 201


@postgres_only
@committing()
def test_two_threads_one_key_post_once(meeting):
    from .conftest import Api

    results: list[int] = []
    barrier = threading.Barrier(2)

    def go() -> None:
        barrier.wait()
        results.append(_withdraw(Api(), meeting, key="race").status_code)
        connection.close()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) in ([201, 201], [201, 409])  # the second replays or is told to retry
    assert Movement.objects.filter(membership=meeting.members[0], kind="withdrawal").count() == 1
    assert IdempotencyRecord.objects.filter(key="race").count() == 1


def test_keys_are_uuid_or_anything_up_to_255(api, meeting):
    assert _withdraw(api, meeting, key=str(uuid.uuid4())).status_code == 201
    assert _withdraw(api, meeting, key="x" * 256).status_code == 400
