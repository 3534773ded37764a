"""The workbook's sheets and columns: one definition for the template, the reader and the messages.

Titles and headers are Persian (what the officer sees and types); keys are what the code uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # exactly as in the template's first row
    kind: str  # text, date, amount, int, nid, mobile, gender, unit
    required: bool = True
    example: object = ""


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str
    columns: tuple[Column, ...]
    about: object  # a lazy translated sentence for the guide sheet
    required: bool = True

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


FUND = Sheet("fund", "صندوق", (
    Column("name", "نام صندوق", "text", example="صندوق قرض‌الحسنه مردمی نمونه"),
    Column("founded_on", "تاریخ تأسیس", "date", example="1398/01/15"),
    Column("cutover_on", "تاریخ شروع در مردم", "date", example="1402/07/01"),
    Column("unit", "واحد مبالغ", "unit", example="ریال"),
    Column("monthly_contribution", "پرداخت ماهانه هر عضو", "amount", example="2,000,000"),
    Column("loan_cap", "سقف وام", "amount", example="200,000,000"),
    Column("loan_savings_multiple", "ضریب وام به پس‌انداز", "int", example=3),
    Column("min_months_before_loan", "ماه‌های عضویت پیش از وام", "int", example=6),
    Column("cash_at_cutover", "موجودی نقد در تاریخ شروع", "amount", example="12,000,000"),
    Column("capital_at_cutover", "سرمایه صندوق در تاریخ شروع", "amount", required=False, example="0"),
    Column("cash_at_end", "موجودی نقد در پایان فایل", "amount", required=False, example=""),
), _("One row: the fund, its rules, the day its books move to Mardom (cut-over) and the cash counted on that "
     "day. All amounts of the file are in the unit written here (ریال or تومان)."))

MEMBERS = Sheet("members", "اعضا", (
    Column("number", "شماره عضویت", "int", example=1),
    Column("first_name", "نام", "text", example="مریم"),
    Column("last_name", "نام خانوادگی", "text", example="احمدی"),
    Column("national_id", "کد ملی", "nid", example="0010350829"),
    Column("mobile", "موبایل", "mobile", example="09121234567"),
    Column("gender", "جنسیت", "gender", example="زن"),
    Column("joined_on", "تاریخ عضویت", "date", example="1398/02/01"),
), _("One row per member: membership number, name, national ID, mobile, gender (زن or مرد), the day they joined."))

OPENING = Sheet("opening", "مانده افتتاحیه", (
    Column("member", "شماره عضویت", "int", example=1),
    Column("savings", "مانده پس‌انداز در تاریخ شروع", "amount", example="12,000,000"),
), _("Each member's savings on the cut-over day, as in the paper books. Members who join later have no row."))

CONTRIBUTIONS = Sheet("contributions", "پرداخت‌های ماهانه", (
    Column("member", "شماره عضویت", "int", example=1),
    Column("year", "سال", "int", example=1402),
    Column("month", "ماه", "int", example=7),
    Column("amount", "مبلغ", "amount", example="2,000,000"),
    Column("paid_on", "تاریخ پرداخت", "date", example="1402/07/05"),
), _("Every monthly contribution paid on or after the cut-over day (those before are in the opening balance)."),
    required=False)

LOANS = Sheet("loans", "وام‌ها", (
    Column("number", "شماره وام", "int", example=1),
    Column("member", "شماره عضویت", "int", example=1),
    Column("amount", "مبلغ وام", "amount", example="30,000,000"),
    Column("months", "تعداد اقساط", "int", example=10),
    Column("disbursed_on", "تاریخ پرداخت وام", "date", example="1402/03/10"),
), _("Loans still being repaid on the cut-over day or paid out since. Their installments follow the fund's "
     "rounding unless given on the installments sheet."), required=False)

INSTALLMENTS = Sheet("installments", "اقساط", (
    Column("loan", "شماره وام", "int", example=1),
    Column("number", "شماره قسط", "int", example=1),
    Column("due_on", "سررسید", "date", example="1402/04/10"),
    Column("amount", "مبلغ قسط", "amount", example="3,000,000"),
), _("Optional: a loan's schedule as agreed, one row per installment; they must add up to the loan."),
    required=False)

REPAYMENTS = Sheet("repayments", "بازپرداخت‌ها", (
    Column("loan", "شماره وام", "int", example=1),
    Column("paid_on", "تاریخ", "date", example="1402/04/10"),
    Column("amount", "مبلغ", "amount", example="3,000,000"),
), _("Every repayment of those loans, before and after the cut-over day."), required=False)

GUARANTORS = Sheet("guarantors", "ضامن‌ها", (
    Column("loan", "شماره وام", "int", example=1),
    Column("member", "شماره عضویت ضامن", "int", example=2),
    Column("amount", "مبلغ ضمانت", "amount", example="15,000,000"),
), _("Members who guarantee a loan, and for how much."), required=False)

SHEETS: tuple[Sheet, ...] = (FUND, MEMBERS, OPENING, CONTRIBUTIONS, LOANS, INSTALLMENTS, REPAYMENTS, GUARANTORS)
BY_TITLE = {s.title: s for s in SHEETS}
GUIDE_TITLE = "راهنما"
