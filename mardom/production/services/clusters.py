"""Writes for colonies, clusters and the officer's answers to formation suggestions.

Locking: every change to a colony's members locks the colony row, and every change that puts producers into a
colony (or decides a suggestion about them) locks their producer rows, so two officers working on the same
colony or the same suggestion at once are serialised and the second one sees the first one's result.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.text import normalize_text, search_key
from mardom.dashboards.sources import production as production_figures
from mardom.geo.models import Place
from mardom.orgs.models import OrgUnit
from mardom.orgs.services import unit_set_path
from mardom.people.models import Person
from mardom.people.roles import Perm, Role
from mardom.people.scopes import grants_of, has_perm_on, require

from .. import selectors
from ..models import Cluster, Colony, ColonyMember, Producer, Product, SuggestionDecision


def guides_cluster(user: Any, cluster: Cluster | None) -> bool:
    """Whether the user is a cluster guide of this cluster (a guide may appoint its colonies' coordinators)."""
    if cluster is None or not cluster.path:
        return False
    return any(g.role == Role.CLUSTER_GUIDE and cluster.path.startswith(g.path) for g in grants_of(user))


def colony_default_name(*, product: Product, place: Place) -> str:
    """The name a colony gets when the officer gives none, in the site's language (it is stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Colony of %(product)s, %(place)s") % {"product": product.name, "place": place.name}


def _check_joinable(producer: Producer, *, county: OrgUnit, product: Product) -> None:
    """The rules for a producer to join a colony of `product` in `county` (the producer row is locked and its
    products prefetched by the caller)."""
    if producer.unit_id != county.pk:
        raise DomainError(_("%(name)s works in another county.") % {"name": producer}, field="producers")
    if producer.status != Producer.Status.APPROVED:
        raise DomainError(_("%(name)s is not approved yet.") % {"name": producer}, field="producers")
    if product.pk not in {line.product_id for line in producer.products.all()}:
        raise DomainError(_("%(name)s does not make %(product)s.") % {"name": producer, "product": product},
                          field="producers")


def _check_colony_name(*, county: OrgUnit, name: str, exclude_pk: int | None = None) -> None:
    if not name:
        raise DomainError(_("Give the colony a name."), field="name")
    clash = Colony.objects.filter(parent=county, search_key=search_key(name))
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise DomainError(_("Another colony of this county already has this name."), field="name")


@transaction.atomic
def colony_create(*, by: Any, county: OrgUnit, product: Product, place: Place, producers: Sequence[Producer],
                  name: str = "", coordinator: Person | None = None,
                  now: datetime.datetime | None = None) -> Colony:
    """Form a colony (accepting a suggestion, or by hand): approved producers of one product line, all in
    one county, none already in a colony of that line."""
    require(by, Perm.PRODUCERS_MANAGE, county)
    if county.kind != OrgUnit.Kind.COUNTY:
        raise DomainError(_("Choose a county."), field="county")
    if len(producers) < 2:
        raise DomainError(_("A colony needs at least two producers."), field="producers")
    ids = [p.pk for p in producers]
    rows = list(Producer.objects.select_for_update(of=("self",)).filter(pk__in=ids).prefetch_related("products"))
    if len(rows) != len(set(ids)):
        raise DomainError(_("Some of these producers do not exist."), field="producers")
    for producer in rows:
        _check_joinable(producer, county=county, product=product)
    taken = ColonyMember.objects.filter(producer_id__in=ids, product=product).select_related("producer").first()
    if taken is not None:
        raise DomainError(_("%(name)s is already in a colony of %(product)s.")
                          % {"name": taken.producer, "product": product}, field="producers")
    if coordinator is not None and coordinator.pk not in {p.person_id for p in rows}:
        raise DomainError(_("The coordinator must be one of the colony's producers."), field="coordinator")
    label = normalize_text(name)
    if label:
        _check_colony_name(county=county, name=label)
    else:
        label = colony_default_name(product=product, place=place)
    colony = Colony.objects.create(kind=OrgUnit.Kind.COLONY, name=label, search_key=search_key(label),
                                   parent=county, place=place, product=product, coordinator=coordinator,
                                   created_by=by, created_at=now or timezone.now())
    unit_set_path(colony)
    ColonyMember.objects.bulk_create([ColonyMember(colony=colony, producer=p, product=product,
                                                   joined_at=colony.created_at) for p in rows])
    audit_record(by=by, action="colony.create", obj=colony, scope_path=colony.path or "",
                 after={"product": product.code, "place": place.pk, "producers": sorted(ids),
                        "coordinator": coordinator.pk if coordinator else None}, now=colony.created_at)
    production_figures.unit_formed(unit=colony)
    return colony


# --- Answers to formation suggestions ------------------------------------------------------------------------

def _stale() -> DomainError:
    return DomainError(_("This suggestion is out of date; here are the current ones."))


def _lock_offer(*, county: OrgUnit, product: Product, place: Place, offered_ids: Sequence[int]) -> tuple[int, ...]:
    """Lock the offered producers and make sure the offer is still one the page would show now (not accepted,
    rejected or regrouped since, and not made up: a tampered form names producers that no suggestion has)."""
    key = tuple(sorted(set(offered_ids)))
    if not key or len(key) != len(offered_ids):
        raise _stale()
    # Locked before the suggestions are computed, so what we compare against cannot change under us.
    list(Producer.objects.select_for_update(of=("self",)).filter(pk__in=key, unit=county).values_list("pk"))
    offers, _unplaced = selectors.colony_offers(county=county)
    if (product.code, place.pk, key) not in {offer["key"] for offer in offers}:
        raise _stale()
    return key


@transaction.atomic
def suggestion_accept(*, by: Any, county: OrgUnit, product: Product, place: Place, offered_ids: Sequence[int],
                      chosen_ids: Sequence[int] | None = None, name: str = "",
                      coordinator_producer_id: int | None = None,
                      now: datetime.datetime | None = None) -> Colony:
    """Accept a colony suggestion as offered, or edited: some producers left out (two at least stay), another
    name, a coordinator among the chosen producers. An edited acceptance is recorded as a decision, so how the
    suggestions are answered can be read later."""
    require(by, Perm.PRODUCERS_MANAGE, county)
    offered = _lock_offer(county=county, product=product, place=place, offered_ids=offered_ids)
    chosen = tuple(sorted(set(offered if chosen_ids is None else chosen_ids)))
    if not set(chosen) <= set(offered):
        raise DomainError(_("Choose among the suggested producers."), field="producers")
    if len(chosen) < 2:
        raise DomainError(_("A colony needs at least two producers."), field="producers")
    producers = list(Producer.objects.filter(pk__in=chosen))
    coordinator = None
    if coordinator_producer_id is not None:
        coordinator_of = {p.pk: p.person_id for p in producers}
        if coordinator_producer_id not in coordinator_of:
            raise DomainError(_("The coordinator must be one of the chosen producers."), field="coordinator")
        coordinator = Person.objects.get(pk=coordinator_of[coordinator_producer_id])
    # The offered name shown in the form is the default: typing nothing or leaving it is not an edit.
    label = normalize_text(name)
    renamed = bool(label) and label != colony_default_name(product=product, place=place)
    colony = colony_create(by=by, county=county, product=product, place=place, producers=producers,
                           name=label if renamed else "", coordinator=coordinator)
    if renamed or chosen != offered:
        decision = SuggestionDecision.objects.create(
            county=county, product=product, place=place, producer_ids=list(offered),
            outcome=SuggestionDecision.Outcome.EDITED, colony=colony, decided_by=by, decided_at=now or timezone.now())
        audit_record(by=by, action="suggestion.edit", obj=decision, scope_path=county.path or "",
                     after={"offered": list(offered), "chosen": list(chosen), "colony": colony.pk,
                            "name": colony.name})
    return colony


@transaction.atomic
def suggestion_reject(*, by: Any, county: OrgUnit, product: Product, place: Place, offered_ids: Sequence[int],
                      note: str, now: datetime.datetime | None = None) -> SuggestionDecision:
    """Reject a colony suggestion with a reason; the same group (county, product, place, producers) is then
    not suggested again until an officer offers it again."""
    require(by, Perm.PRODUCERS_MANAGE, county)
    note = normalize_text(note)
    if not note:
        raise DomainError(_("Say why this suggestion is rejected."), field="note")
    offered = _lock_offer(county=county, product=product, place=place, offered_ids=offered_ids)
    decision = SuggestionDecision.objects.create(
        county=county, product=product, place=place, producer_ids=list(offered),
        outcome=SuggestionDecision.Outcome.REJECTED, note=note, decided_by=by, decided_at=now or timezone.now())
    audit_record(by=by, action="suggestion.reject", obj=decision, scope_path=county.path or "",
                 after={"product": product.code, "place": place.pk, "producers": list(offered), "note": note})
    return decision


@transaction.atomic
def suggestion_reoffer(*, by: Any, decision: SuggestionDecision, now: datetime.datetime | None = None) -> None:
    """Take a rejection back, so the group is suggested again. The rejection stays on record, marked as
    withdrawn by whom and when."""
    decision = SuggestionDecision.objects.select_for_update(of=("self",)).select_related("county", "product").filter(
        pk=decision.pk, outcome=SuggestionDecision.Outcome.REJECTED, withdrawn_at__isnull=True).first()
    if decision is None:  # another officer took it back a moment ago
        raise DomainError(_("This rejection was already taken back."))
    require(by, Perm.PRODUCERS_MANAGE, decision.county)
    audit_record(by=by, action="suggestion.reoffer", obj=decision, scope_path=decision.county.path or "",
                 before={"product": decision.product.code, "place": decision.place_id,
                         "producers": decision.producer_ids, "note": decision.note,
                         "decided_by": decision.decided_by_id, "decided_at": decision.decided_at.isoformat()})
    decision.withdrawn_by, decision.withdrawn_at = by, now or timezone.now()
    decision.save(update_fields=["withdrawn_by", "withdrawn_at"])


# --- Colonies ----------------------------------------------------------------------------------------------

def _lock_colony(colony: Colony) -> Colony:
    return Colony.objects.select_for_update(of=("self",)).select_related("parent", "in_cluster", "product").get(
        pk=colony.pk)


@transaction.atomic
def colony_rename(*, by: Any, colony: Colony, name: str) -> Colony:
    colony = _lock_colony(colony)
    assert colony.parent is not None
    require(by, Perm.PRODUCERS_MANAGE, colony.parent)
    name = normalize_text(name)
    if name == colony.name:
        return colony
    _check_colony_name(county=colony.parent, name=name, exclude_pk=colony.pk)
    before = colony.name
    colony.name, colony.search_key = name, search_key(name)
    colony.save(update_fields=["name", "search_key"])
    audit_record(by=by, action="colony.rename", obj=colony, scope_path=colony.path or "",
                 before={"name": before}, after={"name": name})
    return colony


@transaction.atomic
def colony_set_coordinator(*, by: Any, colony: Colony, coordinator: Person | None) -> Colony:
    """Appoint (or clear) the colony's coordinator, one of its members. The county's officers do this, and so
    does the guide of the colony's cluster, who works with the colony day to day."""
    colony = _lock_colony(colony)
    if not (has_perm_on(by, Perm.PRODUCERS_MANAGE, colony.parent) or guides_cluster(by, colony.in_cluster)):
        raise PermissionDenied
    if coordinator is not None and not colony.members.filter(producer__person=coordinator).exists():
        raise DomainError(_("The coordinator must be one of the colony's producers."), field="coordinator")
    new = coordinator.pk if coordinator else None
    if new == colony.coordinator_id:
        return colony
    before = colony.coordinator_id
    colony.coordinator = coordinator
    colony.save(update_fields=["coordinator"])
    audit_record(by=by, action="colony.coordinator", obj=colony, scope_path=colony.path or "",
                 before={"coordinator": before}, after={"coordinator": new})
    return colony


@transaction.atomic
def colony_add_member(*, by: Any, colony: Colony, producer: Producer) -> ColonyMember:
    """Add an approved producer of the colony's county who makes its product line and is in no other colony
    of that line."""
    colony = _lock_colony(colony)
    assert colony.parent is not None
    require(by, Perm.PRODUCERS_MANAGE, colony.parent)
    row = Producer.objects.select_for_update(of=("self",)).prefetch_related("products").filter(
        pk=producer.pk).first()
    if row is None:
        raise DomainError(_("Some of these producers do not exist."), field="producer")
    try:
        _check_joinable(row, county=colony.parent, product=colony.product)
    except DomainError as error:
        raise DomainError(error.message, field="producer") from None
    taken = ColonyMember.objects.filter(producer=row, product=colony.product).select_related("colony").first()
    if taken is not None:
        message = (_("%(name)s is already in this colony.") if taken.colony_id == colony.pk
                   else _("%(name)s is already in a colony of %(product)s: “%(colony)s”."))
        raise DomainError(message % {"name": row, "product": colony.product, "colony": taken.colony.name},
                          field="producer")
    member = ColonyMember.objects.create(colony=colony, producer=row, product=colony.product)
    audit_record(by=by, action="colony.member_add", obj=colony, scope_path=colony.path or "",
                 after={"producer": row.pk})
    return member


@transaction.atomic
def colony_remove_member(*, by: Any, colony: Colony, producer: Producer) -> None:
    """Take a producer out of a colony. A colony keeps two producers at least, and its coordinator."""
    colony = _lock_colony(colony)
    assert colony.parent is not None
    require(by, Perm.PRODUCERS_MANAGE, colony.parent)
    members = list(colony.members.select_related("producer__person"))
    member = next((m for m in members if m.producer_id == producer.pk), None)
    if member is None:
        raise DomainError(_("%(name)s is no longer in this colony.") % {"name": producer})
    if len(members) <= 2:
        raise DomainError(_("A colony keeps at least two producers: add another producer before taking one "
                            "out."))
    stays = {m.producer.person_id for m in members if m is not member}
    if colony.coordinator_id and colony.coordinator_id not in stays:
        raise DomainError(_("%(name)s coordinates this colony: choose another coordinator first.")
                          % {"name": member.producer.person.full_name})
    audit_record(by=by, action="colony.member_remove", obj=colony, scope_path=colony.path or "",
                 before={"producer": member.producer_id, "joined_at": member.joined_at.isoformat()})
    member.delete()


# --- Clusters ----------------------------------------------------------------------------------------------

def _cluster_name(name: str, product: Product, region: OrgUnit) -> str:
    with translation.override(settings.LANGUAGE_CODE):  # a stored name, in the site's language
        return normalize_text(name) or _("Cluster of %(product)s, %(region)s") % {"product": product.name,
                                                                                 "region": region.name}


@transaction.atomic
def county_cluster_create(*, by: Any, county: OrgUnit, focus_product: Product, colonies: Sequence[Colony],
                          name: str = "", goals: str = "", now: datetime.datetime | None = None) -> Cluster:
    """Group colonies of one value chain in one county into a cluster (or add them to the county's existing
    cluster of that chain: then one colony is enough)."""
    require(by, Perm.PRODUCERS_MANAGE, county)
    if county.kind != OrgUnit.Kind.COUNTY:
        raise DomainError(_("Choose a county."), field="county")
    # One cluster per chain and county: the county row serialises two officers forming the same cluster.
    OrgUnit.objects.select_for_update().filter(pk=county.pk).first()
    cluster = Cluster.objects.filter(parent=county, level=Cluster.Level.COUNTY,
                                     value_chain=focus_product.value_chain).first()
    rows = list(Colony.objects.select_for_update(of=("self",)).filter(pk__in=[c.pk for c in colonies])
                .select_related("product"))
    if len(rows) < (1 if cluster else 2):
        raise DomainError(_("A cluster needs at least two colonies."), field="colonies")
    for colony in rows:
        if colony.parent_id != county.pk:
            raise DomainError(_("“%(name)s” is in another county.") % {"name": colony.name}, field="colonies")
        if colony.product.value_chain != focus_product.value_chain:
            raise DomainError(_("“%(name)s” belongs to another value chain.") % {"name": colony.name},
                              field="colonies")
        if colony.in_cluster_id:
            raise DomainError(_("“%(name)s” is already in a cluster.") % {"name": colony.name}, field="colonies")
    if cluster is None:
        label = _cluster_name(name, focus_product, county)
        cluster = Cluster.objects.create(
            kind=OrgUnit.Kind.CLUSTER, name=label, search_key=search_key(label), parent=county, place=county.place,
            level=Cluster.Level.COUNTY, value_chain=focus_product.value_chain, focus_product=focus_product,
            goals=normalize_text(goals), created_by=by, created_at=now or timezone.now())
        unit_set_path(cluster)
        production_figures.unit_formed(unit=cluster)
    Colony.objects.filter(pk__in=[c.pk for c in rows]).update(in_cluster=cluster)
    audit_record(by=by, action="cluster.colonies", obj=cluster, scope_path=cluster.path or "",
                 after={"colonies": sorted(c.pk for c in rows), "value_chain": cluster.value_chain}, now=now)
    return cluster


@transaction.atomic
def province_cluster_create(*, by: Any, province: OrgUnit, focus_product: Product,
                            county_clusters: Sequence[Cluster], name: str = "", goals: str = "",
                            now: datetime.datetime | None = None) -> Cluster:
    """Group county clusters of one value chain in one province into a province cluster (or add them to the
    province's existing cluster of that chain: then one county cluster is enough)."""
    require(by, Perm.PRODUCERS_MANAGE, province)
    if province.kind != OrgUnit.Kind.PROVINCE:
        raise DomainError(_("Choose a province."), field="province")
    OrgUnit.objects.select_for_update().filter(pk=province.pk).first()  # one province cluster per chain
    top = Cluster.objects.filter(parent=province, level=Cluster.Level.PROVINCE,
                                 value_chain=focus_product.value_chain).first()
    rows = list(Cluster.objects.select_for_update(of=("self",)).filter(
        pk__in=[c.pk for c in county_clusters], level=Cluster.Level.COUNTY).select_related("parent"))
    if len(rows) < (1 if top else 2):
        raise DomainError(_("A province cluster needs county clusters from at least two counties."),
                          field="county_clusters")
    for cluster in rows:
        if cluster.parent is None or cluster.parent.parent_id != province.pk:
            raise DomainError(_("“%(name)s” is in another province.") % {"name": cluster.name},
                              field="county_clusters")
        if cluster.value_chain != focus_product.value_chain or cluster.province_cluster_id:
            raise DomainError(_("“%(name)s” cannot join this province cluster.") % {"name": cluster.name},
                              field="county_clusters")
    if top is None:
        label = _cluster_name(name, focus_product, province)
        top = Cluster.objects.create(
            kind=OrgUnit.Kind.CLUSTER, name=label, search_key=search_key(label), parent=province,
            place=province.place, level=Cluster.Level.PROVINCE, value_chain=focus_product.value_chain,
            focus_product=focus_product, goals=normalize_text(goals), created_by=by,
            created_at=now or timezone.now())
        unit_set_path(top)
        production_figures.unit_formed(unit=top)
    Cluster.objects.filter(pk__in=[c.pk for c in rows]).update(province_cluster=top)
    audit_record(by=by, action="cluster.province", obj=top, scope_path=top.path or "",
                 after={"county_clusters": sorted(c.pk for c in rows)}, now=now)
    return top


def _lock_cluster(cluster: Cluster) -> Cluster:
    return Cluster.objects.select_for_update(of=("self",)).select_related("focus_product").get(pk=cluster.pk)


@transaction.atomic
def cluster_update(*, by: Any, cluster: Cluster, name: str, goals: str, focus_product: Product) -> Cluster:
    """Rename a cluster, set its goals and its focus product (a product of the cluster's value chain)."""
    cluster = _lock_cluster(cluster)
    require(by, Perm.PRODUCERS_MANAGE, cluster)
    name, goals = normalize_text(name), normalize_text(goals)
    if not name:
        raise DomainError(_("Give the cluster a name."), field="name")
    if focus_product.value_chain != cluster.value_chain:
        raise DomainError(_("Choose a product of this cluster's value chain."), field="focus_product")
    fields = ("name", "goals", "focus_product")
    before = {"name": cluster.name, "goals": cluster.goals, "focus_product": cluster.focus_product.code}
    after = {"name": name, "goals": goals, "focus_product": focus_product.code}
    if before == after:
        return cluster
    cluster.name, cluster.search_key, cluster.goals, cluster.focus_product = name, search_key(name), goals, \
        focus_product
    cluster.save(update_fields=[*fields, "search_key"])
    audit_record(by=by, action="cluster.update", obj=cluster, scope_path=cluster.path or "",
                 before=before, after=after)
    return cluster


@transaction.atomic
def cluster_remove_colony(*, by: Any, cluster: Cluster, colony: Colony) -> None:
    """Take a colony out of its county cluster. The cluster stays (its guides and job leaders hang on it) and
    the colony can join it again from the suggestions page."""
    cluster = _lock_cluster(cluster)
    require(by, Perm.PRODUCERS_MANAGE, cluster)
    if cluster.level != Cluster.Level.COUNTY:
        raise DomainError(_("Colonies belong to county clusters."))
    row = Colony.objects.select_for_update(of=("self",)).filter(pk=colony.pk).first()
    if row is None or row.in_cluster_id != cluster.pk:
        raise DomainError(_("“%(name)s” is no longer in this cluster.") % {"name": colony.name})
    row.in_cluster = None
    row.save(update_fields=["in_cluster"])
    audit_record(by=by, action="cluster.colony_remove", obj=cluster, scope_path=cluster.path or "",
                 before={"colony": row.pk})


@transaction.atomic
def province_cluster_remove(*, by: Any, cluster: Cluster, county_cluster: Cluster) -> None:
    """Take a county cluster out of its province cluster."""
    cluster = _lock_cluster(cluster)
    require(by, Perm.PRODUCERS_MANAGE, cluster)
    if cluster.level != Cluster.Level.PROVINCE:
        raise DomainError(_("County clusters belong to province clusters."))
    row = Cluster.objects.select_for_update(of=("self",)).filter(pk=county_cluster.pk).first()
    if row is None or row.province_cluster_id != cluster.pk:
        raise DomainError(_("“%(name)s” is no longer in this cluster.") % {"name": county_cluster.name})
    row.province_cluster = None
    row.save(update_fields=["province_cluster"])
    audit_record(by=by, action="cluster.county_cluster_remove", obj=cluster, scope_path=cluster.path or "",
                 before={"county_cluster": row.pk})
