"""Payment gateways: the Zarinpal adapter against recorded answers (no network), the shop with no gateway at
all (nothing can be ordered), the fake gateway existing only where a setting enables it, and the deploy
checks that keep production off the fake gateway and off a local public address."""

from __future__ import annotations

import importlib
import io
import json
import urllib.error
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import override_settings
from django.urls import NoReverseMatch, clear_url_caches, reverse

from mardom.core.checks import check_public_url
from mardom.core.errors import DomainError
from mardom.market import gateway as gateway_module
from mardom.market import services
from mardom.market.checks import check_payment_gateway
from mardom.market.gateway import GatewayError, TransportError, ZarinpalGateway, payments_available, post_json
from mardom.market.models import Listing, Order, Payment, PayoutEntry

from .test_shop import place, state

MERCHANT = "1344b5d4-0048-11e8-94db-005056a205be"  # the example merchant id of Zarinpal's documentation
AUTHORITY = "A0000000000000000000000000000wwOGYpd"

# Answers as Zarinpal's v4 API gives them (its documentation's examples).
REQUEST_OK = {"data": {"code": 100, "message": "Success", "authority": AUTHORITY, "fee_type": "Merchant",
                       "fee": 100}, "errors": []}
REQUEST_ERROR = {"data": [], "errors": {"code": -9, "message": "The input params invalid, validation error.",
                                        "validations": [{"callback_url": "The callback url field is required."}]}}
VERIFY_PAID = {"data": {"code": 100, "message": "Verified", "card_hash": "1EBE3EBEBE35C7EC0F8D6EE4F2F859107A8782"
                        "2CA179BC9528767EA7B5489B69", "card_pan": "502229******5995", "ref_id": 201,
                        "fee_type": "Merchant", "fee": 0}, "errors": []}
VERIFY_AGAIN = {"data": {"code": 101, "message": "Verified", "card_hash": "1EBE3EBEBE35C7EC0F8D6EE4F2F859107A8782"
                         "2CA179BC9528767EA7B5489B69", "card_pan": "502229******5995", "ref_id": 201,
                         "fee_type": "Merchant", "fee": 0}, "errors": []}
VERIFY_WRONG_AMOUNT = {"data": [], "errors": {"code": -50, "message": "Session is not valid, amounts values is not "
                                              "the same.", "validations": []}}
VERIFY_FAILED = {"data": [], "errors": {"code": -51, "message": "Session is not valid, session is not active paid "
                                        "try.", "validations": []}}
VERIFY_NOT_OURS = {"data": [], "errors": {"code": -54, "message": "Invalid authority.", "validations": []}}
VERIFY_OOPS = {"data": [], "errors": {"code": -52, "message": "Oops!! please contact support team",
                                      "validations": []}}


class Recorded:
    """A transport answering from a list (an exception in it is raised), keeping what was sent."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def add(self, *answers: Any) -> None:
        self.answers.extend(answers)

    def __call__(self, url: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        self.calls.append((url, payload))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def zarinpal(settings, monkeypatch) -> Recorded:
    """The shop configured for Zarinpal's sandbox, every call answered by a recording."""
    settings.PAYMENT_GATEWAY = "zarinpal"
    settings.ZARINPAL_MERCHANT_ID = MERCHANT
    settings.ZARINPAL_SANDBOX = True
    recorded = Recorded()
    monkeypatch.setattr(gateway_module, "post_json", recorded)
    return recorded


def zarinpal_payment(shop, zarinpal: Recorded, key: str = "zp-order-1") -> tuple[Order, Payment]:
    order = place(shop, key=key)
    zarinpal.add(REQUEST_OK)
    payment, url = services.payment_start(order=order)
    assert url == f"https://sandbox.zarinpal.com/pg/StartPay/{AUTHORITY}"
    return order, payment


def back(client, status: str = "OK", authority: str = AUTHORITY):
    """The buyer comes back from Zarinpal: a GET with Authority and Status."""
    return client.get(reverse("shop:callback"), {"Authority": authority, "Status": status})


# --- The adapter alone ----------------------------------------------------------------------------------

