"""Deploy checks of the storefront (`check --deploy`): production cannot run on the fake payment gateway,
nor without a real one."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from .gateway import REAL_GATEWAYS, configuration_problem

HINT = ("Set PAYMENT_GATEWAY=zarinpal and ZARINPAL_MERCHANT_ID=<your 36-character merchant id> (README, "
        "\"The payment provider\"), and leave PAYMENT_FAKE_GATEWAY_ENABLED unset.")


@register("mardom", deploy=True)
def check_payment_gateway(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if getattr(settings, "PAYMENT_FAKE_GATEWAY_ENABLED", False):
        messages.append(Error(
            "PAYMENT_FAKE_GATEWAY_ENABLED is on: the storefront's fake gateway marks orders paid and credits "
            "producers with no money moved.", hint=HINT, id="mardom.market.E001"))
    name = getattr(settings, "PAYMENT_GATEWAY", "") or ""
    problem = configuration_problem()
    if name not in REAL_GATEWAYS or problem:
        messages.append(Error(
            f"No real payment gateway is configured ({problem or f'PAYMENT_GATEWAY={name!r}'}): the shop "
            "cannot take orders.", hint=HINT, id="mardom.market.E002"))
    elif name == "zarinpal" and getattr(settings, "ZARINPAL_SANDBOX", False):
        messages.append(Warning(
            "ZARINPAL_SANDBOX is on: payments go to Zarinpal's sandbox, where no money moves.",
            hint="Unset ZARINPAL_SANDBOX in production.", id="mardom.market.W001"))
    return messages
