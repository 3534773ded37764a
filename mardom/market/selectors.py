"""Reads for exhibitions, scoped to the asking user."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from mardom.people.roles import Perm
from mardom.people.scopes import scope_q

from .models import AllocationRun, Application, Booth, Exhibition


def exhibitions_of(*, user: Any) -> QuerySet[Exhibition]:
    """Exhibitions are public events: every signed-in user sees the list (to apply); running them is scoped."""
    return Exhibition.objects.select_related("parent").annotate(
        booth_count=Count("booths", distinct=True)).order_by("-starts_on", "name")


def exhibition_get(*, pk: int) -> Exhibition:
    exhibition = Exhibition.objects.select_related("parent__parent").filter(pk=pk).first()
    if exhibition is None:
        raise Http404
    return exhibition


def organised_by(*, user: Any) -> Q:
    return scope_q(user, Perm.MARKET_ORGANISE)


def booths_with_holders(*, exhibition: Exhibition, term_start: Any) -> list[Booth]:
    """The floor plan's booths, each with the application holding it in this term (or None)."""
    booths = list(exhibition.booths.order_by("code"))
    holders = {a.booth_id: a for a in Application.objects.filter(
        exhibition=exhibition, term_start=term_start, status=Application.Status.ALLOCATED,
    ).select_related("producer__person", "unit")}
    for booth in booths:
        booth.holder = holders.get(booth.pk)
    return booths


def applications_of(*, exhibition: Exhibition, term_start: Any, user: Any, organiser: bool) -> list[Application]:
    """All of a term's applications for its organisers; an applicant sees their own."""
    qs = Application.objects.filter(exhibition=exhibition, term_start=term_start).select_related(
        "producer__person", "producer__place", "unit", "booth", "applied_by")
    if not organiser:
        qs = qs.filter(Q(applied_by_id=getattr(user, "pk", 0)) | Q(producer__person_id=getattr(user, "person_id", 0)))
    return list(qs.order_by("-score", "applied_at"))


def run_of(*, exhibition: Exhibition, term_start: Any) -> AllocationRun | None:
    return AllocationRun.objects.filter(exhibition=exhibition, term_start=term_start).first()
