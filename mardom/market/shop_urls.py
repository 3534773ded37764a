from django.urls import path

from . import shop_views as views

app_name = "shop"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("item/<int:pk>/", views.listing_detail, name="listing"),
    path("item/<int:pk>/add/", views.cart_add, name="cart-add"),
    path("cart/", views.cart, name="cart"),
    path("cart/<int:pk>/remove/", views.cart_remove, name="cart-remove"),
    path("callback/", views.callback, name="callback"),
    path("order/<str:token>/", views.order_status, name="order"),
    path("mine/listings/", views.my_listings, name="my-listings"),
    path("mine/listings/<int:pk>/", views.listing_edit, name="listing-edit"),
    path("mine/orders/", views.my_orders, name="my-orders"),
    path("mine/orders/<int:pk>/ship/", views.part_ship, name="part-ship"),
    path("mine/orders/<int:pk>/deliver/", views.part_deliver, name="part-deliver"),
    path("mine/payouts/", views.my_payouts, name="my-payouts"),
    path("payouts/", views.payouts, name="payouts"),
    path("payouts/<int:pk>/", views.payout, name="payout"),
]
