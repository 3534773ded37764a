"""Requests to institutions: a person's need carried by the desk to a bank, an agency or a training centre,
followed step by step against deadlines counted in working time.

A request goes to an `orgs.Institution` (`institution`), or, for the base/group/fund referrals that join the
desk as kind "referral", to any other receiving unit (`to_unit`); exactly one of the two is set. Keeping the
institution a typed foreign key (and not any OrgUnit) lets the inbox, the service levels (by institution type)
and the performance figures join it directly; `to_unit` covers what is not an institution without making every
request pay for that generality.

Everything a list shows is stored on the row: the current deadline (`due_at`) and the moment its traffic
light turns amber (`warn_at`), the late flags, the scope `path`. No page reads a request's history to draw it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mardom.core.models import AppendOnlyModel


class RequestKind(models.TextChoices):
    BANK_LOAN = "bank_loan", _("Loan or facility from a bank")
    AGENCY_SUPPORT = "agency_support", _("Support from an executive agency")
    PERMIT = "permit", _("Permit")
    TRAINING = "training", _("Training")
    MARKET_ACCESS = "market_access", _("Market access")
    REFERRAL = "referral", _("Referral")
    OTHER = "other", _("Other")


class ReceiverType(models.TextChoices):
    """What receives a request, for its service level: an institution's type, or another programme unit."""

    BANK_BRANCH = "bank_branch", _("Bank branch")
    AGENCY = "agency", _("Executive agency")
    TRAINING_CENTRE = "training_centre", _("Training centre")
    UNIT = "unit", _("Other programme unit (base, group, fund)")


