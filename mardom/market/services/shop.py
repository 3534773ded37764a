"""Writes of the storefront: producers' listings, buyers' orders split per producer, payment through a
gateway, the producers' shipping, and each producer's payout ledger.

A buyer is anonymous (no login): an order is identified to its buyer by a random token, and placed once per
idempotency key, so a form submitted twice records one order. Nothing is reserved until the payment is
verified; stock is taken then, and a payment whose goods ran out meanwhile is not settled (the order fails,
no payout is credited). A callback is believed only with a valid signature, for the payment's own authority
and amount; a second callback for a settled payment changes nothing and says so."""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.brands.models import Authorisation
from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.money import format_money, format_number
from mardom.core.notify import SmsError, notify
from mardom.core.text import normalize_text, search_key
from mardom.dashboards.sources import market as market_figures
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, require
from mardom.production.models import Producer

from ..gateway import get_gateway
from ..models import Listing, Order, OrderLine, OrderPart, Payment, PayoutEntry

log = logging.getLogger(__name__)

MAX_PRICE = 100_000_000_000
MAX_STOCK = 1_000_000
MAX_QUANTITY = 1000  # packs of one listing in one order
MAX_LINES = 50

# Allowed status changes of an order part, and who makes them (the producer who sends it).
PART_TRANSITIONS = {
    OrderPart.Status.PAID: {OrderPart.Status.SHIPPED},
    OrderPart.Status.SHIPPED: {OrderPart.Status.DELIVERED},
}


def _usable(authorisation: Authorisation, on: datetime.date) -> bool:
    return (authorisation.status == Authorisation.Status.ACTIVE and authorisation.valid_from <= on
            and (authorisation.valid_to is None or on <= authorisation.valid_to))


def listing_search_key(listing: Listing) -> str:
    """Each word of the title, product, brand, village and county, folded for search, space-separated (a
    query matches when each of its words is found)."""
    auth = listing.authorisation
    producer = auth.producer
    county = producer.unit
    province = county.parent if county.parent_id else None
    parts = [listing.title, auth.product.name, auth.brand.name, producer.place.name, county.name,
             province.name if province else ""]
    words = [search_key(w) for part in parts for w in normalize_text(part).split(" ")]
    return " ".join(w for w in words if w)[:600]


def _is_producer(by: Any, producer: Producer) -> bool:
    return bool(getattr(by, "person_id", None)) and by.person_id == producer.person_id


def _check_offer(*, title: str, pack: str, price: int, stock: int) -> None:
    if not normalize_text(title):
        raise DomainError(_("Give the listing a title."), field="title")
    if not normalize_text(pack):
        raise DomainError(_("Say what one pack holds, for example 4 grams."), field="pack")
    if not (0 < price <= MAX_PRICE):
        raise DomainError(_("The price must be more than zero."), field="price")
    if not (0 <= stock <= MAX_STOCK):
        raise DomainError(_("Give the number of packs in stock."), field="stock")


@transaction.atomic
def listing_create(*, by: Any, authorisation: Authorisation, title: str, pack: str, price: int, stock: int,
                   description: str = "", today: datetime.date | None = None) -> Listing:
    """The producer herself (or the brand's manager for her) offers a product she is authorised to sell
    under the brand."""
    today = today or timezone.localdate()
    authorisation = Authorisation.objects.select_related("brand", "product", "producer__place",
                                                         "producer__unit__parent").get(pk=authorisation.pk)
    if not (_is_producer(by, authorisation.producer) or has_perm_on(by, Perm.BRANDS_MANAGE, authorisation.brand)):
        raise PermissionDenied
    if not _usable(authorisation, today):
        raise DomainError(_("The authorisation to use this brand is not active; the product cannot be offered "
                            "under it."), field="authorisation")
    _check_offer(title=title, pack=pack, price=price, stock=stock)
    listing = Listing(authorisation=authorisation, producer=authorisation.producer, title=normalize_text(title),
                      description=normalize_text(description), pack=normalize_text(pack), price=price, stock=stock)
    listing.search_key = listing_search_key(listing)
    listing.save()
    audit_record(by=by, action="listing.create", obj=listing, scope_path=authorisation.producer.unit.path or "",
                 after={"price": price, "stock": stock})
    return listing


