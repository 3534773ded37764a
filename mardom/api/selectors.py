"""Reads for the API, each built on the pages' own selectors, so a token sees exactly what its user sees on the
pages (a membership, a loan, a booth, a request out of reach is a 404 here as there)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, Sum
from django.http import Http404

from mardom.funds import selectors as funds
from mardom.funds.models import Contribution, Draw, Fund, Loan, Membership, Movement, Repayment
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on

from .models import PersonalToken


def funds_of(*, user: Any) -> QuerySet[Fund]:
    return funds.fund_list(user=user)


def fund_with_totals(*, user: Any, pk: int) -> Fund:
    fund = funds.fund_get(user=user, pk=pk)
    fund.totals = funds.fund_totals(fund=fund)  # type: ignore[attr-defined]
    return fund


def _officer_fund(user: Any, pk: int) -> Fund:
    """A fund whose members and loans the user may list: as on the fund's page, officers with funds.view;
    a member sees the fund but not the others' memberships (403)."""
    fund = funds.fund_get(user=user, pk=pk)
    if not has_perm_on(user, Perm.FUNDS_VIEW, fund):
        raise PermissionDenied
    return fund


def memberships_of(*, user: Any, fund_pk: int) -> QuerySet[Membership]:
    return funds.membership_list(fund=_officer_fund(user, fund_pk))


def membership_of(*, user: Any, pk: int) -> Membership:
    return funds.membership_get(user=user, pk=pk)


# Reversed records are listed with the day of their reversal, so a partner's copy can follow the correction.
REVERSED_ON = funds.REVERSED_ON


def contributions_of(*, user: Any, membership_pk: int) -> QuerySet[Contribution]:
    membership = funds.membership_get(user=user, pk=membership_pk)
    return Contribution.objects.filter(membership=membership).annotate(reversed_on=REVERSED_ON)


def contribution_exists(*, membership: Membership, year: int, month: int) -> bool:
    return Contribution.objects.filter(membership=membership, year=year, month=month).live().exists()


def withdrawals_of(*, user: Any, membership_pk: int) -> QuerySet[Movement]:
    membership = funds.membership_get(user=user, pk=membership_pk)
    return Movement.objects.filter(membership=membership, kind=Movement.Kind.WITHDRAWAL).annotate(
        reversed_on=REVERSED_ON)


def loans_of(*, user: Any, fund_pk: int) -> QuerySet[Loan]:
    return funds.loan_list(fund=_officer_fund(user, fund_pk))


def loan_of(*, user: Any, pk: int) -> Loan:
    return funds.loan_get(user=user, pk=pk)


def loan_detail(*, user: Any, pk: int) -> Loan:
    loan = funds.loan_get(user=user, pk=pk)
    plan = funds.loan_plan(loan=loan)
    paid = loan.repayments.live().aggregate(s=Sum("amount"))["s"] or 0
    loan.plan, loan.paid = plan, paid  # type: ignore[attr-defined]
    loan.remaining = sum(p.total for p in plan) - paid if plan else 0  # type: ignore[attr-defined]
    return loan


def repayments_of(*, user: Any, loan_pk: int) -> QuerySet[Repayment]:
    return Repayment.objects.filter(loan=funds.loan_get(user=user, pk=loan_pk)).annotate(reversed_on=REVERSED_ON)


def draws_of(*, user: Any, fund_pk: int) -> QuerySet[Draw]:
    return funds.draw_list(fund=funds.fund_get(user=user, pk=fund_pk))


def producers_of(*, user: Any) -> Any:
    from mardom.production.selectors import producer_list

    return producer_list(user=user)


def producer_of(*, user: Any, pk: int) -> Any:
    from mardom.production.selectors import producer_get

    return producer_get(user=user, pk=pk)


def booths_of(*, user: Any) -> list[Any]:
    from mardom.market.selectors.exhibitions import my_booths

    return my_booths(user=user)


def booth_of(*, user: Any, pk: int) -> Any:
    """The seller's own booth (an allocated application), or 404 for anyone else's, as the booth's page."""
    from mardom.market.models import Application
    from mardom.market.services import may_sell

    application = Application.objects.select_related("exhibition", "booth", "producer__person", "unit").filter(
        pk=pk).first()
    if application is None or not may_sell(user, application):
        raise Http404
    return application


def booth_choices(*, application: Any) -> tuple[dict[int, Any], dict[int, Any]]:
    """What the booth's sale form offers: the products its producers make, and (a group's booth) whose goods."""
    from mardom.market.services.sales import group_producers
    from mardom.production.models import ProducerProduct, Product

    producers = [] if application.producer_id else group_producers(application)
    owners = [application.producer] if application.producer_id else producers
    made = ProducerProduct.objects.filter(producer__in=owners).values("product_id")
    products = {p.pk: p for p in Product.objects.filter(pk__in=made)} if owners else {}
    return products, {p.pk: p for p in producers}


def sales_of(*, user: Any, booth_pk: int) -> Any:
    from mardom.market.models import Sale

    return Sale.objects.filter(application=booth_of(user=user, pk=booth_pk))


def order_parts_of(*, user: Any) -> Any:
    from mardom.market.selectors.shop import my_parts

    return my_parts(user)


def desk_inbox(*, user: Any, view: str) -> Any:
    from mardom.desk.selectors.requests import inbox

    return inbox(user=user, view=view)


def desk_request(*, user: Any, pk: int) -> Any:
    from mardom.desk.selectors.requests import request_get

    return request_get(user=user, pk=pk)


def enrolments_of(*, user: Any) -> list[Any]:
    from mardom.training.selectors.courses import my_enrolments

    return my_enrolments(user=user)


def tokens_of(*, user: Any) -> QuerySet[PersonalToken]:
    return PersonalToken.objects.filter(user=user).order_by("-created_at", "-pk")


def token_of(*, user: Any, pk: int) -> PersonalToken:
    token = PersonalToken.objects.filter(user=user, pk=pk).first()
    if token is None:
        raise Http404
    return token


def user_by_login(name: str) -> Any:
    """An active login by its username, national ID or mobile (Persian digits too), as the login page takes it:
    for the commands, run by an operator on the server."""
    from django.db.models import Q

    from mardom.core.digits import to_latin_digits
    from mardom.people.models import User

    name = to_latin_digits(name.strip())
    return User.objects.filter(Q(username=name) | Q(person__national_id=name) | Q(person__mobile=name),
                               is_active=True).first()
