"""Writes of the market app: exhibitions (floor plans, applications, allocation) and booth sales."""

from .exhibitions import (
    RULE_FIELDS,
    allocate,
    application_submit,
    booth_add,
    default_rules,
    exhibition_create,
    terms_of,
)
from .sales import may_sell, sale_cancel, sale_record, visitors_record
from .shop import (
    CallbackResult,
    listing_create,
    listing_update,
    order_place,
    part_deliver,
    part_ship,
    payment_callback,
    payment_start,
    payout_balance,
    payout_record,
)

__all__ = [
    "RULE_FIELDS",
    "CallbackResult",
    "allocate",
    "application_submit",
    "booth_add",
    "default_rules",
    "exhibition_create",
    "listing_create",
    "listing_update",
    "may_sell",
    "order_place",
    "part_deliver",
    "part_ship",
    "payment_callback",
    "payment_start",
    "payout_balance",
    "payout_record",
    "sale_cancel",
    "sale_record",
    "terms_of",
    "visitors_record",
]
