"""Exhibitions: seasonal or permanent, in a county, with a floor plan of booths; exhibitor applications and
their allocation by published rules, each run kept with its fairness report."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mardom.core.models import AppendOnlyModel
from mardom.orgs.models import OrgUnit

# The floor plan is a grid of cells (one cell ≈ one square metre of floor); booths are rectangles on it.
PLAN_COLUMNS = 24
PLAN_ROWS = 16


class Exhibition(OrgUnit):
    """نمایشگاه: the unit's parent is its county, so the county's officers and the organiser (a role on this
    unit) run it."""

    class Type(models.TextChoices):
        SEASONAL = "seasonal", _("Seasonal")
        PERMANENT = "permanent", _("Permanent")

    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    venue = models.CharField(_("venue"), max_length=200)
    starts_on = models.DateField(_("opens on"))
    ends_on = models.DateField(_("closes on"))
    # A permanent exhibition lets its booths for terms of this many days, in rotation.
    term_days = models.PositiveSmallIntegerField(_("booth term in days"), null=True, blank=True)
    applications_close_on = models.DateField(_("applications close on"))
    # The published allocation weights (market.allocation.Rules fields).
    rules = models.JSONField(_("allocation rules"), default=dict)
    created_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("exhibition")
        verbose_name_plural = _("exhibitions")


class Booth(models.Model):
    exhibition = models.ForeignKey(Exhibition, on_delete=models.PROTECT, related_name="booths")
    code = models.CharField(_("booth"), max_length=10)
    x = models.PositiveSmallIntegerField(_("column"))
    y = models.PositiveSmallIntegerField(_("row"))
    width = models.PositiveSmallIntegerField(_("width"))
    depth = models.PositiveSmallIntegerField(_("depth"))
    price = models.BigIntegerField(_("price per term"), default=0)

    class Meta:
        verbose_name = _("booth")
        verbose_name_plural = _("booths")
        ordering = ["exhibition", "code"]
        constraints = [
            models.UniqueConstraint(fields=["exhibition", "code"], name="market_booth_code_once"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="market_booth_price"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def size(self) -> int:
        return self.width * self.depth


class Application(models.Model):
    """One exhibitor's request for a booth in one term (a seasonal exhibition has one term, its opening day)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ALLOCATED = "allocated", _("Booth allocated")
        WAITLISTED = "waitlisted", _("Waiting list")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Kind(models.TextChoices):
        PRODUCER = "producer", _("Producer")
        COLONY = "colony", _("Colony")
        CLUSTER = "cluster", _("Cluster")
        JOB_LEADER = "job_leader", _("Job leader")

    exhibition = models.ForeignKey(Exhibition, on_delete=models.PROTECT, related_name="applications")
    term_start = models.DateField(_("term"))
    kind = models.CharField(_("applicant kind"), max_length=12, choices=Kind.choices)
    producer = models.ForeignKey("production.Producer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="booth_applications")
    # A colony, cluster or job leader applying as a group.
    unit = models.ForeignKey("orgs.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    products = models.CharField(_("products shown"), max_length=200)
    wants_size = models.PositiveSmallIntegerField(_("booth size wanted (m²)"), null=True, blank=True)
    free_only = models.BooleanField(_("only a free booth"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    booth = models.ForeignKey(Booth, null=True, blank=True, on_delete=models.PROTECT, related_name="applications")
    score = models.IntegerField(null=True, blank=True)
    score_parts = models.JSONField(default=list, blank=True)
    applied_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("exhibitor application")
        verbose_name_plural = _("exhibitor applications")
        ordering = ["exhibition", "term_start", "applied_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(producer__isnull=False) | models.Q(unit__isnull=False),
                                   name="market_application_has_applicant"),
            models.UniqueConstraint(fields=["exhibition", "term_start", "booth"], name="market_booth_once_per_term",
                                    condition=models.Q(booth__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.exhibition}: {self.producer or self.unit}"


class AllocationRun(AppendOnlyModel):
    """One allocation of a term's applications: the rules and seed as published, and the fairness report."""

    exhibition = models.ForeignKey(Exhibition, on_delete=models.PROTECT, related_name="allocation_runs")
    term_start = models.DateField(_("term"))
    rules = models.JSONField()
    seed = models.CharField(max_length=100)
    report = models.JSONField()
    by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.exhibition} {self.term_start}"


class Sale(AppendOnlyModel):
    """One sale at a booth, recorded by its seller on a phone. Never changed: a mistake is cancelled by a
    sale of the opposite sign (`cancels`). Each line is attributed to its producer, colony, cluster and brand,
    so sales roll up to every level and can be measured against the producers' baselines."""

    class Method(models.TextChoices):
        CASH = "cash", pgettext_lazy("payment", "Cash")
        CARD = "card", _("Card reader")
        TRANSFER = "transfer", _("Card-to-card transfer")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="sales")
    exhibition = models.ForeignKey(Exhibition, on_delete=models.PROTECT, related_name="sales")
    booth = models.ForeignKey(Booth, on_delete=models.PROTECT, related_name="sales")
    sold_at = models.DateTimeField(_("time"))
    method = models.CharField(_("payment"), max_length=10, choices=Method.choices)
    total = models.BigIntegerField(_("total"))
    cancels = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="cancelled_by")
    # The same form sent twice (a retry on a slow connection) records once.
    idempotency_key = models.CharField(max_length=64, unique=True)
    recorded_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-sold_at", "-pk"]
        indexes = [models.Index(fields=["exhibition", "sold_at"])]

    def __str__(self) -> str:
        return f"{self.booth} {self.sold_at:%Y-%m-%d} {self.total}"


class SaleLine(AppendOnlyModel):
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey("production.Product", verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.BigIntegerField(_("unit price"))
    amount = models.BigIntegerField(_("amount"))
    producer = models.ForeignKey("production.Producer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="booth_sales")
    colony = models.ForeignKey("production.Colony", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    cluster = models.ForeignKey("production.Cluster", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    brand = models.ForeignKey("brands.Brand", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("sale line")
        verbose_name_plural = _("sale lines")


class VisitorCount(models.Model):
    """Visitors counted at the gate on one day (the organiser corrects the day's figure, so one row a day)."""

    exhibition = models.ForeignKey(Exhibition, on_delete=models.PROTECT, related_name="visitor_counts")
    day = models.DateField(_("day"))
    visitors = models.PositiveIntegerField(_("visitors"))
    recorded_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("visitor count")
        verbose_name_plural = _("visitor counts")
        constraints = [models.UniqueConstraint(fields=["exhibition", "day"], name="market_visitors_once_a_day")]

    def __str__(self) -> str:
        return f"{self.exhibition} {self.day}: {self.visitors}"


# --- Storefront -----------------------------------------------------------------------------------------------

class Listing(models.Model):
    """A producer's offer of one product under an active brand authorisation, in packs at a price."""

    authorisation = models.ForeignKey("brands.Authorisation", verbose_name=_("brand authorisation"),
                                      on_delete=models.PROTECT, related_name="listings")
    producer = models.ForeignKey("production.Producer", on_delete=models.PROTECT, related_name="listings")
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    pack = models.CharField(_("pack"), max_length=50)
    price = models.BigIntegerField(_("price per pack"))
    stock = models.PositiveIntegerField(_("packs in stock"))
    active = models.BooleanField(_("on sale"), default=True)
    search_key = models.CharField(max_length=600, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(price__gt=0), name="market_listing_price")]

    def __str__(self) -> str:
        return self.title


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for payment")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Payment failed")
        CANCELLED = "cancelled", _("Cancelled")

    buyer_name = models.CharField(_("name"), max_length=150)
    buyer_mobile = models.CharField(_("mobile"), max_length=20)
    address = models.TextField(_("address"))
    token = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.BigIntegerField(_("total"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"))
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("shop", "order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk}"


class OrderPart(models.Model):
    """The share of an order one producer sends."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for payment")
        PAID = "paid", _("Paid, to be sent")
        SHIPPED = "shipped", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="parts")
    producer = models.ForeignKey("production.Producer", on_delete=models.PROTECT, related_name="order_parts")
    amount = models.BigIntegerField(_("amount"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("order part")
        verbose_name_plural = _("order parts")
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["order", "producer"], name="market_part_once_per_producer")]

    def __str__(self) -> str:
        return f"#{self.order_id}/{self.producer_id}"


class OrderLine(models.Model):
    part = models.ForeignKey(OrderPart, on_delete=models.PROTECT, related_name="lines")
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.BigIntegerField(_("unit price"))
    amount = models.BigIntegerField(_("amount"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.listing_id} × {self.quantity}"


class Payment(models.Model):
    class Status(models.TextChoices):
        INITIATED = "initiated", _("Started")
        PAID = "paid", _("Paid")
        FAILED = "failed", pgettext_lazy("payment", "Failed")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(max_length=20)
    authority = models.CharField(max_length=64, unique=True)
    amount = models.BigIntegerField(_("amount"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.INITIATED)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    created_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return self.authority


class PayoutEntry(AppendOnlyModel):
    """The producer's payout ledger: a paid order part credits it (kind sale), a payout debits it; the
    balance is the sum of the amounts."""

    class Kind(models.TextChoices):
        SALE = "sale", _("Sale")
        PAYOUT = "payout", _("Payout")

    producer = models.ForeignKey("production.Producer", on_delete=models.PROTECT, related_name="payout_entries")
    part = models.OneToOneField(OrderPart, null=True, blank=True, on_delete=models.PROTECT, related_name="payout")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.BigIntegerField(_("amount"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("payout entry")
        verbose_name_plural = _("payout ledger")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.producer_id} {self.kind} {self.amount}"
