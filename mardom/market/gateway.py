"""Payment gateways for the storefront: start a payment (the buyer is sent to the gateway's page) and
verify the callback the gateway sends the buyer back with.

Which gateway is used is a setting (`PAYMENT_GATEWAY`), and there may be none: then `payments_available()` is
False, the shop shows that online payment is not available and takes no order (the services refuse too).

- `ZarinpalGateway` is a real provider (Zarinpal's v4 REST API: payment/request.json, the StartPay page,
  payment/verify.json), with its sandbox host behind `ZARINPAL_SANDBOX`.
- `FakeGateway` is a local stand-in for the demo and tests, and exists only where
  `PAYMENT_FAKE_GATEWAY_ENABLED` is true (dev, test, `make demo`): its page (/market/fake-gateway/<authority>/,
  routed only then) has "Pay" and "Cancel" buttons that post to the shop's callback with parameters signed by
  HMAC-SHA256, so a forged or altered callback is told apart from a real one. `check --deploy` fails while it
  is enabled (mardom/market/checks.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from mardom.core.errors import DomainError

log = logging.getLogger(__name__)

SIGNED = ("authority", "status", "amount", "ref")
MERCHANT_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
AUTHORITY = re.compile(r"[A-Za-z0-9]{8,64}")


class PaymentUnavailable(DomainError):
    """No usable gateway is configured: nothing can be paid online."""


class GatewayError(DomainError):
    """The gateway refused, could not be reached or answered something we do not believe. Nothing changes."""


@dataclass(frozen=True)
class Started:
    authority: str
    redirect_url: str


@dataclass(frozen=True)
class Verified:
    """What the gateway says happened. `valid` is False for a forged or altered callback."""

    valid: bool
    authority: str = ""
    paid: bool = False
    amount: int = 0
    reference: str = ""


class Gateway(Protocol):
    name: str
    captures_on_verify: bool  # verifying takes the money (so the shop refuses goods that ran out before it)

    def start(self, *, amount: int, order_id: int, callback_url: str, mobile: str = "",
              description: str = "") -> Started: ...

    def authority_of(self, params: Mapping[str, str]) -> str:
        """The payment this callback is about (not yet believed)."""
        ...

    def verify(self, params: Mapping[str, str], *, amount: int) -> Verified:
        """Ask the gateway whether the payment `params` names was paid, for `amount` (rials, as stored)."""
        ...


# --- The fake gateway (dev, tests, demo) ----------------------------------------------------------------------

def _key() -> bytes:
    return hashlib.sha256(b"mardom.market.fake-gateway:" + settings.SECRET_KEY.encode()).digest()


class FakeGateway:
    name = "fake"
    captures_on_verify = False

    def start(self, *, amount: int, order_id: int, callback_url: str = "", mobile: str = "",
              description: str = "") -> Started:
        authority = "F" + secrets.token_hex(12).upper()
        return Started(authority=authority, redirect_url=reverse("market:fake-gateway", args=[authority]))

    @staticmethod
    def sign(params: Mapping[str, str]) -> str:
        message = "&".join(f"{name}={params.get(name, '')}" for name in SIGNED)
        return hmac.new(_key(), message.encode(), hashlib.sha256).hexdigest()

    def callback_params(self, *, authority: str, amount: int, paid: bool) -> dict[str, str]:
        """What the fake gateway's page posts back to the shop."""
        params = {"authority": authority, "status": "OK" if paid else "NOK", "amount": str(amount),
                  "ref": ("R" + secrets.token_hex(6).upper()) if paid else ""}
        params["sig"] = self.sign(params)
        return params

    def authority_of(self, params: Mapping[str, str]) -> str:
        return str(params.get("authority", ""))[:64]

    def verify(self, params: Mapping[str, str], *, amount: int = 0) -> Verified:
        """Believed only with a valid signature; the amount is the signed one (the shop compares it)."""
        signature = str(params.get("sig", ""))
        clean = {name: str(params.get(name, ""))[:100] for name in SIGNED}
        if not signature or not hmac.compare_digest(self.sign(clean), signature):
            return Verified(valid=False)
        try:
            signed_amount = int(clean["amount"])
        except ValueError:
            return Verified(valid=False)
        return Verified(valid=True, authority=clean["authority"], paid=clean["status"] == "OK",
                        amount=signed_amount, reference=clean["ref"])


