"""Iran's official divisions as one table of places."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _


class Place(models.Model):
    """One official division: province, county, district, city, rural district or village.

    One table rather than six so that a picker searches every kind with one indexed query.
    The rows are reference data loaded by migration 0002 from `mardom/geo/data/` and never edited.

    Primary keys are deterministic, the source file's id plus an offset per kind, so that other apps' data
    migrations, fixtures and the demo can name a place by id on every database:

    ==============  ========  ===================
    kind            offset    ids
    ==============  ========  ===================
    province        0         1 … 31
    county          1,000     1,001 … 1,448
    district        10,000    10,001 … 11,099
    city            20,000    20,001 … 21,554
    rural district  30,000    30,001 … 32,637
    village         100,000   100,001 … 198,100
    ==============  ========  ===================

    `parent` is the next division up: county -> province, district -> county, city -> district,
    rural district -> district, village -> rural district. `province` and `county` are stored on every row
    (null where they do not apply) so that "everything in this county" and the display label need no joins
    up the tree.
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        COUNTY = "county", _("County")
        DISTRICT = "district", _("District")
        CITY = "city", _("City")
        RURAL_DISTRICT = "rural_district", _("Rural district")
        VILLAGE = "village", _("Village")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    # Every spelling variant of the name folds to this key (mardom.core.text.search_key); searched by prefix.
    search_key = models.CharField(_("search key"), max_length=100, db_index=True, editable=False)
    code = models.CharField(_("official code"), max_length=20, db_index=True)
    # PROTECT: reference data is never deleted piecemeal; a cascade here could silently empty a province.
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    province = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )
    # No index of its own: the (county, kind) index below serves lookups by county too.
    county = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county"),
        db_index=False,
    )

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        indexes = [
            models.Index(fields=["kind", "search_key"], name="geo_place_kind_key"),
            models.Index(fields=["county", "kind"], name="geo_place_county_kind"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def kind_name(self) -> str:
        """The name with its kind, as Persian writes it: "شهرستان قاینات", "روستای X"."""
        templates = {
            self.Kind.PROVINCE: gettext("Province %(name)s"),
            self.Kind.COUNTY: gettext("County %(name)s"),
            self.Kind.DISTRICT: gettext("District %(name)s"),
            self.Kind.CITY: gettext("City %(name)s"),
            self.Kind.RURAL_DISTRICT: gettext("Rural district %(name)s"),
            self.Kind.VILLAGE: gettext("Village %(name)s"),
        }
        return templates.get(self.kind, "%(name)s") % {"name": self.name}

    @property
    def full_name(self) -> str:
        """A concise, unambiguous label: kind and name, then county, then province.

        "روستای X، شهرستان قاینات، خراسان جنوبی". Reads `county` and `province`, so select_related them
        when labelling many places (the selectors do).
        """
        parts = [self.kind_name]
        if self.county_id and self.county_id != self.pk:
            parts.append(self.county.kind_name)
        if self.province_id and self.province_id != self.pk:
            parts.append(self.province.name)
        return pgettext("list separator", ", ").join(parts)
