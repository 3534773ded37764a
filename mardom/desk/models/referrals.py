"""Referrals on the desk: a base, group or fund refers a person or a need to another unit (a group, a fund, an
institution) as a request of kind "referral". This is what a referral adds to its request: the need it is
about, and, for the referrals made before they joined the desk, the `orgs.Referral` it was copied from.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .requests import Request


class ReferralNeed(models.TextChoices):
    LOAN = "loan", _("Loan")
    TRAINING = "training", _("Training")
    CONSTRUCTION = "construction", _("Construction")
    HEALTH = "health", _("Health")
    AGRICULTURE = "agriculture", _("Agriculture")
    EMPLOYMENT = "employment", _("Employment and production")
    OTHER = "other", _("Other")


class RequestReferral(models.Model):
    request = models.OneToOneField(Request, primary_key=True, on_delete=models.PROTECT, related_name="referral")
    need = models.CharField(_("need"), max_length=20, choices=ReferralNeed.choices)
    # The id of the orgs.Referral this request was copied from (by the desk's migration), if it was.
    orgs_referral_id = models.PositiveIntegerField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"{self.get_need_display()}: {self.request_id}"
