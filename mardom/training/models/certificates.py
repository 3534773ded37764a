"""Certificates of completion, checked in public at /c/<code>/."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Certificate(models.Model):
    """Issued once when an enrolment is completed. The code is random (unguessable) with a check character
    (brands.serials), so a mistyped code is told apart from one never issued. What the public page shows
    (name, course, publisher, date) is copied at issue: a later rename changes no certificate."""

    enrolment = models.OneToOneField("training.Enrolment", on_delete=models.PROTECT, related_name="certificate")
    code = models.CharField(_("code"), max_length=16, unique=True)
    holder_name = models.CharField(_("name"), max_length=170)
    course_title = models.CharField(_("course"), max_length=150)
    issuer_name = models.CharField(_("issued by"), max_length=150)
    sessions_attended = models.PositiveSmallIntegerField(_("sessions attended"))
    issued_at = models.DateTimeField(_("issued at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    revoke_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return self.code
