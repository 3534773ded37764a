"""Community interest-free (Qard al-Hasan) loan funds, their rules over time, members and contributions.

Money itself lives in the books (`mardom.ledger`): these models say *who* and *why*; every rial they
mention was posted by `ledger.services`, and the entry is linked so either side can be traced to the other.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from mardom.core.models import AppendOnlyModel, AppendOnlyQuerySet
from mardom.orgs.models import OrgUnit


class LiveQuerySet(AppendOnlyQuerySet):
    """Money records that can be reversed (a contribution, a withdrawal, a repayment). A reversed record stays
    where it was, linked to its entry; the ledger's mirror entry (`Entry.reverses`) says it no longer counts.
    Every reader of what a member has paid or a loan has been repaid asks for the live records."""

    def live(self, on: datetime.date | None = None) -> LiveQuerySet:
        """The records not reversed (now, or by the end of the day `on`: a reversal dated later does not move
        a past day's figures)."""
        now = models.Q(entry__reversed_by__isnull=True)
        if on is None:
            return self.filter(now)
        return self.filter(now | models.Q(entry__reversed_by__occurred_on__gt=on))


class Fund(OrgUnit):
    """صندوق قرض‌الحسنه مردم‌پایه, hosted by a neighbourhood base (its parent unit)."""

    founded_on = models.DateField(_("founded on"))

    class Meta:
        verbose_name = _("loan fund")
        verbose_name_plural = _("loan funds")


class FundRules(AppendOnlyModel):
    """One version of a fund's rules, in force from `effective_from` until the next version. Rules are
    never edited: a change is a new version, so any past decision can be checked against the rules of its
    day."""

    class FeePolicy(models.TextChoices):
        NONE = "none", _("No fee")
        UPFRONT = "upfront", _("Deducted when the loan is paid out")
        SPREAD = "spread", _("Spread over the installments")
        ANNUAL = "annual", _("Once a year")

    class LatePolicy(models.TextChoices):
        NONE = "none", _("No late charge")
        CHARITY = "charity", _("A monthly late charge, given to charity")

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="rules")
    effective_from = models.DateField(_("in force from"))
    monthly_contribution = models.BigIntegerField(_("monthly contribution"))
    min_months_before_loan = models.PositiveSmallIntegerField(_("months of membership before a loan"))
    loan_savings_multiple = models.PositiveSmallIntegerField(_("loan ceiling as a multiple of savings"))
    loan_cap = models.BigIntegerField(_("loan ceiling"))
    max_months = models.PositiveSmallIntegerField(_("longest repayment, in months"), default=24)
    fee_policy = models.CharField(_("fee"), max_length=10, choices=FeePolicy.choices, default=FeePolicy.NONE)
    # Per thousand of the loan (a 2% fee is 20): integer arithmetic only.
    fee_permille = models.PositiveSmallIntegerField(_("fee, per thousand"), default=0)
    fee_cap_permille = models.PositiveSmallIntegerField(_("highest fee allowed, per thousand"), default=40)
    late_policy = models.CharField(_("late charge"), max_length=10, choices=LatePolicy.choices,
                                   default=LatePolicy.NONE)
    late_charge = models.BigIntegerField(_("late charge per month"), default=0)
    late_charge_cap = models.BigIntegerField(_("highest total late charge per installment"), default=0)
    rounding_unit = models.BigIntegerField(_("installments rounded to"), default=10_000)
    allow_transfer = models.BooleanField(_("memberships may be transferred"), default=False)
    # A money record dated more than this many days before the day it is entered is a late entry: only the
    # fund's manager may enter it, and it is marked as such on the passbook and in the audit log.
    late_entry_days = models.PositiveSmallIntegerField(_("days after which an entry is late"), default=31)
    # Days between announcing a draw and holding it, so members can check the list and keep their copy.
    draw_notice_days = models.PositiveSmallIntegerField(_("days of notice before a draw"), default=3)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("fund rules")
        verbose_name_plural = _("fund rules")
        ordering = ["fund", "-effective_from", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "effective_from"], name="funds_one_rules_version_per_day"),
            models.CheckConstraint(condition=models.Q(monthly_contribution__gt=0), name="funds_contribution_positive"),
            models.CheckConstraint(condition=models.Q(fee_permille__lte=models.F("fee_cap_permille")),
                                   name="funds_fee_within_cap"),
        ]

    def __str__(self) -> str:
        return f"{self.fund} @ {self.effective_from}"


