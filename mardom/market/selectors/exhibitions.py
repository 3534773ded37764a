"""Reads for exhibitions, scoped to the asking user."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.text import search_key
from mardom.people.roles import Perm
from mardom.people.scopes import scope_q

from ..models import AllocationRun, Application, Booth, Exhibition

WHEN = ("current", "upcoming", "past")


def exhibitions_of(*, user: Any, query: str = "", type: str = "", when: str = "",
                   today: datetime.date | None = None) -> QuerySet[Exhibition]:
    """Exhibitions are public events: every signed-in user sees the list (to apply); running them is scoped.
    Optionally by name (the stored search key), type, and open now / to come / over on `today`. The booth
    count is a subquery per row shown, not a GROUP BY over every exhibition."""
    qs = Exhibition.objects.all()
    if query and (key := search_key(query)):
        qs = qs.filter(search_key__contains=key)
    if type in Exhibition.Type.values:
        qs = qs.filter(type=type)
    today = today or timezone.localdate()
    if when == "current":
        qs = qs.filter(starts_on__lte=today, ends_on__gte=today)
    elif when == "upcoming":
        qs = qs.filter(starts_on__gt=today)
    elif when == "past":
        qs = qs.filter(ends_on__lt=today)
    booths = Booth.objects.filter(exhibition=OuterRef("pk")).order_by().values("exhibition") \
        .annotate(n=Count("pk")).values("n")
    return qs.select_related("parent").annotate(booth_count=Coalesce(Subquery(booths), 0)) \
        .order_by("-starts_on", "name", "pk")


def exhibition_get(*, pk: int) -> Exhibition:
    exhibition = Exhibition.objects.select_related("parent__parent").filter(pk=pk).first()
    if exhibition is None:
        raise Http404
    return exhibition


def organised_by(*, user: Any) -> Q:
    return scope_q(user, Perm.MARKET_ORGANISE)


def booths_with_holders(*, exhibition: Exhibition, term_start: Any, user: Any = None,
                        organiser: bool = False) -> list[Booth]:
    """The floor plan's booths, each with the application holding it in this term (or None) and
    `holder_name`, the name this user may see. A group's name is public; a producer's follows the consent of
    the brand and shop pages: every signed-in user sees the exhibition, so her name is shown only if she
    agreed to show it on a brand authorisation, to the exhibition's organisers, and to herself. Otherwise
    the booth says where she is from."""
    from mardom.brands.models import Authorisation

    booths = list(exhibition.booths.order_by("code"))
    holders = {a.booth_id: a for a in Application.objects.filter(
        exhibition=exhibition, term_start=term_start, status=Application.Status.ALLOCATED,
    ).select_related("producer__person", "producer__place", "unit")}
    producer_ids = {a.producer_id for a in holders.values() if a.producer_id}
    consenting = set(Authorisation.objects.filter(
        producer_id__in=producer_ids, name_public=True, status=Authorisation.Status.ACTIVE,
    ).values_list("producer_id", flat=True)) if producer_ids and not organiser else set()
    own_person = getattr(user, "person_id", None)
    for booth in booths:
        booth.holder = holder = holders.get(booth.pk)
        booth.holder_name = ""
        if holder is None:
            continue
        if holder.producer_id is None:
            booth.holder_name = holder.unit.name if holder.unit_id else ""
        elif organiser or holder.producer_id in consenting or (own_person and holder.producer.person_id == own_person):
            booth.holder_name = holder.producer.person.full_name
        else:
            booth.holder_name = _("A producer from %(place)s") % {"place": holder.producer.place.name}
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


# --- Sales --------------------------------------------------------------------------------------------------

def my_booths(*, user: Any) -> list[Application]:
    """The booths this user sells at: allocated applications they hold or applied for as a group."""
    from ..services import may_sell

    if not getattr(user, "pk", None):
        return []
    qs = Application.objects.filter(status=Application.Status.ALLOCATED).filter(
        Q(producer__person_id=getattr(user, "person_id", None) or 0) | Q(producer__isnull=True, applied_by=user)
    ).select_related("exhibition", "booth", "producer", "unit").order_by("-term_start")
    return [a for a in qs[:20] if may_sell(user, a)]


def booth_day(*, application: Application, day: Any) -> dict[str, Any]:
    """A booth's day: its sales (newest first), the total, by payment method."""
    from django.db.models import Sum
    from django.utils import timezone

    from ..models import Sale

    start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    end = start + timezone.timedelta(days=1)
    sales = list(Sale.objects.filter(application=application, sold_at__gte=start, sold_at__lt=end)
                 .select_related("cancels").prefetch_related("lines__product", "lines__producer__person")
                 .order_by("-sold_at", "-pk"))
    cancelled = {s.cancels_id for s in sales if s.cancels_id}
    for sale in sales:
        sale.is_cancelled = sale.pk in cancelled
    by_method = {row["method"]: row["s"] for row in Sale.objects.filter(
        application=application, sold_at__gte=start, sold_at__lt=end).values("method").annotate(s=Sum("total"))}
    return {"sales": sales, "total": sum(s.total for s in sales), "count": len(sales) - 2 * len(cancelled),
            "by_method": by_method}


def exhibition_totals(*, exhibition: Exhibition) -> dict[str, Any]:
    """Sales per day with the day's visitors, and per booth, for the organiser."""
    from django.db.models import Count, Sum
    from django.db.models.functions import TruncDate

    from ..models import Sale, VisitorCount

    sales = Sale.objects.filter(exhibition=exhibition)
    days = {row["day"]: row for row in sales.annotate(day=TruncDate("sold_at")).values("day").annotate(
        total=Sum("total"), n=Count("pk")).order_by("day")}
    visitors = dict(VisitorCount.objects.filter(exhibition=exhibition).values_list("day", "visitors"))
    rows = [{"day": day, "total": days.get(day, {}).get("total", 0) or 0, "sales": days.get(day, {}).get("n", 0),
             "visitors": visitors.get(day)} for day in sorted(set(days) | set(visitors))]
    booths = list(sales.values("booth__code").annotate(total=Sum("total"), n=Count("pk")).order_by("-total")[:40])
    return {"days": rows, "booths": booths, "total": sum(r["total"] for r in rows),
            "visitors": sum(v for v in visitors.values())}


# --- the person's file (desk) --------------------------------------------------------------------------------

def person_applications(*, user: Any, person: Any, limit: int) -> tuple[list[Application], dict[str, int]]:
    """The person's own exhibitor applications (as a producer) the user may read: all of them to herself,
    to the organisers of the exhibition and to the officers over her producer registration; newest term
    first, each with `may_sell`: whether the user sells at that booth (the booth's page). And how many there
    are, and how many were given a booth."""
    from ..services import may_sell

    own = Q(pk__isnull=False) if getattr(user, "person_id", None) == person.pk else Q(pk__in=[])
    qs = Application.objects.filter(
        Q(producer__person=person) & (own | scope_q(user, Perm.MARKET_ORGANISE, path_field="exhibition__path")
                                      | scope_q(user, Perm.PRODUCERS_VIEW, path_field="producer__unit__path")))
    rows = list(qs.select_related("exhibition", "booth", "producer").order_by("-term_start", "-applied_at", "-pk")
                [:limit])
    for application in rows:
        application.may_sell = may_sell(user, application)
    return rows, qs.aggregate(total=Count("pk"), allocated=Count("pk", filter=Q(status=Application.Status.ALLOCATED)))
