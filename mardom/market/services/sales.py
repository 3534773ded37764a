"""Writes for booth sales: a seller records what was sold at their booth, a mistake is cancelled by a
counter-sale, and the organiser records the day's visitors.

A sale belongs to one allocated application (a booth in a term). Its seller is the producer who holds the
booth, or whoever applied for a group (the colony's coordinator, the cluster's guide, the job leader's
people); nobody records for another booth."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.jalali import format_jalali
from mardom.dashboards.sources import market as market_figures
from mardom.people.roles import Perm
from mardom.people.scopes import require
from mardom.production.models import ColonyMember, JobAgreement, Producer, ProducerProduct, Product

from ..models import Application, Exhibition, Sale, SaleLine, VisitorCount
from .exhibitions import terms_of

MAX_QUANTITY = Decimal("1000000")
MAX_PRICE = 100_000_000_000  # ten billion tomans: a typo guard


@dataclass(frozen=True)
class Line:
    product: Product
    quantity: Decimal
    unit_price: int
    producer: Producer | None = None  # for a group's booth: whose goods these are


def may_sell(user: Any, application: Application) -> bool:
    if application.status != Application.Status.ALLOCATED or not getattr(user, "pk", None):
        return False
    if application.producer_id:
        return getattr(user, "person_id", None) == application.producer.person_id
    return application.applied_by_id == user.pk


def term_end(application: Application) -> datetime.date:
    exhibition = application.exhibition
    if exhibition.type == Exhibition.Type.SEASONAL or not exhibition.term_days:
        return exhibition.ends_on
    terms = terms_of(exhibition)
    following = [t for t in terms if t > application.term_start]
    return (following[0] - datetime.timedelta(days=1)) if following else exhibition.ends_on


def group_producers(application: Application) -> list[Producer]:
    """Whose goods a group's booth may sell: a colony's or cluster's members, a job leader's producers."""
    unit = application.unit
    if unit is None:
        return []
    if unit.kind == "colony":
        ids = ColonyMember.objects.filter(colony_id=unit.pk).values_list("producer_id", flat=True)
    elif unit.kind == "cluster":
        ids = ColonyMember.objects.filter(colony__in_cluster_id=unit.pk).values_list("producer_id", flat=True)
    else:
        ids = JobAgreement.objects.filter(job_leader_id=unit.pk).values_list("producer_id", flat=True)
    return list(Producer.objects.filter(pk__in=ids).select_related("person").order_by("person__last_name", "pk"))


def _attribution(producer: Producer | None, product: Product, brand: Any) -> dict[str, Any]:
    """Whose sale it is at every level: the producer's colony of this chain, its cluster, and the brand the
    producer is authorised to sell this product under (unless the seller named one)."""
    from mardom.brands.models import Authorisation

    colony = None
    if producer is not None:
        member = ColonyMember.objects.filter(producer=producer, product__value_chain=product.value_chain) \
            .select_related("colony").first()
        colony = member.colony if member else None
        if brand is None:
            authorised = Authorisation.objects.filter(producer=producer, product=product,
                                                      status=Authorisation.Status.ACTIVE).select_related("brand").first()
            brand = authorised.brand if authorised else None
    return {"producer": producer, "colony": colony, "cluster_id": colony.in_cluster_id if colony else None,
            "brand": brand}


@transaction.atomic
def sale_record(
    *, by: Any, application: Application, lines: Sequence[Line], method: str, idempotency_key: str,
    now: datetime.datetime | None = None, brand: Any = None,
) -> Sale:
    """Record a sale at the seller's own booth, on a day the booth is theirs."""
    now = now or timezone.now()
    application = Application.objects.select_for_update(of=("self",)).select_related(
        "exhibition", "producer", "unit", "booth").get(pk=application.pk)
    existing = Sale.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.application_id != application.pk:
            raise DomainError(_("This form was already used for something else; open the page again."))
        return existing
    if not may_sell(by, application):
        raise PermissionDenied
    day = timezone.localdate(now)
    last = term_end(application)
    if not (application.term_start <= day <= last):
        raise DomainError(_("This booth is yours from %(start)s to %(end)s; sales are recorded on those days.")
                          % {"start": format_jalali(application.term_start), "end": format_jalali(last)})
    if method not in Sale.Method.values:
        raise DomainError(_("Choose how it was paid."), field="method")
    if not lines:
        raise DomainError(_("Add what was sold."), field="product")
    members = {p.pk: p for p in group_producers(application)} if application.unit_id else {}
    rows = []
    for line in lines:
        if not (0 < line.quantity <= MAX_QUANTITY):
            raise DomainError(_("The quantity must be more than zero."), field="quantity")
        if not (0 < line.unit_price <= MAX_PRICE):
            raise DomainError(_("The price must be more than zero."), field="unit_price")
        producer = application.producer if application.producer_id else (
            members.get(line.producer.pk) if line.producer else None)
        if line.producer is not None and application.unit_id and producer is None:
            raise DomainError(_("%(name)s does not sell at this booth.") % {"name": line.producer}, field="producer")
        if producer is not None and not ProducerProduct.objects.filter(producer=producer,
                                                                       product=line.product).exists():
            raise DomainError(_("%(name)s does not make %(product)s.") % {"name": producer, "product": line.product},
                              field="product")
        amount = int((line.quantity * line.unit_price).to_integral_value(rounding=ROUND_HALF_UP))
        rows.append((line, producer, amount))
    sale = Sale(application=application, exhibition=application.exhibition, booth=application.booth, sold_at=now,
                method=method, total=sum(amount for _line, _p, amount in rows), idempotency_key=idempotency_key,
                recorded_by=by)
    sale.save()
    for line, producer, amount in rows:
        SaleLine(sale=sale, product=line.product, quantity=line.quantity, unit_price=line.unit_price, amount=amount,
                 **_attribution(producer, line.product, brand)).save()
    audit_record(by=by, action="sale.record", obj=sale, scope_path=application.exhibition.path or "",
                 after={"total": sale.total, "method": method, "lines": len(rows)})
    market_figures.sale_written(sale=sale, exhibition_path=application.exhibition.path)
    return sale


