"""The SMS setting, built from the environment by a pure function so that it can be tested without
reloading settings. config/settings/base.py calls it with os.environ."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

CONSOLE_BACKEND = "mardom.core.sms.backends.ConsoleBackend"
IN_MEMORY_BACKEND = "mardom.core.sms.backends.InMemoryBackend"
HTTP_BACKEND = "mardom.core.sms.backends.HttpBackend"
DEFAULT_TIMEOUT = 10.0


def sms_settings_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """`SMS_URL` set: the HTTP provider (`SMS_API_KEY` required, `SMS_SENDER` and `SMS_TIMEOUT` optional).
    Otherwise messages are written to the log, so nothing leaves the machine by accident."""
    url = environ.get("SMS_URL", "").strip()
    if not url:
        return {"BACKEND": CONSOLE_BACKEND, "OPTIONS": {}}
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise ImproperlyConfigured("SMS_URL must be an http:// or https:// address.")
    api_key = environ.get("SMS_API_KEY", "").strip()
    if not api_key:
        raise ImproperlyConfigured("SMS_URL is set but SMS_API_KEY is not.")
    try:
        timeout = float(environ.get("SMS_TIMEOUT", "") or DEFAULT_TIMEOUT)
    except ValueError as exc:
        raise ImproperlyConfigured("SMS_TIMEOUT must be a number of seconds.") from exc
    if timeout <= 0:
        raise ImproperlyConfigured("SMS_TIMEOUT must be a positive number of seconds.")
    return {
        "BACKEND": HTTP_BACKEND,
        "OPTIONS": {
            "url": url,
            "api_key": api_key,
            "sender": environ.get("SMS_SENDER", "").strip(),
            "timeout": timeout,
        },
    }
