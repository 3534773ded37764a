"""The checkout form is validated on the server (the browser's English "Please fill out this field" is off):
each empty field gets its Persian message beside it, and nothing is ordered."""

from __future__ import annotations

import re

from django.urls import reverse

from mardom.market.models import Order


def test_the_checkout_form_leaves_validation_to_the_server(client, shop):
    client.post(reverse("shop:cart-add", args=[shop.listings[0].pk]), {"quantity": "1"})
    html = client.get(reverse("shop:cart")).content.decode()
    form = re.search(r'<form[^>]*data-test="checkout-form"[^>]*>', html).group(0)
    assert "novalidate" in form


def test_empty_checkout_fields_get_persian_messages_beside_them(client, shop):
    client.post(reverse("shop:cart-add", args=[shop.listings[0].pk]), {"quantity": "1"})
    response = client.post(reverse("shop:cart"), {"buyer_name": " ", "buyer_mobile": "", "address": "",
                                                  "key": "checkout-key-1"})
    assert response.status_code == 400
    html = response.content.decode()
    for field, message in [("buyer_name", "نام خود را بنویسید."), ("buyer_mobile", "شمارهٔ همراه خود را بنویسید."),
                           ("address", "نشانی‌ای را که سفارش باید به آن فرستاده شود بنویسید.")]:
        assert re.search(rf'data-field="{field}">.*?<ul class="errorlist"[^>]*><li>{message}</li>', html, re.S), field
    assert "Please fill" not in html and "This field is required" not in html
    assert Order.objects.count() == 0
