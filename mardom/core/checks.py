"""Deploy checks of the whole site (`check --deploy`)."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.http.request import validate_host

HINT = "Set MARDOM_PUBLIC_URL to the address people reach the site at, e.g. https://mardom.example.ir."


def _is_local(host: str) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost") or host.endswith(".local"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host  # a bare machine name only resolves on a local network
    return address.is_loopback or address.is_private or address.is_unspecified or address.is_link_local


@register("mardom", deploy=True)
def check_public_url(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Printed labels' QR codes and the payment gateway's return address carry PUBLIC_BASE_URL
    (MARDOM_PUBLIC_URL): under production it must be a public https address."""
    url = (getattr(settings, "PUBLIC_BASE_URL", "") or "").strip()
    if not url:
        return [Error("MARDOM_PUBLIC_URL is not set: labels' QR codes and the payment gateway's return address "
                      "would carry no public address.", hint=HINT, id="mardom.core.E001")]
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme not in ("http", "https") or not host:
        return [Error(f"MARDOM_PUBLIC_URL={url!r} is not an address.", hint=HINT, id="mardom.core.E002")]
    if _is_local(host):
        return [Error(f"MARDOM_PUBLIC_URL={url!r} is a local address: every printed label would point to it.",
                      hint=HINT, id="mardom.core.E002")]
    if parts.scheme != "https":
        return [Error(f"MARDOM_PUBLIC_URL={url!r} is not https.", hint=HINT, id="mardom.core.E002")]
    if not validate_host(host, settings.ALLOWED_HOSTS):
        return [Warning(f"The host of MARDOM_PUBLIC_URL ({host}) is not in ALLOWED_HOSTS: labels would point to "
                        "an address this site refuses.", hint="Add it to ALLOWED_HOSTS.", id="mardom.core.W001")]
    return []


@register("mardom", "database")
def check_replica(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """DATABASE_REPLICA_URL must name a PostgreSQL streaming replica of the primary (mardom/core/replica.py):
    the lag query and the streaming are PostgreSQL's."""
    from django.conf import settings

    replica = settings.DATABASES.get("replica")
    if replica is None:
        return []
    if "postgresql" not in replica["ENGINE"] or "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return [Error("DATABASE_REPLICA_URL is set but the primary or the replica is not PostgreSQL.",
                      hint="A replica is a PostgreSQL streaming replica of a PostgreSQL primary; unset it otherwise.",
                      id="mardom.core.E003")]
    return []
