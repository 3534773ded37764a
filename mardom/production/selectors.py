"""Reads for producers and products, scoped to the asking user."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Case, Count, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404

from mardom.core.text import search_key
from mardom.orgs.models import OrgUnit
from mardom.people.roles import ROLE_PERMISSIONS, Perm
from mardom.people.scopes import grants_of, scope_filter, scope_q

from .models import AdvantagedProduct, ColonyMember, JobAgreement, Producer, ProducerProduct, Product


def producer_list(*, user: Any, query: str = "", status: str = "", product: str = "") -> QuerySet[Producer]:
    own = Q(person_id=user.person_id) if getattr(user, "person_id", None) else Q(pk__in=[])
    if getattr(user, "pk", None):
        own |= Q(registered_by_id=user.pk)  # what one registered stays in view (a guide's new producer)
    # Officers see producers filed in their counties; a cluster guide, those in their cluster's colonies; a job
    # leader, the producers they have agreements with. The two reached through many-valued links are id
    # subqueries rather than joins: joined, every producer row was multiplied by its colonies and agreements
    # and the whole table read and de-duplicated (DISTINCT) before the page's 25 rows, 9× the demo's time at
    # 30,000 producers (bench/README.md, "scale.py").
    in_clusters = ColonyMember.objects.filter(
        scope_q(user, Perm.PRODUCERS_VIEW, path_field="colony__in_cluster__path")).values("producer_id")
    worked_with = JobAgreement.objects.filter(
        scope_q(user, Perm.JOBS_RECORD, path_field="job_leader__path")).values("producer_id")
    qs = Producer.objects.filter(scope_q(user, Perm.PRODUCERS_VIEW, path_field="unit__path")
                                 | Q(pk__in=in_clusters) | Q(pk__in=worked_with) | own)
    if query:
        key = search_key(query)
        qs = qs.filter(Q(person__search_key__contains=key) | Q(business_name__icontains=query.strip()))
    if status in Producer.Status.values:
        qs = qs.filter(status=status)
    if product:
        qs = qs.filter(pk__in=ProducerProduct.objects.filter(product__code=product).values("producer_id"))
    return qs.select_related("person", "place", "unit").prefetch_related("products__product") \
        .order_by("-registered_at", "-pk")


def producer_get(*, user: Any, pk: int) -> Producer:
    producer = producer_list(user=user).filter(pk=pk).first()
    if producer is None:
        raise Http404
    return producer


def products() -> QuerySet[Product]:
    return Product.objects.order_by("category", "name")


def regions_for(*, user: Any) -> QuerySet[OrgUnit]:
    """Counties and provinces within the user's producers scope, with their advantaged products."""
    return scope_filter(OrgUnit.objects.filter(kind__in=[OrgUnit.Kind.COUNTY, OrgUnit.Kind.PROVINCE]), user,
                        Perm.PRODUCERS_VIEW).select_related("parent").order_by("path")


def advantaged_in(*, regions: QuerySet[OrgUnit]) -> dict[int, list[AdvantagedProduct]]:
    grouped: dict[int, list[AdvantagedProduct]] = {}
    for advantage in AdvantagedProduct.objects.filter(region__in=regions).select_related("product").order_by(
            "product__name"):
        grouped.setdefault(advantage.region_id, []).append(advantage)
    return grouped


def producer_totals(*, user: Any) -> dict[str, int]:
    qs = producer_list(user=user).order_by()
    return {
        "approved": qs.filter(status=Producer.Status.APPROVED).count(),
        "pending": qs.filter(status=Producer.Status.PENDING).count(),
        "baseline": qs.filter(status=Producer.Status.APPROVED).aggregate(s=Sum("baseline_sales"))["s"] or 0,
    }


def product_counts(*, user: Any) -> list[dict[str, Any]]:
    """Approved producers per product in the user's scope, most first."""
    return list(
        producer_list(user=user).filter(status=Producer.Status.APPROVED).order_by()
        .values("products__product__name").annotate(n=Count("pk", distinct=True)).order_by("-n")[:12]
    )


