"""Scoped reads of referrals (requests of kind "referral"): those among a base, its funds and its linked
groups (the base's linkage page), and those sent to the units a user answers for (her referrals page).

Each row is annotated for the page with `answers` (the quick answers the viewer may give now) and `desk_mode`
(True when the viewer would record the receiver's answer on its behalf, on paper or by phone), computed for a
whole page in one query; the request services check the same again when an answer is posted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from mardom.orgs.models import OrgUnit
from mardom.people.models import RoleAssignment
from mardom.people.roles import ROLE_PERMISSIONS, Perm, roles_with
from mardom.people.scopes import grants_of, has_perm_on, scope_q

from ..models import Request, RequestKind
from ..services.referrals import ANSWER_CHOICES, answers_open_to

_RELATED = ("unit", "institution", "to_unit", "county", "person", "referral")


def _referrals() -> QuerySet[Request]:
    return Request.objects.filter(kind=RequestKind.REFERRAL).select_related(*_RELATED)


def _receiver_in_scope(user: Any, perm: str) -> Q:
    return scope_q(user, perm, path_field="to_unit__path") | scope_q(user, perm, path_field="institution__path")


def _receiver_is(ids: Iterable[int]) -> Q:
    ids = list(ids)
    return Q(to_unit_id__in=ids) | Q(institution_id__in=ids)


def among(*, user: Any, own_ids: list[int], group_ids: list[int]) -> QuerySet[Request]:
    """Referrals made by or sent to the base and its funds (`own_ids`), and those of its linked groups
    (`group_ids`) whose other side lies within the user's scope: a linked group may work across counties, and
    its referrals with units outside the viewer's scope are that other scope's business (and name its people)."""
    return _referrals().filter(
        Q(unit_id__in=own_ids) | _receiver_is(own_ids)
        | (Q(unit_id__in=group_ids) & _receiver_in_scope(user, Perm.ORGS_VIEW))
        | (_receiver_is(group_ids) & scope_q(user, Perm.ORGS_VIEW, path_field="unit__path"))
    ).order_by("-created_at", "-pk")


def received(*, user: Any, status: str = "") -> QuerySet[Request]:
    """Referrals sent to the units on which the user answers requests (desk.answer: an institution's officer,
    a group's leader, a fund's manager), newest first. Nothing else: a unit sees only what was sent to it."""
    qs = _referrals().filter(_receiver_in_scope(user, Perm.DESK_ANSWER))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def receives(*, user: Any) -> bool:
    """Whether the user holds a role that answers the requests sent to its unit."""
    return any(Perm.DESK_ANSWER in ROLE_PERMISSIONS.get(g.role, ()) for g in grants_of(user))


def referral_get(*, user: Any, pk: int) -> Request:
    """A referral the user may see: made by or sent to a unit within her scope; 404 otherwise."""
    scoped = (scope_q(user, Perm.ORGS_VIEW, path_field="unit__path") | _receiver_in_scope(user, Perm.ORGS_VIEW)
              | _receiver_in_scope(user, Perm.DESK_ANSWER))
    found = _referrals().filter(scoped, pk=pk).first()
    if found is None:
        raise Http404
    return found


def with_answers(*, user: Any, rows: Iterable[Request]) -> list[Request]:
    """The rows, each with `answers` ((value, label) pairs) and `desk_mode` for this viewer (one query for the
    page: which receivers have their own officer in Mardom)."""
    rows = list(rows)
    receivers = {row.receiver_id for row in rows}
    staffed = set(RoleAssignment.objects.filter(
        unit_id__in=receivers, role__in=roles_with(Perm.DESK_ANSWER), revoked_at__isnull=True,
        confirmed_at__isnull=False, user__is_active=True).values_list("unit_id", flat=True)) if receivers else set()
    uid, person_id = getattr(user, "pk", None), getattr(user, "person_id", None)
    for row in rows:
        row.answers, row.desk_mode = [], False
        if uid == row.created_by_id or (person_id and person_id == row.person_id):
            continue  # nobody answers what she made, or what is her own
        receiver: OrgUnit = row.receiver  # type: ignore[assignment]
        if has_perm_on(user, Perm.DESK_ANSWER, receiver):
            row.answers = _labelled(answers_open_to(row))
        elif row.receiver_id not in staffed and has_perm_on(user, Perm.DESK_REQUEST, row.county or row.unit):
            row.answers, row.desk_mode = _labelled(answers_open_to(row)), True
    return rows


def _labelled(answers: list[str]) -> list[tuple[str, Any]]:
    return [(value, label) for value, label in ANSWER_CHOICES if value in answers]


__all__ = ["among", "received", "receives", "referral_get", "with_answers"]
