"""Writes for job leaders: registering one, its agreements with producers, and the account it keeps with
each producer (materials issued, output bought back, payments either way, corrections).

The account is a list of append-only lines (JobEntry) whose signed amounts sum to what the job leader owes
the producer. Every write locks the agreement row first, so two clerks recording at once for one producer
are serialised and the limits below are checked against the lines as they really stand."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.jalali import PROGRAMME_EPOCH, format_jalali
from mardom.core.money import format_money
from mardom.core.text import normalize_text, search_key
from mardom.dashboards.sources import production as production_figures
from mardom.orgs.models import OrgUnit
from mardom.orgs.services import unit_set_path
from mardom.people.models import Person
from mardom.people.roles import Perm, Role
from mardom.people.scopes import has_perm_on, require

from ..models import Cluster, JobAgreement, JobEntry, JobLeader, Producer, ProducerProduct, Product

EARLIEST_DATE = PROGRAMME_EPOCH
MAX_QUANTITY = Decimal("100000000")  # a typo guard: no agreement moves a hundred thousand tonnes


def _owner_user(person: Person) -> Any:
    return getattr(person, "user", None)


@transaction.atomic
def job_leader_register(
    *, by: Any, county: OrgUnit, owner: Person, name: str, functions: Sequence[str],
    cluster: Cluster | None = None, activities: str = "", products: Sequence[Product] = (),
) -> JobLeader:
    """A county officer registers an anchor business, with the products it works with: it counts in the value
    chains of those products (and of its agreements' products and its cluster). Its manager gets the job
    leader role on it (when they have an account), which shows them their own producers and nothing else."""
    require(by, Perm.PRODUCERS_MANAGE, county)
    if county.kind != OrgUnit.Kind.COUNTY:
        raise DomainError(_("Choose a county."), field="county")
    name = normalize_text(name)
    if not name:
        raise DomainError(_("Give the business a name."), field="name")
    if not functions or set(functions) - set(JobLeader.Function.values):
        raise DomainError(_("Choose what the business does."), field="functions")
    if cluster is not None and not (
        (cluster.level == Cluster.Level.COUNTY and cluster.parent_id == county.pk)
        or (cluster.level == Cluster.Level.PROVINCE and cluster.parent_id == county.parent_id)
    ):
        raise DomainError(_("This cluster is not in the job leader's county or province."), field="cluster")
    if JobLeader.objects.filter(parent=county, search_key=search_key(name)).exists():
        raise DomainError(_("A job leader with this name is already registered in this county."), field="name")
    leader = JobLeader.objects.create(
        kind=OrgUnit.Kind.JOB_LEADER, name=name, search_key=search_key(name), parent=county, place=county.place,
        owner=owner, attached_to=cluster, functions=[f for f in JobLeader.Function.values if f in functions],
        activities=normalize_text(activities), created_by=by)
    unit_set_path(leader)
    if products:
        leader.products.set(products)
    audit_record(by=by, action="job_leader.register", obj=leader, scope_path=leader.path or "",
                 after={"owner": owner.pk, "functions": leader.functions,
                        "cluster": cluster.pk if cluster else None,
                        "products": sorted(p.code for p in products)})
    user = _owner_user(owner)
    if user is not None:
        from mardom.people.services import role_grant

        role_grant(by=by, user=user, role=Role.JOB_LEADER, unit=leader)
    return leader


def may_record(user: Any, leader: JobLeader) -> bool:
    """Only the job leader's own people keep its account; officers read it."""
    return has_perm_on(user, Perm.JOBS_RECORD, leader)


def _require_recorder(user: Any, leader: JobLeader) -> None:
    if not may_record(user, leader):
        raise PermissionDenied


@transaction.atomic
def job_agreement_create(
    *, by: Any, job_leader: JobLeader, producer: Producer, product: Product, pricing: str, rate_a: int,
    rate_b: int | None = None, rate_c: int | None = None, material: str = "", material_unit: str = "",
    output_per_material: Decimal | None = None, starts_on: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> JobAgreement:
    """Terms with one producer for one product, from `starts_on` (default today): no line of its account can
    be dated earlier. A job leader works with approved producers of its province who make the product."""
    if not (may_record(by, job_leader) or has_perm_on(by, Perm.PRODUCERS_MANAGE, job_leader)):
        raise PermissionDenied
    if pricing not in JobAgreement.Pricing.values:
        raise DomainError(_("Choose how the work is paid."), field="pricing")
    today = timezone.localdate(now)
    starts_on = starts_on or today
    if starts_on > today:
        raise DomainError(_("The date cannot be in the future."), field="starts_on")
    if starts_on < EARLIEST_DATE:
        raise DomainError(_("The date cannot be before %(limit)s.") % {"limit": format_jalali(EARLIEST_DATE)},
                          field="starts_on")
    if producer.status != Producer.Status.APPROVED:
        raise DomainError(_("%(name)s is not approved yet.") % {"name": producer}, field="producer")
    county = OrgUnit.objects.get(pk=producer.unit_id)
    if county.parent_id != job_leader.parent.parent_id:
        raise DomainError(_("%(name)s works in another province.") % {"name": producer}, field="producer")
    if not ProducerProduct.objects.filter(producer=producer, product=product).exists():
        raise DomainError(_("%(name)s does not make %(product)s.") % {"name": producer, "product": product},
                          field="product")
    if rate_a <= 0:
        raise DomainError(_("The rate for grade A must be more than zero."), field="rate_a")
    if any(rate is not None and rate < 0 for rate in (rate_b, rate_c)):
        raise DomainError(_("A rate cannot be negative."), field="rate_b")
    material = normalize_text(material)
    with_material = bool(material or material_unit or output_per_material is not None)
    if with_material and not (material and material_unit and output_per_material is not None):
        raise DomainError(_("Give the material, its unit and the most output per unit together, or none of "
                            "them."), field="material")
    if with_material and material_unit not in Product.Unit.values:
        raise DomainError(_("Choose a unit."), field="material_unit")
    if output_per_material is not None and not (0 < output_per_material <= MAX_QUANTITY):
        raise DomainError(_("The output per unit of material must be more than zero."), field="output_per_material")
    if pricing == JobAgreement.Pricing.PIECE_RATE and not with_material:
        raise DomainError(_("Piece-rate work needs the material the job leader issues."), field="material")
    if JobAgreement.objects.filter(job_leader=job_leader, producer=producer, product=product).exists():
        raise DomainError(_("There is already an agreement with this producer for this product."), field="product")
    agreement = JobAgreement.objects.create(
        job_leader=job_leader, producer=producer, product=product, pricing=pricing, material=material,
        material_unit=material_unit if with_material else "", output_per_material=output_per_material,
        rate_a=rate_a, rate_b=rate_b, rate_c=rate_c, starts_on=starts_on, created_by=by)
    audit_record(by=by, action="job_agreement.create", obj=agreement, scope_path=job_leader.path or "",
                 after={"producer": producer.pk, "product": product.code, "pricing": pricing, "rate_a": rate_a,
                        "rate_b": rate_b, "rate_c": rate_c, "material": material,
                        "starts_on": starts_on.isoformat(),
                        "output_per_material": str(output_per_material) if output_per_material else None})
    return agreement


def account_totals(agreement: JobAgreement) -> dict[str, Any]:
    """What stands on the account: quantities issued and received (corrections taken out) and the balance
    the job leader owes the producer (negative: the producer owes the job leader)."""
    lines = JobEntry.objects.filter(agreement=agreement)
    live = lines.filter(reversed_by__isnull=True).exclude(kind=JobEntry.Kind.REVERSAL)
    sums = live.aggregate(
        issued=Sum("quantity", filter=Q(kind=JobEntry.Kind.ISSUE)),
        received=Sum("quantity", filter=Q(kind=JobEntry.Kind.RECEIPT)),
        bought=Sum("amount", filter=Q(kind=JobEntry.Kind.RECEIPT)),
        charged=Sum("amount", filter=Q(kind=JobEntry.Kind.ISSUE)),
        paid_producer=Sum("amount", filter=Q(kind=JobEntry.Kind.PAY_PRODUCER)),
        paid_leader=Sum("amount", filter=Q(kind=JobEntry.Kind.PAY_LEADER)),
    )
    return {
        "issued": sums["issued"] or Decimal(0), "received": sums["received"] or Decimal(0),
        "bought": sums["bought"] or 0, "charged": -(sums["charged"] or 0),
        "paid_producer": -(sums["paid_producer"] or 0), "paid_leader": sums["paid_leader"] or 0,
        "balance": lines.aggregate(s=Sum("amount"))["s"] or 0,
    }


def buyback_room(agreement: JobAgreement, totals: dict[str, Any]) -> Decimal | None:
    """How much more output may be bought back for the materials issued so far (None: no limit)."""
    if agreement.output_per_material is None:
        return None
    return totals["issued"] * agreement.output_per_material - totals["received"]


def _locked(agreement: JobAgreement) -> JobAgreement:
    return JobAgreement.objects.select_for_update(of=("self",)).select_related(
        "job_leader__parent", "producer", "product").get(pk=agreement.pk)


def _check_common(agreement: JobAgreement, *, by: Any, occurred_on: datetime.date,
                  today: datetime.date) -> None:
    _require_recorder(by, agreement.job_leader)
    if not agreement.is_active:
        raise DomainError(_("This agreement is closed."))
    if occurred_on > today:
        raise DomainError(_("The date cannot be in the future."), field="occurred_on")
    start = max(agreement.starts_on or EARLIEST_DATE, EARLIEST_DATE)
    if occurred_on < start:
        raise DomainError(_("The date cannot be before the agreement began (%(limit)s).")
                          % {"limit": format_jalali(start)}, field="occurred_on")


def _existing(key: str, agreement: JobAgreement, kind: str) -> JobEntry | None:
    """The line already recorded under this key (the same form sent twice), or None."""
    entry = JobEntry.objects.filter(idempotency_key=key).first()
    if entry is not None and (entry.agreement_id != agreement.pk or entry.kind != kind):
        raise DomainError(_("This form was already used for something else; open the page again."))
    return entry


def _check_quantity(quantity: Decimal) -> None:
    if not (0 < quantity <= MAX_QUANTITY):
        raise DomainError(_("The quantity must be more than zero."), field="quantity")


def _write(*, by: Any, agreement: JobAgreement, kind: str, occurred_on: datetime.date, amount: int,
           key: str, now: datetime.datetime, memo: str = "", quantity: Decimal | None = None, grade: str = "",
           rate: int | None = None, reverses: JobEntry | None = None) -> JobEntry:
    entry = JobEntry(agreement=agreement, kind=kind, occurred_on=occurred_on, quantity=quantity, grade=grade,
                     rate=rate, amount=amount, memo=normalize_text(memo), reverses=reverses,
                     idempotency_key=key, recorded_by=by, recorded_at=now)
    entry.save()
    audit_record(by=by, action=f"job_entry.{kind}", obj=entry, scope_path=agreement.job_leader.path or "",
                 after={"agreement": agreement.pk, "amount": amount, "quantity": str(quantity) if quantity else None,
                        "grade": grade, "reverses": reverses.pk if reverses else None})
    production_figures.job_entry_written(entry=entry, producer=agreement.producer)
    return entry


@transaction.atomic
def materials_issue(
    *, by: Any, agreement: JobAgreement, quantity: Decimal, occurred_on: datetime.date, idempotency_key: str,
    value: int = 0, memo: str = "", now: datetime.datetime | None = None,
) -> JobEntry:
    """Materials handed to the producer. On piece rate they stay the job leader's and cost the producer
    nothing; on purchase terms their value is owed by the producer, set off against later buybacks."""
    now = now or timezone.now()
    agreement = _locked(agreement)
    if (entry := _existing(idempotency_key, agreement, JobEntry.Kind.ISSUE)) is not None:
        return entry
    _check_common(agreement, by=by, occurred_on=occurred_on, today=timezone.localdate(now))
    if not agreement.material:
        raise DomainError(_("This agreement issues no materials."))
    _check_quantity(quantity)
    if value < 0:
        raise DomainError(_("The value cannot be negative."), field="value")
    if agreement.pricing == JobAgreement.Pricing.PIECE_RATE and value:
        raise DomainError(_("On piece rate the materials stay the job leader's: leave the value empty."),
                          field="value")
    return _write(by=by, agreement=agreement, kind=JobEntry.Kind.ISSUE, occurred_on=occurred_on, amount=-value,
                  quantity=quantity, key=idempotency_key, now=now, memo=memo)


def _rate_for(agreement: JobAgreement, grade: str) -> int:
    rate = {JobEntry.Grade.A: agreement.rate_a, JobEntry.Grade.B: agreement.rate_b,
            JobEntry.Grade.C: agreement.rate_c}.get(grade)  # type: ignore[call-overload]
    if rate is None:
        raise DomainError(_("This agreement has no rate for this grade."), field="grade")
    return rate


@transaction.atomic
def output_receive(
    *, by: Any, agreement: JobAgreement, quantity: Decimal, grade: str, occurred_on: datetime.date,
    idempotency_key: str, memo: str = "", now: datetime.datetime | None = None,
) -> JobEntry:
    """Output bought back at the agreement's rate for its grade: never more than the materials issued can
    yield, so a buyback cannot launder output from elsewhere into the account."""
    now = now or timezone.now()
    agreement = _locked(agreement)
    if (entry := _existing(idempotency_key, agreement, JobEntry.Kind.RECEIPT)) is not None:
        return entry
    _check_common(agreement, by=by, occurred_on=occurred_on, today=timezone.localdate(now))
    _check_quantity(quantity)
    rate = _rate_for(agreement, grade)
    room = buyback_room(agreement, account_totals(agreement))
    if room is not None and quantity > room:
        raise DomainError(
            _("For the materials issued, at most %(room)s %(unit)s more can be bought back.")
            % {"room": _quantity_text(max(room, Decimal(0))), "unit": agreement.product.get_unit_display()},
            field="quantity")
    amount = int((quantity * rate).to_integral_value(rounding=ROUND_HALF_UP))
    return _write(by=by, agreement=agreement, kind=JobEntry.Kind.RECEIPT, occurred_on=occurred_on, amount=amount,
                  quantity=quantity, grade=grade, rate=rate, key=idempotency_key, now=now, memo=memo)


def _quantity_text(value: Decimal) -> str:
    from mardom.core.digits import format_quantity

    return format_quantity(value)


@transaction.atomic
def settlement_pay(
    *, by: Any, agreement: JobAgreement, to_producer: bool, amount: int, occurred_on: datetime.date,
    idempotency_key: str, memo: str = "", now: datetime.datetime | None = None,
) -> JobEntry:
    """Money settling the account: never more than is owed in that direction, so a payment cannot turn a
    debt around."""
    now = now or timezone.now()
    kind = JobEntry.Kind.PAY_PRODUCER if to_producer else JobEntry.Kind.PAY_LEADER
    agreement = _locked(agreement)
    if (entry := _existing(idempotency_key, agreement, kind)) is not None:
        return entry
    _check_common(agreement, by=by, occurred_on=occurred_on, today=timezone.localdate(now))
    if amount <= 0:
        raise DomainError(_("The amount must be more than zero."), field="amount")
    balance = account_totals(agreement)["balance"]
    owed = balance if to_producer else -balance
    if amount > owed:
        raise DomainError(
            _("This would settle more than is owed: %(owed)s is owed in this direction.")
            % {"owed": format_money(max(owed, 0))}, field="amount")
    return _write(by=by, agreement=agreement, kind=kind, occurred_on=occurred_on,
                  amount=-amount if to_producer else amount, key=idempotency_key, now=now, memo=memo)


@transaction.atomic
def job_entry_reverse(
    *, by: Any, entry: JobEntry, idempotency_key: str, memo: str, occurred_on: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> JobEntry:
    """Correct a mistaken line by a new line that cancels it; the mistaken line stays in the account."""
    now = now or timezone.now()
    agreement = _locked(entry.agreement)
    entry = JobEntry.objects.select_related("reversed_by").get(pk=entry.pk)
    if (existing := _existing(idempotency_key, agreement, JobEntry.Kind.REVERSAL)) is not None:
        return existing
    _check_common(agreement, by=by, occurred_on=occurred_on or timezone.localdate(now),
                  today=timezone.localdate(now))
    if not normalize_text(memo):
        raise DomainError(_("Say why this line is corrected."), field="memo")
    if entry.kind == JobEntry.Kind.REVERSAL:
        raise DomainError(_("A correction cannot itself be corrected; record the line again instead."))
    if hasattr(entry, "reversed_by"):
        raise DomainError(_("This line was already corrected."))
    if entry.kind == JobEntry.Kind.ISSUE and agreement.output_per_material is not None:
        totals = account_totals(agreement)
        if totals["received"] > (totals["issued"] - (entry.quantity or 0)) * agreement.output_per_material:
            raise DomainError(_("Output was already bought back against these materials; correct the buybacks "
                                "first."))
    return _write(by=by, agreement=agreement, kind=JobEntry.Kind.REVERSAL,
                  occurred_on=occurred_on or timezone.localdate(now), amount=-entry.amount,
                  quantity=entry.quantity, key=idempotency_key, now=now, memo=memo, reverses=entry)