@transaction.atomic
def listing_update(*, by: Any, listing: Listing, price: int, stock: int, active: bool,
                   title: str | None = None, pack: str | None = None, description: str | None = None,
                   today: datetime.date | None = None) -> Listing:
    today = today or timezone.localdate()
    listing = Listing.objects.select_for_update(of=("self",)).select_related(
        "authorisation__brand", "authorisation__product", "producer__place", "producer__unit__parent").get(
        pk=listing.pk)
    if not (_is_producer(by, listing.producer) or has_perm_on(by, Perm.BRANDS_MANAGE, listing.authorisation.brand)):
        raise PermissionDenied
    title = listing.title if title is None else title
    pack = listing.pack if pack is None else pack
    _check_offer(title=title, pack=pack, price=price, stock=stock)
    if active and not _usable(listing.authorisation, today):
        raise DomainError(_("The authorisation to use this brand is not active; the product cannot be offered "
                            "under it."), field="active")
    before = {"price": listing.price, "stock": listing.stock, "active": listing.active}
    listing.title, listing.pack, listing.price, listing.stock, listing.active = (
        normalize_text(title), normalize_text(pack), price, stock, active)
    if description is not None:
        listing.description = normalize_text(description)
    listing.search_key = listing_search_key(listing)
    listing.save()
    audit_record(by=by, action="listing.update", obj=listing, scope_path=listing.producer.unit.path or "",
                 before=before, after={"price": price, "stock": stock, "active": active})
    return listing


def is_on_sale(listing: Listing, today: datetime.date) -> bool:
    return listing.active and _usable(listing.authorisation, today)


@transaction.atomic
def order_place(*, items: Sequence[tuple[Listing, int]], buyer_name: str, buyer_mobile: str, address: str,
                idempotency_key: str, by: Any = None, now: datetime.datetime | None = None) -> Order:
    """Place an order (anonymous buyers welcome): one part per producer. The same key twice returns the
    order the first one placed."""
    now = now or timezone.now()
    key = (idempotency_key or "").strip()[:64]
    if len(key) < 8:
        raise DomainError(_("This form has expired; open the cart again."))
    existing = Order.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    get_gateway()  # no order without a way to pay it: PaymentUnavailable (a DomainError) otherwise
    if not items:
        raise DomainError(_("Your cart is empty."))
    if len(items) > MAX_LINES:
        raise DomainError(_("Too many items in one order."))
    name, address = normalize_text(buyer_name), normalize_text(address)
    if not name:
        raise DomainError(_("Give your name."), field="buyer_name")
    if not address:
        raise DomainError(_("Give the address to send to."), field="address")
    today = timezone.localdate(now)
    ids = [listing.pk for listing, _q in items]
    fresh = {x.pk: x for x in Listing.objects.filter(pk__in=ids).select_related("authorisation", "producer")}
    merged: dict[int, int] = {}
    for listing, quantity in items:
        merged[listing.pk] = merged.get(listing.pk, 0) + int(quantity)
    by_producer: dict[int, list[tuple[Listing, int]]] = {}
    for pk, quantity in merged.items():
        listing = fresh.get(pk)
        if listing is None or not is_on_sale(listing, today):
            raise DomainError(_("%(title)s is no longer on sale; remove it from the cart.")
                              % {"title": listing.title if listing else "?"})
        if not (0 < quantity <= MAX_QUANTITY):
            raise DomainError(_("The number of packs must be more than zero."), field="quantity")
        if quantity > listing.stock:
            raise DomainError(_("Only %(n)s packs of %(title)s are left.")
                              % {"n": format_number(listing.stock), "title": listing.title})
        by_producer.setdefault(listing.producer_id, []).append((listing, quantity))
    total = sum(x.price * q for rows in by_producer.values() for x, q in rows)
    order = Order.objects.create(buyer_name=name[:150], buyer_mobile=buyer_mobile, address=address,
                                 token=secrets.token_urlsafe(24), idempotency_key=key, total=total, created_at=now)
    for producer_id, rows in sorted(by_producer.items()):
        part = OrderPart.objects.create(order=order, producer_id=producer_id,
                                        amount=sum(x.price * q for x, q in rows))
        for listing, quantity in rows:
            OrderLine.objects.create(part=part, listing=listing, quantity=quantity, unit_price=listing.price,
                                     amount=listing.price * quantity)
    audit_record(by=by, action="order.place", obj=order, after={"total": total, "parts": len(by_producer)})
    return order


