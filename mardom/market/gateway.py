"""Payment gateways for the storefront: start a payment (the buyer is sent to the gateway's page) and
verify the callback the gateway sends the buyer back with.

`FakeGateway` is a local stand-in for the demo and tests: its page (/market/fake-gateway/<authority>/) has
"Pay" and "Cancel" buttons that post to the shop's callback with parameters signed by HMAC-SHA256, so a
forged or altered callback is told apart from a real one exactly as with a real gateway's verification."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.urls import reverse

SIGNED = ("authority", "status", "amount", "ref")


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

    def start(self, *, amount: int, order_id: int) -> Started: ...

    def verify(self, params: dict[str, str]) -> Verified: ...


def _key() -> bytes:
    return hashlib.sha256(b"mardom.market.fake-gateway:" + settings.SECRET_KEY.encode()).digest()


class FakeGateway:
    name = "fake"

    def start(self, *, amount: int, order_id: int) -> Started:
        authority = "F" + secrets.token_hex(12).upper()
        return Started(authority=authority, redirect_url=reverse("market:fake-gateway", args=[authority]))

    @staticmethod
    def sign(params: dict[str, str]) -> str:
        message = "&".join(f"{name}={params.get(name, '')}" for name in SIGNED)
        return hmac.new(_key(), message.encode(), hashlib.sha256).hexdigest()

    def callback_params(self, *, authority: str, amount: int, paid: bool) -> dict[str, str]:
        """What the fake gateway's page posts back to the shop."""
        params = {"authority": authority, "status": "OK" if paid else "NOK", "amount": str(amount),
                  "ref": ("R" + secrets.token_hex(6).upper()) if paid else ""}
        params["sig"] = self.sign(params)
        return params

    def verify(self, params: dict[str, str]) -> Verified:
        signature = str(params.get("sig", ""))
        clean = {name: str(params.get(name, ""))[:100] for name in SIGNED}
        if not signature or not hmac.compare_digest(self.sign(clean), signature):
            return Verified(valid=False)
        try:
            amount = int(clean["amount"])
        except ValueError:
            return Verified(valid=False)
        return Verified(valid=True, authority=clean["authority"], paid=clean["status"] == "OK", amount=amount,
                        reference=clean["ref"])


GATEWAYS: dict[str, type] = {"fake": FakeGateway}


def get_gateway(name: str | None = None) -> Gateway:
    name = name or getattr(settings, "PAYMENT_GATEWAY", "fake")
    return GATEWAYS[name]()  # type: ignore[no-any-return]