# --- Zarinpal (v4 REST API) ---------------------------------------------------------------------------------

class TransportError(Exception):
    """The gateway could not be reached, or did not answer JSON."""


Transport = Callable[[str, dict[str, Any], float], dict[str, Any]]


def post_json(url: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
    """POST `payload` as JSON and return the JSON answer. Zarinpal answers its error codes with an HTTP error
    status and a JSON body, so such a body is returned like any other; anything else is a TransportError."""
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/json", "User-Agent": "Mardom/1 (+storefront)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as error:
        raw = error.read(65536)
    except (urllib.error.URLError, OSError, ValueError) as error:  # refused, DNS, TLS, timeout
        raise TransportError(str(error)) from error
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise TransportError("the answer is not JSON") from error
    if not isinstance(body, dict):
        raise TransportError("the answer is not a JSON object")
    return body


def _answer(body: Mapping[str, Any]) -> tuple[int | None, Mapping[str, Any]]:
    """Zarinpal's answer: `{"data": {"code": 100, ...}, "errors": []}` on success,
    `{"data": [], "errors": {"code": -9, "message": ...}}` on an error. Returns (code, the part holding it)."""
    for part in (body.get("data"), body.get("errors")):
        if isinstance(part, Mapping) and "code" in part:
            try:
                return int(part["code"]), part
            except (TypeError, ValueError):
                return None, {}
    return None, {}


class ZarinpalGateway:
    """Zarinpal, the Iranian PSP (https://www.zarinpal.com/docs/paymentGateway/connectToGateway).

    1. POST {host}/pg/v4/payment/request.json {merchant_id, amount, currency, description, callback_url,
       metadata} -> data.code 100 and data.authority;
    2. the buyer is sent to {host}/pg/StartPay/{authority} and comes back to callback_url?Authority=..&Status=OK
       (or NOK);
    3. POST {host}/pg/v4/payment/verify.json {merchant_id, amount, authority} -> data.code 100 (paid, now
       verified) or 101 (paid and verified before: the same answer twice, so settling is idempotent), with
       data.ref_id, the bank's reference. -50 means the amount differs from the one paid, -51 that the
       payment failed or was cancelled, -53/-54 that the authority is not ours or not valid.

    Amounts: Mardom stores integer rials. Zarinpal v4 takes `currency` "IRR" (rials, its default) or "IRT"
    (tomans); we always send currency="IRR" and the stored amount in rials, unconverted, so the amount
    verified is exactly the one stored. (Assumed from Zarinpal's v4 documentation: amount in rials unless
    currency says IRT; minimum 10,000 rials.)

    The Status parameter of the callback is never believed: every callback is verified with Zarinpal. The
    amount sent to verify is the stored one, so Zarinpal itself checks the amount (-50 otherwise); an amount or
    authority echoed in its answer is checked too."""

    name = "zarinpal"
    captures_on_verify = True  # an unverified payment is returned to the buyer by Zarinpal
    LIVE = "https://payment.zarinpal.com"
    SANDBOX = "https://sandbox.zarinpal.com"

    def __init__(self, *, merchant_id: str | None = None, sandbox: bool | None = None,
                 transport: Transport | None = None, timeout: float | None = None) -> None:
        self.merchant_id = merchant_id if merchant_id is not None else settings.ZARINPAL_MERCHANT_ID
        sandbox = settings.ZARINPAL_SANDBOX if sandbox is None else sandbox
        self.host = self.SANDBOX if sandbox else self.LIVE
        self.transport = transport
        self.timeout = timeout if timeout is not None else float(getattr(settings, "PAYMENT_TIMEOUT", 15))

    def _post(self, what: str, payload: dict[str, Any]) -> tuple[int | None, Mapping[str, Any]]:
        transport = self.transport or post_json
        try:
            body = transport(f"{self.host}/pg/v4/payment/{what}.json", payload, self.timeout)
        except TransportError as error:
            log.warning("zarinpal %s: no answer (%s)", what, error)
            raise GatewayError(_("The bank's payment service cannot be reached now; nothing was changed. Please "
                                 "try again in a few minutes.")) from error
        return _answer(body)

    def start(self, *, amount: int, order_id: int, callback_url: str, mobile: str = "",
              description: str = "") -> Started:
        payload: dict[str, Any] = {
            "merchant_id": self.merchant_id, "amount": int(amount), "currency": "IRR",
            "description": description or f"Mardom order {order_id}", "callback_url": callback_url,
            "metadata": {"order_id": str(order_id), **({"mobile": mobile} if mobile else {})},
        }
        code, data = self._post("request", payload)
        authority = str(data.get("authority", "")) if code == 100 else ""
        if not AUTHORITY.fullmatch(authority):
            log.warning("zarinpal request for order %s refused: code %s %s", order_id, code, data.get("message"))
            raise GatewayError(_("The online payment could not be started; nothing was paid. Please try again "
                                 "in a few minutes."))
        return Started(authority=authority, redirect_url=f"{self.host}/pg/StartPay/{authority}")

    def authority_of(self, params: Mapping[str, str]) -> str:
        return str(params.get("Authority", "")).strip()[:64]

    def verify(self, params: Mapping[str, str], *, amount: int) -> Verified:
        authority = self.authority_of(params)
        if not AUTHORITY.fullmatch(authority):
            return Verified(valid=False)
        code, data = self._post("verify", {"merchant_id": self.merchant_id, "amount": int(amount),
                                           "authority": authority})
        if code in (100, 101):
            echoed_amount, echoed_authority = data.get("amount"), data.get("authority")
            if echoed_amount is not None and str(echoed_amount) != str(int(amount)):
                raise GatewayError(_("The amount paid does not match the order; nothing was changed. Call us "
                                     "with the order number."))
            if echoed_authority is not None and str(echoed_authority) != authority:
                return Verified(valid=False)
            return Verified(valid=True, authority=authority, paid=True, amount=int(amount),
                            reference=str(data.get("ref_id", ""))[:64])
        if code == -51:  # cancelled by the buyer, or refused by the bank
            return Verified(valid=True, authority=authority, paid=False, amount=int(amount))
        if code == -50:
            log.warning("zarinpal verify %s: the amount differs from %s", authority, amount)
            raise GatewayError(_("The amount paid does not match the order; nothing was changed. Call us with "
                                 "the order number."))
        if code in (-53, -54):
            return Verified(valid=False)
        log.warning("zarinpal verify %s: code %s %s", authority, code, data.get("message"))
        raise GatewayError(_("The bank could not confirm this payment now; nothing was changed. Open this page "
                             "again in a few minutes."))


# --- Which gateway ------------------------------------------------------------------------------------------

GATEWAYS: dict[str, type] = {"fake": FakeGateway, "zarinpal": ZarinpalGateway}
REAL_GATEWAYS = {"zarinpal"}


def configuration_problem() -> str:
    """Why no gateway can be used, in English for operators ("" when one can)."""
    name = getattr(settings, "PAYMENT_GATEWAY", "") or ""
    if not name:
        return "PAYMENT_GATEWAY is not set"
    if name not in GATEWAYS:
        return f"PAYMENT_GATEWAY={name!r} is not a known gateway ({', '.join(sorted(GATEWAYS))})"
    if name == "fake" and not getattr(settings, "PAYMENT_FAKE_GATEWAY_ENABLED", False):
        return "PAYMENT_GATEWAY='fake' but PAYMENT_FAKE_GATEWAY_ENABLED is off"
    if name == "zarinpal" and not MERCHANT_ID.fullmatch(getattr(settings, "ZARINPAL_MERCHANT_ID", "") or ""):
        return "ZARINPAL_MERCHANT_ID is not set to a 36-character merchant id"
    return ""


def payments_available() -> bool:
    return not configuration_problem()


def get_gateway() -> Gateway:
    """The configured gateway; PaymentUnavailable (a DomainError with a Persian message) when there is none."""
    problem = configuration_problem()
    if problem:
        raise PaymentUnavailable(_("Online payment is not available at the moment, so no order can be placed. "
                                   "Please come back later."))
    return GATEWAYS[settings.PAYMENT_GATEWAY]()  # type: ignore[no-any-return]