@transaction.atomic
def payment_start(*, order: Order, now: datetime.datetime | None = None) -> tuple[Payment, str]:
    """Open a payment for a pending order; returns it and the gateway page to send the buyer to. Without a
    gateway, or when the gateway refuses or cannot be reached, a DomainError and nothing is recorded (the order
    stays pending: the same checkout form sent again tries again)."""
    now = now or timezone.now()
    gateway = get_gateway()
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.PENDING:
        raise DomainError(_("This order is no longer waiting for payment."))
    callback_url = settings.PUBLIC_BASE_URL.rstrip("/") + reverse("shop:callback")
    started = gateway.start(amount=order.total, order_id=order.pk, callback_url=callback_url,
                            mobile=order.buyer_mobile,
                            description=_("Mardom shop, order %(order)s") % {"order": order.pk})
    payment = Payment.objects.create(order=order, gateway=gateway.name, authority=started.authority[:64],
                                     amount=order.total, created_at=now)
    audit_record(by=None, action="order.payment_start", obj=order,
                 after={"gateway": gateway.name, "authority": payment.authority, "amount": payment.amount})
    return payment, started.redirect_url


@dataclass(frozen=True)
class CallbackResult:
    """outcome: "paid", "cancelled" (the buyer cancelled or the bank refused), "out_of_stock" (paid but not
    settled), or "replay" (this payment was settled before; nothing changed)."""

    outcome: str
    order: Order


def _notify(key: str, to: str, text: str, now: datetime.datetime) -> None:
    try:
        notify(key=key, to=to, text=text, now=now)
    except SmsError:
        log.warning("storefront SMS %s not sent: invalid number", key)


def payment_callback(*, params: dict[str, str], now: datetime.datetime | None = None) -> CallbackResult:
    """The gateway sends the buyer back here. A forged or altered callback, an unknown payment, a wrong
    amount or a gateway that cannot be reached is refused (DomainError) and changes nothing. The gateway is
    asked about the stored payment's own authority and amount, outside the database transaction (it may be a
    network call); settling then locks and checks again, so two callbacks at once settle once."""
    now = now or timezone.now()
    gateway = get_gateway()
    authority = gateway.authority_of(params)
    payment = Payment.objects.filter(authority=authority, gateway=gateway.name).first() if authority else None
    if payment is None:
        log.warning("storefront: a payment callback for no known payment was refused")
        raise DomainError(_("No payment matches this answer; nothing was changed."))
    if gateway.captures_on_verify and _stock_of(payment.order_id, lock=False)[2]:
        # Verifying takes the buyer's money for good: goods that ran out meanwhile are refused before that, and
        # the gateway returns a payment that was never verified by itself.
        refused = _refuse_before_capture(payment_id=payment.pk)
        if refused is not None:
            return refused
    verified = gateway.verify(params, amount=payment.amount)
    if not verified.valid or verified.authority != payment.authority:
        log.warning("storefront: a payment callback that is not genuine was refused (%s)", payment.authority)
        raise DomainError(_("This payment answer is not genuine; nothing was changed. If you paid, the bank "
                            "returns the money."))
    return _settle(verified=verified, now=now)


