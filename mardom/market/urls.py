from django.conf import settings
from django.urls import path

from .views import exhibitions, shop

app_name = "market"

urlpatterns = [
    path("exhibitions/", exhibitions.exhibition_list, name="exhibitions"),
    path("exhibitions/new/", exhibitions.exhibition_create, name="exhibition-create"),
    path("exhibitions/<int:pk>/", exhibitions.exhibition_detail, name="exhibition"),
    path("exhibitions/<int:pk>/booths/new/", exhibitions.booth_add, name="booth-add"),
    path("exhibitions/<int:pk>/apply/", exhibitions.application_submit, name="apply"),
    path("exhibitions/<int:pk>/allocate/", exhibitions.allocate, name="allocate"),
    path("exhibitions/<int:pk>/visitors/", exhibitions.visitors_record, name="visitors"),
    path("booths/<int:pk>/", exhibitions.booth_sell, name="booth"),
    path("booths/<int:pk>/sales/<int:sale>/cancel/", exhibitions.sale_cancel, name="sale-cancel"),
    path("booths/<int:pk>/report/", exhibitions.booth_report, name="booth-report"),
]

# The demo's stand-in for a bank's payment page: routed only where a setting enables it (dev, test, demo).
if settings.PAYMENT_FAKE_GATEWAY_ENABLED:
    urlpatterns.append(path("fake-gateway/<str:authority>/", shop.fake_gateway, name="fake-gateway"))

# The storefront (views/shop.py), mounted at /shop/ under the "shop" namespace by config/urls.py.
shop_patterns = [
    path("", shop.catalogue, name="catalogue"),
    path("item/<int:pk>/", shop.listing_detail, name="listing"),
    path("item/<int:pk>/add/", shop.cart_add, name="cart-add"),
    path("cart/", shop.cart, name="cart"),
    path("cart/<int:pk>/remove/", shop.cart_remove, name="cart-remove"),
    path("callback/", shop.callback, name="callback"),
    path("order/<str:token>/", shop.order_status, name="order"),
    path("mine/listings/", shop.my_listings, name="my-listings"),
    path("mine/listings/<int:pk>/", shop.listing_edit, name="listing-edit"),
    path("mine/orders/", shop.my_orders, name="my-orders"),
    path("mine/orders/<int:pk>/ship/", shop.part_ship, name="part-ship"),
    path("mine/orders/<int:pk>/deliver/", shop.part_deliver, name="part-deliver"),
    path("mine/payouts/", shop.my_payouts, name="my-payouts"),
    path("payouts/", shop.payouts, name="payouts"),
    path("payouts/<int:pk>/", shop.payout, name="payout"),
]
