"""Pages of the storefront (/shop/). The catalogue, listing pages, cart, checkout, the payment callback and
the buyer's order page need no login; producers manage their listings, orders and payouts; officers record
payouts to producers of their counties."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from mardom.core.errors import DomainError
from mardom.core.forms_util import run_service
from mardom.core.paging import paginate
from mardom.people.roles import Perm
from mardom.people.scopes import holds_anywhere
from mardom.production.models import Product

from .. import services
from ..forms.shop import CartAddForm, CheckoutForm, ListingEditForm, ListingForm, PayoutForm
from ..gateway import FakeGateway, payments_available
from ..models import Listing, Payment
from ..selectors import shop as selectors

CART = "shop_cart"
CHECKOUT_SECRET = "shop_checkout_secret"
MAX_CART = 50


def _int(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


# --- Public: catalogue, listing, cart, checkout, payment --------------------------------------------------

def catalogue(request: HttpRequest) -> HttpResponse:
    get = request.GET
    category = get.get("category", "")
    category = category if category in Product.Category.values else ""
    filters = {"q": get.get("q", "")[:100], "province": _int(get.get("province")), "county": _int(get.get("county")),
               "category": category, "brand": _int(get.get("brand"))}
    listings = selectors.catalogue(**filters)
    page = paginate(request, listings, per_page=24)
    return render(request, "market/shop/catalogue.html", {
        "page": page, "listings": page.object_list, "filters": filters, "facets": selectors.facets(),
        "query": filters["q"], "payments_available": payments_available(),
        "cart_count": len(request.session.get(CART, {})),
    })


def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    listing = selectors.listing_public(pk=pk)
    return render(request, "market/shop/listing.html", {
        "listing": listing, "facts": selectors.provenance_facts(listing), "form": CartAddForm(),
        "cart_count": len(request.session.get(CART, {})), "payments_available": payments_available(),
    })


@require_POST
def cart_add(request: HttpRequest, pk: int) -> HttpResponse:
    listing = selectors.listing_public(pk=pk)
    form = CartAddForm(request.POST)
    cart = dict(request.session.get(CART, {}))
    if not form.is_valid():
        return render(request, "market/shop/listing.html", {
            "listing": listing, "facts": selectors.provenance_facts(listing), "form": form,
            "payments_available": payments_available()}, status=400)
    quantity = min(cart.get(str(pk), 0) + form.cleaned_data["quantity"], 1000)
    if str(pk) not in cart and len(cart) >= MAX_CART:
        messages.error(request, _("Your cart is full."))
        return redirect("shop:cart")
    cart[str(pk)] = quantity
    request.session[CART] = cart
    messages.success(request, _("%(title)s was added to your cart.") % {"title": listing.title})
    return redirect("shop:cart")


@require_POST
def cart_remove(request: HttpRequest, pk: int) -> HttpResponse:
    cart = dict(request.session.get(CART, {}))
    cart.pop(str(pk), None)
    request.session[CART] = cart
    return redirect("shop:cart")


def _cart_items(request: HttpRequest) -> list[tuple[Listing, int]]:
    cart = request.session.get(CART, {})
    ids = [_int(k) for k in cart]
    listings = {x.pk: x for x in Listing.objects.filter(pk__in=[i for i in ids if i]).select_related(
        "authorisation__brand", "producer__place")}
    return [(listings[int(k)], int(q)) for k, q in cart.items() if _int(k) in listings and _int(q)]


def _session_bound_key(request: HttpRequest, key: str) -> str:
    """The checkout form's key bound to the session that was shown the form: the same form sent twice from
    this session finds its order, while the same key sent from another session (copied, leaked or guessed)
    is a different key there and can never return, or redirect to, someone else's order. The session's
    secret is made when the cart is first shown, so two quick submits of one form share it."""
    secret = request.session.get(CHECKOUT_SECRET)
    if not isinstance(secret, str) or not secret:
        secret = request.session[CHECKOUT_SECRET] = secrets.token_hex(16)
    return salted_hmac("mardom.shop.checkout", key, secret=secret, algorithm="sha256").hexdigest()


def cart(request: HttpRequest) -> HttpResponse:
    items = _cart_items(request)
    post = request.method == "POST"
    _session_bound_key(request, "")  # makes the session's secret before the form is first sent
    form = CheckoutForm(request.POST if post else None, initial={"key": secrets.token_hex(16)})
    if post and form.is_valid():
        data = form.cleaned_data
        order = run_service(form, services.order_place, items=items, buyer_name=data["buyer_name"],
                            buyer_mobile=data["buyer_mobile"], address=data["address"],
                            idempotency_key=_session_bound_key(request, data["key"]), by=request.user)
        if order is not None:
            request.session["shop_last_order"] = order.token
            if order.status != order.Status.PENDING:  # the same form sent again after it was paid
                return redirect("shop:order", token=order.token)
            started = run_service(form, services.payment_start, order=order)
            if started is not None:
                return redirect(started[1])
    rows = [{"listing": x, "quantity": q, "amount": x.price * q} for x, q in items]
    return _no_store(render(request, "market/shop/cart.html", {
        "rows": rows, "total": sum(r["amount"] for r in rows), "form": form,
        "payments_available": payments_available(),
    }, status=400 if post else 200))


def fake_gateway(request: HttpRequest, authority: str) -> HttpResponse:
    """The local stand-in for a bank's payment page: Pay or Cancel, posted back signed. Routed only where
    PAYMENT_FAKE_GATEWAY_ENABLED is set; refused here too should it ever be routed otherwise."""
    if not settings.PAYMENT_FAKE_GATEWAY_ENABLED:
        raise Http404
    payment = Payment.objects.filter(authority=str(authority)[:64], gateway="fake").first()
    if payment is None:
        return render(request, "market/shop/message.html", {"text": _("No payment matches this link.")}, status=404)
    gateway = FakeGateway()
    return _no_store(render(request, "market/shop/fake_gateway.html", {
        "payment": payment,
        "pay": gateway.callback_params(authority=payment.authority, amount=payment.amount, paid=True),
        "cancel": gateway.callback_params(authority=payment.authority, amount=payment.amount, paid=False),
    }))


@csrf_exempt  # posted by the gateway's page; believed only with a valid signature
def callback(request: HttpRequest) -> HttpResponse:
    # The fake gateway posts authority/status/amount/ref/sig; Zarinpal sends the buyer back with a GET carrying
    # Authority and Status. Each gateway reads its own names; only a few short values are passed on.
    data = request.POST if request.method == "POST" else request.GET
    params = {str(k)[:40]: str(data.get(k, ""))[:200] for k in list(data.keys())[:20]}
    try:
        result = services.payment_callback(params=params)
    except DomainError as error:
        return render(request, "market/shop/message.html", {"text": str(error.message), "error": True}, status=400)
    if result.outcome == "paid":
        request.session[CART] = {}
        messages.success(request, _("Thank you: your payment was received."))
    elif result.outcome == "replay":
        messages.info(request, _("This payment was already recorded; nothing was changed."))
    elif result.outcome == "out_of_stock":
        messages.error(request, result.order.note)
    else:
        messages.error(request, _("The payment was cancelled; your cart is kept, you may try again."))
    return redirect("shop:order", token=result.order.token)


def order_status(request: HttpRequest, token: str) -> HttpResponse:
    order = selectors.order_by_token(token=token)
    response = render(request, "market/shop/order.html", {"order": order, "parts": selectors.order_parts_public(order)})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return _no_store(response)


# --- Producers ----------------------------------------------------------------------------------------------

@login_required
def my_listings(request: HttpRequest) -> HttpResponse:
    authorisations = selectors.my_authorisations(request.user)
    post = request.method == "POST"
    form = ListingForm(request.POST if post else None, authorisations=authorisations)
    if post and form.is_valid():
        data = form.cleaned_data
        listing = run_service(form, services.listing_create, by=request.user, authorisation=data["authorisation"],
                              title=data["title"], pack=data["pack"], price=data["price"], stock=data["stock"],
                              description=data["description"] or "")
        if listing is not None:
            messages.success(request, _("The product is on sale in the shop."))
            return redirect("shop:my-listings")
    return render(request, "market/shop/my_listings.html", {
        "listings": selectors.my_listings(request.user), "form": form if authorisations.exists() else None,
    }, status=400 if post else 200)


@login_required
def listing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    listing = selectors.my_listing(request.user, pk)
    post = request.method == "POST"
    form = ListingEditForm(request.POST if post else None, initial={
        "price": listing.price, "stock": listing.stock, "active": listing.active})
    if post and form.is_valid():
        data = form.cleaned_data
        if run_service(form, services.listing_update, by=request.user, listing=listing, price=data["price"],
                       stock=data["stock"], active=data["active"]) is not None:
            messages.success(request, _("Saved."))
            return redirect("shop:my-listings")
    return render(request, "market/shop/listing_edit.html", {"listing": listing, "form": form},
                  status=400 if post else 200)


@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.my_parts(request.user))
    return render(request, "market/shop/my_orders.html", {"page": page, "parts": page.object_list})


def _move(request: HttpRequest, pk: int, service: Any) -> HttpResponse:
    part = selectors.my_part(request.user, pk)
    try:
        service(by=request.user, part=part)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("shop:my-orders")


@login_required
@require_POST
def part_ship(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, services.part_ship)


@login_required
@require_POST
def part_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, services.part_deliver)


@login_required
def my_payouts(request: HttpRequest) -> HttpResponse:
    ledgers = [(p, selectors.ledger_of(p)) for p in selectors.my_producers(request.user)]
    return render(request, "market/shop/my_payouts.html", {"ledgers": ledgers})


# --- Officers -----------------------------------------------------------------------------------------------

@login_required
def payouts(request: HttpRequest) -> HttpResponse:
    if not holds_anywhere(request.user, Perm.PRODUCERS_MANAGE):
        raise PermissionDenied
    rows = [(p, selectors.ledger_of(p)["balance"]) for p in selectors.payout_producers(request.user)[:200]]
    return render(request, "market/shop/payouts.html", {"rows": rows})


@login_required
def payout(request: HttpRequest, pk: int) -> HttpResponse:
    producer = selectors.payout_producer(request.user, pk)
    post = request.method == "POST"
    form = PayoutForm(request.POST if post else None, initial={"key": secrets.token_hex(16)})
    if post and form.is_valid():
        data = form.cleaned_data
        if run_service(form, services.payout_record, by=request.user, producer=producer, amount=data["amount"],
                       reference=data["reference"], idempotency_key=data["key"]) is not None:
            messages.success(request, _("The payout was recorded."))
            return redirect("shop:payout", pk=producer.pk)
    return render(request, "market/shop/payout.html", {
        "producer": producer, "ledger": selectors.ledger_of(producer), "form": form,
    }, status=400 if post else 200)
