"""Reads of requests, always within the reader's reach:
- the desk (desk.request) sees the requests made by units under its scope (the stored `path`);
- an institution's officer (desk.answer) sees what was sent to her own institution, nothing else;
- a person sees her own requests, and whoever made a request sees it;
- an auditor reads the requests made under her scope (she changes nothing).

The traffic light of an open request is computed here, and only here, from stored fields (`due_at`, `warn_at`,
the status): green, amber when a quarter or less of the allowed working time is left, red when late, and
"waiting on the person" while the clock stands still.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mardom.core.text import search_key
from mardom.orgs.models import Institution, OrgUnit
from mardom.people.roles import ROLE_PERMISSIONS, Perm
from mardom.people.scopes import grants_of, holds_anywhere, is_global, scope_q

from ..models import Request, RequestDocument, RequestKind, RequestStep, ServiceLevel
from ..services.requests import TRANSITIONS, has_own_officer, is_maker_side, receiver_mode

S = Request.Status
RUNNING = (S.SUBMITTED, S.RECEIVED, S.IN_REVIEW)  # statuses whose clock runs


# --- the traffic light -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Light:
    code: str
    label: Promise


GREEN = Light("green", _("On time"))
AMBER = Light("amber", _("Deadline near"))
RED = Light("red", _("Late"))
PAUSED = Light("paused", _("Waiting on the person"))
LIGHTS = {light.code: light for light in (GREEN, AMBER, RED, PAUSED)}


def light_of(request: Request, *, now: datetime.datetime) -> Light | None:
    """The light of one request (None when no deadline runs: a draft, an answered or finished request)."""
    if request.status == S.WAITING:
        return PAUSED
    if request.status not in RUNNING or request.due_at is None:
        return None
    if now >= request.due_at:
        return RED
    if request.warn_at is not None and now >= request.warn_at:
        return AMBER
    return GREEN


def light_q(code: str, *, now: datetime.datetime) -> Q:
    """The requests showing the light `code` (the same rule as `light_of`, as a filter)."""
    running = Q(status__in=RUNNING, due_at__isnull=False)
    if code == PAUSED.code:
        return Q(status=S.WAITING)
    if code == RED.code:
        return running & Q(due_at__lte=now)
    if code == AMBER.code:
        return running & Q(due_at__gt=now, warn_at__lte=now)
    if code == GREEN.code:
        return running & Q(due_at__gt=now) & (Q(warn_at__isnull=True) | Q(warn_at__gt=now))
    return Q()


def with_lights(rows: Any, *, now: datetime.datetime | None = None) -> list[Request]:
    """The rows as a list, each with `.light` set (no query)."""
    now = now or timezone.now()
    rows = list(rows)
    for row in rows:
        row.light = light_of(row, now=now)
    return rows


# --- scopes ------------------------------------------------------------------------------------------------

def answering_unit_ids(user: Any) -> list[int]:
    """The units (institutions, groups) on which the user holds desk.answer: her own inbox."""
    return sorted({g.unit_id for g in grants_of(user) if Perm.DESK_ANSWER in ROLE_PERMISSIONS.get(g.role, ())})


def received_q(user: Any) -> Q:
    """Requests sent to the user's answering units. A request to an institution names it in `institution`, one
    to another unit (a group, a fund) in `to_unit`, never both: so each kind of unit is looked for in its own
    column, and an institution officer's inbox is one index range instead of an OR the database scans."""
    grants = [g for g in grants_of(user) if Perm.DESK_ANSWER in ROLE_PERMISSIONS.get(g.role, ())]
    institutions = sorted({g.unit_id for g in grants if g.unit_kind == OrgUnit.Kind.INSTITUTION})
    others = sorted({g.unit_id for g in grants if g.unit_kind != OrgUnit.Kind.INSTITUTION})
    q = Q(pk__in=[])
    if institutions:
        q |= Q(institution_id__in=institutions)
    if others:
        q |= Q(to_unit_id__in=others)
    return q


