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

__all__ = [
    "RULE_FIELDS", "allocate", "application_submit", "booth_add", "default_rules", "exhibition_create", "may_sell",
    "sale_cancel", "sale_record", "terms_of", "visitors_record",
]
