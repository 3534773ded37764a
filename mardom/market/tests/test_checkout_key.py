"""A checkout's idempotency key is bound to the session that was shown the form."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from mardom.market.models import Order

FORM = {"buyer_name": "علی", "buyer_mobile": "09121234567", "address": "تهران، کوچهٔ یکم"}


def _checkout(client, listing, key, **form):
    assert client.post(reverse("shop:cart-add", args=[listing.pk]), {"quantity": "1"}).status_code == 302
    return client.post(reverse("shop:cart"), {**FORM, **form, "key": key})


def test_the_same_form_twice_from_one_session_is_one_order(shop):
    client = Client()
    client.get(reverse("shop:cart"))
    first = _checkout(client, shop.listings[0], "same-key-0001")
    again = client.post(reverse("shop:cart"), {**FORM, "key": "same-key-0001"})
    assert first.status_code == 302 and again.status_code == 302
    assert Order.objects.count() == 1
    assert Order.objects.get().idempotency_key != "same-key-0001"  # stored bound to the session


def test_the_same_key_from_another_session_never_reaches_the_first_order(shop):
    buyer, other = Client(), Client()
    assert _checkout(buyer, shop.listings[0], "leaked-key-01").status_code == 302
    order = Order.objects.get()
    response = _checkout(other, shop.listings[1], "leaked-key-01", buyer_name="رضا", buyer_mobile="09131112233")
    assert Order.objects.count() == 2  # a new order of the other cart, not the buyer's
    assert order.token not in response.get("Location", "")
    assert other.session.get("shop_last_order") != order.token
    mine = Order.objects.exclude(pk=order.pk).get()
    assert mine.buyer_mobile == "09131112233"
    order.refresh_from_db()
    assert order.buyer_mobile == "09121234567"
