"""Ways to send a text message. Every backend has `send(*, to, text) -> str`, returning the provider's
message id, and raises `SmsError` when the message was not accepted.

- `ConsoleBackend`: writes the message to the log (development, and prod until a provider is configured).
- `InMemoryBackend`: appends to `outbox`, like Django's `mail.outbox` (tests).
- `HttpBackend`: POSTs JSON to a provider with the standard library only.
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

logger = logging.getLogger("mardom.sms")


class SmsError(Exception):
    """The message was refused (bad number, empty text) or the provider did not accept it."""


@runtime_checkable
class SmsBackend(Protocol):
    def send(self, *, to: str, text: str) -> str:
        """Send `text` to the mobile number `to` (already normalised, 09xxxxxxxxx); return the message id."""
        ...


class ConsoleBackend:
    def __init__(self, **options: object) -> None:
        pass

    def send(self, *, to: str, text: str) -> str:
        message_id = uuid.uuid4().hex
        logger.info("SMS to %s: %s", to, text)
        return message_id


@dataclass(frozen=True)
class SentSms:
    to: str
    text: str
    at: datetime
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


# Every message InMemoryBackend sent, oldest first. Tests empty it with `outbox.clear()`.
outbox: list[SentSms] = []


class InMemoryBackend:
    def __init__(self, **options: object) -> None:
        pass

    def send(self, *, to: str, text: str) -> str:
        sms = SentSms(to=to, text=text, at=timezone.now())
        outbox.append(sms)
        return sms.id


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A provider answering a POST with a redirect is misconfigured; urllib would silently turn the POST
    into a GET. Returning None makes the 3xx an HTTPError, which we report."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


class HttpBackend:
    """POST {"to", "text", "sender"} as UTF-8 JSON to `url` with the key in the `api_key_header` header.

    A 2xx answer must be JSON carrying the message id under `id_field`; anything else (another status,
    a network error, a timeout, a body that is not JSON) raises SmsError. Proxies follow the usual
    HTTP(S)_PROXY / NO_PROXY environment variables, as urllib does.
    """

    def __init__(
        self,
        *,
        url: str,
        api_key: str,
        sender: str = "",
        timeout: float = 10.0,
        api_key_header: str = "X-API-Key",
        id_field: str = "id",
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ImproperlyConfigured("The SMS provider URL must be an http:// or https:// address.")
        self.url = url
        self.api_key = api_key
        self.sender = sender
        self.timeout = float(timeout)
        self.api_key_header = api_key_header
        self.id_field = id_field
        self._opener = urllib.request.build_opener(_RefuseRedirects)

    def send(self, *, to: str, text: str) -> str:
        body = json.dumps({"to": to, "text": text, "sender": self.sender}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                self.api_key_header: self.api_key,
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
                raw = response.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            raise SmsError(f"SMS provider answered HTTP {exc.code}.") from exc
        except urllib.error.URLError as exc:
            raise SmsError(f"SMS provider unreachable: {exc.reason}.") from exc
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise SmsError(f"SMS provider request failed: {exc.__class__.__name__}.") from exc
        if not 200 <= status < 300:
            raise SmsError(f"SMS provider answered HTTP {status}.")
        try:
            message_id = json.loads(raw.decode("utf-8"))[self.id_field]
        except (UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
            raise SmsError(f"SMS provider answered without a message id in {self.id_field!r}.") from exc
        if message_id in (None, ""):
            raise SmsError(f"SMS provider answered an empty message id in {self.id_field!r}.")
        return str(message_id)


def get_backend() -> SmsBackend:
    """A backend built from the `SMS` setting (read at each call, so override_settings works)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    from .config import CONSOLE_BACKEND

    config = getattr(settings, "SMS", None) or {}
    backend_class = import_string(config.get("BACKEND", CONSOLE_BACKEND))
    return backend_class(**config.get("OPTIONS", {}))
