from django.conf import settings
from django.urls import path

from . import shop_views, views

app_name = "market"

urlpatterns = [
    path("exhibitions/", views.exhibition_list, name="exhibitions"),
    path("exhibitions/new/", views.exhibition_create, name="exhibition-create"),
    path("exhibitions/<int:pk>/", views.exhibition_detail, name="exhibition"),
    path("exhibitions/<int:pk>/booths/new/", views.booth_add, name="booth-add"),
    path("exhibitions/<int:pk>/apply/", views.application_submit, name="apply"),
    path("exhibitions/<int:pk>/allocate/", views.allocate, name="allocate"),
    path("exhibitions/<int:pk>/visitors/", views.visitors_record, name="visitors"),
    path("booths/<int:pk>/", views.booth_sell, name="booth"),
    path("booths/<int:pk>/sales/<int:sale>/cancel/", views.sale_cancel, name="sale-cancel"),
    path("booths/<int:pk>/report/", views.booth_report, name="booth-report"),
]

# The demo's stand-in for a bank's payment page: routed only where a setting enables it (dev, test, demo).
if settings.PAYMENT_FAKE_GATEWAY_ENABLED:
    urlpatterns.append(path("fake-gateway/<str:authority>/", shop_views.fake_gateway, name="fake-gateway"))
