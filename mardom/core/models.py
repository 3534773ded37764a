"""Append-only records, and the audit log: who did what to which object, in which scope, before and after."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise TypeError(f"{self.model.__name__} is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self.model.__name__} is append-only.")


class AppendOnlyModel(models.Model):
    """A row that is written once and never changed or deleted: history is corrected by new rows."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An invariant, not a business rule: history is never rewritten.
        # A row that was loaded, or a new object carrying an existing id, would become an UPDATE.
        if not self._state.adding or self.pk is not None:
            raise TypeError(f"{type(self).__name__} is append-only.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{type(self).__name__} is append-only.")


class AuditEntry(AppendOnlyModel):
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    # The path of the org unit the change belongs to, so the log is browsed by scope like everything else.
    scope_path = models.CharField(max_length=255, db_index=True, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"



class Notification(AppendOnlyModel):
    """A message sent to someone, keyed by what it is about ("due:loan42:inst3:1404-08-27"). The unique key
    is the idempotency log: a message whose key is already here is never sent again, however often the
    sender runs. The row is written in the same transaction that queues the SMS, so both happen or neither."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    to = models.CharField(_("mobile"), max_length=20)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.key


class Document(models.Model):
    """A printable document made in the background (a label sheet, a member statement): who asked for it, what
    for, how far it has got, and the file when it is done. Only its owner may see or download it; the file and
    the row are removed a day after it was asked for (`documents_clean`)."""

    class Kind(models.TextChoices):
        LABELS = "labels", _("label sheet")
        MEMBER_STATEMENT = "member_statement", _("member statement")

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("being made")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE,
                              related_name="+")
    params = models.JSONField(_("parameters"), default=dict)
    title = models.CharField(_("title"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/%d/", blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()
