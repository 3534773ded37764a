"""Reads for loan funds, filtered to the asking user's scope (members see their own membership)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from mardom.ledger.models import Account, Entry
from mardom.people.roles import Perm
from mardom.people.scopes import scope_q

from .models import Contribution, Fund, Membership


def fund_list(*, user: Any) -> QuerySet[Fund]:
    own = Q(memberships__person_id=user.person_id, memberships__status=Membership.Status.ACTIVE) \
        if getattr(user, "person_id", None) else Q(pk__in=[])
    return (
        Fund.objects.filter(scope_q(user, Perm.FUNDS_VIEW) | own).distinct()
        .select_related("parent", "parent__parent").order_by("parent__parent__name", "parent__name", "name")
    )


def fund_get(*, user: Any, pk: int) -> Fund:
    fund = fund_list(user=user).filter(pk=pk).first()
    if fund is None:
        raise Http404
    return fund


def fund_totals(*, fund: Fund) -> dict[str, int]:
    """The fund's position from stored balances: cash, what members hold, fees and charity."""
    balances = dict(Account.objects.filter(book__unit=fund, code__in=["cash", "fees", "charity", "equity"])
                    .values_list("code", "balance"))
    members = Membership.objects.filter(fund=fund).aggregate(
        active=Count("pk", filter=Q(status=Membership.Status.ACTIVE)),
        savings=Sum("savings_account__balance", filter=Q(status=Membership.Status.ACTIVE)),
    )
    return {
        "cash": balances.get("cash", 0),
        "savings": -(members["savings"] or 0),
        "fees": -balances.get("fees", 0),
        "charity": -balances.get("charity", 0),
        "members": members["active"],
    }


def membership_list(*, fund: Fund, query: str = "") -> QuerySet[Membership]:
    qs = Membership.objects.filter(fund=fund).select_related("person", "savings_account")
    if query:
        from mardom.core.text import search_key

        qs = qs.filter(person__search_key__contains=search_key(query))
    return qs.order_by("status", "number")


def membership_get(*, user: Any, pk: int) -> Membership:
    """A membership in the user's funds scope, or the user's own."""
    own = Q(person_id=user.person_id) if getattr(user, "person_id", None) else Q(pk__in=[])
    membership = (
        Membership.objects.filter(scope_q(user, Perm.FUNDS_VIEW, path_field="fund__path") | own, pk=pk)
        .select_related("fund", "person", "savings_account").first()
    )
    if membership is None:
        raise Http404
    return membership


def unpaid_members(*, fund: Fund, year: int, month: int) -> Sequence[Membership]:
    paid = Contribution.objects.filter(membership__fund=fund, year=year, month=month).values("membership_id")
    return list(
        Membership.objects.filter(fund=fund, status=Membership.Status.ACTIVE)
        .exclude(pk__in=paid).select_related("person", "savings_account").order_by("number")
    )


def passbook(*, membership: Membership, limit: int = 200) -> list[dict[str, Any]]:
    """The member's savings account line by line, newest first, with the balance after each line. The
    running balance is walked back from the stored balance, so the cost is the page, not the history."""
    postings = list(
        membership.savings_account.postings.select_related("entry").order_by("-entry__seq")[:limit]
    )
    balance = -membership.savings_account.balance
    rows = []
    for posting in postings:
        rows.append({"entry": posting.entry, "amount": -posting.amount, "balance": balance})
        balance += posting.amount
    return rows


def recent_entries(*, fund: Fund, limit: int = 20) -> QuerySet[Entry]:
    return Entry.objects.filter(book__unit=fund).order_by("-seq")[:limit]