def formation_rows(*, county: OrgUnit) -> tuple[list[Any], dict[int, int]]:
    """Approved producers of a county as rows for formation.suggest: one row per product line they make and
    are not yet in a colony of. A producer of two lines gives two rows, so rows get their own ids; the map
    turns a row id back into the producer's."""
    from .formation import ProducerRow
    from .models import ColonyMember, ProducerProduct

    taken = set(ColonyMember.objects.filter(producer__unit=county).values_list("producer_id", "product_id"))
    rows: list[Any] = []
    producer_of: dict[int, int] = {}
    lines = ProducerProduct.objects.filter(producer__unit=county, producer__status="approved").values_list(
        "producer_id", "product_id", "product__code", "product__value_chain", "producer__place_id",
        "producer__place__kind", "producer__place__parent_id", "producer__place__parent__parent_id",
        "producer__place__county_id", "producer__place__province_id")
    for producer, product, code, chain, place, kind, parent, grandparent, county_place, province in lines:
        if (producer, product) in taken:
            continue
        village = place if kind == "village" else None
        producer_of[len(rows)] = producer
        rows.append(ProducerRow(
            id=len(rows), product_line=code, value_chain=chain, village=village,
            rural_district=parent if village else None, district=grandparent if village else parent,
            city=place if kind == "city" else None, county=county_place, province=province,
        ))
    return rows, producer_of


def colonies_of(*, user: Any, county: OrgUnit | None = None) -> QuerySet[Any]:
    from .models import Colony

    qs = Colony.objects.filter(scope_q(user, Perm.PRODUCERS_VIEW)
                               | scope_q(user, Perm.PRODUCERS_VIEW, path_field="in_cluster__path"))
    if county is not None:
        qs = qs.filter(parent=county)
    return qs.select_related("product", "place", "parent").annotate(size=Count("members")).order_by("name")


def colony_get(*, user: Any, pk: int) -> Any:
    colony = colonies_of(user=user).filter(pk=pk).first()
    if colony is None:
        raise Http404
    return colony


def clusters_of(*, user: Any) -> QuerySet[Any]:
    from .models import Cluster

    return scope_filter(Cluster.objects.all(), user, Perm.PRODUCERS_VIEW).select_related(
        "focus_product", "parent").order_by("level", "name")


def cluster_get(*, user: Any, pk: int) -> Any:
    cluster = clusters_of(user=user).filter(pk=pk).first()
    if cluster is None:
        raise Http404
    return cluster


def cluster_rollup(*, cluster: Any) -> dict[str, Any]:
    """A cluster's colonies, producers, capacity of its focus product, baseline sales and the loans its
    producers hold in the loan funds; a province cluster sums its county clusters."""
    from mardom.funds.selectors import loans_held

    from .models import Cluster, Colony, ColonyMember, ProducerProduct

    county_ids = [cluster.pk] if cluster.level == Cluster.Level.COUNTY else list(
        cluster.county_clusters.values_list("pk", flat=True))
    colonies = Colony.objects.filter(in_cluster_id__in=county_ids).select_related("product", "place").annotate(
        size=Count("members")).order_by("name")
    members = ColonyMember.objects.filter(colony__in_cluster_id__in=county_ids)
    producer_ids = set(members.values_list("producer_id", flat=True))
    producers = Producer.objects.filter(pk__in=producer_ids)
    capacity = ProducerProduct.objects.filter(producer_id__in=producer_ids,
                                              product__value_chain=cluster.value_chain).aggregate(s=Sum("capacity"))
    return {
        "colonies": list(colonies), "producers": len(producer_ids),
        "capacity": capacity["s"] or 0,
        "baseline": producers.aggregate(s=Sum("baseline_sales"))["s"] or 0,
        "loans": loans_held(person_ids=set(producers.values_list("person_id", flat=True))),
        "county_clusters": list(cluster.county_clusters.select_related("parent").order_by("name"))
        if cluster.level == Cluster.Level.PROVINCE else [],
    }


def cluster_candidates(*, county: OrgUnit) -> list[dict[str, Any]]:
    """Value chains of the county with two or more colonies not yet in a cluster (or joining the county's
    existing cluster of the chain)."""
    from .models import Cluster, Colony

    free = Colony.objects.filter(parent=county, in_cluster__isnull=True).select_related("product")
    by_chain: dict[str, list[Any]] = {}
    for colony in free:
        by_chain.setdefault(colony.product.value_chain, []).append(colony)
    existing = set(Cluster.objects.filter(parent=county, level="county").values_list("value_chain", flat=True))
    return [{"value_chain": chain, "colonies": colonies, "focus": colonies[0].product, "joins": chain in existing}
            for chain, colonies in sorted(by_chain.items()) if len(colonies) >= 2 or (chain in existing)]


