from django.urls import path

from . import views

app_name = "funds"

urlpatterns = [
    path("", views.fund_list, name="list"),
    path("new/", views.fund_create, name="create"),
    path("<int:pk>/", views.fund_detail, name="detail"),
    path("<int:pk>/members/new/", views.member_join, name="join"),
    path("<int:pk>/month/", views.month_record, name="month"),
    path("<int:pk>/rules/", views.rules_change, name="rules"),
    path("members/<int:pk>/", views.membership_detail, name="membership"),
    path("members/<int:pk>/contributions/", views.contribution_add, name="contribute"),
    path("members/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("members/<int:pk>/leave/", views.leave, name="leave"),
]
