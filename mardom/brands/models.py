"""Collective brands (نمانام جمعی): a cluster or colony owns a brand, with versioned rules of use and a
product and quality specification; members are authorised per product for a period, and may be suspended
(every sanction logged). A member declares a lot, the brand's inspector passes or fails it, and a passed lot
gets serial labels whose QR codes open a public provenance page."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from mardom.core.models import AppendOnlyModel
from mardom.orgs.models import OrgUnit


class Brand(OrgUnit):
    """The unit's parent is the owning cluster or colony, so the cluster's officers and guide reach it and
    an inspector's role is granted on the brand itself."""

    value_chain = models.SlugField(_("value chain"), max_length=40)
    specification = models.TextField(_("product and quality specification"))
    logo = models.ImageField(_("logo"), upload_to="brands/", blank=True)
    created_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("collective brand")
        verbose_name_plural = _("collective brands")


class BrandRules(AppendOnlyModel):
    """One version of the rules of use; a change is a new version, effective from a date."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="rules")
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("rules of use"))
    effective_from = models.DateField(_("effective from"))
    created_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rules of use")
        verbose_name_plural = _("rules of use")
        ordering = ["brand", "-version"]
        constraints = [models.UniqueConstraint(fields=["brand", "version"], name="brands_rules_version_once")]

    def __str__(self) -> str:
        return f"{self.brand} v{self.version}"


class Authorisation(models.Model):
    """A producer may use the brand on one product, from one date to another (or until further notice)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Authorised")
        SUSPENDED = "suspended", _("Suspended")

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="authorisations")
    producer = models.ForeignKey("production.Producer", verbose_name=_("producer"), on_delete=models.PROTECT,
                                 related_name="brand_authorisations")
    product = models.ForeignKey("production.Product", verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="+")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # The producer agreed that provenance pages show their name; otherwise only the village is shown.
    name_public = models.BooleanField(_("name shown on provenance pages"), default=False)
    created_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("brand authorisation")
        verbose_name_plural = _("brand authorisations")
        constraints = [
            models.UniqueConstraint(fields=["brand", "producer", "product"], name="brands_authorised_once"),
            models.CheckConstraint(condition=models.Q(valid_to__isnull=True)
                                   | models.Q(valid_to__gte=models.F("valid_from")),
                                   name="brands_authorisation_period"),
        ]

    def __str__(self) -> str:
        return f"{self.producer} — {self.brand} ({self.product})"


class Sanction(AppendOnlyModel):
    class Action(models.TextChoices):
        WARNING = "warning", _("Warning")
        SUSPEND = "suspend", _("Suspension")
        REINSTATE = "reinstate", _("Reinstatement")

    authorisation = models.ForeignKey(Authorisation, on_delete=models.PROTECT, related_name="sanctions")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    reason = models.CharField(_("reason"), max_length=300)
    by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.authorisation}"


class Lot(models.Model):
    class Status(models.TextChoices):
        DECLARED = "declared", _("Waiting for inspection")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="lots")
    authorisation = models.ForeignKey(Authorisation, on_delete=models.PROTECT, related_name="lots")
    code = models.CharField(_("lot code"), max_length=20, unique=True)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    made_on = models.DateField(_("lot date"))
    # The producer's colony of this product line when the lot was declared (shown on provenance pages).
    colony = models.ForeignKey("production.Colony", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DECLARED)
    declared_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField()
    inspected_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    inspected_at = models.DateTimeField(null=True, blank=True)
    inspection_note = models.CharField(_("inspection note"), max_length=300, blank=True)
    label_count = models.PositiveIntegerField(_("labels"), default=0)
    scan_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["-declared_at", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="brands_lot_quantity")]

    def __str__(self) -> str:
        return self.code


class Label(models.Model):
    """One serial label of a passed lot. The serial is random (not guessable from its neighbours) with a
    check character, so a mistyped serial is told apart from a forged one."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="labels")
    serial = models.CharField(_("serial"), max_length=16, unique=True)
    number = models.PositiveIntegerField(_("number in the lot"))
    scan_count = models.PositiveIntegerField(default=0)
    first_scanned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        ordering = ["lot", "number"]
        constraints = [models.UniqueConstraint(fields=["lot", "number"], name="brands_label_number_once")]

    def __str__(self) -> str:
        return self.serial
