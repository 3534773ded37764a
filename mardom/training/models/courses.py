"""Courses and their sessions.

A course is published by a unit: a training centre (an `orgs.Institution` of type training centre), a
volunteer group, or a county itself. Its scope is that unit's path: the unit's officers and trainers, and the
officers above it, reach it. It is held in one county (the publisher's), which also bounds who may see it and,
for the "anyone in the county" rule, who may enrol."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Course(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    class Eligibility(models.TextChoices):
        COUNTY = "county", _("Anyone living in the county")
        COLONY = "colony", _("Members of a colony")
        PRODUCT = "product", _("Producers of a product in the county")
        FUND = "fund", _("Members of a loan fund")

    unit = models.ForeignKey("orgs.OrgUnit", verbose_name=_("published by"), on_delete=models.PROTECT,
                             related_name="courses")
    county = models.ForeignKey("orgs.OrgUnit", verbose_name=_("county"), on_delete=models.PROTECT,
                               related_name="+")
    title = models.CharField(_("subject"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    # What the course serves: a product line and so its value chain, or a whole value chain.
    product = models.ForeignKey("production.Product", verbose_name=_("product"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    value_chain = models.SlugField(_("value chain"), max_length=40, blank=True)
    venue = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveIntegerField(_("capacity"))
    # When the course is full: put people on a waiting list (True) or refuse them (False).
    waitlist_open = models.BooleanField(_("waiting list when full"), default=True)
    eligibility = models.CharField(_("who may enrol"), max_length=10, choices=Eligibility.choices,
                                   default=Eligibility.COUNTY)
    eligible_unit = models.ForeignKey("orgs.OrgUnit", verbose_name=_("colony or fund"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    eligible_product = models.ForeignKey("production.Product", verbose_name=_("product of the producers"),
                                         null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Completion: attend at least this many of the sessions (scaled for a late enrolee, see services.rules).
    min_sessions = models.PositiveSmallIntegerField(_("sessions to attend"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Seats taken (enrolled or completed), kept with each enrolment under the course's row lock.
    seats_taken = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["county", "status"]), models.Index(fields=["value_chain", "status"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="training_course_capacity"),
            models.CheckConstraint(condition=models.Q(min_sessions__gte=1), name="training_course_min_sessions"),
        ]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    topic = models.CharField(_("topic"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["course", "starts_at", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="training_session_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.course} #{self.pk}"
