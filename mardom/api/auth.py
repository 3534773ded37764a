"""Who is calling the API and what they may do: personal tokens (`mrd_…`), institution clients' OAuth2 access
tokens, or the signed-in session of the site's own pages; the scopes a view needs; a throttle per caller."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .models import PersonalToken, Scope

TOKEN_PREFIX = "mrd_"
ALL_SCOPES = frozenset(Scope.values)
# What an institution's system may ever do, whatever scopes it asks for: read and answer its own requests.
CLIENT_SCOPES = frozenset({Scope.READ, Scope.DESK_ANSWER})


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """The caller as the API keys it: idempotency keys, throttles and audit notes are per principal."""

    kind: str  # "token", "client" or "session"
    id: int
    scopes: frozenset[str]

    @property
    def ident(self) -> str:
        return f"{self.kind}:{self.id}"


def principal_of(request: Any) -> Principal:
    auth = getattr(request, "auth", None)
    if isinstance(auth, Principal):
        return auth
    # The site's own pages (the offline queue) call with the session: the user's roles alone decide.
    return Principal(kind="session", id=request.user.pk, scopes=ALL_SCOPES)


class BearerAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'

    def authenticate(self, request: Any) -> tuple[Any, Principal] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from exc
        now = timezone.now()
        if secret.startswith(TOKEN_PREFIX):
            return self._personal(secret, now)
        return self._client(secret, now)

    def _personal(self, secret: str, now: Any) -> tuple[Any, Principal]:
        token = PersonalToken.objects.select_related("user").filter(digest=digest_of(secret)).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked."))
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired; make a new one."))
        # At most one write a minute per token: the last use is a hint for the tokens page, not a log.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            PersonalToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, Principal(kind="token", id=token.pk, scopes=frozenset(token.scopes) & ALL_SCOPES)

    def _client(self, secret: str, now: Any) -> tuple[Any, Principal]:
        from oauth2_provider.models import AccessToken

        token = AccessToken.objects.select_related("application").filter(token_checksum=digest_of(secret)).first()
        client = getattr(token.application, "institution_client", None) if token and token.application else None
        if token is None or client is None or not client.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        if client.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This client was revoked."))
        if token.expires <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired; ask for a new one."))
        scopes = frozenset((token.scope or "").split()) & CLIENT_SCOPES
        return client.user, Principal(kind="client", id=client.pk, scopes=scopes)


class HasScope(permissions.BasePermission):
    """Signed in, and the token carries the scope the view names (`write_scope` for writes; "read" otherwise).
    What the scope allows is still only what the user's roles allow: the services decide that."""

    message = ""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.user is None or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated(_("Sign in with a token to use the API."))
        needed = Scope.READ if request.method in permissions.SAFE_METHODS else getattr(view, "write_scope", None)
        if needed is None:
            return True
        if needed not in principal_of(request).scopes:
            raise exceptions.PermissionDenied(_("This token lacks the scope “%(scope)s”.") % {"scope": needed})
        return True


class PrincipalThrottle(throttling.SimpleRateThrottle):
    """MARDOM_API_RATE requests per caller: keyed by the token, the institution client or the user, never by the
    address (a whole village may share one)."""

    scope = "api"

    def get_rate(self) -> str:
        return settings.MARDOM_API_RATE

    def allow_request(self, request: Any, view: Any) -> bool:
        self.rate = self.get_rate()  # read on each request, so settings can change it (tests do)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.user is None or not request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": f"anon:{self.get_ident(request)}"}
        return self.cache_format % {"scope": self.scope, "ident": principal_of(request).ident}
