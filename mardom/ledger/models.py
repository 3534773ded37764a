"""Double-entry books: one book per fund, its accounts, and immutable journal entries with postings.

Conventions (after beancount and TigerBeetle): amounts are integer rials; a posting's amount is positive for
a debit and negative for a credit, so every entry's postings sum to zero; an account's `balance` is the sum
of its postings, stored and updated in the same transaction as they are written, so reading it costs the
same at one posting or a hundred million. The database itself refuses a balance on the wrong side of an
account that may not cross zero (cash cannot go negative; a loan cannot be repaid beyond what is owed).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mardom.core.models import AppendOnlyModel


class Book(models.Model):
    """The books of one fund. `last_seq`/`last_hash` are the head of the entry chain; the row is locked
    while an entry is written, which also serialises the fund's postings."""

    unit = models.OneToOneField("orgs.OrgUnit", on_delete=models.PROTECT, related_name="book")
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("book")
        verbose_name_plural = _("books")

    def __str__(self) -> str:
        return str(self.unit)


class Account(models.Model):
    class Type(models.TextChoices):
        ASSET = "asset", _("Asset")
        LIABILITY = "liability", _("Liability")
        EQUITY = "equity", _("Equity")
        INCOME = "income", _("Income")
        EXPENSE = "expense", _("Expense")

    class Side(models.TextChoices):
        """Which side the balance must stay on. DEBIT: never below zero (cash, a loan receivable);
        CREDIT: never above zero (a member's savings, income); ANY: may cross (rarely needed)."""

        DEBIT = "debit", _("Debit")
        CREDIT = "credit", _("Credit")
        ANY = "any", _("Either")

    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="accounts")
    # Stable, human-readable, unique within the book: "cash", "savings:17", "loan:42".
    code = models.CharField(max_length=64)
    name = models.CharField(_("name"), max_length=150)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    side = models.CharField(max_length=6, choices=Side.choices)
    balance = models.BigIntegerField(default=0)  # debits minus credits, in rials
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(fields=["book", "code"], name="ledger_account_code_unique_in_book"),
            models.CheckConstraint(
                condition=models.Q(side="any")
                | models.Q(side="debit", balance__gte=0)
                | models.Q(side="credit", balance__lte=0),
                name="ledger_account_balance_on_its_side",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class Entry(AppendOnlyModel):
    """A balanced journal entry. Never updated or deleted; a mistake is corrected by a reversing entry."""

    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="entries")
    seq = models.PositiveBigIntegerField()
    idempotency_key = models.CharField(max_length=120)
    kind = models.CharField(_("kind"), max_length=40)
    # The stored memo is part of the entry's hash and stays as it was written; what people read is rendered
    # from `kind` and `params` (ledger.describe.describe_entry), in the reader's language and digits.
    memo = models.CharField(_("description"), max_length=300, blank=True)
    params = models.JSONField(_("details"), default=dict, blank=True)
    occurred_on = models.DateField(_("date"))
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["book", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["book", "seq"], name="ledger_entry_seq_unique_in_book"),
            models.UniqueConstraint(fields=["book", "idempotency_key"], name="ledger_entry_key_unique_in_book"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"


class Posting(AppendOnlyModel):
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = models.BigIntegerField()  # rials; + debit, - credit

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        indexes = [models.Index(fields=["account", "entry"], name="ledger_posting_account_entry")]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_posting_not_zero")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d}"
