"""Micro and home producers, the products they make, and each region's advantaged products.

A producer is a person (or their household business) enrolled with a baseline of annual sales: the
programme's goal of doubling sales is measured against it later. Producers are filed under the county of
their workplace, so county officers see and approve them; colonies and clusters come next."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mardom.core.models import AppendOnlyModel
from mardom.orgs.models import OrgUnit


class Product(models.Model):
    """One product line of the taxonomy (saffron, barberry, hand-woven carpet...), with its unit."""

    class Category(models.TextChoices):
        CROPS = "crops", _("Crops and orchards")
        LIVESTOCK = "livestock", _("Livestock, poultry and bees")
        FOOD = "food", _("Food processing")
        HANDICRAFTS = "handicrafts", _("Carpets and handicrafts")
        GARMENTS = "garments", _("Garments and textiles")
        OTHER = "other", _("Other")

    class Unit(models.TextChoices):
        KILOGRAM = "kg", _("kilogram")
        GRAM = "g", _("gram")
        PIECE = "piece", _("piece")
        SQUARE_METRE = "m2", _("square metre")
        LITRE = "l", _("litre")
        HEAD = "head", _("head")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    search_key = models.CharField(max_length=80, db_index=True, editable=False)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    unit = models.CharField(_("unit"), max_length=6, choices=Unit.choices)
    # The value chain the product belongs to (saffron, barberry, carpet...): colonies of one chain form a cluster.
    value_chain = models.SlugField(_("value chain"), max_length=40)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class AdvantagedProduct(models.Model):
    """A product in which a county or a province has a comparative advantage (محصول مزیت‌دار)."""

    region = models.ForeignKey("orgs.OrgUnit", verbose_name=_("county or province"), on_delete=models.PROTECT,
                               related_name="advantaged_products")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("advantaged product")
        verbose_name_plural = _("advantaged products")
        constraints = [models.UniqueConstraint(fields=["region", "product"], name="production_advantage_once")]

    def __str__(self) -> str:
        return f"{self.product} — {self.region}"


class Producer(models.Model):
    class Kind(models.TextChoices):
        HOME = "home", _("Home-based")
        WORKSHOP = "workshop", _("Workshop")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="producers")
    business_name = models.CharField(_("business name"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOME)
    place = models.ForeignKey("geo.Place", verbose_name=_("village or city of work"), on_delete=models.PROTECT,
                              related_name="+")
    # The county unit of `place`: the scope in which officers see and approve the producer.
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="producers")
    activities = models.CharField(_("activities"), max_length=300)
    started_on = models.DateField(_("working since"))
    baseline_sales = models.BigIntegerField(_("annual sales at enrolment"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    registered_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered at"))
    decided_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        ordering = ["-registered_at", "-pk"]
        indexes = [models.Index(fields=["unit", "status"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(baseline_sales__gte=0), name="production_baseline_not_negative"),
        ]

    def __str__(self) -> str:
        return self.business_name or str(self.person)


class ProducerProduct(models.Model):
    """What a producer makes, and how much a year."""

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="products")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    capacity = models.PositiveIntegerField(_("yearly capacity"))

    class Meta:
        verbose_name = _("product of a producer")
        verbose_name_plural = _("products of producers")
        constraints = [models.UniqueConstraint(fields=["producer", "product"], name="production_product_once")]

    def __str__(self) -> str:
        return f"{self.producer}: {self.product}"


class Cluster(OrgUnit):
    """خوشه: colonies of one value chain in a county, or county clusters of one chain in a province, so
    that together they can compete. The unit's parent is its county or province."""

    class Level(models.TextChoices):
        COUNTY = "county", _("County cluster")
        PROVINCE = "province", _("Province cluster")

    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    value_chain = models.SlugField(_("value chain"), max_length=40)
    focus_product = models.ForeignKey(Product, verbose_name=_("focus product"), on_delete=models.PROTECT,
                                      related_name="+")
    goals = models.CharField(_("goals"), max_length=300, blank=True)
    province_cluster = models.ForeignKey("self", verbose_name=_("province cluster"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="county_clusters")
    created_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")


class Colony(OrgUnit):
    """کلنی: a small group of producers of one product line in one locality, with a coordinator. Filed under
    its county (the unit's parent), so the county's officers see it."""

    product = models.ForeignKey(Product, verbose_name=_("product line"), on_delete=models.PROTECT,
                                related_name="colonies")
    coordinator = models.ForeignKey("people.Person", verbose_name=_("coordinator"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    # Not called "cluster": OrgUnit already has that name (the parent link of the Cluster subclass).
    in_cluster = models.ForeignKey(Cluster, verbose_name=_("cluster"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="colonies")
    created_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("colony")
        verbose_name_plural = _("colonies")


class ColonyMember(models.Model):
    colony = models.ForeignKey(Colony, on_delete=models.PROTECT, related_name="members")
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="colony_memberships")
    # Copied from the colony so the database itself refuses two colonies of one line for one producer.
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField(default=timezone.now)  # the forming service's `now`

    class Meta:
        verbose_name = _("colony member")
        verbose_name_plural = _("colony members")
        constraints = [models.UniqueConstraint(fields=["producer", "product"], name="production_one_colony_per_line")]

    def __str__(self) -> str:
        return f"{self.producer} @ {self.colony}"


class SuggestionDecision(models.Model):
    """An officer's answer to a formation suggestion other than accepting it as offered: rejected (it is then
    not offered again for the same producers) or edited (accepted with producers left out or renamed)."""

    class Outcome(models.TextChoices):
        REJECTED = "rejected", _("Rejected")
        EDITED = "edited", _("Accepted with changes")

    county = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    place = models.ForeignKey("geo.Place", on_delete=models.PROTECT, related_name="+")
    # The suggested producers' ids, sorted: the suggestion's identity (the same group is not offered again).
    producer_ids = models.JSONField()
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    note = models.CharField(_("reason"), max_length=300, blank=True)
    colony = models.ForeignKey(Colony, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    # A rejection taken back ("offer again") stays on record; only a live rejection hides the suggestion.
    withdrawn_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("suggestion decision")
        verbose_name_plural = _("suggestion decisions")
        ordering = ["-decided_at", "-pk"]
        indexes = [models.Index(fields=["county", "outcome"])]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.product} @ {self.place_id}"


class JobLeader(OrgUnit):
    """راهبر شغلی: an anchor business that issues raw materials to home producers and buys back their output.
    Filed under its county (the unit's parent) and usually attached to a cluster; the person running it holds
    the job leader role on this unit and sees only the producers they have agreements with."""

    class Function(models.TextChoices):
        SUPPLY = "supply", _("Input supply")
        PROCESSING = "processing", _("Processing")
        PACKAGING = "packaging", _("Packaging")
        BRANDING = "branding", _("Branding")
        SALES = "sales", _("Sales and distribution")
        TRAINING = "training", _("Training")

    owner = models.ForeignKey("people.Person", verbose_name=_("manager"), on_delete=models.PROTECT,
                              related_name="job_leaders")
    attached_to = models.ForeignKey(Cluster, verbose_name=_("cluster"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="job_leaders")
    # What the business does along value chains (a list of Function values): the chain map reads it.
    functions = models.JSONField(_("functions"), default=list)
    # The product lines it serves, as stated; its agreements' products and its cluster's chain count too.
    products = models.ManyToManyField(Product, verbose_name=_("products it works with"), blank=True,
                                      related_name="+")
    activities = models.CharField(_("activities"), max_length=300, blank=True)
    created_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("job leader")
        verbose_name_plural = _("job leaders")

    def function_labels(self) -> list[str]:
        labels = dict(self.Function.choices)
        return [str(labels[code]) for code in self.functions if code in labels]


QUANTITY = {"max_digits": 14, "decimal_places": 3}


class JobAgreement(models.Model):
    """The terms between a job leader and one producer for one product: the material issued, how much output
    it may yield at most (the buyback limit), and the rate per grade."""

    class Pricing(models.TextChoices):
        PIECE_RATE = "piece_rate", _("Piece rate (the job leader owns the materials)")
        PURCHASE = "purchase", _("Purchase (materials are sold to the producer on account)")

    job_leader = models.ForeignKey(JobLeader, on_delete=models.PROTECT, related_name="agreements")
    producer = models.ForeignKey(Producer, verbose_name=_("producer"), on_delete=models.PROTECT,
                                 related_name="job_agreements")
    product = models.ForeignKey(Product, verbose_name=_("output product"), on_delete=models.PROTECT,
                                related_name="+")
    pricing = models.CharField(_("pricing"), max_length=10, choices=Pricing.choices)
    material = models.CharField(_("material issued"), max_length=100, blank=True)
    material_unit = models.CharField(_("unit of material"), max_length=6, choices=Product.Unit.choices, blank=True)
    # At most this much output (in the product's unit) per unit of material issued; empty means the job
    # leader buys output without issuing materials, and then there is no limit.
    output_per_material = models.DecimalField(_("most output per unit of material"), null=True, blank=True,
                                              **QUANTITY)
    rate_a = models.BigIntegerField(_("rate for grade A"))
    rate_b = models.BigIntegerField(_("rate for grade B"), null=True, blank=True)
    rate_c = models.BigIntegerField(_("rate for grade C"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # No line of the account can be dated before this day (empty for agreements made before it was asked).
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    created_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("job agreement")
        verbose_name_plural = _("job agreements")
        constraints = [
            models.UniqueConstraint(fields=["job_leader", "producer", "product"], name="production_agreement_once"),
            models.CheckConstraint(condition=models.Q(rate_a__gte=0) & models.Q(rate_b__gte=0)
                                   & models.Q(rate_c__gte=0), name="production_rates_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.job_leader} ↔ {self.producer}: {self.product}"


class JobEntry(AppendOnlyModel):
    """One line of the account between a job leader and a producer, never changed: materials issued, output
    bought back, money paid either way, or the reversal of an earlier line.

    `amount` is the signed change in what the job leader owes the producer (rials): a buyback raises it,
    materials sold on account and payments to the producer lower it, a payment from the producer raises it."""

    class Kind(models.TextChoices):
        ISSUE = "issue", _("Materials issued")
        RECEIPT = "receipt", _("Output bought back")
        PAY_PRODUCER = "pay_producer", _("Paid to the producer")
        PAY_LEADER = "pay_leader", _("Paid by the producer")
        REVERSAL = "reversal", _("Correction")

    class Grade(models.TextChoices):
        A = "a", _("Grade A")
        B = "b", _("Grade B")
        C = "c", _("Grade C")

    agreement = models.ForeignKey(JobAgreement, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    quantity = models.DecimalField(_("quantity"), null=True, blank=True, **QUANTITY)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    rate = models.BigIntegerField(_("rate"), null=True, blank=True)
    amount = models.BigIntegerField(_("amount"))
    memo = models.CharField(_("note"), max_length=200, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    # The same form posted twice records once.
    idempotency_key = models.CharField(max_length=64, unique=True)
    recorded_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("job account line")
        verbose_name_plural = _("job account lines")
        ordering = ["occurred_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__isnull=True) | models.Q(quantity__gt=0),
                                   name="production_entry_quantity_positive"),
        ]


class ChainTemplate(models.Model):
    """The stages of a value chain, as an editable template: one for a chain (saffron, carpet...) or the
    default used by every chain without its own."""

    DEFAULT = "default"

    value_chain = models.SlugField(_("value chain"), max_length=40, unique=True)
    updated_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("value chain template")
        verbose_name_plural = _("value chain templates")

    def __str__(self) -> str:
        return self.value_chain


class ChainStage(models.Model):
    class Kind(models.TextChoices):
        CORE = "core", _("Stage of the chain")
        SUPPORT = "support", _("Support")

    template = models.ForeignKey(ChainTemplate, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.CORE)
    # Where the actors of this stage come from (codes of production.chains.SOURCES).
    sources = models.JSONField(_("actors come from"), default=list)

    class Meta:
        verbose_name = _("value chain stage")
        verbose_name_plural = _("value chain stages")
        ordering = ["template", "kind", "position", "pk"]

    def __str__(self) -> str:
        return self.name
