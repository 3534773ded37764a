"""Micro and home producers, the products they make, and each region's advantaged products.

A producer is a person (or their household business) enrolled with a baseline of annual sales: the
programme's goal of doubling sales is measured against it later. Producers are filed under the county of
their workplace, so county officers see and approve them; colonies and clusters come next."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

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
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("colony member")
        verbose_name_plural = _("colony members")
        constraints = [models.UniqueConstraint(fields=["producer", "product"], name="production_one_colony_per_line")]

    def __str__(self) -> str:
        return f"{self.producer} @ {self.colony}"
