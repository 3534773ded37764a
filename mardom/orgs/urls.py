from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("bases/", views.org_list, {"kind": "bases"}, name="base-list"),
    path("groups/", views.org_list, {"kind": "groups"}, name="group-list"),
    path("institutions/", views.org_list, {"kind": "institutions"}, name="institution-list"),
    path("referrals/", views.referrals_received, name="referrals"),
    path("<slug:kind>/", views.org_list, name="list"),
    path("<slug:kind>/new/", views.org_create, name="create"),
    path("<slug:kind>/<int:pk>/", views.org_detail, name="detail"),
    path("<slug:kind>/<int:pk>/edit/", views.org_edit, name="edit"),
    path("bases/<int:pk>/linkages/", views.linkage_create, name="linkage-create"),
    path("bases/<int:pk>/referrals/", views.referral_create, name="referral-create"),
    path("referrals/<int:pk>/status/", views.referral_status, name="referral-status"),
]
