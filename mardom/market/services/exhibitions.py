"""Writes for exhibitions: founding one, its floor plan, exhibitor applications and their allocation."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.notify import notify
from mardom.core.text import normalize_text, search_key
from mardom.dashboards.sources import market as market_figures
from mardom.orgs.models import OrgUnit
from mardom.orgs.services import unit_set_path
from mardom.people.roles import Perm, Role
from mardom.people.scopes import grants_of, has_perm_on, require
from mardom.production.models import AdvantagedProduct, Cluster, Colony, ColonyMember, JobLeader, Producer

from .. import allocation
from ..models import PLAN_COLUMNS, PLAN_ROWS, AllocationRun, Application, Booth, Exhibition

RULE_FIELDS = ("cluster_member", "loan_recipient", "advantaged", "rotation_penalty", "max_penalty")


def default_rules() -> dict[str, int]:
    rules = allocation.Rules()
    return {name: getattr(rules, name) for name in RULE_FIELDS}


@transaction.atomic
def exhibition_create(
    *, by: Any, county: OrgUnit, name: str, type: str, venue: str, starts_on: datetime.date,
    ends_on: datetime.date, applications_close_on: datetime.date, term_days: int | None = None,
    rules: dict[str, int] | None = None, now: datetime.datetime | None = None,
) -> Exhibition:
    require(by, Perm.MARKET_ORGANISE, county)
    now = now or timezone.now()
    if county.kind != OrgUnit.Kind.COUNTY:
        raise DomainError(_("Choose a county."), field="county")
    name, venue = normalize_text(name), normalize_text(venue)
    if not name:
        raise DomainError(_("Give the exhibition a name."), field="name")
    if not venue:
        raise DomainError(_("Say where it is held."), field="venue")
    if type not in Exhibition.Type.values:
        raise DomainError(_("Choose seasonal or permanent."), field="type")
    if ends_on < starts_on:
        raise DomainError(_("It cannot close before it opens."), field="ends_on")
    if applications_close_on > starts_on:
        raise DomainError(_("Applications must close by the opening day."), field="applications_close_on")
    if type == Exhibition.Type.PERMANENT and not (term_days and 7 <= term_days <= 366):
        raise DomainError(_("A permanent exhibition lets booths for terms of 7 to 366 days."), field="term_days")
    rules = {**default_rules(), **(rules or {})}
    if set(rules) != set(RULE_FIELDS) or any(not isinstance(v, int) or not 0 <= v <= 100 for v in rules.values()):
        raise DomainError(_("Each weight is a whole number from 0 to 100."), field="rules")
    exhibition = Exhibition.objects.create(
        kind=OrgUnit.Kind.EXHIBITION, name=name, search_key=search_key(name), parent=county, place=county.place,
        type=type, venue=venue, starts_on=starts_on, ends_on=ends_on, applications_close_on=applications_close_on,
        term_days=term_days if type == Exhibition.Type.PERMANENT else None, rules=rules, created_by=by,
        created_at=now)
    unit_set_path(exhibition)
    audit_record(by=by, action="exhibition.create", obj=exhibition, scope_path=exhibition.path or "",
                 after={"type": type, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
                        "rules": rules}, now=now)
    market_figures.exhibition_created(exhibition=exhibition)
    return exhibition


def _overlaps(a: Booth, b: Booth) -> bool:
    return a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.depth and b.y < a.y + a.depth


@transaction.atomic
def booth_add(*, by: Any, exhibition: Exhibition, code: str, x: int, y: int, width: int, depth: int,
              price: int = 0) -> Booth:
    """A booth on the floor plan: a rectangle of cells inside the plan, overlapping no other booth."""
    exhibition = Exhibition.objects.select_for_update(of=("self",)).get(pk=exhibition.pk)
    require(by, Perm.MARKET_ORGANISE, exhibition)
    code = normalize_text(code).upper()
    if not code:
        raise DomainError(_("Give the booth a code, such as A3."), field="code")
    if width < 1 or depth < 1:
        raise DomainError(_("A booth is at least one metre each way."), field="width")
    if x < 0 or y < 0 or x + width > PLAN_COLUMNS or y + depth > PLAN_ROWS:
        raise DomainError(_("The booth does not fit on the floor plan (%(c)s × %(r)s metres).")
                          % {"c": PLAN_COLUMNS, "r": PLAN_ROWS}, field="x")
    if price < 0:
        raise DomainError(_("The price cannot be negative."), field="price")
    if exhibition.booths.filter(code=code).exists():
        raise DomainError(_("Another booth has this code."), field="code")
    booth = Booth(exhibition=exhibition, code=code, x=x, y=y, width=width, depth=depth, price=price)
    clash = next((other for other in exhibition.booths.all() if _overlaps(booth, other)), None)
    if clash is not None:
        raise DomainError(_("It overlaps booth %(code)s.") % {"code": clash.code}, field="x")
    booth.save()
    audit_record(by=by, action="booth.add", obj=booth, scope_path=exhibition.path or "",
                 after={"code": code, "x": x, "y": y, "width": width, "depth": depth, "price": price})
    return booth


def terms_of(exhibition: Exhibition) -> list[datetime.date]:
    """The booth terms: a seasonal exhibition has one (its opening day); a permanent one a term every
    `term_days` from its opening to its closing."""
    if exhibition.type == Exhibition.Type.SEASONAL or not exhibition.term_days:
        return [exhibition.starts_on]
    terms, day = [], exhibition.starts_on
    while day <= exhibition.ends_on and len(terms) < 60:
        terms.append(day)
        day += datetime.timedelta(days=exhibition.term_days)
    return terms


def _may_apply_for(user: Any, applicant: Any) -> bool:
    """Producers apply for themselves; a colony by its coordinator or officers; a cluster by its guide or
    officers; a job leader by its own people."""
    if isinstance(applicant, Producer):
        return getattr(user, "person_id", None) == applicant.person_id or has_perm_on(
            user, Perm.PRODUCERS_MANAGE, applicant.unit)
    if isinstance(applicant, JobLeader):
        return has_perm_on(user, Perm.JOBS_RECORD, applicant) or has_perm_on(user, Perm.PRODUCERS_MANAGE, applicant)
    if isinstance(applicant, Colony):
        return (getattr(user, "person_id", None) == applicant.coordinator_id
                or has_perm_on(user, Perm.PRODUCERS_MANAGE, applicant))
    if isinstance(applicant, Cluster):
        return has_perm_on(user, Perm.PRODUCERS_MANAGE, applicant) or any(
            g.role == Role.CLUSTER_GUIDE and g.unit_id == applicant.pk for g in grants_of(user))
    return False


@transaction.atomic
def application_submit(
    *, by: Any, exhibition: Exhibition, term_start: datetime.date, applicant: Any, products: str,
    wants_size: int | None = None, free_only: bool = False, now: datetime.datetime | None = None,
) -> Application:
    now = now or timezone.now()
    exhibition = Exhibition.objects.select_for_update(of=("self",)).select_related("parent").get(pk=exhibition.pk)
    if not _may_apply_for(by, applicant):
        raise PermissionDenied
    if term_start not in terms_of(exhibition):
        raise DomainError(_("Choose one of the exhibition's terms."), field="term_start")
    today = timezone.localdate(now)
    seasonal = exhibition.type == Exhibition.Type.SEASONAL
    if (seasonal and today > exhibition.applications_close_on) or term_start < today:
        raise DomainError(_("Applications for this term are closed."), field="term_start")
    products = normalize_text(products)
    if not products:
        raise DomainError(_("Say what you will show."), field="products")
    if wants_size is not None and not 1 <= wants_size <= PLAN_COLUMNS * PLAN_ROWS:
        raise DomainError(_("Give the size in square metres."), field="wants_size")
    producer = applicant if isinstance(applicant, Producer) else None
    if producer is not None and producer.status != Producer.Status.APPROVED:
        raise DomainError(_("Only approved producers may apply."), field="applicant")
    if producer is not None and producer.unit.parent_id != exhibition.parent.parent_id:
        raise DomainError(_("This exhibition is for the producers of its province."), field="applicant")
    same = Application.objects.filter(exhibition=exhibition, term_start=term_start).exclude(
        status=Application.Status.WITHDRAWN)
    if (same.filter(producer=producer) if producer else same.filter(unit_id=applicant.pk)).exists():
        raise DomainError(_("There is already an application for this term."), field="applicant")
    kind = {Producer: "producer", Colony: "colony", Cluster: "cluster", JobLeader: "job_leader"}[type(applicant)]
    application = Application.objects.create(
        exhibition=exhibition, term_start=term_start, kind=kind, producer=producer,
        unit=None if producer else applicant, products=products, wants_size=wants_size, free_only=free_only,
        applied_by=by, applied_at=now)
    audit_record(by=by, action="application.submit", obj=application, scope_path=exhibition.path or "",
                 after={"kind": kind, "applicant": applicant.pk, "term": term_start.isoformat()})
    return application


def _people_of(application: Application) -> set[int]:
    """The people behind an application (for fund loans): the producer, or a group's members."""
    if application.producer_id:
        return {application.producer.person_id}
    unit = application.unit
    if unit.kind == OrgUnit.Kind.COLONY:
        return set(ColonyMember.objects.filter(colony_id=unit.pk).values_list("producer__person_id", flat=True))
    if unit.kind == OrgUnit.Kind.CLUSTER:
        return set(ColonyMember.objects.filter(colony__in_cluster_id=unit.pk)
                   .values_list("producer__person_id", flat=True))
    return set(JobLeader.objects.filter(pk=unit.pk).values_list("owner_id", flat=True))


