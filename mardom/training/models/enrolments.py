"""Enrolments (a seat, or a place on the waiting list) and attendance per session."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Enrolment(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("On the waiting list")
        ENROLLED = "enrolled", _("Enrolled")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    course = models.ForeignKey("training.Course", on_delete=models.PROTECT, related_name="enrolments")
    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="enrolments")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # When the person asked (the waiting list's order) and when she got a seat (the sessions that started
    # before this moment are not expected of her: never absences).
    requested_at = models.DateTimeField(_("enrolled at"))
    seat_at = models.DateTimeField(_("seat from"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    created_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    # The desk's training request this enrolment answers when the course is completed (desk.services).
    desk_request = models.ForeignKey("desk.Request", verbose_name=_("training request"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="enrolments")

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["course", "requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["course", "person"], condition=~models.Q(status="withdrawn"),
                                    name="training_one_live_enrolment"),
        ]
        indexes = [models.Index(fields=["course", "status", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.person} — {self.course}"


class Attendance(models.Model):
    class Method(models.TextChoices):
        TRAINER = "trainer", _("Marked by the trainer")
        QR = "qr", _("Scanned the session's code")

    session = models.ForeignKey("training.Session", on_delete=models.PROTECT, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="attendance")
    present = models.BooleanField(_("present"))
    method = models.CharField(_("how"), max_length=8, choices=Method.choices)
    marked_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="training_attendance_once")]

    def __str__(self) -> str:
        return f"{self.enrolment} @ {self.session_id}"
