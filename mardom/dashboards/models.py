"""Stored figures (roll-ups): one row per org unit, Jalali period and metric, so a dashboard reads what it shows.

Two tables, an outbox and the figures:

* `FigureDelta` is written by the services in the same transaction as the fact that changes a figure (a
  posting, a sale, a request answered): an insert, never an update, so writers in different funds never wait for
  one another on a shared row (the nation's row would otherwise be locked by every contribution in the country).
* `Figure` holds the sums for the leaf unit and every unit above it. `rollups.drain()` moves deltas into it, in
  one transaction that deletes what it applied, so a crash before the commit leaves the deltas to the next drain
  and a drain that runs twice cannot count twice.

Readers add the deltas not yet drained (`figures.py`), so a figure is as fresh as the last committed write.

Periods: a Jalali month is `yyyymm` (140501), its year `yyyy00` (140500), and `0` is all time (kept for stocks
only: the balance now). A fact counts in the period it was recorded in, not the day it is dated, so a closed
month never moves: a late entry counts in the month it was recorded and is listed as late.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Figure(models.Model):
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.CASCADE, related_name="+")
    period = models.PositiveIntegerField(_("period"))
    metric = models.CharField(_("metric"), max_length=40)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        constraints = [
            models.UniqueConstraint(fields=["unit", "period", "metric"], name="dashboards_figure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period} {self.metric}={self.value}"


class FigureDelta(models.Model):
    """A change to a figure not yet rolled up. `path` is the leaf unit's path: the drain adds the delta to the
    leaf and every unit above it; a reader adds it to any unit whose path it starts with."""

    path = models.CharField(max_length=255)
    period = models.PositiveIntegerField()
    metric = models.CharField(max_length=40)
    delta = models.BigIntegerField()

    class Meta:
        verbose_name = _("figure change")
        verbose_name_plural = _("figure changes")
        indexes = [models.Index(fields=["path"], name="dashboards_delta_path")]

    def __str__(self) -> str:
        return f"{self.path} {self.period} {self.metric}{self.delta:+d}"