def province_candidates(*, province: OrgUnit) -> list[dict[str, Any]]:
    """Value chains with county clusters in two or more counties of the province, not yet grouped (or joining
    the province's existing cluster of the chain)."""
    from .models import Cluster

    free = Cluster.objects.filter(level="county", parent__parent=province, province_cluster__isnull=True) \
        .select_related("parent", "focus_product")
    by_chain: dict[str, list[Any]] = {}
    for cluster in free:
        by_chain.setdefault(cluster.value_chain, []).append(cluster)
    existing = set(Cluster.objects.filter(parent=province, level="province").values_list("value_chain", flat=True))
    return [{"value_chain": chain, "clusters": clusters, "focus": clusters[0].focus_product, "joins": chain in existing}
            for chain, clusters in sorted(by_chain.items())
            if len({c.parent_id for c in clusters}) >= 2 or chain in existing]


# --- Job leaders -------------------------------------------------------------------------------------------

def _job_leader_q(user: Any, prefix: str = "") -> Q:
    """Job leaders the user may read: officers over their county, the guide of the cluster they are attached
    to, and the job leader's own people."""
    return (scope_q(user, Perm.PRODUCERS_VIEW, path_field=f"{prefix}path")
            | scope_q(user, Perm.PRODUCERS_VIEW, path_field=f"{prefix}attached_to__path")
            | scope_q(user, Perm.JOBS_RECORD, path_field=f"{prefix}path"))


def job_leaders_of(*, user: Any, query: str = "") -> QuerySet[Any]:
    from .models import JobAgreement, JobLeader

    qs = JobLeader.objects.filter(_job_leader_q(user))
    if query:
        qs = qs.filter(search_key__contains=search_key(query))
    producers = JobAgreement.objects.filter(job_leader=OuterRef("pk")).order_by().values("job_leader") \
        .annotate(n=Count("producer", distinct=True)).values("n")
    return qs.select_related("parent", "owner", "attached_to").annotate(
        producer_count=Subquery(producers)).order_by("name")


def job_leader_get(*, user: Any, pk: int) -> Any:
    leader = job_leaders_of(user=user).filter(pk=pk).first()
    if leader is None:
        raise Http404
    return leader


def agreements_of(*, job_leader: Any) -> QuerySet[Any]:
    """A job leader's agreements, each with its balance (what the job leader owes the producer)."""
    from .models import JobAgreement

    return JobAgreement.objects.filter(job_leader=job_leader).select_related(
        "producer__person", "producer__place", "product").annotate(
        balance=Coalesce(Sum("entries__amount"), 0)).order_by("producer__person__last_name", "product__name")


def agreement_get(*, user: Any, pk: int) -> Any:
    """One agreement for its job leader's readers, or for the producer it is with."""
    from .models import JobAgreement

    own = Q(producer__person_id=user.person_id) if getattr(user, "person_id", None) else Q(pk__in=[])
    agreement = JobAgreement.objects.filter(_job_leader_q(user, "job_leader__") | own).select_related(
        "job_leader__parent", "producer__person", "producer__place", "product").filter(pk=pk).first()
    if agreement is None:
        raise Http404
    return agreement


def agreements_for_producer(*, user: Any, producer: Producer) -> list[Any]:
    """The job agreements shown on a producer's page: all of them to the producer and to officers, only
    their own to a job leader."""
    from .models import JobAgreement

    own = Q(producer__person_id=user.person_id) if getattr(user, "person_id", None) else Q(pk__in=[])
    return list(JobAgreement.objects.filter(producer=producer).filter(
        _job_leader_q(user, "job_leader__") | own | scope_q(user, Perm.PRODUCERS_VIEW,
                                                            path_field="producer__unit__path"))
        .select_related("job_leader", "product").annotate(balance=Coalesce(Sum("entries__amount"), 0))
        .order_by("job_leader__name"))


def account_lines(*, agreement: Any) -> list[Any]:
    """The account's lines in order with the running balance after each."""
    from .models import JobEntry

    lines = list(JobEntry.objects.filter(agreement=agreement).select_related("reverses", "recorded_by")
                 .order_by("occurred_on", "pk"))
    running = 0
    for line in lines:
        running += line.amount
        line.running = running
    reversed_ids = {line.reverses_id for line in lines if line.reverses_id}
    for line in lines:
        line.is_reversed = line.pk in reversed_ids
    return lines


