"""Stored performance figures of the institutions that receive requests (issue 11, item 6).

One row per receiving unit (an institution, or for referrals another programme unit), Jalali year and kind of
request, counted by the year the request was sent (a request sent in 1404 and answered in 1405 counts in
1404's row). Each step of a request adds to its row in the same transaction (`services.figures`), so the
performance page sums a handful of rows per institution instead of reading any request's history; a rebuild
command recomputes every row from the requests.

Times to first answer and to decision are kept as histograms over fixed, roughly log-spaced bands of working
minutes (BUCKET_EDGES): the median and the 90th percentile are read from them, to the width of one band.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .requests import Request

# Upper edges of the histogram bands, in working minutes (a working day is 480): under 30 minutes, 30 to 60,
# ... 60 to 90 working days, and a last band for anything longer. Neighbouring edges differ by at most 1.5×
# (the first two bands excepted), which is the resolution of the median and percentile shown.
BUCKET_EDGES: tuple[int, ...] = (
    30, 60, 90, 120, 180, 240, 360, 480,  # up to one working day
    720, 960, 1440, 1920, 2400, 3360, 4800,  # 1.5, 2, 3, 4, 5, 7, 10 days
    7200, 9600, 14400, 21600, 28800, 43200,  # 15, 20, 30, 45, 60, 90 days
)
BUCKETS = len(BUCKET_EDGES) + 1
FIRST_PREFIX = "fa"  # time to the first answer
DECISION_PREFIX = "dc"  # time to the decision

# One counter per refusal reason, named refused_<reason>.
REFUSAL_FIELDS: dict[str, str] = {reason: f"refused_{reason}" for reason in Request.RefusalReason.values}


def bucket_fields(prefix: str) -> list[str]:
    return [f"{prefix}_{i:02d}" for i in range(BUCKETS)]


class InstitutionFigures(models.Model):
    receiver = models.ForeignKey("orgs.OrgUnit", verbose_name=_("institution"), on_delete=models.PROTECT,
                                 related_name="+")
    # The receiver's county and path (for the per-county table and the scope filter), its type and bank (for the
    # table by institution), copied when the row is made.
    county = models.ForeignKey("orgs.OrgUnit", verbose_name=_("county"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255)
    receiver_type = models.CharField(max_length=20)
    bank = models.CharField(max_length=20, blank=True)
    year = models.PositiveSmallIntegerField(_("Jalali year"))
    kind = models.CharField(_("kind"), max_length=20)

    received = models.PositiveIntegerField(default=0)  # sent to the receiver
    asked_received = models.BigIntegerField(default=0)  # rials asked in those
    first_answered = models.PositiveIntegerField(default=0)
    first_on_time = models.PositiveIntegerField(default=0)
    decided = models.PositiveIntegerField(default=0)
    decided_on_time = models.PositiveIntegerField(default=0)
    granted = models.PositiveIntegerField(default=0)
    partly = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)  # after being sent
    escalated = models.PositiveIntegerField(default=0)  # escalated at least once
    asked_decided = models.BigIntegerField(default=0)  # rials asked in the decided requests
    granted_amount = models.BigIntegerField(default=0)  # rials granted in them

    class Meta:
        verbose_name = _("institution figures")
        verbose_name_plural = _("institution figures")
        constraints = [
            models.UniqueConstraint(fields=["receiver", "year", "kind"], name="desk_figures_one_row"),
            models.CheckConstraint(condition=Q(first_on_time__lte=models.F("first_answered"))
                                   & Q(decided_on_time__lte=models.F("decided")),
                                   name="desk_figures_on_time_within"),
        ]
        indexes = [
            models.Index(fields=["year", "path"], name="desk_figures_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.receiver_id} {self.year} {self.kind}"


for _name in REFUSAL_FIELDS.values():
    InstitutionFigures.add_to_class(_name, models.PositiveIntegerField(default=0))
for _name in bucket_fields(FIRST_PREFIX) + bucket_fields(DECISION_PREFIX):
    InstitutionFigures.add_to_class(_name, models.PositiveIntegerField(default=0))
del _name

# Every counter and sum, in the order the page and the rebuild use them.
COUNTER_FIELDS: tuple[str, ...] = (
    "received", "asked_received", "first_answered", "first_on_time", "decided", "decided_on_time", "granted",
    "partly", "refused", "withdrawn", "escalated", "asked_decided", "granted_amount", *REFUSAL_FIELDS.values(),
    *bucket_fields(FIRST_PREFIX), *bucket_fields(DECISION_PREFIX),
)


class RunningDeadline(models.Model):
    """A request sent and not yet decided nor withdrawn, with its deadlines as they stand: kept by the same
    step function as the figures, so the performance page counts the open requests already late now from this
    narrow table (one index scan of the open ones) instead of reading the requests."""

    request = models.OneToOneField("desk.Request", primary_key=True, on_delete=models.CASCADE, related_name="+")
    receiver = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20)
    first_answered = models.BooleanField(default=False)
    paused = models.BooleanField(default=False)  # waiting on the person: the clock stands still
    first_due = models.DateTimeField()
    decision_due = models.DateTimeField()

    class Meta:
        verbose_name = _("running deadline")
        verbose_name_plural = _("running deadlines")
        indexes = [
            # Covers the page's count: every column it reads is in the index.
            models.Index(fields=["receiver", "year", "paused", "kind", "first_answered", "first_due",
                                 "decision_due"], name="desk_running_count"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}"