class Membership(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        LEFT = "left", _("Left")
        TRANSFERRED = "transferred", _("Transferred")

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="memberships")
    number = models.PositiveIntegerField(_("membership number"))
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    savings_account = models.OneToOneField("ledger.Account", on_delete=models.PROTECT, related_name="membership")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["fund", "number"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "number"], name="funds_membership_number_unique"),
            models.UniqueConstraint(fields=["fund", "person"], condition=models.Q(status="active"),
                                    name="funds_one_active_membership_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.person}"

    @property
    def savings(self) -> int:
        """What the fund holds for the member, in rials (the savings account is on the credit side)."""
        return -self.savings_account.balance


class Contribution(AppendOnlyModel):
    """A member's contribution for one Jalali month. One live contribution per member and month: two
    treasurers recording the same month at once post once (the idempotency key and the constraint on
    `attempt` both say so). A contribution recorded by mistake is reversed (`funds.services.corrections`); the
    month can then be paid again as the next attempt."""

    objects = LiveQuerySet.as_manager()

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="contributions")
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    amount = models.BigIntegerField(_("amount"))
    paid_on = models.DateField(_("paid on"))
    is_late = models.BooleanField(_("late entry"), default=False)
    # 0 for the month's first record; one more for each record after a reversal of the one before.
    attempt = models.PositiveSmallIntegerField(default=0, db_default=0)  # raw inserts (imports, synth) get 0
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="contribution")

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["membership", "year", "month", "attempt"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "year", "month", "attempt"],
                                    name="funds_one_contribution_per_month"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="funds_contribution_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.membership} {self.year}/{self.month:02d}"


class Movement(AppendOnlyModel):
    """Other money a member moves: the opening deposit, a withdrawal, savings returned on leaving."""

    objects = LiveQuerySet.as_manager()

    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening deposit")
        DEPOSIT = "deposit", _("Extra deposit")
        WITHDRAWAL = "withdrawal", _("Withdrawal")
        SETTLEMENT = "settlement", _("Savings returned on leaving")

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    amount = models.BigIntegerField(_("amount"))
    occurred_on = models.DateField(_("date"))
    is_late = models.BooleanField(_("late entry"), default=False)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="movement")

    class Meta:
        verbose_name = _("savings movement")
        verbose_name_plural = _("savings movements")
        ordering = ["membership", "occurred_on", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="funds_movement_positive")]

    def __str__(self) -> str:
        return f"{self.membership} {self.kind} {self.amount}"


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from `start` to `end` (a member who joined on the 10th has a month on the next 10th)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