@transaction.atomic
def sale_cancel(*, by: Any, sale: Sale, idempotency_key: str, now: datetime.datetime | None = None) -> Sale:
    """Cancel a mistaken sale the same day by a counter-sale; the mistaken one stays in the record."""
    now = now or timezone.now()
    sale = Sale.objects.select_related("application__producer", "application__exhibition").get(pk=sale.pk)
    if not may_sell(by, sale.application):
        raise PermissionDenied
    if sale.cancels_id or hasattr(sale, "cancelled_by"):
        raise DomainError(_("This sale was already cancelled."))
    if timezone.localdate(sale.sold_at) != timezone.localdate(now):
        raise DomainError(_("Only today's sales can be cancelled here; ask the organiser."))
    counter = Sale(application=sale.application, exhibition=sale.exhibition, booth_id=sale.booth_id, sold_at=now,
                   method=sale.method, total=-sale.total, cancels=sale, idempotency_key=idempotency_key,
                   recorded_by=by)
    counter.save()
    for line in sale.lines.all():
        SaleLine(sale=counter, product_id=line.product_id, quantity=-line.quantity, unit_price=line.unit_price,
                 amount=-line.amount, producer_id=line.producer_id, colony_id=line.colony_id,
                 cluster_id=line.cluster_id, brand_id=line.brand_id).save()
    audit_record(by=by, action="sale.cancel", obj=sale, scope_path=sale.exhibition.path or "",
                 after={"counter": counter.pk})
    market_figures.sale_written(sale=counter, exhibition_path=sale.exhibition.path)
    return counter


@transaction.atomic
def visitors_record(*, by: Any, exhibition: Exhibition, day: datetime.date, visitors: int,
                    now: datetime.datetime | None = None) -> VisitorCount:
    require(by, Perm.MARKET_ORGANISE, exhibition)
    now = now or timezone.now()
    if not (exhibition.starts_on <= day <= exhibition.ends_on) or day > timezone.localdate(now):
        raise DomainError(_("Choose a day the exhibition was open."), field="day")
    if not 0 <= visitors <= 10_000_000:
        raise DomainError(_("Give the number of visitors."), field="visitors")
    # The day's count as it stood, read under the row's lock, so corrections at once each add their own
    # difference to the figures. The row is made first (empty) so there is a row to lock: two first counts of a
    # day at once would otherwise both find none and both add their whole count.
    row, _created = VisitorCount.objects.get_or_create(exhibition=exhibition, day=day,
                                                       defaults={"visitors": 0, "recorded_by": by})
    row = VisitorCount.objects.select_for_update().get(pk=row.pk)
    before = row.visitors
    row.visitors, row.recorded_by = visitors, by
    row.save(update_fields=["visitors", "recorded_by"])
    audit_record(by=by, action="exhibition.visitors", obj=exhibition, scope_path=exhibition.path or "",
                 after={"day": day.isoformat(), "visitors": visitors}, now=now)
    market_figures.visitors_counted(exhibition=exhibition, before=before, after=visitors, at=now)
    return row
