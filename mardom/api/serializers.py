"""The API's shapes: what a resource shows and what a write takes. Shape and types only: every rule (who may,
which dates, which amounts) is the services', which the views call with these values."""

from __future__ import annotations

import datetime
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mardom.core.jalali import to_jalali

MAX_RIALS = 10**15  # far above any real amount; keeps integers inside every database's BIGINT


@extend_schema_field(OpenApiTypes.STR)
class JalaliField(serializers.Field):
    """The Jalali companion of an ISO date: "1403-12-30" (Latin digits, for machines; pages show Persian ones)."""

    def __init__(self, source: str, **kw: Any) -> None:
        super().__init__(source=source, read_only=True, **kw)

    def to_representation(self, value: datetime.date | datetime.datetime) -> str:
        j = to_jalali(value)
        return f"{j.year:04d}-{j.month:02d}-{j.day:02d}"


def rials(**kw: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_RIALS, **kw)


# --- funds -------------------------------------------------------------------------------------------------
class FundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    base = serializers.CharField(source="parent.name", allow_null=True)
    is_active = serializers.BooleanField()
    founded_on = serializers.DateField()
    founded_on_jalali = JalaliField(source="founded_on")


class FundTotalsSerializer(serializers.Serializer):
    cash = serializers.IntegerField(help_text="rials")
    savings = serializers.IntegerField(help_text="rials")
    fees = serializers.IntegerField(help_text="rials")
    charity = serializers.IntegerField(help_text="rials")
    members = serializers.IntegerField()
    on = serializers.DateField()
    on_jalali = JalaliField(source="on")


class FundDetailSerializer(FundSerializer):
    totals = FundTotalsSerializer()


class MembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fund = serializers.IntegerField(source="fund_id")
    number = serializers.IntegerField()
    person = serializers.CharField(source="person.full_name")
    status = serializers.CharField()
    joined_on = serializers.DateField()
    joined_on_jalali = JalaliField(source="joined_on")
    left_on = serializers.DateField(allow_null=True)
    left_on_jalali = JalaliField(source="left_on", allow_null=True)
    savings = serializers.IntegerField(help_text="rials")


class ContributionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    membership = serializers.IntegerField(source="membership_id")
    year = serializers.IntegerField(help_text="Jalali year")
    month = serializers.IntegerField(help_text="Jalali month")
    amount = serializers.IntegerField(help_text="rials")
    paid_on = serializers.DateField()
    paid_on_jalali = JalaliField(source="paid_on")
    is_late = serializers.BooleanField()
    reversed_on = serializers.DateField(
        allow_null=True, read_only=True, default=None,
        help_text="the day it was reversed (corrected by its mirror entry); null while it counts")


class ContributionInput(serializers.Serializer):
    year = serializers.IntegerField(min_value=1300, max_value=1600, help_text="Jalali year")
    month = serializers.IntegerField(min_value=1, max_value=12, help_text="Jalali month")
    paid_on = serializers.DateField(required=False, help_text="default: today (the server's)")
    amount = rials(required=False, help_text="rials; default: the fund's monthly contribution")


class WithdrawalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    membership = serializers.IntegerField(source="membership_id")
    amount = serializers.IntegerField(help_text="rials")
    occurred_on = serializers.DateField()
    occurred_on_jalali = JalaliField(source="occurred_on")
    is_late = serializers.BooleanField()
    reversed_on = serializers.DateField(
        allow_null=True, read_only=True, default=None,
        help_text="the day it was reversed (corrected by its mirror entry); null while it counts")


class WithdrawalInput(serializers.Serializer):
    amount = rials(help_text="rials")
    occurred_on = serializers.DateField(required=False, help_text="default: today (the server's)")


class InstallmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_on = serializers.DateField()
    due_on_jalali = JalaliField(source="due_on")
    principal = serializers.IntegerField(help_text="rials")
    fee = serializers.IntegerField(help_text="rials")


class LoanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fund = serializers.IntegerField(source="fund_id")
    membership = serializers.IntegerField(source="membership_id")
    amount = serializers.IntegerField(help_text="rials")
    months = serializers.IntegerField()
    fee = serializers.IntegerField(help_text="rials")
    purpose = serializers.CharField()
    status = serializers.CharField()
    applied_at = serializers.DateTimeField()
    applied_at_jalali = JalaliField(source="applied_at")
    disbursed_on = serializers.DateField(allow_null=True)
    disbursed_on_jalali = JalaliField(source="disbursed_on", allow_null=True)


class LoanDetailSerializer(LoanSerializer):
    schedule = InstallmentSerializer(many=True, source="plan")
    paid = serializers.IntegerField(help_text="rials repaid so far")
    remaining = serializers.IntegerField(help_text="rials still owed (principal and fee)")


class RepaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    loan = serializers.IntegerField(source="loan_id")
    amount = serializers.IntegerField(help_text="rials")
    principal = serializers.IntegerField(help_text="rials")
    fee = serializers.IntegerField(help_text="rials")
    paid_on = serializers.DateField()
    paid_on_jalali = JalaliField(source="paid_on")
    is_late = serializers.BooleanField()
    reversed_on = serializers.DateField(
        allow_null=True, read_only=True, default=None,
        help_text="the day it was reversed (corrected by its mirror entry); null while it counts")


class RepaymentInput(serializers.Serializer):
    amount = rials(help_text="rials")
    paid_on = serializers.DateField(required=False, help_text="default: today (the server's)")


class DrawSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fund = serializers.IntegerField(source="fund_id")
    number = serializers.IntegerField()
    cycle = serializers.IntegerField()
    status = serializers.CharField()
    winners_count = serializers.IntegerField()
    scheduled_at = serializers.DateTimeField(allow_null=True)
    scheduled_at_jalali = JalaliField(source="scheduled_at", allow_null=True)
    performed_at = serializers.DateTimeField(allow_null=True)
    performed_at_jalali = JalaliField(source="performed_at", allow_null=True)


# --- production and market ---------------------------------------------------------------------------------
class ProducerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.CharField(source="person.full_name")
    business_name = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    place = serializers.CharField(source="place.name", allow_null=True)
    registered_at = serializers.DateTimeField()
    registered_at_jalali = JalaliField(source="registered_at")


class BoothSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the allocated application: the seller's booth for its term")
    exhibition = serializers.CharField(source="exhibition.name")
    booth = serializers.CharField(source="booth.code", allow_null=True)
    term_start = serializers.DateField()
    term_start_jalali = JalaliField(source="term_start")


class SaleLineInput(serializers.Serializer):
    product = serializers.IntegerField(min_value=1)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=0)
    unit_price = rials(help_text="rials")
    producer = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                        help_text="whose goods, at a group's booth")


class SaleInput(serializers.Serializer):
    method = serializers.CharField(max_length=20)
    lines = SaleLineInput(many=True, allow_empty=False, max_length=50)


class SaleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    booth = serializers.IntegerField(source="application_id")
    method = serializers.CharField()
    total = serializers.IntegerField(help_text="rials")
    sold_at = serializers.DateTimeField()
    sold_at_jalali = JalaliField(source="sold_at")
    cancels = serializers.IntegerField(source="cancels_id", allow_null=True)


class OrderPartSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField(source="order_id")
    amount = serializers.IntegerField(help_text="rials")
    status = serializers.CharField()
    buyer_name = serializers.CharField(source="order.buyer_name")
    address = serializers.CharField(source="order.address")
    paid_at = serializers.DateTimeField(allow_null=True)
    paid_at_jalali = JalaliField(source="paid_at", allow_null=True)
    shipped_at = serializers.DateTimeField(allow_null=True)