def _applicant_row(application: Application, *, advantaged: set[int], recipients: set[int],
                   wins: dict[tuple[str, int], int]) -> allocation.Applicant:
    """What the published rules look at, read from live data."""
    from mardom.production.models import ProducerProduct

    if application.producer_id:
        producer = application.producer
        in_cluster = ColonyMember.objects.filter(producer=producer, colony__in_cluster__isnull=False).exists()
        products = set(ProducerProduct.objects.filter(producer=producer).values_list("product_id", flat=True))
        key = ("producer", producer.pk)
    else:
        unit = application.unit
        if unit.kind == OrgUnit.Kind.COLONY:
            colony = Colony.objects.get(pk=unit.pk)
            in_cluster, products = colony.in_cluster_id is not None, {colony.product_id}
        elif unit.kind == OrgUnit.Kind.CLUSTER:
            cluster = Cluster.objects.get(pk=unit.pk)
            in_cluster, products = True, {cluster.focus_product_id}
        else:
            leader = JobLeader.objects.get(pk=unit.pk)
            in_cluster = leader.attached_to_id is not None
            products = set(leader.agreements.values_list("product_id", flat=True))
        key = ("unit", unit.pk)
    people = _people_of(application)
    return allocation.Applicant(
        id=application.pk, kind=application.kind, cluster_member=in_cluster,
        loan_recipient=bool(people & recipients), advantaged=bool(products & advantaged),
        past_wins=wins.get(key, 0), applied_at=application.applied_at,
        wants_size=Decimal(application.wants_size) if application.wants_size else None,
        free_only=application.free_only)