class Request(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Sent to the institution")
        RECEIVED = "received", _("Received by the institution")
        IN_REVIEW = "in_review", _("In review")
        WAITING = "waiting", _("Waiting on the person")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("Granted")
        PARTLY = "partly", _("Partly granted")
        REFUSED = "refused", _("Refused")

    class RefusalReason(models.TextChoices):
        DOCUMENTS = "documents", _("Documents incomplete")
        NOT_ELIGIBLE = "not_eligible", _("Not eligible")
        NO_BUDGET = "no_budget", _("No budget or quota left")
        GUARANTEE = "guarantee", _("Guarantee or collateral not enough")
        NOT_OURS = "not_ours", _("Not a service of this institution")
        OTHER = "other", _("Other reason")

    person = models.ForeignKey("people.Person", verbose_name=_("person"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="desk_requests")
    kind = models.CharField(_("kind"), max_length=20, choices=RequestKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    amount_asked = models.BigIntegerField(_("amount asked"), null=True, blank=True)

    institution = models.ForeignKey("orgs.Institution", verbose_name=_("institution"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="desk_requests")
    to_unit = models.ForeignKey("orgs.OrgUnit", verbose_name=_("sent to"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="desk_requests_received")
    # The unit the request was made by (the person's own unit when she makes it herself), its county, and the
    # scope path the desk list filters on: the making unit's path, or the county's when it was made higher up.
    unit = models.ForeignKey("orgs.OrgUnit", verbose_name=_("made by"), on_delete=models.PROTECT,
                             related_name="desk_requests_made")
    county = models.ForeignKey("orgs.OrgUnit", verbose_name=_("county"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="desk_requests_of_county")
    path = models.CharField(max_length=255, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    # While waiting on the person: the status to go back to when she has answered.
    resume_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    granted_amount = models.BigIntegerField(_("amount granted"), null=True, blank=True)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=16, choices=RefusalReason.choices,
                                      blank=True)
    refusal_text = models.CharField(_("reason in words"), max_length=300, blank=True)
    answer_text = models.CharField(_("answer"), max_length=500, blank=True)

    appeal_of = models.ForeignKey("self", verbose_name=_("appeal of"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="appeals")
    rerouted_from = models.ForeignKey("self", verbose_name=_("re-routed from"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="reroutes")

    created_at = models.DateTimeField(_("created at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    review_at = models.DateTimeField(_("review started at"), null=True, blank=True)
    first_answer_at = models.DateTimeField(_("first answer at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    # Deadlines, set when the request is submitted and moved by the time spent waiting on the person.
    first_answer_due = models.DateTimeField(_("first answer due"), null=True, blank=True)
    decision_due = models.DateTimeField(_("decision due"), null=True, blank=True)
    # The deadline running now (first answer, then decision) and when its light turns amber; null when none runs.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(_("waiting on the person since"), null=True, blank=True)
    paused_minutes = models.PositiveIntegerField(_("working minutes waited on the person"), default=0)
    first_answer_late = models.BooleanField(_("first answer late"), default=False)
    decision_late = models.BooleanField(_("decision late"), default=False)

    # For the sweep: 0 none, 1 county, 2 province.
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # When the sweep (services/sweep.py) has something to do with this request next; null when nothing.
    next_sweep_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["institution", "status", "due_at"], name="desk_req_inbox"),
            models.Index(fields=["to_unit", "status", "due_at"], name="desk_req_unit_inbox"),
            # The inbox's order (due_at, pk) read straight from an index per receiver that holds only requests
            # with a deadline. The condition has no parameter, so SQLite can prove the inbox's query (which says
            # `due_at IS NOT NULL`) fits it: a condition on the statuses compiles to bound parameters it cannot
            # check, and the database then sorted every running request's full row (bench/desk.py).
            models.Index(fields=["institution", "due_at"], name="desk_req_inbox_due",
                         condition=Q(due_at__isnull=False)),
            models.Index(fields=["to_unit", "due_at"], name="desk_req_unit_inbox_due",
                         condition=Q(due_at__isnull=False)),
            models.Index(fields=["path", "status", "due_at"], name="desk_req_desk"),
            models.Index(fields=["person", "created_at"], name="desk_req_person"),
            models.Index(fields=["status", "warn_at"], name="desk_req_warn"),
            models.Index(fields=["status", "due_at"], name="desk_req_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(institution__isnull=False, to_unit__isnull=True)
                           | Q(institution__isnull=True, to_unit__isnull=False)),
                name="desk_request_one_receiver"),
            models.CheckConstraint(condition=Q(amount_asked__isnull=True) | Q(amount_asked__gt=0),
                                   name="desk_request_amount_positive"),
            models.CheckConstraint(condition=Q(escalation_level__lte=2), name="desk_request_escalation_level"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def receiver(self) -> models.Model:
        return self.institution if self.institution_id else self.to_unit  # type: ignore[return-value]

    @property
    def receiver_id(self) -> int | None:
        return self.institution_id or self.to_unit_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_late(self) -> bool:
        return self.first_answer_late or self.decision_late


OPEN_STATUSES = (Request.Status.SUBMITTED, Request.Status.RECEIVED, Request.Status.IN_REVIEW,
                 Request.Status.WAITING)


class RequestStep(AppendOnlyModel):
    """One step of a request's history, as it happened: never changed afterwards."""

    class Action(models.TextChoices):
        CREATE = "create", _("Drafted")
        SUBMIT = "submit", _("Sent to the institution")
        RECEIVE = "receive", _("Received")
        REVIEW = "review", _("Review started")
        WAIT = "wait", _("Waiting on the person")
        RESUME = "resume", _("Resumed")
        ANSWER = "answer", _("Answered")
        CLOSE = "close", _("Closed")
        WITHDRAW = "withdraw", _("Withdrawn")
        APPEAL = "appeal", _("Appealed")
        REROUTE = "reroute", _("Re-routed")
        DOCUMENT = "document", _("Document added")
        REMIND = "remind", _("Reminder sent")
        ESCALATE = "escalate", _("Escalated")

    class Channel(models.TextChoices):
        MARDOM = "mardom", _("In Mardom")
        PAPER = "paper", _("On paper")
        PHONE = "phone", _("By phone")

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=12, choices=Request.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Request.Status.choices, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                           on_delete=models.PROTECT, related_name="+")
    # For what the desk records on the institution's behalf: who said it there, and how it came.
    said_by = models.CharField(_("said by"), max_length=150, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.MARDOM)
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(_("time"))
    late = models.BooleanField(_("late"), default=False)

    class Meta:
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["request", "at"], name="desk_step_request")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.request_id})"


class RequestDocument(models.Model):
    """An uploaded document (PDF, JPEG or PNG, checked by content), stored under a random name and
    downloaded only through the request's scoped page."""

    class ContentType(models.TextChoices):
        PDF = "application/pdf", "PDF"
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(upload_to="desk/requests/", max_length=200)
    title = models.CharField(_("title"), max_length=150)
    original_name = models.CharField(_("file name"), max_length=150)
    content_type = models.CharField(max_length=20, choices=ContentType.choices)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("request document")
        verbose_name_plural = _("request documents")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


class ServiceLevel(models.Model):
    """How long an institution of a type has for a kind of request: a first answer within `first_answer_days`
    working days of submission, a decision within `decision_days`."""

    receiver_type = models.CharField(_("institution type"), max_length=20, choices=ReceiverType.choices)
    kind = models.CharField(_("kind of request"), max_length=20, choices=RequestKind.choices)
    first_answer_days = models.PositiveSmallIntegerField(_("first answer within (working days)"))
    decision_days = models.PositiveSmallIntegerField(_("decision within (working days)"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")
        ordering = ["receiver_type", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["receiver_type", "kind"], name="desk_one_service_level"),
            models.CheckConstraint(condition=Q(first_answer_days__gt=0) & Q(decision_days__gte=models.F(
                "first_answer_days")), name="desk_service_level_days"),
        ]

    def __str__(self) -> str:
        return f"{self.get_receiver_type_display()} / {self.get_kind_display()}"
