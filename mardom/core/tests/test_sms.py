"""SMS: queued only after commit, numbers checked, text kept or cut, and the HTTP backend against a
local server on 127.0.0.1 (no other network)."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.test import override_settings

from mardom.core.sms import MAX_SMS_LENGTH, fit_text, get_backend, normalize_recipient, send_sms_on_commit
from mardom.core.sms.backends import ConsoleBackend, HttpBackend, InMemoryBackend, SmsError, outbox
from mardom.core.sms.config import sms_settings_from_env
from mardom.core.sms.tasks import send_sms_task

PERSIAN = "سلام، قسط ۱۲ صندوق محله پرداخت شد. مبلغ: ۲٬۵۰۰٬۰۰۰ ریال — ممنون از شما."


@pytest.fixture(autouse=True)
def empty_outbox() -> Iterator[None]:
    outbox.clear()
    yield
    outbox.clear()


# --- after commit, never on rollback --------------------------------------------------------------


@pytest.mark.django_db
def test_sent_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        send_sms_on_commit(to="+98 912 123 4567", text=PERSIAN)
        assert outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    assert [(sms.to, sms.text) for sms in outbox] == [("09121234567", PERSIAN)]


@pytest.mark.django_db
def test_not_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send_sms_on_commit(to="09121234567", text="نباید برسد")
        raise RuntimeError("the service failed after asking for the SMS")
    assert callbacks == []
    assert outbox == []


@pytest.mark.django_db
def test_persian_digits_in_the_number_are_accepted(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_sms_on_commit(to="۰۹۱۲-۱۲۳-۴۵۶۷", text=PERSIAN)
    assert outbox[0].to == "09121234567"
    assert outbox[0].text == PERSIAN


# --- refused ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["", "12345", "02112345678", "0912123456", "091212345678", "abc", "+1 555 0100"])
@pytest.mark.django_db
def test_invalid_mobile_refused_before_anything_is_queued(bad, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(SmsError):
        send_sms_on_commit(to=bad, text="x")
    assert callbacks == []
    assert outbox == []


@pytest.mark.parametrize("text", ["", "   ", "\n"])
@pytest.mark.django_db
def test_empty_text_refused(text):
    with pytest.raises(SmsError):
        send_sms_on_commit(to="09121234567", text=text)


def test_normalize_recipient():
    assert normalize_recipient("0098 912 123 4567") == "09121234567"
    assert normalize_recipient("9121234567") == "09121234567"
    with pytest.raises(SmsError):
        normalize_recipient("021 1234 5678")


# --- length ---------------------------------------------------------------------------------------


def test_text_at_the_limit_is_kept():
    text = "س" * MAX_SMS_LENGTH
    assert fit_text(text) == text


def test_long_text_is_cut_with_an_ellipsis():
    fitted = fit_text("ب" * 2000)
    assert len(fitted) == MAX_SMS_LENGTH
    assert fitted.endswith("…")


def test_emoji_count_as_two_units():
    fitted = fit_text("😀" * 400)  # 800 UTF-16 units
    assert len(fitted.encode("utf-16-le")) // 2 <= MAX_SMS_LENGTH
    assert fitted.endswith("…")


@pytest.mark.django_db
def test_long_text_is_truncated_and_logged(django_capture_on_commit_callbacks, caplog):
    with caplog.at_level(logging.WARNING, logger="mardom.sms"), django_capture_on_commit_callbacks(execute=True):
        send_sms_on_commit(to="09121234567", text="الف " * 400)
    assert len(outbox[0].text) == MAX_SMS_LENGTH
    assert outbox[0].text.endswith("…")
    assert "0912***4567" in caplog.text
    assert "09121234567" not in caplog.text  # the log masks the number


# --- the task ---------------------------------------------------------------------------------------


def test_task_returns_the_message_id():
    result = send_sms_task.call(to="09121234567", text=PERSIAN)
    assert result == outbox[0].id


class _Broken:
    def __init__(self, **options: Any) -> None:
        pass

    def send(self, *, to: str, text: str) -> str:
        raise SmsError("provider down")


@override_settings(SMS={"BACKEND": f"{__name__}._Broken"})
def test_task_failure_is_logged_and_raised(caplog):
    with caplog.at_level(logging.ERROR, logger="mardom.sms"), pytest.raises(SmsError):
        send_sms_task.call(to="09121234567", text="x")
    assert "SMS to 0912***4567 failed" in caplog.text


@override_settings(SMS={"BACKEND": f"{__name__}._Broken"})
def test_failed_task_is_recorded_as_failed():
    result = send_sms_task.enqueue(to="09121234567", text="x")
    assert result.status == "FAILED"
    assert result.errors[0].exception_class_path == "mardom.core.sms.backends.SmsError"


@pytest.mark.django_db
@override_settings(SMS={"BACKEND": f"{__name__}._Broken"})
def test_a_failing_send_does_not_break_the_committed_caller(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send_sms_on_commit(to="09121234567", text="x")
    assert len(callbacks) == 1


def test_console_backend_logs(caplog):
    with caplog.at_level(logging.INFO, logger="mardom.sms"):
        message_id = ConsoleBackend().send(to="09121234567", text=PERSIAN)
    assert message_id
    assert f"SMS to 09121234567: {PERSIAN}" in caplog.text


# --- settings -----------------------------------------------------------------------------------------


def test_settings_default_to_the_console():
    assert sms_settings_from_env({}) == {"BACKEND": "mardom.core.sms.backends.ConsoleBackend", "OPTIONS": {}}


def test_settings_pick_http_when_sms_url_is_set():
    config = sms_settings_from_env(
        {"SMS_URL": "https://sms.example/send", "SMS_API_KEY": "k", "SMS_SENDER": "3000", "SMS_TIMEOUT": "5"}
    )
    assert config == {
        "BACKEND": "mardom.core.sms.backends.HttpBackend",
        "OPTIONS": {"url": "https://sms.example/send", "api_key": "k", "sender": "3000", "timeout": 5.0},
    }
    with override_settings(SMS=config):
        backend = get_backend()
    assert isinstance(backend, HttpBackend)
    assert (backend.url, backend.api_key, backend.sender, backend.timeout) == (
        "https://sms.example/send",
        "k",
        "3000",
        5,
    )


@pytest.mark.parametrize(
    "environ",
    [
        {"SMS_URL": "https://sms.example/send"},  # no key
        {"SMS_URL": "file:///etc/passwd", "SMS_API_KEY": "k"},
        {"SMS_URL": "https://sms.example/send", "SMS_API_KEY": "k", "SMS_TIMEOUT": "soon"},
        {"SMS_URL": "https://sms.example/send", "SMS_API_KEY": "k", "SMS_TIMEOUT": "0"},
    ],
)
def test_settings_refuse_a_broken_provider_configuration(environ):
    with pytest.raises(ImproperlyConfigured):
        sms_settings_from_env(environ)


def test_base_settings_use_the_environment():
    from config.settings import base

    assert sms_settings_from_env(os.environ) == base.SMS


def test_test_settings_use_the_in_memory_backend():
    assert isinstance(get_backend(), InMemoryBackend)


# --- HttpBackend against a local server -------------------------------------------------------------


class _Provider:
    """A stand-in SMS provider on 127.0.0.1: /ok answers an id, /fail a 500, /slow nothing until released,
    /redirect a 302, /garbage a 200 that is not JSON."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                provider.requests.append({"path": self.path, "headers": self.headers, "body": body})
                if self.path == "/slow":
                    provider.release.wait(10)
                    return self._answer(200, {"id": "late"})
                if self.path == "/fail":
                    return self._answer(500, {"error": "down"})
                if self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", "/ok")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if self.path == "/garbage":
                    return self._answer(200, None)
                return self._answer(200, {"id": 4711})

            def _answer(self, status: int, payload: Any) -> None:
                data = b"<html>" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture
def provider(monkeypatch) -> Iterator[_Provider]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)  # talk to 127.0.0.1 directly, never through a proxy
    server = _Provider()
    server.thread.start()
    yield server
    server.release.set()
    server.server.shutdown()
    server.server.server_close()


def _backend(provider: _Provider, path: str, **options: Any) -> HttpBackend:
    return HttpBackend(url=provider.url(path), api_key="secret-key", sender="30001234", timeout=2, **options)


def test_http_success_returns_the_id_and_sends_json(provider):
    message_id = _backend(provider, "/ok").send(to="09121234567", text=PERSIAN)
    assert message_id == "4711"
    (request,) = provider.requests
    assert json.loads(request["body"].decode("utf-8")) == {"to": "09121234567", "text": PERSIAN, "sender": "30001234"}
    assert request["headers"]["X-API-Key"] == "secret-key"
    assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"


def test_http_custom_key_header(provider):
    _backend(provider, "/ok", api_key_header="Authorization").send(to="09121234567", text="x")
    assert provider.requests[0]["headers"]["Authorization"] == "secret-key"


def test_http_500_raises(provider):
    with pytest.raises(SmsError, match="500"):
        _backend(provider, "/fail").send(to="09121234567", text="x")


def test_http_redirect_is_not_followed(provider):
    with pytest.raises(SmsError, match="302"):
        _backend(provider, "/redirect").send(to="09121234567", text="x")
    assert [r["path"] for r in provider.requests] == ["/redirect"]


def test_http_answer_without_id_raises(provider):
    with pytest.raises(SmsError, match="message id"):
        _backend(provider, "/garbage").send(to="09121234567", text="x")


def test_http_timeout_raises(provider):
    backend = HttpBackend(url=provider.url("/slow"), api_key="k", timeout=0.2)
    with pytest.raises(SmsError):
        backend.send(to="09121234567", text="x")


def test_http_connection_refused_raises():
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as server:
        port = server.server_address[1]
    # The port was just freed, so nothing listens there.
    with pytest.raises(SmsError):
        HttpBackend(url=f"http://127.0.0.1:{port}/send", api_key="k", timeout=2).send(to="09121234567", text="x")


def test_http_backend_refuses_non_http_urls():
    with pytest.raises(ImproperlyConfigured):
        HttpBackend(url="file:///etc/passwd", api_key="k")


@pytest.mark.django_db
def test_end_to_end_through_http(provider, django_capture_on_commit_callbacks):
    config = {
        "BACKEND": "mardom.core.sms.backends.HttpBackend",
        "OPTIONS": {"url": provider.url("/ok"), "api_key": "k"},
    }
    with override_settings(SMS=config), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        send_sms_on_commit(to="09121234567", text=PERSIAN)
    assert json.loads(provider.requests[0]["body"])["text"] == PERSIAN


def test_rows_queued_under_the_old_task_path_still_find_the_task():
    """The database worker imports a queued row's task by its dotted path; rows queued before the task moved
    to mardom.core.sms.tasks name mardom.core.tasks.send_sms_task."""
    from django.utils.module_loading import import_string

    assert import_string("mardom.core.tasks.send_sms_task") is send_sms_task
    assert import_string(send_sms_task.module_path) is send_sms_task
    assert send_sms_task.module_path == "mardom.core.sms.tasks.send_sms_task"