def season_totals(*, job_leader: Any) -> dict[str, Any]:
    """A job leader's season at a glance: producers, output bought back, paid and still owed each way."""
    from .models import JobEntry

    rows = list(agreements_of(job_leader=job_leader))
    bought = JobEntry.objects.filter(agreement__job_leader=job_leader, kind="receipt",
                                     reversed_by__isnull=True).aggregate(s=Sum("amount"))["s"] or 0
    return {
        "producers": len({r.producer_id for r in rows}),
        "bought": bought,
        "owed_to_producers": sum(r.balance for r in rows if r.balance > 0),
        "owed_by_producers": -sum(r.balance for r in rows if r.balance < 0),
    }


# --- Formation offers and decisions, colony members, cluster guides (views/clusters.py) ----------------------

# Colony sizes the suggestions aim at: small enough to meet, large enough to buy and sell together.
MIN_COLONY, MAX_COLONY = 5, 40


def colony_offers(*, county: OrgUnit) -> tuple[list[dict[str, Any]], int]:
    """The colony suggestions for a county as the officer sees them, in producers' own ids, leaving out the
    groups an officer rejected; and how many producer lines could not be grouped.

    Each offer's `key` (product code, place id, sorted producer ids) is its identity with the county: what a
    rejection records, and what an accept or a reject must still match (services check it)."""
    from .formation import suggest
    from .models import SuggestionDecision

    rows, producer_of = formation_rows(county=county)
    rejected = {(code, place, tuple(sorted(int(i) for i in ids))) for code, place, ids in
                SuggestionDecision.objects.filter(county=county, outcome=SuggestionDecision.Outcome.REJECTED,
                                                  withdrawn_at__isnull=True)
                .values_list("product__code", "place_id", "producer_ids")}
    result = suggest(rows, min_colony=MIN_COLONY, max_colony=MAX_COLONY)
    offers = []
    for s in result.colonies:
        ids = tuple(sorted(producer_of[row_id] for row_id in s.producer_ids))
        key = (s.product_line, s.place, ids)
        if key not in rejected:
            offers.append({"key": key, "product_line": s.product_line, "place": s.place, "producer_ids": ids,
                           "reasons": s.reasons})
    return offers, len(result.unplaced)


def producers_by_id(*, ids: Any) -> dict[int, Producer]:
    """Producers with their person and place, for naming them beside checkboxes (ids the caller computed for a
    county it has checked the user's scope on)."""
    return {p.pk: p for p in Producer.objects.filter(pk__in=ids).select_related("person", "place")}


def suggestion_rejections(*, user: Any, county: OrgUnit, limit: int = 20) -> list[Any]:
    """The county's most recent rejected suggestions, for the officer to read (and offer again)."""
    from .models import SuggestionDecision

    return list(SuggestionDecision.objects.filter(
        scope_q(user, Perm.PRODUCERS_MANAGE, path_field="county__path"), county=county,
        outcome=SuggestionDecision.Outcome.REJECTED, withdrawn_at__isnull=True).select_related(
        "product", "place", "decided_by__person").order_by("-decided_at", "-pk")[:limit])


def rejection_get(*, user: Any, pk: int) -> Any:
    from .models import SuggestionDecision

    decision = SuggestionDecision.objects.filter(
        scope_q(user, Perm.PRODUCERS_MANAGE, path_field="county__path"), pk=pk,
        outcome=SuggestionDecision.Outcome.REJECTED, withdrawn_at__isnull=True).select_related("county").first()
    if decision is None:
        raise Http404
    return decision


def colony_candidates(*, user: Any, colony: Any, limit: int = 200) -> list[Producer]:
    """Approved producers of the colony's county who make its line and are in no colony of it yet."""
    return list(Producer.objects.filter(
        scope_q(user, Perm.PRODUCERS_MANAGE, path_field="unit__path"), unit_id=colony.parent_id,
        status=Producer.Status.APPROVED, products__product_id=colony.product_id,
    ).exclude(colony_memberships__product_id=colony.product_id).select_related("person", "place").order_by(
        "person__last_name", "person__first_name", "pk")[:limit])