# --- desk and training -------------------------------------------------------------------------------------
class DeskRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    subject = serializers.CharField()
    details = serializers.CharField()
    person = serializers.CharField(source="person.full_name", allow_null=True,
                                   help_text="null for a referral between units")
    status = serializers.CharField()
    amount_asked = serializers.IntegerField(allow_null=True, help_text="rials")
    outcome = serializers.CharField()
    granted_amount = serializers.IntegerField(allow_null=True, help_text="rials")
    institution = serializers.IntegerField(source="institution_id", allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    submitted_at_jalali = JalaliField(source="submitted_at", allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    due_at_jalali = JalaliField(source="due_at", allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)


class DeskAnswerInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["granted", "partly", "refused"])
    granted_amount = rials(required=False, allow_null=True, help_text="rials")
    refusal_reason = serializers.CharField(required=False, allow_blank=True, max_length=30)
    refusal_text = serializers.CharField(required=False, allow_blank=True, max_length=300)
    answer_text = serializers.CharField(required=False, allow_blank=True, max_length=500)


class DeskStepInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class EnrolmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.IntegerField(source="course_id")
    course_title = serializers.CharField(source="course.title")
    status = serializers.CharField()
    requested_at = serializers.DateTimeField()
    requested_at_jalali = JalaliField(source="requested_at")
    completed_at = serializers.DateTimeField(allow_null=True)


# --- the offline batch -------------------------------------------------------------------------------------
class CommandInput(serializers.Serializer):
    id = serializers.UUIDField(help_text="made on the device; the same command sent again has the same id")
    type = serializers.ChoiceField(choices=["contribution.record", "repayment.record", "withdrawal.record",
                                            "sale.record", "contribution.reverse", "repayment.reverse",
                                            "withdrawal.reverse", "meeting.close"])
    payload = serializers.DictField(help_text=(
        "by type — contribution.record: {membership, year, month, paid_on?, amount?}; repayment.record: {loan, "
        "amount, paid_on?}; withdrawal.record: {membership, amount, occurred_on?}; sale.record: {booth, method, "
        "lines}; contribution.reverse, repayment.reverse, withdrawal.reverse: {record, reason}; meeting.close: "
        "{fund, year, month, held_on?}. Dates ISO; left out, the server's today"))


class BatchInput(serializers.Serializer):
    commands = serializers.ListField(child=serializers.DictField(), allow_empty=False)


class CommandResult(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=["applied", "already_applied", "refused"])
    result = serializers.DictField(required=False, allow_null=True)
    detail = serializers.CharField(required=False, allow_null=True)
    field = serializers.CharField(required=False, allow_null=True)


class BatchResult(serializers.Serializer):
    applied = serializers.IntegerField()
    already_applied = serializers.IntegerField()
    refused = serializers.IntegerField()
    results = CommandResult(many=True)




# --- dashboard figures ----------------------------------------------------------------------------------------
class FigureSerializer(serializers.Serializer):
    """One figure in the three columns (money in rials, shares in per mille; null where a share has no base)."""

    code = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField(help_text="flow, stock, gauge or derived")
    unit = serializers.CharField(help_text="count, rials or permille")
    month = serializers.IntegerField(allow_null=True)
    year = serializers.IntegerField(allow_null=True)
    last_year = serializers.IntegerField(allow_null=True)


class FigureUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class FigureChildSerializer(FigureUnitSerializer):
    year = serializers.DictField(child=serializers.IntegerField(allow_null=True),
                                 help_text="The child's figures this Jalali year, by metric code.")


class UnitFiguresSerializer(serializers.Serializer):
    unit = FigureUnitSerializer()
    month = serializers.IntegerField(help_text="The current Jalali month as yyyymm, e.g. 140509.")
    year = serializers.IntegerField(help_text="The current Jalali year as yyyy00.")
    last_year = serializers.IntegerField()
    figures = FigureSerializer(many=True)
    children = FigureChildSerializer(many=True, help_text="Empty for a member, who sees only her own fund.")
