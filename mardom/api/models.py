"""What the API keeps: personal tokens, institution clients, idempotency records and applied offline commands."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ = "read", _("Read")
    FUNDS_WRITE = "funds:write", _("Record money in funds")
    SALES_WRITE = "sales:write", _("Record booth sales")
    DESK_ANSWER = "desk:answer", _("Answer desk requests")


class PersonalToken(models.Model):
    """A token one person made for one device. Only a SHA-256 of the secret is kept; the short prefix lets the
    person tell her tokens apart on the tokens page. The token acts as her, within its scopes and her roles."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    device = models.CharField(_("device"), max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.device})"


class InstitutionClient(models.Model):
    """An institution's system (a bank's, an agency's) that signs in with OAuth2 client credentials. Its tokens act
    as `user`, a login of its own holding the institution officer's role on the institution: so it sees and
    answers exactly what an officer of that institution would, through the same selectors and services."""

    institution = models.ForeignKey("orgs.Institution", on_delete=models.PROTECT, related_name="api_clients")
    application = models.OneToOneField(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.PROTECT,
                                       related_name="institution_client")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client")
    name = models.CharField(_("name"), max_length=120)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class IdempotencyRecord(models.Model):
    """One write POST under one Idempotency-Key of one principal (a token, an institution client, a signed-in
    user), with the response given. Inserted in the same transaction as the write it stands for: the unique
    constraint, not a look-up first, is what makes a key used twice write once."""

    principal = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of method, path and the canonical body
    status = models.PositiveSmallIntegerField()
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="api_idempotency_once")]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"


class AppliedCommand(models.Model):
    """A command made offline on a device (its UUID made there) that was applied. One per (actor, id): the same
    command sent again is answered "already applied", other content under the same id is refused (ODK)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    command_id = models.UUIDField()
    type = models.CharField(max_length=40)
    fingerprint = models.CharField(max_length=64)
    result = models.JSONField(default=dict)
    applied_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "command_id"], name="api_command_once")]

    def __str__(self) -> str:
        return f"{self.type} {self.command_id}"
