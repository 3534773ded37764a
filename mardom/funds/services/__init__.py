"""Writes for loan funds: `members` (funds, rules, membership, savings) and `loans` (the loan's life)."""

from ..selectors import rules_in_force
from .corrections import (
    contribution_reverse,
    late_charge_reverse,
    meeting_close,
    repayment_reverse,
    reversible_repayment,
    withdrawal_reverse,
)
from .draws import (
    SourceInput,
    draw_announce,
    draw_cancel,
    draw_document,
    draw_perform,
    draw_record,
    draw_values_may_be_known,
)
from .loans import (
    CLOSURE_TRANSITIONS,
    LOAN_TRANSITIONS,
    guarantee_request,
    guarantee_respond,
    late_charge_collect,
    loan_apply,
    loan_cancel,
    loan_close_confirm,
    loan_close_propose,
    loan_close_withdraw,
    loan_decide,
    loan_disburse,
    loan_propose,
    loan_repay,
    loans_repay_month,
)
from .members import (
    FUND_ACCOUNTS,
    RulesInput,
    contribution_key,
    contribution_record,
    contributions_record_month,
    contributions_record_month_bulk,
    fund_create,
    membership_join,
    membership_leave,
    membership_transfer,
    rules_change,
    withdrawable,
    withdrawal_record,
)

__all__ = [
    "CLOSURE_TRANSITIONS", "FUND_ACCOUNTS", "LOAN_TRANSITIONS", "RulesInput", "SourceInput", "contribution_key",
    "contribution_record", "contribution_reverse", "contributions_record_month",
    "contributions_record_month_bulk", "draw_announce", "draw_cancel", "draw_document",
    "draw_perform", "draw_record", "draw_values_may_be_known", "fund_create", "guarantee_request",
    "guarantee_respond", "late_charge_collect", "late_charge_reverse", "loan_apply", "loan_cancel",
    "loan_close_confirm",
    "loan_close_propose", "loan_close_withdraw", "loan_decide", "loan_disburse", "loan_propose", "loan_repay",
    "loans_repay_month", "meeting_close",
    "membership_join",
    "membership_leave", "membership_transfer", "repayment_reverse", "reversible_repayment", "rules_change",
    "rules_in_force", "withdrawable", "withdrawal_record", "withdrawal_reverse",
]