class Loan(models.Model):
    """An interest-free loan to a member. Its schedule is fixed when it is paid out; what it owes on a day
    is computed from the schedule and the repayments (funds.schedule), never stored."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        PROPOSED = "proposed", _("Proposed for approval")
        APPROVED = "approved", _("Approved, waiting in the queue")
        DISBURSED = "disbursed", _("Paid out")
        REPAID = "repaid", _("Repaid")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        WRITTEN_OFF = "written_off", _("Written off")
        FORGIVEN = "forgiven", _("Forgiven")

    class Priority(models.IntegerChoices):
        EMERGENCY = 1, _("Emergency")
        PRODUCER = 2, _("Production")
        NORMAL = 3, _("Normal")

    class Purpose(models.TextChoices):
        PRODUCTION = "production", _("Production or a home business")
        HOUSING = "housing", _("Housing")
        MEDICAL = "medical", _("Medical")
        EDUCATION = "education", _("Education")
        MARRIAGE = "marriage", _("Marriage")
        OTHER = "other", _("Other")

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="loans")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="loans")
    amount = models.BigIntegerField(_("amount"))
    months = models.PositiveSmallIntegerField(_("months"))
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # The production activity the loan finances; the producers module links it to a producer later.
    activity = models.CharField(_("production activity"), max_length=150, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.APPLIED)
    applied_at = models.DateTimeField(_("applied at"))
    applied_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    proposed_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)
    # Fixed at disbursement, from the rules in force that day.
    fee = models.BigIntegerField(_("fee"), default=0)
    fee_policy = models.CharField(_("fee"), max_length=10, blank=True)
    disbursed_on = models.DateField(_("paid out on"), null=True, blank=True)
    disbursed_late = models.BooleanField(_("payout entered late"), default=False)
    account = models.OneToOneField("ledger.Account", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="loan")

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["fund", "priority", "applied_at", "pk"]
        indexes = [models.Index(fields=["fund", "status"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="funds_loan_amount_positive"),
            models.CheckConstraint(condition=models.Q(months__gt=0), name="funds_loan_months_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.membership} — {self.amount}"


class Guarantee(models.Model):
    """A member vouching for part of a loan. While the loan is outstanding the guarantor's savings are held
    in proportion: amount × outstanding principal ÷ loan amount."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        RELEASED = "released", _("Released")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="guarantees")
    guarantor = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="guarantees")
    amount = models.BigIntegerField(_("amount"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("guarantee")
        verbose_name_plural = _("guarantees")
        constraints = [
            models.UniqueConstraint(fields=["loan", "guarantor"], name="funds_one_guarantee_per_guarantor"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="funds_guarantee_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.guarantor} → {self.loan_id}"


class Installment(AppendOnlyModel):
    """One scheduled repayment, written when the loan is paid out and never changed."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="installments")
    number = models.PositiveSmallIntegerField(_("number"))
    due_on = models.DateField(_("due on"), db_index=True)
    principal = models.BigIntegerField(_("principal"))
    fee = models.BigIntegerField(_("fee"), default=0)

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["loan", "number"]
        constraints = [models.UniqueConstraint(fields=["loan", "number"], name="funds_installment_number_unique")]

    def __str__(self) -> str:
        return f"{self.loan_id}/{self.number}"


class Repayment(AppendOnlyModel):
    """A repayment of a paid-out loan. A mistaken one is reversed (only the loan's latest live one, so the
    split of the later ones into fee and principal stays right)."""

    objects = LiveQuerySet.as_manager()

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    amount = models.BigIntegerField(_("amount"))
    principal = models.BigIntegerField(_("principal"))
    fee = models.BigIntegerField(_("fee"))
    paid_on = models.DateField(_("paid on"))
    is_late = models.BooleanField(_("late entry"), default=False)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="repayment")

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        ordering = ["loan", "paid_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="funds_repayment_positive"),
            models.CheckConstraint(condition=models.Q(amount=models.F("principal") + models.F("fee")),
                                   name="funds_repayment_parts_add_up"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.amount}"


class DrawQuerySet(models.QuerySet):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("A draw is never deleted: cancel it publicly, so its number is never used again.")


class Draw(models.Model):
    """A verifiable lottery (قرعه‌کشی) for the right to a loan in this round.

    Protocol mardom-draw-v2 (funds.draw_v2): the announcement (frozen list, excluded members with reasons,
    the public source of randomness, the notice) is a canonical document with a digest that every member
    receives by SMS; at the draw the source's values are entered and the winners follow. No secret is kept.
    Draws of protocol mardom-draw-v1 (funds.draw, a secret seed and its commitment) stay verifiable as v1.
    A draw is never deleted: it is cancelled publicly with its reason, and its number is never reused."""

    class Status(models.TextChoices):
        ANNOUNCED = "announced", _("Announced")
        PERFORMED = "performed", _("Performed")
        CANCELLED = "cancelled", _("Cancelled")

    class Protocol(models.TextChoices):
        V1 = "mardom-draw-v1", "mardom-draw-v1"
        V2 = "mardom-draw-v2", "mardom-draw-v2"

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="draws")
    number = models.PositiveIntegerField(_("number"))
    protocol = models.CharField(max_length=20, choices=Protocol.choices, default=Protocol.V1)
    # Members who won since the cycle began may not win again until everyone eligible has won once.
    cycle = models.PositiveIntegerField(_("cycle"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ANNOUNCED)
    winners_count = models.PositiveSmallIntegerField(_("number of winners"))
    scheduled_at = models.DateTimeField(_("held at"))
    entries = models.JSONField(_("eligible members"))  # [{"ref": "…", "name": "…"}], canonical order
    list_hash = models.CharField(max_length=64)
    # v2: the announcement document exactly as published (funds.draw_v2), and its digest.
    announcement = models.JSONField(null=True, blank=True)
    digest = models.CharField(max_length=64, blank=True)
    # v1 only: the commitment to a secret seed. v2 has no secret: `seed` is derived from the public values.
    commitment = models.CharField(max_length=64, blank=True)
    seed = models.CharField(max_length=64, blank=True)
    public_entropy = models.CharField(_("public number"), max_length=100, blank=True)  # v1 only
    values = models.JSONField(null=True, blank=True)  # v2: the source's values in canonical form
    order = models.JSONField(null=True, blank=True)
    winners = models.JSONField(null=True, blank=True)
    announced_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    announced_at = models.DateTimeField()
    performed_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    performed_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)

    objects = DrawQuerySet.as_manager()

    class Meta:
        verbose_name = _("draw")
        verbose_name_plural = _("draws")
        ordering = ["fund", "-number"]
        constraints = [models.UniqueConstraint(fields=["fund", "number"], name="funds_draw_number_unique")]

    def __str__(self) -> str:
        return f"{self.fund} #{self.number}"

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise TypeError("A draw is never deleted: cancel it publicly, so its number is never used again.")

    @property
    def public_id(self) -> str:
        """The draw id that enters the computation: stable and unique across funds."""
        return f"fund{self.fund_id}-draw{self.number}"

    @property
    def is_v2(self) -> bool:
        return self.protocol == self.Protocol.V2


class LateCharge(AppendOnlyModel):
    """A late charge collected on an installment paid late, when the fund's rules have one. It is not the
    fund's income: it goes to the charity account (Qard al-Hasan takes no gain from lateness)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="late_charges")
    installment_number = models.PositiveSmallIntegerField(_("installment"))
    amount = models.BigIntegerField(_("amount"))
    paid_on = models.DateField(_("paid on"))
    is_late = models.BooleanField(_("late entry"), default=False)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="late_charge")

    objects = LiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("late charge")
        verbose_name_plural = _("late charges")
        ordering = ["loan", "installment_number", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="funds_late_charge_positive")]

    def __str__(self) -> str:
        return f"{self.loan_id}/{self.installment_number} {self.amount}"


class MeetingClose(AppendOnlyModel):
    """The treasurer closing a month's meeting once the cash is counted. From then on nothing dated on or
    before the meeting's day can be recorded in the fund (as an accounting lock date: Odoo's, or any ledger's
    closed period): a mistake found later is corrected by a reversal, dated the day it is made, and a member who
    pays later pays on a later day. The figures of the meeting are kept with it as they were at the close."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="meeting_closes")
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    held_on = models.DateField(_("meeting day"))
    closed_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField()
    summary = models.JSONField(default=dict)  # what the meeting took in and paid out, as at the close

    class Meta:
        verbose_name = _("closed meeting")
        verbose_name_plural = _("closed meetings")
        ordering = ["fund", "-held_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "year", "month"], name="funds_one_close_per_meeting"),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id} {self.year}/{self.month:02d}"


class LoanClosure(models.Model):
    """A proposal to close a paid-out loan without repayment: forgiveness (ابراء) or a write-off. The fund's
    manager proposes it with a reason; a second fund officer (another manager, or the treasurer, never the
    proposer) confirms it, and only then is the loss posted. A pending proposal can be withdrawn. Its status
    follows CLOSURE_TRANSITIONS (funds.services.loans)."""

    class Kind(models.TextChoices):
        FORGIVE = "forgive", _("Forgiven (ابراء): the fund releases the borrower")
        WRITE_OFF = "write_off", _("Written off: the fund gives up collecting")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a second officer")
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="closures")
    kind = models.CharField(_("close the loan as"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    proposed_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("loan closure")
        verbose_name_plural = _("loan closures")
        ordering = ["loan", "-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["loan"], condition=models.Q(status="pending"),
                                    name="funds_one_pending_closure_per_loan"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.kind} {self.status}"


class FundImport(models.Model):
    """One upload of a fund's workbook (funds.onboarding): its status, the problems found, and the fund it
    created. The file's hash is unique per base: the same file again returns this row and posts nothing."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        CHECKING = "checking", _("Checking the file")
        POSTING = "posting", _("Posting the history")
        DONE = "done", _("Imported")
        FAILED = "failed", _("The file has problems")

    base = models.ForeignKey("orgs.Base", on_delete=models.PROTECT, related_name="fund_imports")
    file_hash = models.CharField(max_length=64)
    filename = models.CharField(_("file"), max_length=200, blank=True)
    data = models.BinaryField(editable=False)  # kept until the import is done, so a worker can read it
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows = models.PositiveIntegerField(default=0)  # rows read, for the progress line
    problems = models.JSONField(default=list, blank=True)  # [{"sheet", "row", "column", "message"}]
    fund = models.OneToOneField(Fund, null=True, blank=True, on_delete=models.PROTECT, related_name="import_record")
    summary = models.JSONField(default=dict, blank=True)  # counts and the balance sheet after posting
    created_by = models.ForeignKey("people.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("fund import")
        verbose_name_plural = _("fund imports")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["base", "file_hash"], name="funds_import_once_per_file")]

    def __str__(self) -> str:
        return f"{self.base_id} {self.filename} {self.status}"
