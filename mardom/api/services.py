"""Writes of the API app: personal tokens, institution clients, and pruning what the API keeps."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.digits import localize_digits
from mardom.core.errors import DomainError
from mardom.core.text import normalize_text
from mardom.people import services as people
from mardom.people.roles import Perm, Role
from mardom.people.scopes import require

from .auth import ALL_SCOPES, TOKEN_PREFIX, digest_of
from .models import AppliedCommand, IdempotencyRecord, InstitutionClient, PersonalToken

MAX_TOKEN_DAYS = 365
MAX_TOKENS = 20  # live tokens per person: a phone, a tablet, a spare; not a token per request


@transaction.atomic
def token_create(*, by: Any, device: str, scopes: list[str], days: int,
                 now: datetime.datetime | None = None) -> tuple[PersonalToken, str]:
    """A token for one of `by`'s own devices, and its secret, shown once: only its SHA-256 is kept."""
    now = now or timezone.now()
    device = normalize_text(device)[:80]
    if not device:
        raise DomainError(_("Name the device this token is for."), field="device")
    scopes = sorted(set(scopes))
    if not scopes or not set(scopes) <= ALL_SCOPES:
        raise DomainError(_("Choose what the token may do."), field="scopes")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise DomainError(_("A token lasts from 1 to %(days)s days.")
                          % {"days": localize_digits(str(MAX_TOKEN_DAYS))}, field="days")
    live = PersonalToken.objects.filter(user=by, revoked_at__isnull=True, expires_at__gt=now)
    if live.count() >= MAX_TOKENS:
        raise DomainError(_("You have %(n)s tokens; revoke one you no longer use first.")
                          % {"n": localize_digits(str(MAX_TOKENS))},
                          field="device")
    body = secrets.token_urlsafe(32)
    secret = f"{TOKEN_PREFIX}{body}"
    token = PersonalToken.objects.create(user=by, device=device, prefix=secret[:12], digest=digest_of(secret),
                                         scopes=scopes, created_at=now,
                                         expires_at=now + datetime.timedelta(days=days))
    audit_record(by=by, action="api.token.create", obj=token, now=now,
                 after={"device": device, "scopes": scopes, "expires_at": token.expires_at.isoformat()})
    return token, secret


@transaction.atomic
def token_revoke(*, by: Any, token: PersonalToken, now: datetime.datetime | None = None) -> PersonalToken:
    token = PersonalToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != getattr(by, "pk", None):
        raise DomainError(_("Only its owner can revoke a token."))
    if token.revoked_at is not None:
        return token
    token.revoked_at = now or timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(by=by, action="api.token.revoke", obj=token, now=token.revoked_at,
                 after={"revoked_at": token.revoked_at.isoformat()})
    return token


@transaction.atomic
def client_register(*, by: Any, institution: Any, name: str,
                    now: datetime.datetime | None = None) -> tuple[InstitutionClient, str, str]:
    """Register an institution's system: an OAuth2 client-credentials application whose tokens act as a login of
    its own holding the institution officer's role on the institution (granted by `by`, who must hold
    roles.grant over it, as for any officer). Returns the client, its client_id and its secret, shown once (the
    application keeps only a hash of the secret)."""
    from oauth2_provider.generators import generate_client_secret
    from oauth2_provider.models import Application

    from mardom.people.models import User

    require(by, Perm.ROLES_GRANT, institution)
    now = now or timezone.now()
    name = normalize_text(name)[:120]
    if not name:
        raise DomainError(_("Name the system this client is for."), field="name")
    user = User.objects.create_user(f"api-{institution.pk}-{secrets.token_hex(4)}", None)  # no password: no login
    people.role_grant(by=by, user=user, role=Role.INSTITUTION_OFFICER, unit=institution, now=now)
    secret = generate_client_secret()
    application = Application.objects.create(
        name=name, user=user, client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, client_secret=secret,
        hash_client_secret=True, redirect_uris="")
    client = InstitutionClient.objects.create(institution=institution, application=application, user=user,
                                              name=name, created_by=by if getattr(by, "pk", None) else None,
                                              created_at=now)
    audit_record(by=by, action="api.client.register", obj=client, scope_path=institution.path or "", now=now,
                 after={"institution": institution.pk, "client_id": application.client_id})
    return client, application.client_id, secret


@transaction.atomic
def client_revoke(*, by: Any, client: InstitutionClient, now: datetime.datetime | None = None) -> InstitutionClient:
    """Stop an institution's system: its tokens stop working at once and its login loses the officer's role."""
    from oauth2_provider.models import AccessToken

    from mardom.people.models import RoleAssignment

    client = InstitutionClient.objects.select_for_update().select_related("institution", "user").get(pk=client.pk)
    require(by, Perm.ROLES_GRANT, client.institution)
    if client.revoked_at is not None:
        return client
    now = now or timezone.now()
    for assignment in RoleAssignment.objects.filter(user=client.user, revoked_at__isnull=True):
        people.role_revoke(by=by, assignment=assignment, now=now)
    AccessToken.objects.filter(application=client.application).delete()
    client.revoked_at = now
    client.save(update_fields=["revoked_at"])
    audit_record(by=by, action="api.client.revoke", obj=client, scope_path=client.institution.path or "", now=now,
                 after={"revoked_at": now.isoformat()})
    return client


@transaction.atomic
def api_prune(*, days: int, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Forget idempotency records and applied commands older than `days` (at least 30: an offline batch may come
    back weeks later, and must still be answered "already applied"). Returns how many of each were removed."""
    if days < 30:
        raise DomainError(_("Keys are kept at least 30 days."), field="days")
    before = (now or timezone.now()) - datetime.timedelta(days=days)
    keys, _n = IdempotencyRecord.objects.filter(created_at__lt=before).delete()
    commands, _n = AppliedCommand.objects.filter(applied_at__lt=before).delete()
    return keys, commands