def test_request_sends_rials_and_the_public_return_address(zarinpal):
    zarinpal.add(REQUEST_OK)
    started = ZarinpalGateway().start(amount=4_000_000, order_id=7, callback_url="https://m.example/shop/callback/",
                                      mobile="09121234567", description="سفارش ۷")
    url, payload = zarinpal.calls[0]
    assert url == "https://sandbox.zarinpal.com/pg/v4/payment/request.json"
    assert payload == {"merchant_id": MERCHANT, "amount": 4_000_000, "currency": "IRR", "description": "سفارش ۷",
                       "callback_url": "https://m.example/shop/callback/",
                       "metadata": {"order_id": "7", "mobile": "09121234567"}}
    assert started.authority == AUTHORITY
    live = ZarinpalGateway(sandbox=False, transport=Recorded(REQUEST_OK)).start(amount=10_000, order_id=1,
                                                                               callback_url="https://m.example/")
    assert live.redirect_url == f"https://payment.zarinpal.com/pg/StartPay/{AUTHORITY}"


@pytest.mark.parametrize("answer", [REQUEST_ERROR, {"data": {"code": 100, "authority": ""}, "errors": []},
                                    {"data": {"code": 100, "authority": "<script>"}}, {"unexpected": 1},
                                    TransportError("timed out")])
def test_a_refused_or_unreachable_request_is_a_clear_error(answer):
    with pytest.raises(GatewayError) as error:
        ZarinpalGateway(merchant_id=MERCHANT, transport=Recorded(answer)).start(
            amount=10_000, order_id=1, callback_url="https://m.example/")
    assert "دوباره امتحان کنید" in str(error.value.message)  # in Persian: try again in a few minutes


def test_verify_sends_the_stored_amount_and_reads_the_codes():
    transport = Recorded(VERIFY_PAID, VERIFY_AGAIN, VERIFY_FAILED, VERIFY_NOT_OURS)
    gw = ZarinpalGateway(merchant_id=MERCHANT, sandbox=False, transport=transport)
    params = {"Authority": AUTHORITY, "Status": "OK"}
    paid = gw.verify(params, amount=4_000_000)
    assert transport.calls[0] == ("https://payment.zarinpal.com/pg/v4/payment/verify.json",
                                  {"merchant_id": MERCHANT, "amount": 4_000_000, "authority": AUTHORITY})
    assert (paid.valid, paid.paid, paid.amount, paid.authority, paid.reference) == (True, True, 4_000_000,
                                                                                     AUTHORITY, "201")
    assert gw.verify(params, amount=4_000_000) == paid  # 101: paid and verified before, the same answer
    failed = gw.verify(params, amount=4_000_000)  # -51: the Status "OK" in the address is not believed
    assert failed.valid and not failed.paid
    assert not gw.verify(params, amount=4_000_000).valid  # -54: not an authority of ours
    assert not gw.verify({"Authority": "../../x", "Status": "OK"}, amount=1).valid
    assert len(transport.calls) == 4  # a malformed authority is not even sent


@pytest.mark.parametrize("answer", [VERIFY_WRONG_AMOUNT, VERIFY_OOPS, TransportError("connection refused"),
                                    {"data": {**VERIFY_PAID["data"], "amount": 1}, "errors": []}])
def test_verify_refuses_a_wrong_amount_and_an_unknown_answer(answer):
    with pytest.raises(GatewayError):
        ZarinpalGateway(merchant_id=MERCHANT, transport=Recorded(answer)).verify(
            {"Authority": AUTHORITY, "Status": "OK"}, amount=4_000_000)