def producer_for_colony(*, user: Any, colony: Any, national_id: str) -> Producer | None:
    """The producer with this national ID in the colony's county, preferring a registration that can join
    (approved, making the colony's line); None if the person has no registration there."""
    found = list(Producer.objects.filter(
        scope_q(user, Perm.PRODUCERS_MANAGE, path_field="unit__path"), unit_id=colony.parent_id,
        person__national_id=national_id).select_related("person").prefetch_related("products").order_by("pk"))
    found.sort(key=lambda p: (p.status != Producer.Status.APPROVED,
                              colony.product_id not in {line.product_id for line in p.products.all()}))
    return found[0] if found else None


def cluster_guides(*, cluster: Any) -> list[Any]:
    """Active cluster-guide role assignments on the cluster, with the person behind each login."""
    from mardom.people.models import RoleAssignment
    from mardom.people.roles import Role

    return list(RoleAssignment.objects.filter(unit=cluster, role=Role.CLUSTER_GUIDE, revoked_at__isnull=True,
                                                confirmed_at__isnull=False)
                .select_related("user__person").order_by("granted_at", "pk"))


def job_leaders_of_cluster(*, cluster: Any) -> list[Any]:
    """Job leaders attached to a cluster (a province cluster: also those of its county clusters), with how
    many producers each works with. Whoever sees the cluster may see them: a guide's scope reaches them
    through the attachment."""
    from .models import Cluster, JobLeader

    ids = [cluster.pk]
    if cluster.level == Cluster.Level.PROVINCE:
        ids += list(cluster.county_clusters.values_list("pk", flat=True))
    return list(JobLeader.objects.filter(attached_to_id__in=ids).select_related("parent").annotate(
        producer_count=Count("agreements__producer", distinct=True)).order_by("name"))


def my_job_leaders(*, user: Any) -> list[Any]:
    """The job leaders whose own books this user keeps (granted a role on the job leader itself), for their home
    page."""
    from .models import JobLeader

    ids = [g.unit_id for g in grants_of(user) if Perm.JOBS_RECORD in ROLE_PERMISSIONS.get(g.role, ())]
    if not ids:
        return []
    return list(JobLeader.objects.filter(pk__in=ids).order_by("name")[:10])


def manages_a_county(*, user: Any) -> bool:
    """Whether the user manages the producers of at least one whole county (a base officer manages those of
    her base only). From the cached grants: no query."""
    from mardom.people.scopes import is_global

    county_or_above = {OrgUnit.Kind.NATION, OrgUnit.Kind.PROVINCE, OrgUnit.Kind.COUNTY}
    return is_global(user) or any(
        g.unit_kind in county_or_above and Perm.PRODUCERS_MANAGE in ROLE_PERMISSIONS.get(g.role, ())
        for g in grants_of(user))


def openable_links(*, user: Any, urls: Any) -> set[str]:
    """Which of these internal addresses (a value chain's actors and remedies, drawn for the whole province)
    this user can open: the others are shown as plain text, never as a link answering 403 or 404. One query,
    whatever the number and kinds of links."""
    from urllib.parse import parse_qs, urlsplit

    from django.urls import Resolver404, resolve

    from mardom.funds import selectors as fund_selectors
    from mardom.orgs import selectors as org_selectors
    from mardom.people.scopes import holds_anywhere

    wanted: dict[str, dict[str, int]] = {}
    kept: set[str] = set()
    for url in set(urls):
        parts = urlsplit(url)
        try:
            match = resolve(parts.path)
        except Resolver404:
            continue
        name, kwargs = match.view_name, match.kwargs
        if name == "production:colony":
            wanted.setdefault("colony", {})[url] = kwargs["pk"]
        elif name == "production:job-leader":
            wanted.setdefault("leader", {})[url] = kwargs["pk"]
        elif name == "orgs:detail" and kwargs.get("kind") in ("institutions", "groups"):
            wanted.setdefault(kwargs["kind"], {})[url] = kwargs["pk"]
        elif name == "funds:detail":
            wanted.setdefault("fund", {})[url] = kwargs["pk"]
        elif name == "production:suggestions":
            county = (parse_qs(parts.query).get("county") or [""])[0]
            if county.isdigit():
                wanted.setdefault("county", {})[url] = int(county)
            elif manages_a_county(user=user):
                kept.add(url)
        elif name == "production:job-leader-create":
            if holds_anywhere(user, Perm.PRODUCERS_MANAGE):
                kept.add(url)
        elif name == "brands:create":  # the remedy for a missing branding stage
            if holds_anywhere(user, Perm.BRANDS_MANAGE):
                kept.add(url)
        elif name == "training:create":  # the remedy for a missing training stage
            if holds_anywhere(user, Perm.TRAINING_MANAGE):
                kept.add(url)
        else:
            kept.add(url)
    if not wanted:
        return kept
    readers = {
        "colony": lambda: colonies_of(user=user),
        "leader": lambda: job_leaders_of(user=user),
        "institutions": lambda: org_selectors.institution_list(user=user),
        "groups": lambda: org_selectors.group_list(user=user),
        "fund": lambda: fund_selectors.fund_list(user=user),
        "county": lambda: scope_filter(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY), user,
                                       Perm.PRODUCERS_MANAGE),
    }
    # Every kind in one statement (they are all org units, so their ids do not collide).
    q = Q(pk__in=[])
    for kind, by_url in wanted.items():
        ids = set(by_url.values())
        q |= Q(pk__in=ids) & Q(pk__in=readers[kind]().filter(pk__in=ids).order_by().values("pk"))
    readable = set(OrgUnit.objects.filter(q).values_list("pk", flat=True))
    for by_url in wanted.values():
        kept |= {url for url, pk in by_url.items() if pk in readable}
    return kept