def _stock_of(order_id: int, *, lock: bool) -> tuple[list[OrderLine], dict[int, Listing], list[Listing]]:
    """The order's lines, their listings (locked when `lock`), and the listings short of what it ordered."""
    lines = list(OrderLine.objects.filter(part__order_id=order_id).select_related("part"))
    query = Listing.objects.filter(pk__in=[line.listing_id for line in lines]).order_by("pk")
    listings = {x.pk: x for x in (query.select_for_update() if lock else query)}
    short = [listings[line.listing_id] for line in lines if listings[line.listing_id].stock < line.quantity]
    return lines, listings, short


def _fail_out_of_stock(*, payment: Payment, order: Order, short: list[Listing]) -> CallbackResult:
    payment.status = Payment.Status.FAILED
    payment.save()
    order.status = Order.Status.FAILED
    order.note = _("%(title)s ran out before the payment arrived; the payment was not settled and the bank "
                   "returns it.") % {"title": short[0].title}
    order.save()
    order.parts.update(status=OrderPart.Status.CANCELLED)
    audit_record(by=None, action="order.out_of_stock", obj=order, after={"authority": payment.authority})
    return CallbackResult("out_of_stock", order)


@transaction.atomic
def _refuse_before_capture(*, payment_id: int) -> CallbackResult | None:
    """Fail a still-open payment whose goods ran out, without verifying it (None if it is settled or the goods
    are there after all: then it is verified as usual)."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    if payment.status != Payment.Status.INITIATED or order.status != Order.Status.PENDING:
        return None
    _lines, _listings, short = _stock_of(order.pk, lock=True)
    if not short:
        return None
    return _fail_out_of_stock(payment=payment, order=order, short=short)  # verified_at stays empty: never verified


@transaction.atomic
def _settle(*, verified: Any, now: datetime.datetime) -> CallbackResult:
    payment = Payment.objects.select_for_update().filter(authority=verified.authority).first()
    if payment is None:
        raise DomainError(_("No payment matches this answer; nothing was changed."))
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    if payment.status != Payment.Status.INITIATED:
        return CallbackResult("replay", order)
    if verified.amount != payment.amount or payment.amount != order.total:
        log.warning("storefront: payment %s answered with amount %s, expected %s", payment.authority,
                    verified.amount, payment.amount)
        raise DomainError(_("The amount paid does not match the order; nothing was changed. Call us with the "
                            "order number."))
    payment.verified_at, payment.reference = now, verified.reference[:64]
    if order.status != Order.Status.PENDING:
        # Another payment of this order was settled first: this one is not settled (the bank returns it).
        payment.status = Payment.Status.FAILED
        payment.save()
        return CallbackResult("replay", order)
    if not verified.paid:
        payment.status = Payment.Status.FAILED
        payment.save()
        order.status = Order.Status.FAILED
        order.note = _("The payment was cancelled.")
        order.save()
        order.parts.update(status=OrderPart.Status.CANCELLED)
        audit_record(by=None, action="order.payment_failed", obj=order, after={"authority": payment.authority})
        return CallbackResult("cancelled", order)
    lines, listings, short = _stock_of(order.pk, lock=True)
    if short:
        return _fail_out_of_stock(payment=payment, order=order, short=short)
    for line in lines:
        listing = listings[line.listing_id]
        listing.stock -= line.quantity
        listing.save(update_fields=["stock"])
    payment.status = Payment.Status.PAID
    payment.save()
    order.status, order.paid_at = Order.Status.PAID, now
    order.save()
    parts = list(order.parts.select_related("producer__person"))
    for part in parts:
        part.status, part.paid_at = OrderPart.Status.PAID, now
        part.save(update_fields=["status", "paid_at"])
        PayoutEntry(producer_id=part.producer_id, part=part, kind=PayoutEntry.Kind.SALE, amount=part.amount,
                    at=now).save()
        mobile = getattr(part.producer.person, "mobile", "")
        if mobile:
            _notify(f"shop:part{part.pk}:paid", mobile,
                    _("Mardom shop: order %(order)s was paid, %(amount)s for you. Please send it.")
                    % {"order": order.pk, "amount": format_money(part.amount)}, now)
    _notify(f"shop:order{order.pk}:paid", order.buyer_mobile,
            _("Mardom shop: your order %(order)s was paid (%(amount)s). Thank you.")
            % {"order": order.pk, "amount": format_money(order.total)}, now)
    audit_record(by=None, action="order.paid", obj=order, after={"authority": payment.authority,
                                                                  "total": order.total})
    market_figures.parts_paid(order=order, at=now)
    return CallbackResult("paid", order)


@transaction.atomic
def _part_move(*, by: Any, part: OrderPart, to: str, now: datetime.datetime | None) -> OrderPart:
    now = now or timezone.now()
    part = OrderPart.objects.select_for_update(of=("self",)).select_related("producer__unit", "order").get(
        pk=part.pk)
    if not _is_producer(by, part.producer):
        raise PermissionDenied
    if to not in PART_TRANSITIONS.get(part.status, set()):
        raise DomainError(_("This order cannot be marked so now (it is %(status)s).")
                          % {"status": part.get_status_display()})
    before = part.status
    part.status = to
    if to == OrderPart.Status.SHIPPED:
        part.shipped_at = now
    else:
        part.delivered_at = now
    part.save()
    if to == OrderPart.Status.SHIPPED:
        _notify(f"shop:part{part.pk}:shipped", part.order.buyer_mobile,
                _("Mardom shop: part of your order %(order)s was sent.") % {"order": part.order_id}, now)
    audit_record(by=by, action=f"order_part.{to}", obj=part, scope_path=part.producer.unit.path or "",
                 before={"status": before}, after={"status": to})
    return part


def part_ship(*, by: Any, part: OrderPart, now: datetime.datetime | None = None) -> OrderPart:
    return _part_move(by=by, part=part, to=OrderPart.Status.SHIPPED, now=now)


def part_deliver(*, by: Any, part: OrderPart, now: datetime.datetime | None = None) -> OrderPart:
    return _part_move(by=by, part=part, to=OrderPart.Status.DELIVERED, now=now)


def payout_balance(producer: Producer) -> int:
    return PayoutEntry.objects.filter(producer=producer).aggregate(s=Sum("amount"))["s"] or 0


@transaction.atomic
def payout_record(*, by: Any, producer: Producer, amount: int, reference: str, idempotency_key: str,
                  now: datetime.datetime | None = None) -> PayoutEntry:
    """An officer of the producer's county records money paid out to her, never more than her balance."""
    now = now or timezone.now()
    producer = Producer.objects.select_for_update(of=("self",)).select_related("unit").get(pk=producer.pk)
    require(by, Perm.PRODUCERS_MANAGE, producer.unit)
    existing = PayoutEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.producer_id != producer.pk:
            raise DomainError(_("This form was already used for something else; open the page again."))
        return existing
    balance = payout_balance(producer)
    if amount <= 0:
        raise DomainError(_("The amount must be more than zero."), field="amount")
    if amount > balance:
        raise DomainError(_("The payout cannot be more than the balance (%(balance)s).")
                          % {"balance": format_money(balance)}, field="amount")
    entry = PayoutEntry(producer=producer, kind=PayoutEntry.Kind.PAYOUT, amount=-amount,
                        reference=normalize_text(reference)[:100], idempotency_key=idempotency_key[:64], by=by,
                        at=now)
    entry.save()
    audit_record(by=by, action="payout.record", obj=entry, scope_path=producer.unit.path or "",
                 after={"amount": amount, "balance": balance - amount})
    return entry