def test_the_http_transport(monkeypatch):
    def answering(body: bytes | Exception):
        def urlopen(request, timeout):
            assert request.get_method() == "POST" and json.loads(request.data) == {"a": 1} and timeout == 3
            if isinstance(body, Exception):
                raise body
            return io.BytesIO(body)
        return urlopen

    monkeypatch.setattr("urllib.request.urlopen", answering(json.dumps(REQUEST_OK).encode()))
    assert post_json("https://x.example/", {"a": 1}, 3) == REQUEST_OK
    # Zarinpal answers its error codes with an HTTP error status and a JSON body: the body is the answer.
    http_error = urllib.error.HTTPError("https://x.example/", 422, "Unprocessable", {},
                                        io.BytesIO(json.dumps(REQUEST_ERROR).encode()))
    monkeypatch.setattr("urllib.request.urlopen", answering(http_error))
    assert post_json("https://x.example/", {"a": 1}, 3) == REQUEST_ERROR
    for failure in (urllib.error.URLError("Name or service not known"), TimeoutError("timed out"), b"<html>",
                    b"[1, 2]", urllib.error.HTTPError("https://x.example/", 502, "Bad gateway", {},
                                                      io.BytesIO(b"<html>bad gateway</html>"))):
        monkeypatch.setattr("urllib.request.urlopen", answering(failure))
        with pytest.raises(TransportError):
            post_json("https://x.example/", {"a": 1}, 3)


# --- The shop on Zarinpal ------------------------------------------------------------------------------

def test_checkout_pays_through_zarinpal(shop, client, zarinpal):
    listing = shop.listings[0]
    client.post(reverse("shop:cart-add", args=[listing.pk]), {"quantity": "2"})
    zarinpal.add(REQUEST_OK)
    response = client.post(reverse("shop:cart"), {"buyer_name": "علی", "buyer_mobile": "۰۹۱۲۱۲۳۴۵۶۷",
                                                  "address": "تهران", "key": "zp-browser-1"})
    assert response.status_code == 302 and response.url == f"https://sandbox.zarinpal.com/pg/StartPay/{AUTHORITY}"
    order, payment = Order.objects.get(), Payment.objects.get()
    assert (payment.gateway, payment.authority, payment.amount) == ("zarinpal", AUTHORITY, order.total)
    sent = zarinpal.calls[0][1]
    assert sent["amount"] == order.total == 2_000_000 and sent["currency"] == "IRR"
    assert sent["callback_url"] == "http://127.0.0.1:8000/shop/callback/"
    assert sent["metadata"]["mobile"] == "09121234567"
    zarinpal.add(VERIFY_PAID)
    done = back(client)
    assert done.status_code == 302 and done.url == reverse("shop:order", args=[order.token])
    assert zarinpal.calls[1][1] == {"merchant_id": MERCHANT, "amount": order.total, "authority": AUTHORITY}
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == "paid" and payment.status == "paid" and payment.reference == "201"
    assert PayoutEntry.objects.get().amount == 2_000_000
    assert client.session["shop_cart"] == {}


def test_an_already_verified_payment_settles_once(shop, zarinpal):
    zarinpal_payment(shop, zarinpal)
    zarinpal.add(VERIFY_PAID, VERIFY_AGAIN)
    params = {"Authority": AUTHORITY, "Status": "OK"}
    assert services.payment_callback(params=params).outcome == "paid"
    before = state()
    assert services.payment_callback(params=params).outcome == "replay"  # the buyer reloads the page
    assert state() == before and PayoutEntry.objects.count() == 2


def test_verified_before_but_not_recorded_is_settled(shop, zarinpal):
    """Zarinpal verified it (code 100) but the answer was lost: the next callback gets 101 and settles."""
    order, _payment = zarinpal_payment(shop, zarinpal)
    zarinpal.add(VERIFY_AGAIN)
    assert services.payment_callback(params={"Authority": AUTHORITY, "Status": "OK"}).outcome == "paid"
    order.refresh_from_db()
    assert order.status == "paid"


def test_a_wrong_amount_changes_nothing(shop, client, zarinpal):
    _order, payment = zarinpal_payment(shop, zarinpal)
    before = state()
    zarinpal.add(VERIFY_WRONG_AMOUNT)
    response = back(client)
    assert response.status_code == 400 and "مبلغ" in response.content.decode()
    assert state() == before
    payment.refresh_from_db()
    assert payment.status == "initiated"


