from django.urls import path

from .views import corrections, draws, funds, loans, onboarding, statements

app_name = "funds"

urlpatterns = [
    path("", funds.fund_list, name="list"),
    path("export.csv", funds.fund_export, name="export"),
    path("new/", funds.fund_create, name="create"),
    path("<int:pk>/", funds.fund_detail, name="detail"),
    path("<int:pk>/members/new/", funds.member_join, name="join"),
    path("<int:pk>/month/", funds.month_record, name="month"),
    path("<int:pk>/rules/", funds.rules_change, name="rules"),
    path("members/<int:pk>/", funds.membership_detail, name="membership"),
    path("members/<int:pk>/contributions/", funds.contribution_add, name="contribute"),
    path("members/<int:pk>/withdraw/", funds.withdraw, name="withdraw"),
    path("members/<int:pk>/leave/", funds.leave, name="leave"),
    path("members/<int:pk>/transfer/", funds.transfer, name="transfer"),
    # Loans (views/loans.py)
    path("<int:pk>/loans/", loans.loan_list, name="loans"),
    path("<int:pk>/queue/", loans.queue, name="queue"),
    path("members/<int:pk>/loans/new/", loans.loan_apply, name="loan-apply"),
    path("loans/<int:pk>/", loans.loan_detail, name="loan"),
    path("loans/<int:pk>/guarantees/", loans.guarantee_add, name="guarantee-add"),
    path("guarantees/<int:pk>/answer/", loans.guarantee_answer, name="guarantee-answer"),
    path("loans/<int:pk>/propose/", loans.loan_propose, name="loan-propose"),
    path("loans/<int:pk>/cancel/", loans.loan_cancel, name="loan-cancel"),
    path("loans/<int:pk>/decide/", loans.loan_decide, name="loan-decide"),
    path("loans/<int:pk>/disburse/", loans.loan_disburse, name="loan-disburse"),
    path("loans/<int:pk>/repay/", loans.loan_repay, name="loan-repay"),
    path("loans/<int:pk>/close/", loans.loan_close, name="loan-close"),
    path("closures/<int:pk>/confirm/", loans.loan_close_confirm, name="loan-close-confirm"),
    path("closures/<int:pk>/withdraw/", loans.loan_close_withdraw, name="loan-close-withdraw"),
    path("loans/<int:pk>/late-charge/", loans.late_charge, name="loan-late-charge"),
    # Corrections (views/corrections.py)
    path("contributions/<int:pk>/reverse/", corrections.record_reverse, {"kind": "contribution"},
         name="contribution-reverse"),
    path("withdrawals/<int:pk>/reverse/", corrections.record_reverse, {"kind": "withdrawal"},
         name="withdrawal-reverse"),
    path("repayments/<int:pk>/reverse/", corrections.record_reverse, {"kind": "repayment"}, name="repayment-reverse"),
    path("late-charges/<int:pk>/reverse/", corrections.record_reverse, {"kind": "late_charge"},
         name="late-charge-reverse"),
    # Draws (views/draws.py)
    path("<int:pk>/draws/", draws.draw_list, name="draws"),
    path("draws/<int:pk>/", draws.draw_detail, name="draw"),
    path("draws/<int:pk>/perform/", draws.draw_perform, name="draw-perform"),
    path("draws/<int:pk>/cancel/", draws.draw_cancel, name="draw-cancel"),
    path("draws/<int:pk>/export.json", draws.draw_export, name="draw-export"),
    path("draws/<int:pk>/announcement.json", draws.draw_announcement, name="draw-announcement"),
    # Statements (views/statements.py)
    path("members/<int:pk>/statement/", statements.member_statement_view, name="statement-member"),
    path("members/<int:pk>/statement.pdf", statements.member_statement_pdf, name="statement-member-pdf"),
    path("members/<int:pk>/statement/document/", statements.member_statement_document,
         name="statement-member-document"),
    path("<int:pk>/statement/", statements.fund_statement_view, name="statement-fund"),
    path("<int:pk>/statement.pdf", statements.fund_statement_pdf, name="statement-fund-pdf"),
    # Onboarding a fund from its workbook (views/onboarding.py)
    path("import/", onboarding.import_page, name="import"),
    path("import/template.xlsx", onboarding.import_template, name="import-template"),
    path("imports/<int:pk>/", onboarding.import_status, name="import-status"),
]
