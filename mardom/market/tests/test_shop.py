"""The storefront: Persian search over normalised text, orders split per producer and placed once per key,
payment callbacks believed only when genuine (forged, replayed, wrong amount), stock taken at payment, the
payout ledger never paid beyond its balance, and every page scoped (a producer sees only her parts, a token
only its order, public pages nothing private)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from mardom.core.errors import DomainError
from mardom.core.models import Notification
from mardom.dashboards.doubling import per_producer
from mardom.market import services
from mardom.market.gateway import FakeGateway
from mardom.market.models import Listing, Order, OrderPart, Payment, PayoutEntry
from mardom.market.selectors import shop as selectors


def place(shop, key="k-000001", items=None, mobile="09121234567"):
    items = items if items is not None else [(shop.listings[0], 2), (shop.listings[1], 1)]
    return services.order_place(items=items, buyer_name="علی خریدار", buyer_mobile=mobile, address="تهران، خیابان",
                                idempotency_key=key)


def pay(order, paid=True, amount=None):
    payment, _url = services.payment_start(order=order)
    params = FakeGateway().callback_params(authority=payment.authority, amount=amount or payment.amount, paid=paid)
    return payment, params


def state():
    return (Order.objects.filter(status="paid").count(), Payment.objects.filter(status="paid").count(),
            PayoutEntry.objects.count(), sorted(Listing.objects.values_list("stock", flat=True)),
            Notification.objects.count(), list(OrderPart.objects.values_list("status", flat=True)))


def test_search_is_normalised(shop):
    assert selectors.catalogue(q="قائن").count() == 2  # the county قاینات, typed with hamza
    assert selectors.catalogue(q="كيسه زعفران").count() == 2  # Arabic kaf and yeh
    assert selectors.catalogue(q="زعفران ۰").get() == shop.listings[0]
    assert selectors.catalogue(q="سده").count() == 2  # the brand
    assert not selectors.catalogue(q="زرشک").exists()
    assert selectors.catalogue(category="crops").count() + selectors.catalogue(category="food").count() >= 0
    assert selectors.catalogue(county=shop.growers[0].unit_id, brand=shop.brand.pk).count() == 2


def test_only_an_active_authorisation_lists(shop, county_officer):
    from mardom.brands import services as brands

    with pytest.raises(PermissionDenied):
        services.listing_create(by=shop.users[1], authorisation=shop.auths[0], title="x", pack="۱", price=1, stock=1)
    brands.sanction(by=county_officer, authorisation=shop.auths[2], action="suspend", reason="تقلب")
    with pytest.raises(DomainError):
        services.listing_create(by=shop.users[2], authorisation=shop.auths[2], title="x", pack="۱", price=1, stock=1)
    brands.sanction(by=county_officer, authorisation=shop.auths[0], action="suspend", reason="تقلب")
    assert list(selectors.catalogue()) == [shop.listings[1]]  # a suspended member's listing leaves the shop


def test_an_order_is_split_per_producer_and_placed_once(shop):
    order = place(shop)
    parts = {p.producer_id: p for p in order.parts.all()}
    assert set(parts) == {shop.growers[0].pk, shop.growers[1].pk}
    assert parts[shop.growers[0].pk].amount == 2_000_000 and parts[shop.growers[1].pk].amount == 2_000_000
    assert order.total == 4_000_000 and order.status == "pending"
    assert place(shop) == order  # submitted twice: recorded once
    assert Order.objects.count() == 1 and OrderPart.objects.count() == 2
    assert sorted(Listing.objects.values_list("stock", flat=True)) == [5, 5]  # nothing reserved before payment


@pytest.mark.parametrize("case", ["empty", "too_many", "inactive", "no_name"])
def test_bad_orders_are_refused(shop, case):
    items = {"empty": [], "too_many": [(shop.listings[0], 6)], "inactive": [(shop.listings[0], 1)],
             "no_name": [(shop.listings[0], 1)]}[case]
    if case == "inactive":
        services.listing_update(by=shop.users[0], listing=shop.listings[0], price=1, stock=5, active=False)
    with pytest.raises(DomainError):
        services.order_place(items=items, buyer_name="" if case == "no_name" else "علی", buyer_mobile="09121234567",
                             address="تهران", idempotency_key="bad-order-1")
    assert not Order.objects.exists()


def test_a_paid_order_takes_stock_credits_producers_and_tells_everyone(shop, django_capture_on_commit_callbacks):
    order = place(shop)
    _payment, params = pay(order)
    result = services.payment_callback(params=params)
    order.refresh_from_db()
    assert result.outcome == "paid" and order.status == "paid"
    assert set(order.parts.values_list("status", flat=True)) == {"paid"}
    assert sorted(Listing.objects.values_list("stock", flat=True)) == [3, 4]
    assert services.payout_balance(shop.growers[0]) == 2_000_000
    assert Notification.objects.filter(key__startswith="shop:").count() == 3
    assert per_producer([shop.growers[0].pk])[shop.growers[0].pk].channels["storefront"] == 2_000_000


def test_a_forged_callback_is_refused_and_changes_nothing(shop):
    order = place(shop)
    _payment, params = pay(order)
    before = state()
    for forged in ({**params, "sig": "0" * 64}, {**params, "amount": "1"}, {**params, "sig": ""},
                   {k: v for k, v in params.items() if k != "sig"}):
        with pytest.raises(DomainError):
            services.payment_callback(params=forged)
    assert state() == before


def test_a_replayed_callback_changes_nothing(shop):
    order = place(shop)
    _payment, params = pay(order)
    assert services.payment_callback(params=params).outcome == "paid"
    before = state()
    assert services.payment_callback(params=params).outcome == "replay"
    assert state() == before


def test_a_wrong_amount_is_refused(shop):
    order = place(shop)
    _payment, params = pay(order, amount=1000)  # genuinely signed, but not what the order costs
    before = state()
    with pytest.raises(DomainError):
        services.payment_callback(params=params)
    assert state() == before
    assert Payment.objects.get().status == "initiated"


def test_a_cancelled_payment_fails_the_order(shop):
    order = place(shop)
    _payment, params = pay(order, paid=False)
    assert services.payment_callback(params=params).outcome == "cancelled"
    order.refresh_from_db()
    assert order.status == "failed" and not PayoutEntry.objects.exists()


def test_stock_that_ran_out_fails_the_order_without_payout(shop):
    first = place(shop, key="first-order", items=[(shop.listings[0], 4)])
    second = place(shop, key="second-order", items=[(shop.listings[0], 3)])  # both fit when placed
    _p1, params1 = pay(first)
    _p2, params2 = pay(second)
    assert services.payment_callback(params=params1).outcome == "paid"
    assert services.payment_callback(params=params2).outcome == "out_of_stock"
    second.refresh_from_db()
    assert second.status == "failed" and second.note
    assert Listing.objects.get(pk=shop.listings[0].pk).stock == 1
    assert PayoutEntry.objects.filter(part__order=second).count() == 0
    assert services.payout_balance(shop.growers[0]) == 4_000_000


def test_payouts_never_beyond_the_balance(shop, county_officer, birjand_officer):
    order = place(shop)
    services.payment_callback(params=pay(order)[1])
    grower = shop.growers[0]
    with pytest.raises(PermissionDenied):
        services.payout_record(by=birjand_officer, producer=grower, amount=1, reference="x", idempotency_key="p-1x")
    with pytest.raises(PermissionDenied):
        services.payout_record(by=shop.users[0], producer=grower, amount=1, reference="x", idempotency_key="p-1y")
    services.payout_record(by=county_officer, producer=grower, amount=1_500_000, reference="۱۲۳",
                           idempotency_key="payout-1")
    services.payout_record(by=county_officer, producer=grower, amount=1_500_000, reference="۱۲۳",
                           idempotency_key="payout-1")  # the same form twice
    assert services.payout_balance(grower) == 500_000
    with pytest.raises(DomainError):
        services.payout_record(by=county_officer, producer=grower, amount=500_001, reference="x",
                               idempotency_key="payout-2")
    with pytest.raises(TypeError):
        PayoutEntry.objects.first().delete()
    assert services.payout_balance(grower) == 500_000


def test_a_producer_ships_only_her_own_parts(shop, client):
    order = place(shop)
    services.payment_callback(params=pay(order)[1])
    mine = order.parts.get(producer=shop.growers[0])
    with pytest.raises(PermissionDenied):
        services.part_ship(by=shop.users[1], part=mine)
    with pytest.raises(DomainError):
        services.part_deliver(by=shop.users[0], part=mine)  # not sent yet
    client.force_login(shop.users[1])
    assert client.post(reverse("shop:part-ship", args=[mine.pk])).status_code == 404
    page = client.get(reverse("shop:my-orders")).content.decode()
    assert "part-ship" not in page and f"/shop/mine/orders/{mine.pk}/" not in page
    client.force_login(shop.users[0])
    assert client.post(reverse("shop:part-ship", args=[mine.pk])).status_code == 302
    assert client.post(reverse("shop:part-deliver", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert mine.status == "delivered"


def test_the_token_page_shows_only_its_order(shop, client):
    mine = place(shop, key="mine-order-1")
    other = services.order_place(items=[(shop.listings[1], 1)], buyer_name="زهره دیگری", buyer_mobile="09351112233",
                                 address="مشهد، کوچه پنهان", idempotency_key="other-order")
    page = client.get(reverse("shop:order", args=[mine.token])).content.decode()
    assert "علی خریدار" in page and "زهره دیگری" not in page and "کوچه پنهان" not in page
    assert client.get(reverse("shop:order", args=["not-a-token"])).status_code == 404
    assert client.get(reverse("shop:order", args=[other.token[:-1]])).status_code == 404


def test_public_pages_show_nothing_private(shop, client):
    person = shop.people[0]
    for url in (reverse("shop:catalogue"), reverse("shop:catalogue") + "?q=قائن",
                reverse("shop:listing", args=[shop.listings[0].pk])):
        page = client.get(url).content.decode()
        assert client.get(url).status_code == 200
        for private in (person.national_id, person.mobile, person.last_name):
            assert private not in page
    assert "/p/" in client.get(reverse("shop:listing", args=[shop.listings[0].pk])).content.decode()


@pytest.mark.parametrize(("query", "status"), [
    ("?q=" + "ی" * 5000, 200), ("?province=abc&county=-1&brand=9999999999999999999999", 200),
    ("?category=<script>&page=xyz", 200),
    ("?q=%00", 400),  # refused before any view: PostgreSQL cannot hold a NUL in text
])
def test_nothing_typed_causes_a_500(shop, client, query, status):
    assert client.get(reverse("shop:catalogue") + query).status_code == status


def test_the_checkout_in_the_browser_flow(shop, client):
    """Cart, checkout (mobile in Persian digits), the fake gateway, the callback, the status page; a forged
    callback gets a Persian message and a 400."""
    listing = shop.listings[0]
    assert client.post(reverse("shop:cart-add", args=[listing.pk]), {"quantity": "۲"}).status_code == 302
    assert client.post(reverse("shop:cart-add", args=[listing.pk]), {"quantity": "abc"}).status_code == 400
    response = client.post(reverse("shop:cart"), {"buyer_name": "علی", "buyer_mobile": "۰۹۱۲۱۲۳۴۵۶۷",
                                                  "address": "تهران", "key": "browser-key-1"})
    assert response.status_code == 302 and "/market/fake-gateway/" in response.url
    gateway_page = client.get(response.url)
    assert gateway_page.status_code == 200
    payment = Payment.objects.get()
    params = FakeGateway().callback_params(authority=payment.authority, amount=payment.amount, paid=True)
    assert client.post(reverse("shop:callback"), {**params, "sig": "f" * 64}).status_code == 400
    done = client.post(reverse("shop:callback"), params)
    order = Order.objects.get()
    assert done.status_code == 302 and done.url == reverse("shop:order", args=[order.token])
    assert order.status == "paid" and order.buyer_mobile == "09121234567"
    again = client.post(reverse("shop:cart"), {"buyer_name": "علی", "buyer_mobile": "09121234567",
                                               "address": "تهران", "key": "browser-key-1"})
    # The same form sent again: the order it placed, not a second one.
    assert again.status_code == 302 and again.url == done.url and Order.objects.count() == 1
    assert client.session["shop_cart"] == {}  # the cart is emptied once paid


def test_producer_and_officer_pages(shop, client, county_officer, birjand_officer):
    client.force_login(shop.users[2])
    response = client.post(reverse("shop:my-listings"), {"authorisation": shop.auths[2].pk, "title": "زعفران نگین",
                                                         "pack": "۲ گرم", "price": "۵۰۰٬۰۰۰", "stock": "۱۰"})
    assert response.status_code == 302 and Listing.objects.filter(producer=shop.growers[2]).exists()
    assert client.get(reverse("shop:listing-edit", args=[shop.listings[0].pk])).status_code == 404
    assert client.get(reverse("shop:my-payouts")).status_code == 200
    order = place(shop)
    services.payment_callback(params=pay(order)[1])
    client.force_login(birjand_officer)
    assert client.get(reverse("shop:payout", args=[shop.growers[0].pk])).status_code == 404
    client.force_login(county_officer)
    assert client.get(reverse("shop:payouts")).status_code == 200
    response = client.post(reverse("shop:payout", args=[shop.growers[0].pk]),
                           {"amount": "999999999", "reference": "x", "key": "officer-key-1"})
    assert response.status_code == 400 and services.payout_balance(shop.growers[0]) == 2_000_000


def test_every_shop_url_is_covered(shop, client, plain_user):
    """Public pages answer anyone; producers' and officers' pages send a stranger to log in, and a signed-in
    user with nothing in the shop gets an empty page, a 403 or a 404, never someone else's data."""
    from django.urls import resolve

    from mardom.market.urls import shop_patterns as urlpatterns

    order = place(shop)
    services.payment_callback(params=pay(order)[1])
    part = order.parts.get(producer=shop.growers[0])
    payment = Payment.objects.get()
    private = {
        reverse("shop:my-listings"): (200,), reverse("shop:listing-edit", args=[shop.listings[0].pk]): (404,),
        reverse("shop:my-orders"): (200,), reverse("shop:part-ship", args=[part.pk]): (404, 405),
        reverse("shop:part-deliver", args=[part.pk]): (404, 405), reverse("shop:my-payouts"): (200,),
        reverse("shop:payouts"): (403,), reverse("shop:payout", args=[shop.growers[0].pk]): (404,),
    }
    public = [reverse("shop:catalogue"), reverse("shop:listing", args=[shop.listings[0].pk]),
              reverse("shop:cart-add", args=[shop.listings[0].pk]), reverse("shop:cart"),
              reverse("shop:cart-remove", args=[shop.listings[0].pk]), reverse("shop:callback"),
              reverse("shop:order", args=[order.token])]
    assert {resolve(u).url_name for u in [*private, *public]} == {p.name for p in urlpatterns}
    for url in private:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(plain_user)
    for url, allowed in private.items():
        response = client.post(url) if "ship" in url or "deliver" in url else client.get(url)
        assert response.status_code in allowed, url
        assert "علی خریدار" not in response.content.decode()
    assert client.get(reverse("market:fake-gateway", args=[payment.authority])).status_code == 200
    assert client.get(reverse("market:fake-gateway", args=["nope"])).status_code == 404
    assert client.get(reverse("shop:callback")).status_code == 400  # no parameters: refused, not a 500