def _visible_q(user: Any) -> Q:
    # The desk of the unit that made it and above; auditors read everything in their scope (the audit log
    # links to the request).
    q = scope_q(user, Perm.DESK_REQUEST, path_field="path") | scope_q(user, Perm.AUDIT_VIEW, path_field="path")
    if answering_unit_ids(user):
        q |= received_q(user)
    if getattr(user, "person_id", None):
        q |= Q(person_id=user.person_id)
    if getattr(user, "pk", None):
        q |= Q(created_by_id=user.pk)
    return q


_LIST_RELATED = ("person", "institution", "to_unit", "unit")


def request_get(*, user: Any, pk: int) -> Request:
    """A request the user may see, or 404 (outside the reach looks exactly like missing)."""
    request = (Request.objects.filter(_visible_q(user), pk=pk)
               .select_related(*_LIST_RELATED, "county", "created_by", "created_by__person", "appeal_of",
                               "rerouted_from")
               .first())
    if request is None:
        raise Http404
    return request


def _ordered(qs: QuerySet[Request]) -> QuerySet[Request]:
    return qs.order_by(F("due_at").asc(nulls_last=True), "-created_at", "-pk")


def may_use_desk(user: Any) -> bool:
    return holds_anywhere(user, Perm.DESK_REQUEST)


def desk_list(*, user: Any, status: str = "", kind: str = "", institution_id: int | None = None,
              light: str = "", query: str = "", now: datetime.datetime | None = None) -> QuerySet[Request]:
    """The desk's list: requests made under the user's desk.request scope, the nearest deadline first."""
    qs = Request.objects.filter(scope_q(user, Perm.DESK_REQUEST, path_field="path"))
    if status in S.values:
        qs = qs.filter(status=status)
    elif status == "open":
        qs = qs.filter(status__in=[*RUNNING, S.WAITING])
    if kind in RequestKind.values:
        qs = qs.filter(kind=kind)
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    if light in LIGHTS:
        qs = qs.filter(light_q(light, now=now or timezone.now()))
    query = query.strip()
    if query:
        from mardom.core.digits import to_latin_digits

        digits = re.sub(r"\D", "", to_latin_digits(query))
        qs = qs.filter(person__national_id=digits) if digits and len(digits) == 10 else qs.filter(
            Q(person__search_key__contains=search_key(query)) | Q(subject__icontains=query))
    return _ordered(qs.select_related(*_LIST_RELATED))