@pytest.mark.parametrize("status", ["OK", "NOK"])
def test_a_failed_payment_fails_the_order_whatever_the_address_says(shop, client, zarinpal, status):
    order, payment = zarinpal_payment(shop, zarinpal)
    zarinpal.add(VERIFY_FAILED)
    assert back(client, status=status).status_code == 302
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == "failed" and payment.status == "failed"
    assert not PayoutEntry.objects.exists() and set(order.parts.values_list("status", flat=True)) == {"cancelled"}


def test_a_network_error_changes_nothing_and_the_buyer_can_try_again(shop, client, zarinpal):
    order, payment = zarinpal_payment(shop, zarinpal)
    before = state()
    zarinpal.add(TransportError("timed out"), VERIFY_OOPS)
    for _ in range(2):
        response = back(client)
        assert response.status_code == 400 and "دوباره" in response.content.decode()
        assert state() == before
    payment.refresh_from_db()
    assert payment.status == "initiated"
    zarinpal.add(VERIFY_PAID)
    assert back(client).status_code == 302
    order.refresh_from_db()
    assert order.status == "paid"


def test_a_failed_start_records_no_payment(shop, client, zarinpal):
    listing = shop.listings[0]
    client.post(reverse("shop:cart-add", args=[listing.pk]), {"quantity": "1"})
    data = {"buyer_name": "علی", "buyer_mobile": "09121234567", "address": "تهران", "key": "zp-start-fails"}
    zarinpal.add(TransportError("Name or service not known"), REQUEST_ERROR)
    for _ in range(2):
        response = client.post(reverse("shop:cart"), data)
        assert response.status_code == 400 and "data-test=\"checkout-form\"" in response.content.decode()
        assert not Payment.objects.exists()
    assert Order.objects.get().status == "pending"  # the same form again tries again, on the same order
    zarinpal.add(REQUEST_OK)
    assert client.post(reverse("shop:cart"), data).status_code == 302
    assert Payment.objects.count() == 1 and Order.objects.count() == 1


def test_goods_that_ran_out_are_refused_before_the_money_is_taken(shop, client, zarinpal):
    """Two orders fit the stock when placed; the second payment is not verified once the first took the
    goods (Zarinpal returns an unverified payment by itself), so no money is kept for nothing."""
    first = place(shop, key="zp-first", items=[(shop.listings[0], 4)])
    second = place(shop, key="zp-second", items=[(shop.listings[0], 3)])
    other = AUTHORITY[:-6] + "Second"
    zarinpal.add(REQUEST_OK, {"data": {**REQUEST_OK["data"], "authority": other}, "errors": []}, VERIFY_PAID)
    services.payment_start(order=first)
    services.payment_start(order=second)
    assert services.payment_callback(params={"Authority": AUTHORITY, "Status": "OK"}).outcome == "paid"
    calls = len(zarinpal.calls)
    assert back(client, authority=other).status_code == 302
    assert len(zarinpal.calls) == calls  # not verified
    second.refresh_from_db()
    assert second.status == "failed" and second.note and Payment.objects.get(authority=other).status == "failed"
    assert PayoutEntry.objects.filter(part__order=second).count() == 0
    assert Listing.objects.get(pk=shop.listings[0].pk).stock == 1
    first.refresh_from_db()
    assert first.status == "paid"


def test_forged_returns_change_nothing(shop, client, zarinpal):
    zarinpal_payment(shop, zarinpal)
    before = state()
    calls = len(zarinpal.calls)
    for params in ({"Authority": "A" * 36, "Status": "OK"}, {"Status": "OK"}, {"Authority": "", "Status": "OK"},
                   {"authority": AUTHORITY, "status": "OK", "sig": "0" * 64}):
        assert client.get(reverse("shop:callback"), params).status_code == 400
    assert len(zarinpal.calls) == calls  # unknown payments are not even asked about
    zarinpal.add(VERIFY_NOT_OURS)
    assert back(client).status_code == 400
    assert state() == before


