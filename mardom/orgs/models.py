"""Organisations as one tree of units: nation > province > county > base > fund, with institutions,
volunteer groups, clusters and exhibitions hung on a county or province.

Every kind of organisation *is* a unit (multi-table inheritance), so one materialised `path` answers
"what lies beneath this unit" with an indexed prefix match, whatever the kind, and a role granted on a
unit reaches everything under it (DESIGN.md, "Scopes and roles").
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrgUnit(models.Model):
    class Kind(models.TextChoices):
        NATION = "nation", _("Nation")
        PROVINCE = "province", _("Province")
        COUNTY = "county", _("County")
        BASE = "base", _("Neighbourhood base")
        FUND = "fund", _("Loan fund")
        GROUP = "group", _("Volunteer group")
        INSTITUTION = "institution", _("Institution")
        CLUSTER = "cluster", _("Cluster")
        COLONY = "colony", _("Colony")
        JOB_LEADER = "job_leader", _("Job leader")
        BRAND = "brand", _("Collective brand")
        EXHIBITION = "exhibition", _("Exhibition")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=150)
    search_key = models.CharField(max_length=150, db_index=True, editable=False)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # "/<root id>/<child id>/.../<own id>/": the unit and its descendants all start with it.
    # Null only between the insert and the path update in the same transaction (unique, so not "").
    path = models.CharField(max_length=255, unique=True, editable=False, null=True)  # noqa: DJ001
    # Provinces and counties stand for an official division; other units are located at a place.
    place = models.ForeignKey(
        "geo.Place", verbose_name=_("place"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Set by the creating service (`now`), so a unit replayed from history (the demo, an import) is counted in
    # the month it was formed; it defaults to the moment of the write.
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        indexes = [models.Index(fields=["kind", "search_key"])]

    def __str__(self) -> str:
        return self.name

    def is_within(self, other: OrgUnit) -> bool:
        return bool(self.path and other.path and self.path.startswith(other.path))

    def ancestor_of_kind(self, kind: str) -> OrgUnit | None:
        """The nearest unit of `kind` at or above this one (one query for the whole path)."""
        ids = [int(part) for part in (self.path or "").strip("/").split("/") if part]
        return OrgUnit.objects.filter(pk__in=ids, kind=kind).order_by("-pk").first()


class Base(OrgUnit):
    """پایگاه مقاومت: a neighbourhood base that hosts funds and volunteer groups."""

    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("neighbourhood base")
        verbose_name_plural = _("neighbourhood bases")


class VolunteerGroup(OrgUnit):
    """گروه جهادی: a volunteer group placed in a county, linked to the bases it works with."""

    class Field(models.TextChoices):
        TRAINING = "training", _("Training")
        CONSTRUCTION = "construction", _("Construction")
        HEALTH = "health", _("Health")
        AGRICULTURE = "agriculture", _("Agriculture")
        CULTURE = "culture", _("Culture")
        EMPLOYMENT = "employment", _("Employment and production")
        RELIEF = "relief", _("Relief")

    fields_of_work = models.JSONField(_("fields of work"), default=list)
    leader_name = models.CharField(_("leader's name"), max_length=150, blank=True)
    leader_mobile = models.CharField(_("leader's mobile"), max_length=11, blank=True)
    member_count = models.PositiveIntegerField(_("number of members"), default=0)

    class Meta:
        verbose_name = _("volunteer group")
        verbose_name_plural = _("volunteer groups")

    def field_labels(self) -> list[str]:
        labels = dict(self.Field.choices)
        return [str(labels[code]) for code in self.fields_of_work if code in labels]


class Institution(OrgUnit):
    """A bank branch, an executive agency or a training centre that people's files are carried to."""

    class Type(models.TextChoices):
        BANK_BRANCH = "bank_branch", _("Bank branch")
        AGENCY = "agency", _("Executive agency")
        TRAINING_CENTRE = "training_centre", _("Training centre")

    class Bank(models.TextChoices):
        MELLI = "melli", _("Bank Melli")
        SEPAH = "sepah", _("Bank Sepah")
        KESHAVARZI = "keshavarzi", _("Bank Keshavarzi")
        MASKAN = "maskan", _("Bank Maskan")
        TEJARAT = "tejarat", _("Bank Tejarat")
        SADERAT = "saderat", _("Bank Saderat")
        MELLAT = "mellat", _("Bank Mellat")
        REFAH = "refah", _("Refah Bank")
        POST = "post", _("Post Bank")
        RESALAT = "resalat", _("Qard al-Hasan Resalat Bank")
        MEHR = "mehr", _("Qard al-Hasan Mehr Iran Bank")
        TOSEE_TAAVON = "tosee_taavon", _("Tose'e Ta'avon Bank")

    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    bank = models.CharField(_("bank"), max_length=20, choices=Bank.choices, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    services = models.CharField(_("services offered"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")


class Linkage(models.Model):
    """A standing link between a base and a volunteer group (پیوست بین گروه‌های جهادی و پایگاه‌ها)."""

    base = models.ForeignKey(Base, on_delete=models.PROTECT, related_name="linkages")
    group = models.ForeignKey(VolunteerGroup, on_delete=models.PROTECT, related_name="linkages")
    created_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("linkage")
        verbose_name_plural = _("linkages")
        constraints = [models.UniqueConstraint(fields=["base", "group"], name="unique_base_group_linkage")]

    def __str__(self) -> str:
        return f"{self.base} ↔ {self.group}"


class Referral(models.Model):
    """One unit refers a person or a need to another unit; followed until answered."""

    class Need(models.TextChoices):
        LOAN = "loan", _("Loan")
        TRAINING = "training", _("Training")
        CONSTRUCTION = "construction", _("Construction")
        HEALTH = "health", _("Health")
        AGRICULTURE = "agriculture", _("Agriculture")
        EMPLOYMENT = "employment", _("Employment and production")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        DONE = "done", _("Done")

    from_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("referred by"), on_delete=models.PROTECT, related_name="referrals_sent"
    )
    to_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("referred to"), on_delete=models.PROTECT, related_name="referrals_received"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="referrals",
    )
    need = models.CharField(_("need"), max_length=20, choices=Need.choices)
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.CharField(_("answer"), max_length=300, blank=True)
    created_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.from_unit} → {self.to_unit}: {self.subject}"
