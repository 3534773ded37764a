"""Referrals as desk requests: a base, group or fund refers a person or a need to another unit of its province
(one of its funds, a linked volunteer group, an institution, the base itself), and the receiving side answers.

A referral is a request of kind "referral", made and moved by the request services (requests.py): the same
transition table, deadlines, history, audit, SMS and sweep. These functions only speak the referral's words:
the need it is about, and three quick answers the receiving side gives from a list:
- "accepted": received and under review (receive, then review);
- "declined": answered, refused (with the receiver's words as the reason);
- "done": answered, granted.
Whether an answer is possible is the request's transition table's say (`answers_open_to`).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mardom.core.errors import DomainError
from mardom.core.text import normalize_text
from mardom.orgs.models import Institution, OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import require

from ..models import ReferralNeed, Request, RequestKind, RequestReferral
from . import requests as request_services

S = Request.Status

ACCEPTED, DECLINED, DONE = "accepted", "declined", "done"
ANSWER_CHOICES = [(ACCEPTED, gettext_lazy("Accepted: in review")), (DECLINED, gettext_lazy("Declined")),
                  (DONE, gettext_lazy("Done"))]


def _province_path(unit: OrgUnit) -> str:
    return "/".join((unit.path or "").split("/")[:3]) + "/"


def answers_open_to(request: Request) -> list[str]:
    """The quick answers the transition table allows the receiving side from the request's status now."""
    table = request_services.TRANSITIONS
    if request.kind != RequestKind.REFERRAL:
        return []
    answers = []
    if (request.status == S.SUBMITTED and S.RECEIVED in table[S.SUBMITTED]) or (
            request.status == S.RECEIVED and S.IN_REVIEW in table[S.RECEIVED]):
        answers.append(ACCEPTED)
    if S.ANSWERED in table[request.status]:
        answers += [DECLINED, DONE]
    return answers


@transaction.atomic
def referral_make(*, by: Any, from_unit: OrgUnit, to_unit: OrgUnit, need: str, subject: str, person: Any = None,
                  now: datetime.datetime | None = None) -> Request:
    """Refer `person` (or a need of no one person) from `from_unit` to `to_unit`: a referral request, made and
    submitted at once (its deadlines start)."""
    require(by, Perm.DESK_REQUEST, from_unit)
    if need not in ReferralNeed.values:
        raise DomainError(_("Choose the need."), field="need")
    if from_unit.pk == to_unit.pk:
        raise DomainError(_("A unit cannot refer to itself."), field="to_unit")
    if to_unit.kind in (OrgUnit.Kind.NATION, OrgUnit.Kind.PROVINCE, OrgUnit.Kind.COUNTY) or not (
            to_unit.path or "").startswith(_province_path(from_unit)):
        raise DomainError(_("Referrals can only be made within the same province."), field="to_unit")
    now = now or timezone.now()
    institution = Institution.objects.filter(pk=to_unit.pk).first() if to_unit.kind == OrgUnit.Kind.INSTITUTION \
        else None
    try:
        request = request_services.request_create(
            by=by, person=person, kind=RequestKind.REFERRAL, subject=subject, institution=institution,
            to_unit=None if institution else to_unit, unit=from_unit, now=now)
    except DomainError as error:
        if error.field == "institution":  # the receiver, which the referral's form calls to_unit
            raise DomainError(error.message, field="to_unit") from error
        raise
    RequestReferral.objects.create(request=request, need=need)
    return request_services.request_submit(by=by, request=request, now=now)


@transaction.atomic
def referral_answer(*, by: Any, request: Request, answer: str, text: str = "", said_by: str = "",
                    channel: str = "", now: datetime.datetime | None = None) -> Request:
    """The receiving side's quick answer (`accepted`, `declined` or `done`), through the request services (they
    check who may answer: the receiver's own officer, or the desk recording it for a receiver with none)."""
    if request.kind != RequestKind.REFERRAL:
        raise DomainError(_("This is not a referral."), field="status")
    if answer not in (ACCEPTED, DECLINED, DONE):
        raise DomainError(_("Choose the answer."), field="status")
    now = now or timezone.now()
    text = normalize_text(text)
    receiver = {"said_by": said_by, "channel": channel, "now": now}
    if answer == ACCEPTED:
        if request.status == S.SUBMITTED:
            request = request_services.request_receive(by=by, request=request, note=text, **receiver)
            text = ""
        return request_services.request_review(by=by, request=request, note=text, **receiver)
    if answer == DECLINED:
        return request_services.request_answer(
            by=by, request=request, outcome=Request.Outcome.REFUSED, refusal_reason=Request.RefusalReason.OTHER,
            refusal_text=text or _("Declined by the unit it was referred to"), **receiver)
    return request_services.request_answer(by=by, request=request, outcome=Request.Outcome.GRANTED,
                                           answer_text=text, **receiver)


__all__ = ["ACCEPTED", "ANSWER_CHOICES", "DECLINED", "DONE", "answers_open_to", "referral_answer", "referral_make"]
