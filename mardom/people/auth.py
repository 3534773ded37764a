"""Sign in with a national ID or a mobile number, in any digits; throttle by the person, not the spelling."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from mardom.core.validators import is_valid_national_id, normalize_mobile, normalize_national_id

from .models import User

_MOBILE = re.compile(r"^09\d{9}$")
_NATIONAL_ID = re.compile(r"^\d{10}$")


def normalize_login(identifier: str) -> str:
    """The form a login name is looked up (and throttled) under: a national ID, a 09… mobile, or as typed."""
    identifier = (identifier or "").strip()
    # A valid national ID wins over a bare "912…" mobile typed without its leading zero.
    national_id = normalize_national_id(identifier)
    if _NATIONAL_ID.match(national_id) and is_valid_national_id(national_id):
        return national_id
    mobile = normalize_mobile(identifier)
    if _MOBILE.match(mobile):
        return mobile
    return identifier


def resolve_login(identifier: str) -> User | None:
    """The user a typed login name means, or None."""
    login = normalize_login(identifier)
    if not login:
        return None
    if _MOBILE.match(login):
        # A mobile may be shared in a family; it identifies a login only when exactly one has it.
        candidates = list(User.objects.filter(person__mobile=login)[:2])
        return candidates[0] if len(candidates) == 1 else None
    return User.objects.filter(username=login).first()


def throttle_username(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str:
    """AXES_USERNAME_CALLABLE: the name failed attempts are counted under. A person is one name whichever
    identifier is typed (national ID, mobile, in any digits), so five tries spread over the spellings of
    one person are five tries, not one each; an unknown name is counted under its normalised spelling."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = getattr(request, "POST", {}).get("username")
    login = normalize_login(str(raw or ""))
    user = resolve_login(login)
    return user.username if user is not None else login


def _valid_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the person's address. Behind a reverse proxy every request comes from the
    proxy, and throttling by that one address would let one person lock everyone out; so the header the
    trusted proxy sets (MARDOM_TRUSTED_PROXY_HEADER, e.g. "X-Forwarded-For" or "X-Real-IP") is read. Only
    its right-most entry is believed: that is what our proxy appended, whatever the client sent before it.
    Without the setting (the default) the address is REMOTE_ADDR, and a forwarded header is ignored."""
    header = getattr(settings, "MARDOM_TRUSTED_PROXY_HEADER", "") or ""
    if header:
        key = header.upper().replace("-", "_")
        key = key if key.startswith("HTTP_") or key == "REMOTE_ADDR" else f"HTTP_{key}"
        entries = [entry for entry in str(request.META.get(key, "")).split(",") if entry.strip()]
        if entries and (address := _valid_ip(entries[-1])):
            return address
    return _valid_ip(str(request.META.get("REMOTE_ADDR", ""))) or None


class NationalIdOrMobileBackend(ModelBackend):
    def authenticate(self, request: Any, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> User | None:
        if not username or password is None:
            return None
        user = resolve_login(username)
        if user is None:
            User().set_password(password)  # spend the same time as a real check: no user enumeration by timing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