@transaction.atomic
def allocate(*, by: Any, exhibition: Exhibition, term_start: datetime.date,
             now: datetime.datetime | None = None) -> AllocationRun:
    """Allocate a term's booths by the exhibition's published rules, tell every applicant by SMS, and keep
    the run with its fairness report. A term is allocated once."""
    from mardom.funds.selectors import loan_recipients

    now = now or timezone.now()
    exhibition = Exhibition.objects.select_for_update(of=("self",)).select_related("parent").get(pk=exhibition.pk)
    require(by, Perm.MARKET_ORGANISE, exhibition)
    if term_start not in terms_of(exhibition):
        raise DomainError(_("Choose one of the exhibition's terms."), field="term_start")
    if AllocationRun.objects.filter(exhibition=exhibition, term_start=term_start).exists():
        raise DomainError(_("This term was already allocated."), field="term_start")
    pending = list(Application.objects.filter(exhibition=exhibition, term_start=term_start,
                                              status=Application.Status.SUBMITTED)
                   .select_related("producer__person", "unit", "applied_by__person"))
    if not pending:
        raise DomainError(_("No application is waiting for this term."), field="term_start")
    booths = list(exhibition.booths.all())
    if not booths:
        raise DomainError(_("Draw the booths on the floor plan first."), field="term_start")
    county = exhibition.parent
    advantaged = set(AdvantagedProduct.objects.filter(region_id__in=[county.pk, county.parent_id])
                     .values_list("product_id", flat=True))
    people = set().union(*(_people_of(a) for a in pending))
    recipients = loan_recipients(person_ids=people)
    # Rotation: booths won earlier in this county's exhibitions, over the last year.
    earlier = Application.objects.filter(exhibition__parent=county, status=Application.Status.ALLOCATED,
                                         term_start__gte=term_start - datetime.timedelta(days=366),
                                         term_start__lt=term_start)
    wins: dict[tuple[str, int], int] = {}
    for producer_id, unit_id in earlier.values_list("producer_id", "unit_id"):
        key = ("producer", producer_id) if producer_id else ("unit", unit_id)
        wins[key] = wins.get(key, 0) + 1
    rows = [_applicant_row(a, advantaged=advantaged, recipients=recipients, wins=wins) for a in pending]
    seed = f"mardom-booths-{exhibition.pk}-{term_start.isoformat()}"
    rules = allocation.Rules(**{k: v for k, v in exhibition.rules.items() if k in RULE_FIELDS}, seed=seed)
    result = allocation.allocate(rows, [allocation.Booth(id=b.pk, code=b.code, size=Decimal(b.size), price=b.price)
                                        for b in booths], rules)
    booth_by_id = {b.pk: b for b in booths}
    for application in pending:
        score = result.scores[application.pk]
        application.score, application.score_parts = score.total, [list(p) for p in score.parts]
        application.booth = booth_by_id.get(result.assigned.get(application.pk, 0))
        application.status = Application.Status.ALLOCATED if application.booth else Application.Status.WAITLISTED
        application.decided_at = now
    Application.objects.bulk_update(pending, ["score", "score_parts", "booth", "status", "decided_at"])
    run = AllocationRun(exhibition=exhibition, term_start=term_start, rules=exhibition.rules, seed=seed,
                        report={"rows": [list(r) for r in result.report.rows()], "notes": list(result.report.notes),
                                "order": result.order, "empty": len(booths) - len(result.assigned)},
                        by=by, at=now)
    run.save()
    audit_record(by=by, action="exhibition.allocate", obj=exhibition, scope_path=exhibition.path or "",
                 after={"term": term_start.isoformat(), "allocated": len(result.assigned),
                        "waitlisted": len(result.waitlist)})
    market_figures.booths_let(exhibition=exhibition, count=len(result.assigned), at=now)
    for application in pending:
        _tell(application)
    return run


def _tell(application: Application) -> None:
    person = application.producer.person if application.producer_id else application.applied_by.person
    if person is None or not person.mobile:
        return
    from mardom.core.jalali import format_jalali

    if application.booth:
        text = _("Mardom: your booth at “%(name)s” is %(booth)s, from %(day)s.") % {
            "name": application.exhibition.name, "booth": application.booth.code,
            "day": format_jalali(application.term_start)}
    else:
        text = _("Mardom: no booth was free for you at “%(name)s” this term; you are on the waiting list.") % {
            "name": application.exhibition.name}
    notify(key=f"booth-decision-{application.pk}", to=person.mobile, text=text)