# --- the person's file (desk) --------------------------------------------------------------------------------

def _openable(q: Q) -> Case:
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def person_producers(*, user: Any, person: Any, limit: int) -> tuple[list[Producer], int]:
    """The person's producer registrations the user may read (as on the producers list), newest first, with
    their products; and how many there are."""
    qs = producer_list(user=user).filter(person=person)
    return list(qs[:limit]), qs.count()


def person_colonies(*, user: Any, person: Any, limit: int) -> tuple[list[Any], int]:
    """The colonies the person's producer registrations belong to, for a user who may read those
    registrations, each with `colony_open` and `cluster_open`: whether the user may open the colony's and its
    cluster's pages (a member does not; officers and the cluster's guide do). And how many there are."""
    from .models import ColonyMember

    readable = producer_list(user=user).filter(person=person).order_by().values("pk")
    qs = ColonyMember.objects.filter(producer__person=person, producer__in=readable)
    rows = list(qs.select_related("colony__in_cluster", "colony__place", "product").annotate(
        colony_open=_openable(scope_q(user, Perm.PRODUCERS_VIEW, path_field="colony__path")
                              | scope_q(user, Perm.PRODUCERS_VIEW, path_field="colony__in_cluster__path")),
        cluster_open=_openable(scope_q(user, Perm.PRODUCERS_VIEW, path_field="colony__in_cluster__path")),
    ).order_by("colony__name", "pk")[:limit])
    return rows, qs.count()


def person_coordinates(*, user: Any, person: Any, limit: int) -> list[Any]:
    """Colonies the person coordinates, for whoever may read them (and for herself)."""
    from .models import Colony

    own = Q(pk__isnull=False) if getattr(user, "person_id", None) == person.pk else Q(pk__in=[])
    return list(Colony.objects.filter(coordinator=person).filter(
        scope_q(user, Perm.PRODUCERS_VIEW) | scope_q(user, Perm.PRODUCERS_VIEW, path_field="in_cluster__path") | own)
        .annotate(colony_open=_openable(scope_q(user, Perm.PRODUCERS_VIEW)
                                        | scope_q(user, Perm.PRODUCERS_VIEW, path_field="in_cluster__path")))
        .select_related("product").order_by("name", "pk")[:limit])


def person_agreements(*, user: Any, person: Any, limit: int) -> tuple[list[Any], int]:
    """The person's agreements with job leaders as a producer's page shows them (all of them to her and to
    officers over her registration, only their own to a job leader), each with its balance (what the job
    leader owes her) and `agreement_open`, whether the user may open its account. And how many there are."""
    from .models import JobAgreement

    own = Q(producer__person_id=user.person_id) if getattr(user, "person_id", None) else Q(pk__in=[])
    may_open = _job_leader_q(user, "job_leader__") | own
    qs = JobAgreement.objects.filter(producer__person=person).filter(
        may_open | scope_q(user, Perm.PRODUCERS_VIEW, path_field="producer__unit__path"))
    rows = list(qs.select_related("job_leader", "product").annotate(
        balance=Coalesce(Sum("entries__amount"), 0), agreement_open=_openable(may_open),
    ).order_by("-is_active", "job_leader__name", "pk")[:limit])
    return rows, qs.count()