def test_a_fake_gateway_payment_is_not_settled_by_zarinpal(shop, settings, zarinpal):
    settings.PAYMENT_GATEWAY = "fake"
    order = place(shop, key="fake-then-zp")
    payment, _url = services.payment_start(order=order)
    settings.PAYMENT_GATEWAY = "zarinpal"
    with pytest.raises(DomainError):
        services.payment_callback(params={"Authority": payment.authority, "Status": "OK"})
    assert not zarinpal.calls and Payment.objects.get().status == "initiated"


# --- No gateway: the shop shows its products and takes no order -----------------------------------------

NO_GATEWAY = [{"PAYMENT_GATEWAY": ""}, {"PAYMENT_GATEWAY": "fake", "PAYMENT_FAKE_GATEWAY_ENABLED": False},
              {"PAYMENT_GATEWAY": "zarinpal", "ZARINPAL_MERCHANT_ID": ""},
              {"PAYMENT_GATEWAY": "zarinpal", "ZARINPAL_MERCHANT_ID": "not-a-merchant"},
              {"PAYMENT_GATEWAY": "paypal"}]


@pytest.mark.parametrize("config", NO_GATEWAY)
def test_without_a_gateway_no_order_is_placed(shop, settings, client, config):
    for name, value in config.items():
        setattr(settings, name, value)
    assert not payments_available()
    with pytest.raises(DomainError):
        place(shop)
    assert not Order.objects.exists()
    for url in (reverse("shop:catalogue"), reverse("shop:listing", args=[shop.listings[0].pk])):
        assert 'data-test="no-payment"' in client.get(url).content.decode()
    client.post(reverse("shop:cart-add", args=[shop.listings[0].pk]), {"quantity": "1"})
    page = client.get(reverse("shop:cart")).content.decode()
    assert 'data-test="no-payment"' in page and "پرداخت اینترنتی" in page and 'data-test="checkout-form"' not in page
    response = client.post(reverse("shop:cart"), {"buyer_name": "علی", "buyer_mobile": "09121234567",
                                                  "address": "تهران", "key": "no-gateway-1"})
    assert response.status_code == 400 and not Order.objects.exists() and not Payment.objects.exists()
    assert client.get(reverse("shop:callback"), {"Authority": AUTHORITY, "Status": "OK"}).status_code == 400


def test_without_a_gateway_a_pending_order_cannot_start_paying(shop, settings):
    order = place(shop)
    settings.PAYMENT_GATEWAY = ""
    with pytest.raises(DomainError):
        services.payment_start(order=order)
    assert not Payment.objects.exists()


def test_with_a_gateway_the_shop_says_nothing_about_it(shop, client):
    client.post(reverse("shop:cart-add", args=[shop.listings[0].pk]), {"quantity": "1"})
    page = client.get(reverse("shop:cart")).content.decode()
    assert 'data-test="no-payment"' not in page and 'data-test="checkout-form"' in page


# --- The fake gateway exists only where enabled ----------------------------------------------------------

def _reload_urls() -> None:
    import config.urls
    import mardom.market.urls

    importlib.reload(mardom.market.urls)
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def fake_disabled() -> Iterator[None]:
    try:
        with override_settings(PAYMENT_FAKE_GATEWAY_ENABLED=False):
            _reload_urls()
            yield
    finally:
        _reload_urls()


def test_the_fake_gateway_is_not_routed_unless_enabled(shop, client, fake_disabled):
    from mardom.market.gateway import FakeGateway
    from mardom.market.urls import urlpatterns
    from mardom.market.views.shop import fake_gateway

    assert "fake-gateway" not in {p.name for p in urlpatterns}
    with pytest.raises(NoReverseMatch):
        reverse("market:fake-gateway", args=["F123"])
    assert client.get("/market/fake-gateway/F0123456789ABCDEF01234567/").status_code == 404
    from django.http import Http404
    from django.test import RequestFactory

    with pytest.raises(Http404):  # and refused by the view itself, should it ever be routed
        fake_gateway(RequestFactory().get("/"), "F123")
    # A genuinely signed fake callback is not believed either: the fake gateway is not configured.
    with pytest.raises(DomainError):
        services.payment_callback(params=FakeGateway().callback_params(authority="F1", amount=1, paid=True))
    with pytest.raises(DomainError):
        place(shop)
    assert not Order.objects.exists()


