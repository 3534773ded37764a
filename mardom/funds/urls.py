from django.urls import path

from . import draw_views, loan_views, statement_urls, views

app_name = "funds"

urlpatterns = [
    path("", views.fund_list, name="list"),
    path("export.csv", views.fund_export, name="export"),
    path("new/", views.fund_create, name="create"),
    path("<int:pk>/", views.fund_detail, name="detail"),
    path("<int:pk>/members/new/", views.member_join, name="join"),
    path("<int:pk>/month/", views.month_record, name="month"),
    path("<int:pk>/rules/", views.rules_change, name="rules"),
    path("members/<int:pk>/", views.membership_detail, name="membership"),
    path("members/<int:pk>/contributions/", views.contribution_add, name="contribute"),
    path("members/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("members/<int:pk>/leave/", views.leave, name="leave"),
    path("members/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("<int:pk>/loans/", loan_views.loan_list, name="loans"),
    path("<int:pk>/queue/", loan_views.queue, name="queue"),
    path("members/<int:pk>/loans/new/", loan_views.loan_apply, name="loan-apply"),
    path("loans/<int:pk>/", loan_views.loan_detail, name="loan"),
    path("loans/<int:pk>/guarantees/", loan_views.guarantee_add, name="guarantee-add"),
    path("guarantees/<int:pk>/answer/", loan_views.guarantee_answer, name="guarantee-answer"),
    path("loans/<int:pk>/propose/", loan_views.loan_propose, name="loan-propose"),
    path("loans/<int:pk>/cancel/", loan_views.loan_cancel, name="loan-cancel"),
    path("loans/<int:pk>/decide/", loan_views.loan_decide, name="loan-decide"),
    path("loans/<int:pk>/disburse/", loan_views.loan_disburse, name="loan-disburse"),
    path("loans/<int:pk>/repay/", loan_views.loan_repay, name="loan-repay"),
    path("loans/<int:pk>/close/", loan_views.loan_close, name="loan-close"),
    path("closures/<int:pk>/confirm/", loan_views.loan_close_confirm, name="loan-close-confirm"),
    path("closures/<int:pk>/withdraw/", loan_views.loan_close_withdraw, name="loan-close-withdraw"),
    path("loans/<int:pk>/late-charge/", loan_views.late_charge, name="loan-late-charge"),
    path("<int:pk>/draws/", draw_views.draw_list, name="draws"),
    path("draws/<int:pk>/", draw_views.draw_detail, name="draw"),
    path("draws/<int:pk>/perform/", draw_views.draw_perform, name="draw-perform"),
    path("draws/<int:pk>/cancel/", draw_views.draw_cancel, name="draw-cancel"),
    path("draws/<int:pk>/export.json", draw_views.draw_export, name="draw-export"),
    path("draws/<int:pk>/announcement.json", draw_views.draw_announcement, name="draw-announcement"),
    *statement_urls.urlpatterns,
]
