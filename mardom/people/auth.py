"""Sign in with a national ID or a mobile number, in any digits."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.backends import ModelBackend

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


class NationalIdOrMobileBackend(ModelBackend):
    def authenticate(self, request: Any, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> User | None:
        if not username or password is None:
            return None
        login = normalize_login(username)
        if _MOBILE.match(login):
            # A mobile may be shared in a family; it identifies a login only when exactly one has it.
            candidates = list(User.objects.filter(person__mobile=login)[:2])
            user = candidates[0] if len(candidates) == 1 else None
        else:
            user = User.objects.filter(username=login).first()
        if user is None:
            User().set_password(password)  # spend the same time as a real check: no user enumeration by timing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