def test_the_fake_gateway_is_routed_in_tests_and_the_demo():
    assert reverse("market:fake-gateway", args=["F123"]) == "/market/fake-gateway/F123/"


# --- Deploy checks ---------------------------------------------------------------------------------------

PROD_LIKE = {"PAYMENT_GATEWAY": "zarinpal", "ZARINPAL_MERCHANT_ID": MERCHANT, "ZARINPAL_SANDBOX": False,
             "PAYMENT_FAKE_GATEWAY_ENABLED": False, "PUBLIC_BASE_URL": "https://mardom.example.ir",
             "ALLOWED_HOSTS": ["mardom.example.ir"]}


OURS = {"mardom.market.E001", "mardom.market.E002", "mardom.market.W001", "mardom.core.E001", "mardom.core.E002",
        "mardom.core.W001"}


def ids(**overrides: Any) -> set[str]:
    with override_settings(**{**PROD_LIKE, **overrides}):
        found = run_checks(include_deployment_checks=True, tags=["mardom"])
    return {m.id for m in found if m.id in OURS}


def test_a_configured_production_is_clean():
    assert ids() == set()
    assert ids(PUBLIC_BASE_URL="https://mardom.example.ir/") == set()
    with override_settings(**PROD_LIKE):
        assert check_payment_gateway() == [] and check_public_url() == []


def test_the_deploy_checks_run_only_with_deploy():
    with override_settings(**{**PROD_LIKE, "PAYMENT_FAKE_GATEWAY_ENABLED": True, "PUBLIC_BASE_URL": ""}):
        assert not {m.id for m in run_checks(tags=["mardom"])} & OURS


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"PAYMENT_FAKE_GATEWAY_ENABLED": True}, {"mardom.market.E001"}),
    ({"PAYMENT_FAKE_GATEWAY_ENABLED": True, "PAYMENT_GATEWAY": "fake"}, {"mardom.market.E001", "mardom.market.E002"}),
    ({"PAYMENT_GATEWAY": "fake"}, {"mardom.market.E002"}),
    ({"PAYMENT_GATEWAY": ""}, {"mardom.market.E002"}),
    ({"PAYMENT_GATEWAY": "paypal"}, {"mardom.market.E002"}),
    ({"ZARINPAL_MERCHANT_ID": ""}, {"mardom.market.E002"}),
    ({"ZARINPAL_MERCHANT_ID": "1234"}, {"mardom.market.E002"}),
    ({"ZARINPAL_SANDBOX": True}, {"mardom.market.W001"}),
])
def test_production_refuses_fake_or_missing_payments(overrides, expected):
    assert ids(**overrides) == expected


@pytest.mark.parametrize(("url", "expected"), [
    ("", "mardom.core.E001"),
    ("http://127.0.0.1:8000", "mardom.core.E002"),
    ("https://127.0.0.1", "mardom.core.E002"),
    ("http://localhost:8000", "mardom.core.E002"),
    ("https://localhost", "mardom.core.E002"),
    ("https://app.localhost", "mardom.core.E002"),
    ("https://[::1]:8000", "mardom.core.E002"),
    ("https://0.0.0.0", "mardom.core.E002"),
    ("https://192.168.1.10", "mardom.core.E002"),
    ("https://mardom", "mardom.core.E002"),
    ("http://mardom.example.ir", "mardom.core.E002"),
    ("mardom.example.ir", "mardom.core.E002"),
    ("https://mardom.example.ir:99999", "mardom.core.E002"),
    ("ftp://mardom.example.ir", "mardom.core.E002"),
])
def test_labels_need_the_public_address(url, expected):
    assert ids(PUBLIC_BASE_URL=url) == {expected}


def test_a_public_address_the_site_does_not_answer_is_a_warning():
    assert ids(ALLOWED_HOSTS=["other.example.ir"]) == {"mardom.core.W001"}
    assert ids(ALLOWED_HOSTS=[".example.ir"]) == set()
