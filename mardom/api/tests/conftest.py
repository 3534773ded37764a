"""The API tests' world: a fund with a treasurer and members (the funds tests' own fixtures), tokens made through
the service, and `call`, a client that speaks the API with a bearer token and an Idempotency-Key."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mardom.core.jalali import to_jalali
from mardom.funds.tests.conftest import fund, join, treasurer  # noqa: F401  (the funds tests' fixtures)


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Any:
    """The throttle counts in the cache: every test starts with none spent."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_token() -> Any:
    from mardom.api.services import token_create

    def make(user: Any, scopes: tuple[str, ...] = ("read", "funds:write", "sales:write", "desk:answer"),
             days: int = 30) -> str:
        return token_create(by=user, device="گوشی", scopes=list(scopes), days=days)[1]

    return make


class Api:
    def __init__(self) -> None:
        self.client = Client()

    def get(self, path: str, token: str | None = None, **params: Any) -> Any:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        return self.client.get(path, params, **headers)

    def post(self, path: str, data: Any, token: str | None = None, key: str | None = "new") -> Any:
        headers: dict[str, str] = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        if key == "new":
            key = str(uuid.uuid4())
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return self.client.post(path, json.dumps(data), content_type="application/json", **headers)


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def this_month() -> tuple[int, int]:
    j = to_jalali(timezone.localdate())
    return j.year, j.month


@pytest.fixture
def meeting(fund: Any, treasurer: Any, join: Any, make_token: Any, make_person: Any, make_user: Any,  # noqa: F811
            birjand: Any, birjand_officer: Any) -> SimpleNamespace:
    """A fund with two members, its treasurer's token, a member's own token, and another fund in Birjand with its
    own treasurer and member (another scope)."""
    from mardom.funds import services as funds
    from mardom.funds.tests.conftest import FOUNDED, RULES
    from mardom.orgs import services as orgs

    members = [join(), join()]
    other_base = orgs.base_create(by=birjand_officer, county=birjand, name="پایگاه بیرجند", place=None)
    other_fund = funds.fund_create(by=birjand_officer, base=other_base, name="صندوق بیرجند", founded_on=FOUNDED,
                                   rules=RULES)
    other_treasurer = make_user(make_person(other_base), roles=[("fund_treasurer", other_fund)])
    other_member = funds.membership_join(by=other_treasurer, fund=other_fund, person=make_person(other_base),
                                         opening_deposit=1_000_000, joined_on=FOUNDED, idempotency_key="other-join",
                                         today=FOUNDED)
    member_user = make_user(members[0].person)
    return SimpleNamespace(fund=fund, treasurer=treasurer, members=members, token=make_token(treasurer),
                           member_user=member_user, member_token=make_token(member_user),
                           other_fund=other_fund, other_treasurer=other_treasurer, other_member=other_member,
                           other_token=make_token(other_treasurer))


def money_rows() -> dict[str, int]:
    """How many money records the books hold: compared before and after a refusal."""
    from mardom.funds.models import Contribution, Movement, Repayment
    from mardom.ledger.models import Entry

    return {"entries": Entry.objects.count(), "contributions": Contribution.objects.count(),
            "movements": Movement.objects.count(), "repayments": Repayment.objects.count()}
