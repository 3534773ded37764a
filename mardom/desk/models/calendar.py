"""The working calendar deadlines are counted on: official holidays and each province's Thursday.

A national holiday has no province; a province's own closure (a local mourning day, a storm) names the
province. Friday is always off and is not stored. Thursday is off everywhere unless a province says it is a
half day there (`ProvinceCalendar`). `mardom.desk.workcal.calendar_for` reads both.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mardom.core.jalali import format_jalali


class Holiday(models.Model):
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=200)
    # A lunar (Islamic) holiday whose day is only known when the moon is sighted: the date may still move.
    estimated = models.BooleanField(_("estimated"), default=False)
    # Empty for a holiday of the whole country; a province unit for a closure of that province only.
    province = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("province"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", limit_choices_to={"kind": "province"},
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date", "pk"]
        # Two constraints because NULLs are distinct in a unique index (SQLite and PostgreSQL alike): one
        # national holiday per date, and one closure per date and province.
        constraints = [
            models.UniqueConstraint(fields=["date"], condition=Q(province__isnull=True),
                                    name="desk_one_national_holiday_per_date"),
            models.UniqueConstraint(fields=["date", "province"], condition=Q(province__isnull=False),
                                    name="desk_one_province_holiday_per_date"),
        ]

    def __str__(self) -> str:
        return f"{format_jalali(self.date)} {self.name}"


class ProvinceCalendar(models.Model):
    """A province's working week where it differs from the national one (Thursday off)."""

    province = models.OneToOneField(
        "orgs.OrgUnit", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": "province"},
    )
    thursday_half_day = models.BooleanField(_("Thursday is a half working day"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("province working week")
        verbose_name_plural = _("province working weeks")

    def __str__(self) -> str:
        return self.province.name