def my_requests(*, user: Any) -> QuerySet[Request]:
    """The person's own requests, newest first."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return Request.objects.none()
    return (Request.objects.filter(person_id=person_id).select_related(*_LIST_RELATED)
            .order_by("-created_at", "-pk"))


INBOX_VIEWS = ("todo", "waiting", "done")


def inbox(*, user: Any, view: str = "todo") -> QuerySet[Request]:
    """What was sent to the user's own institution(s): by default what waits for her (sent, received, in
    review), the nearest deadline first; "waiting" (on the person) and "done" (answered and after)."""
    ids = answering_unit_ids(user)
    if is_global(user):  # the system administrator sees every institution's inbox at once
        qs = Request.objects.all()
    elif ids:
        qs = Request.objects.filter(received_q(user))
    else:
        qs = Request.objects.none()
    if view == "waiting":
        qs = qs.filter(status=S.WAITING)
    elif view == "done":
        return qs.filter(status__in=[S.ANSWERED, S.CLOSED, S.WITHDRAWN]).select_related(*_LIST_RELATED).order_by(
            F("answered_at").desc(nulls_last=True), "-pk")
    else:
        qs = qs.filter(status__in=RUNNING)
        # A running request always has a deadline: by (due_at, pk) the receiver's (institution, due_at) index
        # gives the rows in order, so the first page costs the same at a hundred open requests or ten thousand
        # (nulls-last and "newest first" ties made the database sort them all: bench/desk.py).
        return qs.filter(due_at__isnull=False).select_related(*_LIST_RELATED).order_by("due_at", "pk")
    return _ordered(qs.select_related(*_LIST_RELATED))


def answers_requests(*, user: Any) -> bool:
    return is_global(user) or bool(answering_unit_ids(user))


def inbox_count(*, user: Any) -> int:
    return inbox(user=user).count() if answers_requests(user=user) else 0


# --- one request's page ------------------------------------------------------------------------------------

def steps_of(request: Request) -> list[RequestStep]:
    return list(request.steps.select_related("by", "by__person").order_by("at", "pk"))


def documents_of(request: Request) -> list[RequestDocument]:
    return list(request.documents.select_related("uploaded_by", "uploaded_by__person").order_by("uploaded_at", "pk"))


def document_get(*, user: Any, request_pk: int, pk: int) -> RequestDocument:
    request = request_get(user=user, pk=request_pk)
    document = RequestDocument.objects.filter(request=request, pk=pk).first()
    if document is None:
        raise Http404
    return document


@dataclass
class Actions:
    """What the viewer may do to the request now (the page offers only these; the services check again)."""

    maker: bool = False
    receiver: bool = False
    desk_records: bool = False  # the desk records the institution's answer (no officer of its own in Mardom)
    submit: bool = False
    receive: bool = False
    review: bool = False
    wait: bool = False
    resume: bool = False
    answer: bool = False
    close: bool = False
    withdraw: bool = False
    appeal: bool = False
    reroute: bool = False
    documents: bool = False

    @property
    def any(self) -> bool:
        return any((self.submit, self.receive, self.review, self.wait, self.resume, self.answer, self.close,
                    self.withdraw, self.appeal, self.reroute, self.documents))


def actions_for(*, user: Any, request: Request) -> Actions:
    status = request.status
    maker = is_maker_side(user, request)
    mode = receiver_mode(user, request)
    own = (getattr(user, "person_id", None) and user.person_id == request.person_id) or \
        getattr(user, "pk", None) == request.created_by_id
    receiver = mode is not None and not own
    nxt = TRANSITIONS[status]
    refused_open = request.outcome == Request.Outcome.REFUSED and status in (S.ANSWERED, S.CLOSED) and not (
        request.appeals.exists() or request.reroutes.exists())
    return Actions(
        maker=maker, receiver=receiver, desk_records=bool(receiver and mode and mode.desk),
        submit=maker and S.SUBMITTED in nxt and status == S.DRAFT,
        receive=receiver and S.RECEIVED in nxt and status == S.SUBMITTED,
        review=receiver and S.IN_REVIEW in nxt and status == S.RECEIVED,
        wait=receiver and S.WAITING in nxt,
        resume=(maker or receiver) and status == S.WAITING,
        answer=receiver and S.ANSWERED in nxt,
        close=maker and S.CLOSED in nxt,
        withdraw=maker and S.WITHDRAWN in nxt,
        appeal=maker and refused_open,
        reroute=maker and refused_open and request.institution_id is not None,
        documents=(maker or receiver) and status not in (S.CLOSED, S.WITHDRAWN),
    )


# --- choosing an institution -------------------------------------------------------------------------------

KIND_TYPES: dict[str, tuple[str, ...]] = {
    RequestKind.BANK_LOAN: (Institution.Type.BANK_BRANCH,),
    RequestKind.AGENCY_SUPPORT: (Institution.Type.AGENCY,),
    RequestKind.PERMIT: (Institution.Type.AGENCY,),
    RequestKind.TRAINING: (Institution.Type.TRAINING_CENTRE,),
    RequestKind.MARKET_ACCESS: (Institution.Type.AGENCY,),
}
_SPLIT = re.compile(r"[^\w\u200c]+")
_STOP = {search_key(w) for w in ("برای", "از", "به", "با", "در", "و", "که", "یا", "این", "آن", "خرید")}


def _words(text: str) -> set[str]:
    """The words of a text as search keys (search_key drops spaces, so it is applied word by word)."""
    keys = {search_key(word) for word in _SPLIT.split(text or "")}
    return {key for key in keys if len(key) >= 3 and key not in _STOP}


def suggest_institutions(*, kind: str, county: OrgUnit | None, text: str = "", limit: int = 5) -> list[Institution]:
    """Institutions for this kind of request: of the matching type, in the person's county first (then its
    province), those whose stated services share the most words with what is asked first."""
    qs = Institution.objects.filter(is_active=True)
    types = KIND_TYPES.get(kind)
    if types:
        qs = qs.filter(type__in=types)
    if county is not None and county.path:
        province = "/".join(county.path.split("/")[:3]) + "/"
        qs = qs.filter(path__startswith=province)
    candidates = list(qs.select_related("parent").order_by("name")[:200])
    asked = _words(text)

    def score(inst: Institution) -> tuple[int, int, str]:
        same_county = county is not None and inst.parent_id == county.pk
        return (-len(asked & _words(inst.services)), 0 if same_county else 1, inst.name)

    return sorted(candidates, key=score)[:limit]


def institutions_for(*, county: OrgUnit | None) -> QuerySet[Institution]:
    """Every active institution a request from `county` may go to (its province's)."""
    qs = Institution.objects.filter(is_active=True)
    if county is not None and county.path:
        qs = qs.filter(path__startswith="/".join(county.path.split("/")[:3]) + "/")
    return qs.select_related("parent").order_by("parent__name", "type", "name")


def making_units(*, user: Any) -> list[OrgUnit]:
    """The units on which the user holds desk.request (the units she makes requests for)."""
    if is_global(user):
        return list(OrgUnit.objects.filter(kind=OrgUnit.Kind.NATION))
    ids = [g.unit_id for g in grants_of(user) if Perm.DESK_REQUEST in ROLE_PERMISSIONS.get(g.role, ())]
    return list(OrgUnit.objects.filter(pk__in=ids, is_active=True).order_by("path"))


def receiver_has_officer(request: Request) -> bool:
    return has_own_officer(request.receiver)  # type: ignore[arg-type]


# --- service levels ----------------------------------------------------------------------------------------

def service_levels() -> list[ServiceLevel]:
    return list(ServiceLevel.objects.order_by("receiver_type", "kind"))


def may_set_service_levels(*, user: Any) -> bool:
    from mardom.people.scopes import has_perm_on

    return has_perm_on(user, Perm.ORGS_MANAGE, OrgUnit.objects.filter(kind=OrgUnit.Kind.NATION).first())


# --- the person's file -------------------------------------------------------------------------------------

FILE_LIMIT = 20


def person_requests(*, user: Any, person: Any, limit: int) -> tuple[list[Request], int]:
    """The person's requests that `user` may see, newest first (the first `limit`, with their lights), and how
    many there are in all: the requests part of her file."""
    qs = Request.objects.filter(_visible_q(user), person=person)
    rows = with_lights(qs.select_related(*_LIST_RELATED).order_by("-created_at", "-pk")[:limit])
    return rows, (qs.count() if len(rows) >= limit else len(rows))


def file_section(*, viewer: Any, person: Any) -> dict[str, Any] | None:
    """The requests section of a person's file (پرونده): her requests the viewer may see, newest first, each
    with its light; None when the viewer sees none of them."""
    qs = Request.objects.filter(_visible_q(viewer), person=person).select_related(*_LIST_RELATED).order_by(
        "-created_at", "-pk")
    rows = with_lights(qs[:FILE_LIMIT + 1])
    if not rows:
        return None
    return {"title": _("Requests to institutions"), "template": "desk/request_file.html",
            "requests": rows[:FILE_LIMIT], "more": len(rows) > FILE_LIMIT}
