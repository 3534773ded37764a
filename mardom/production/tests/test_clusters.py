"""Colonies, clusters and the answers to formation suggestions: services with good and bad input, the pages
through the test client, and every new view tried from another scope."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from mardom.conftest import committing, shared_database
from mardom.core.errors import DomainError
from mardom.core.models import AuditEntry
from mardom.production import selectors, services
from mardom.production.models import Cluster, Colony, ColonyMember, Product, SuggestionDecision

STARTED = datetime.date(2020, 3, 20)


@pytest.fixture
def saffron(db):
    return Product.objects.get(code="saffron")


@pytest.fixture
def barberry(db):
    return Product.objects.get(code="barberry")


def register(by, person, place, *products):
    return services.producer_register(by=by, person=person, place=place, activities="کاشت", started_on=STARTED,
                                      baseline_sales=10_000_000, products=[(p, 100) for p in products])


def producers(n, by, county, place, product, make_person):
    return [register(by, make_person(county), place, product) for _ in range(n)]


def colony_of(by, county, place, product, make_person, n=3):
    return services.colony_create(by=by, county=county, product=product, place=place,
                                  producers=producers(n, by, county, place, product, make_person))


def state() -> tuple[Any, ...]:
    """Everything these services may change: row counts and the editable fields."""
    return (
        Colony.objects.count(), ColonyMember.objects.count(), SuggestionDecision.objects.count(),
        AuditEntry.objects.count(),
        sorted(Colony.objects.values_list("pk", "name", "coordinator_id", "in_cluster_id")),
        sorted(Cluster.objects.values_list("pk", "name", "goals", "focus_product_id", "province_cluster_id")),
        sorted(ColonyMember.objects.values_list("colony_id", "producer_id")),
    )


@pytest.fixture
def offer(make_person, qaenat, qaenat_village, saffron, county_officer):
    """Six approved saffron producers in one village: one colony suggestion."""
    made = producers(6, county_officer, qaenat, qaenat_village, saffron, make_person)
    offers, _unplaced = selectors.colony_offers(county=qaenat)
    assert len(offers) == 1
    return SimpleNamespace(ids=sorted(p.pk for p in made), producers=made, place=qaenat_village, product=saffron,
                           county=qaenat, by=county_officer)


def accept(o, **kw):
    return services.suggestion_accept(by=kw.pop("by", o.by), county=kw.pop("county", o.county),
                                      product=kw.pop("product", o.product), place=kw.pop("place", o.place),
                                      offered_ids=kw.pop("offered_ids", o.ids), **kw)


def reject(o, note="تولیدکنندگان از هم دورند", **kw):
    return services.suggestion_reject(by=kw.pop("by", o.by), county=o.county, product=o.product, place=o.place,
                                      offered_ids=kw.pop("offered_ids", o.ids), note=note, **kw)


# --- Suggestions: services ---------------------------------------------------------------------------------

def test_accepting_as_offered_forms_the_colony_and_records_no_decision(offer):
    colony = accept(offer)
    assert sorted(colony.members.values_list("producer_id", flat=True)) == offer.ids
    assert not SuggestionDecision.objects.exists()
    assert selectors.colony_offers(county=offer.county)[0] == []  # its producers are in a colony now


def test_an_edited_acceptance_is_recorded_against_the_offer(offer):
    chosen = offer.ids[:4]
    coordinator = next(p for p in offer.producers if p.pk == chosen[1])
    colony = accept(offer, chosen_ids=chosen, name="کلنی زعفران  نمونه", coordinator_producer_id=coordinator.pk)
    assert colony.name == "کلنی زعفران نمونه" and colony.coordinator == coordinator.person
    assert sorted(colony.members.values_list("producer_id", flat=True)) == chosen
    decision = SuggestionDecision.objects.get()
    assert (decision.outcome, decision.colony, decision.producer_ids) == ("edited", colony, offer.ids)
    assert AuditEntry.objects.filter(action="suggestion.edit", object_id=str(decision.pk)).exists()


def test_keeping_the_offered_name_is_not_an_edit(offer):
    name = services.colony_default_name(product=offer.product, place=offer.place)
    accept(offer, name=name, coordinator_producer_id=offer.ids[0])
    assert not SuggestionDecision.objects.exists()


@pytest.mark.parametrize(("change", "field"), [
    (lambda o, other: {"chosen_ids": o.ids[:1]}, "producers"),
    (lambda o, other: {"chosen_ids": [*o.ids[:3], other.pk]}, "producers"),
    (lambda o, other: {"chosen_ids": o.ids[:3], "coordinator_producer_id": o.ids[4]}, "coordinator"),
    (lambda o, other: {"coordinator_producer_id": other.pk}, "coordinator"),
    (lambda o, other: {"offered_ids": [*o.ids, other.pk]}, None),  # not what was offered: stale or tampered
    (lambda o, other: {"offered_ids": o.ids[:5]}, None),
    (lambda o, other: {"offered_ids": [*o.ids, o.ids[0]]}, None),
    (lambda o, other: {"offered_ids": []}, None),
    (lambda o, other: {"product": Product.objects.get(code="barberry")}, None),
    (lambda o, other: {"place": other.place}, None),
])
def test_bad_acceptances_change_nothing(offer, make_person, birjand, birjand_village, birjand_officer, change,
                                        field):
    other = register(birjand_officer, make_person(birjand), birjand_village, offer.product)
    before = state()
    with pytest.raises(DomainError) as error:
        accept(offer, **change(offer, other))
    assert error.value.field == field and state() == before


def test_a_colony_name_already_used_in_the_county_is_refused(offer, make_person, qaenat, qaenat_village, barberry):
    taken = colony_of(offer.by, qaenat, qaenat_village, barberry, make_person)
    before = state()
    with pytest.raises(DomainError) as error:
        accept(offer, name=taken.name)
    assert error.value.field == "name" and state() == before


def test_only_the_countys_officers_answer_its_suggestions(offer, birjand_officer, plain_user):
    before = state()
    for user in (birjand_officer, plain_user):
        with pytest.raises(PermissionDenied):
            accept(offer, by=user)
        with pytest.raises(PermissionDenied):
            reject(offer, by=user)
    assert state() == before


def test_a_rejected_suggestion_is_not_offered_again_until_taken_back(offer, birjand_officer):
    with pytest.raises(DomainError) as error:
        reject(offer, note="  ")
    assert error.value.field == "note" and not SuggestionDecision.objects.exists()
    decision = reject(offer)
    assert (decision.outcome, decision.producer_ids, decision.note) == ("rejected", offer.ids,
                                                                          "تولیدکنندگان از هم دورند")
    assert selectors.colony_offers(county=offer.county)[0] == []
    before = state()
    with pytest.raises(DomainError):  # neither rejected twice nor accepted once rejected
        reject(offer)
    with pytest.raises(DomainError):
        accept(offer)
    assert state() == before
    with pytest.raises(PermissionDenied):
        services.suggestion_reoffer(by=birjand_officer, decision=decision)
    services.suggestion_reoffer(by=offer.by, decision=decision)
    withdrawn = SuggestionDecision.objects.get()  # kept on record, no longer hiding the group
    assert withdrawn.withdrawn_by == offer.by and withdrawn.withdrawn_at is not None
    taken_back = AuditEntry.objects.get(action="suggestion.reoffer")
    assert taken_back.before["note"] == decision.note and taken_back.before["producers"] == offer.ids
    assert [o["producer_ids"] for o in selectors.colony_offers(county=offer.county)[0]] == [tuple(offer.ids)]
    with pytest.raises(DomainError):  # a second officer taking it back a moment later
        services.suggestion_reoffer(by=offer.by, decision=decision)


def test_a_rejection_hides_only_that_group(offer, make_person, qaenat):
    reject(offer)
    newcomer = register(offer.by, make_person(qaenat), offer.place, offer.product)
    offers, _unplaced = selectors.colony_offers(county=qaenat)
    assert [o["producer_ids"] for o in offers] == [tuple(sorted([*offer.ids, newcomer.pk]))]


# --- Colonies: services ------------------------------------------------------------------------------------

@pytest.fixture
def colony(make_person, qaenat, qaenat_village, saffron, county_officer):
    return colony_of(county_officer, qaenat, qaenat_village, saffron, make_person, n=3)


@pytest.fixture
def clustered(colony, make_person, make_user, qaenat, qaenat_village, saffron, barberry, county_officer):
    """The colony in a saffron cluster with a guide, and a barberry cluster with its own guide."""
    bulbs = Product.objects.get(code="saffron-bulb")
    sibling = colony_of(county_officer, qaenat, qaenat_village, bulbs, make_person)
    cluster = services.county_cluster_create(by=county_officer, county=qaenat, focus_product=saffron,
                                             colonies=[colony, sibling])
    others = [colony_of(county_officer, qaenat, qaenat_village, barberry, make_person) for _ in range(2)]
    other = services.county_cluster_create(by=county_officer, county=qaenat, focus_product=barberry,
                                           colonies=others)
    return SimpleNamespace(
        colony=Colony.objects.get(pk=colony.pk), sibling=sibling, cluster=cluster, other=other, others=others,
        guide=make_user(make_person(qaenat), roles=[("cluster_guide", cluster)]),
        other_guide=make_user(make_person(qaenat), roles=[("cluster_guide", other)]))


def test_rename_a_colony(colony, county_officer, birjand_officer, make_person, qaenat, qaenat_village, barberry):
    services.colony_rename(by=county_officer, colony=colony, name="کلنی زعفران روستای  نمونه")
    assert Colony.objects.get(pk=colony.pk).name == "کلنی زعفران روستای نمونه"
    assert AuditEntry.objects.filter(action="colony.rename").count() == 1
    taken = colony_of(county_officer, qaenat, qaenat_village, barberry, make_person)
    before = state()
    for name in ("", taken.name):
        with pytest.raises(DomainError) as error:
            services.colony_rename(by=county_officer, colony=colony, name=name)
        assert error.value.field == "name"
    with pytest.raises(PermissionDenied):
        services.colony_rename(by=birjand_officer, colony=colony, name="نام دیگر")
    assert state() == before


def test_the_coordinator_is_a_member_set_by_officers_or_the_clusters_guide(clustered, county_officer,
                                                                           birjand_officer, plain_user):
    colony = clustered.colony
    members = list(colony.members.select_related("producer__person"))
    services.colony_set_coordinator(by=county_officer, colony=colony, coordinator=members[0].producer.person)
    services.colony_set_coordinator(by=clustered.guide, colony=colony, coordinator=members[1].producer.person)
    assert Colony.objects.get(pk=colony.pk).coordinator == members[1].producer.person
    assert AuditEntry.objects.filter(action="colony.coordinator").count() == 2
    before = state()
    stranger = clustered.others[0].members.first().producer.person
    with pytest.raises(DomainError) as error:
        services.colony_set_coordinator(by=county_officer, colony=colony, coordinator=stranger)
    assert error.value.field == "coordinator"
    for user in (clustered.other_guide, birjand_officer, plain_user):
        with pytest.raises(PermissionDenied):
            services.colony_set_coordinator(by=user, colony=colony, coordinator=members[2].producer.person)
    with pytest.raises(PermissionDenied):  # a guide appoints the coordinator, and no more
        services.colony_rename(by=clustered.guide, colony=colony, name="نام دیگر")
    assert state() == before
    services.colony_set_coordinator(by=county_officer, colony=colony, coordinator=None)
    assert Colony.objects.get(pk=colony.pk).coordinator is None


def test_add_a_member(colony, make_person, make_user, qaenat, birjand, qaenat_village, birjand_village, saffron,
                      barberry, county_officer, birjand_officer, national_officer):
    newcomer = register(county_officer, make_person(qaenat), qaenat_village, saffron)
    services.colony_add_member(by=county_officer, colony=colony, producer=newcomer)
    assert colony.members.count() == 4
    elsewhere = register(birjand_officer, make_person(birjand), birjand_village, saffron)
    person = make_person(qaenat)
    pending = register(make_user(person), person, qaenat_village, saffron)
    other_line = register(county_officer, make_person(qaenat), qaenat_village, barberry)
    second = colony_of(county_officer, qaenat, qaenat_village, saffron, make_person)
    in_another = second.members.first().producer
    fine = register(county_officer, make_person(qaenat), qaenat_village, saffron)
    before = state()
    for producer in (elsewhere, pending, other_line, in_another, newcomer):
        with pytest.raises(DomainError) as error:
            services.colony_add_member(by=national_officer, colony=colony, producer=producer)
        assert error.value.field == "producer"
    with pytest.raises(PermissionDenied):
        services.colony_add_member(by=birjand_officer, colony=colony, producer=fine)
    assert state() == before


def test_remove_a_member_keeps_two_and_the_coordinator(colony, county_officer, birjand_officer):
    members = list(colony.members.select_related("producer__person").order_by("pk"))
    services.colony_set_coordinator(by=county_officer, colony=colony, coordinator=members[0].producer.person)
    before = state()
    with pytest.raises(DomainError):  # the coordinator stays
        services.colony_remove_member(by=county_officer, colony=colony, producer=members[0].producer)
    with pytest.raises(PermissionDenied):
        services.colony_remove_member(by=birjand_officer, colony=colony, producer=members[2].producer)
    assert state() == before
    services.colony_remove_member(by=county_officer, colony=colony, producer=members[2].producer)
    assert colony.members.count() == 2
    assert AuditEntry.objects.get(action="colony.member_remove").before["producer"] == members[2].producer_id
    before = state()
    for producer in (members[1].producer, members[2].producer):  # at two; and no longer a member
        with pytest.raises(DomainError):
            services.colony_remove_member(by=county_officer, colony=colony, producer=producer)
    assert state() == before


# --- Clusters: services ------------------------------------------------------------------------------------

def test_edit_a_cluster(clustered, county_officer, birjand_officer, barberry):
    bulbs = Product.objects.get(code="saffron-bulb")
    cluster = services.cluster_update(by=county_officer, cluster=clustered.cluster, name="خوشه زعفران قاین",
                                      goals="بسته‌بندی و فروش", focus_product=bulbs)
    assert (cluster.name, cluster.goals, cluster.focus_product) == ("خوشه زعفران قاین", "بسته‌بندی و فروش", bulbs)
    audit = AuditEntry.objects.get(action="cluster.update")
    assert audit.before["focus_product"] == "saffron" and audit.after["focus_product"] == "saffron-bulb"
    before = state()
    with pytest.raises(DomainError) as error:  # only a product of the cluster's value chain
        services.cluster_update(by=county_officer, cluster=cluster, name="x", goals="", focus_product=barberry)
    assert error.value.field == "focus_product"
    with pytest.raises(DomainError) as error:
        services.cluster_update(by=county_officer, cluster=cluster, name=" ", goals="", focus_product=bulbs)
    assert error.value.field == "name"
    for user in (birjand_officer, clustered.guide):
        with pytest.raises(PermissionDenied):
            services.cluster_update(by=user, cluster=cluster, name="x", goals="", focus_product=bulbs)
    assert state() == before


def test_take_a_colony_out_of_its_cluster_and_back(clustered, county_officer, birjand_officer, qaenat, saffron):
    before = state()
    with pytest.raises(DomainError):  # not in this cluster
        services.cluster_remove_colony(by=county_officer, cluster=clustered.other, colony=clustered.colony)
    for user in (birjand_officer, clustered.guide):
        with pytest.raises(PermissionDenied):
            services.cluster_remove_colony(by=user, cluster=clustered.cluster, colony=clustered.colony)
    assert state() == before
    services.cluster_remove_colony(by=county_officer, cluster=clustered.cluster, colony=clustered.colony)
    assert Colony.objects.get(pk=clustered.colony.pk).in_cluster is None
    assert AuditEntry.objects.get(action="cluster.colony_remove").before == {"colony": clustered.colony.pk}
    # It can join again, alone, since the county already has the saffron cluster.
    candidates = {c["value_chain"]: c for c in selectors.cluster_candidates(county=qaenat)}
    assert candidates["saffron"]["joins"] and candidates["saffron"]["colonies"] == [clustered.colony]
    again = services.county_cluster_create(by=county_officer, county=qaenat, focus_product=saffron,
                                           colonies=[clustered.colony])
    assert again == clustered.cluster and Cluster.objects.filter(value_chain="saffron").count() == 1


def test_province_clusters_lose_and_regain_county_clusters(clustered, make_person, birjand, birjand_village,
                                                           saffron, birjand_officer, county_officer,
                                                           province_officer, south_khorasan):
    there = services.county_cluster_create(by=birjand_officer, county=birjand, focus_product=saffron, colonies=[
        colony_of(birjand_officer, birjand, birjand_village, saffron, make_person) for _ in range(2)])
    top = services.province_cluster_create(by=province_officer, province=south_khorasan, focus_product=saffron,
                                           county_clusters=[clustered.cluster, there])
    before = state()
    with pytest.raises(PermissionDenied):
        services.province_cluster_remove(by=county_officer, cluster=top, county_cluster=there)
    with pytest.raises(DomainError):  # a county cluster is not a province cluster
        services.province_cluster_remove(by=province_officer, cluster=clustered.cluster, county_cluster=there)
    with pytest.raises(DomainError):  # colonies are taken out of county clusters only
        services.cluster_remove_colony(by=province_officer, cluster=top, colony=clustered.colony)
    assert state() == before
    services.province_cluster_remove(by=province_officer, cluster=top, county_cluster=there)
    assert Cluster.objects.get(pk=there.pk).province_cluster is None
    with pytest.raises(DomainError):
        services.province_cluster_remove(by=province_officer, cluster=top, county_cluster=there)
    candidates = selectors.province_candidates(province=south_khorasan)
    assert [(c["joins"], c["clusters"]) for c in candidates] == [(True, [there])]
    again = services.province_cluster_create(by=province_officer, province=south_khorasan, focus_product=saffron,
                                             county_clusters=[there])
    assert again == top and Cluster.objects.filter(level="province").count() == 1


# --- Pages -------------------------------------------------------------------------------------------------

def invalid(response, field: str) -> bool:
    """The page was shown again (400) with a message beside `field`."""
    return response.status_code == 400 and f'class="field invalid" data-field="{field}"' in response.content.decode()


def form_data(o, **extra):
    return {"county": o.county.pk, "product": o.product.code, "place": o.place.pk,
            "offer": ",".join(map(str, o.ids)), **extra}


def test_suggestions_page_accepts_an_edited_suggestion(client, offer):
    client.force_login(offer.by)
    page = client.get(reverse("production:suggestions"), {"county": offer.county.pk}).content.decode()
    assert 'data-test="suggestion"' in page and offer.producers[0].person.full_name in page
    response = client.post(reverse("production:suggestion-accept"), form_data(
        offer, producers=offer.ids[:1]))
    assert invalid(response, "producers")
    response = client.post(reverse("production:suggestion-accept"), form_data(
        offer, producers=offer.ids[1:], name="کلنی نمونه", coordinator=offer.ids[0]))
    assert invalid(response, "coordinator")
    assert not Colony.objects.exists()
    response = client.post(reverse("production:suggestion-accept"), form_data(
        offer, producers=offer.ids[1:], name="کلنی نمونه", coordinator=offer.ids[1]))
    colony = Colony.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("production:colony", args=[colony.pk])
    assert colony.name == "کلنی نمونه" and colony.members.count() == 5
    assert SuggestionDecision.objects.get().outcome == "edited"


def test_suggestions_page_rejects_lists_and_offers_again(client, offer):
    client.force_login(offer.by)
    url = reverse("production:suggestion-reject")
    response = client.post(url, form_data(offer, note=""))
    assert invalid(response, "note")
    assert not SuggestionDecision.objects.exists()
    assert client.post(url, form_data(offer, note="فاصله زیاد")).status_code == 302
    page = client.get(reverse("production:suggestions"), {"county": offer.county.pk}).content.decode()
    decision = SuggestionDecision.objects.get()
    assert 'data-test="suggestion"' not in page and 'data-test="rejections"' in page and "فاصله زیاد" in page
    assert offer.by.person.full_name in page and "۱۴" in page  # who, and when in the Jalali calendar
    response = client.post(reverse("production:suggestion-reoffer", args=[decision.pk]))
    assert response.status_code == 302 and SuggestionDecision.objects.get().withdrawn_at is not None
    page = client.get(reverse("production:suggestions"), {"county": offer.county.pk}).content.decode()
    assert 'data-test="suggestion"' in page and 'data-test="rejections"' not in page


HIDDEN_TAMPERS = [
    {"place": "abc"}, {"place": "99999999999999999999999"}, {"place": "-1"}, {"product": "nonsense"},
    {"offer": "1,x"}, {"offer": "9" * 40}, {"offer": "0,1"}, {"county": "²"}, {"county": "99999999999999999999999"},
]


@pytest.mark.parametrize("tamper", [
    *HIDDEN_TAMPERS, {"producers": ["99999999999999999999999"]}, {"producers": ["abc", "²"]},
    {"coordinator": "۹۹۹۹"}, {"coordinator": "x"},
])
def test_tampered_accept_forms_never_fail_or_change_anything(client, offer, tamper):
    client.force_login(offer.by)
    before = state()
    response = client.post(reverse("production:suggestion-accept"), {**form_data(offer, producers=offer.ids),
                                                                       **tamper})
    assert response.status_code in (302, 400, 403), tamper
    assert state() == before


@pytest.mark.parametrize("tamper", HIDDEN_TAMPERS)
def test_tampered_reject_forms_never_fail_or_change_anything(client, offer, tamper):
    client.force_login(offer.by)
    before = state()
    response = client.post(reverse("production:suggestion-reject"), {**form_data(offer, note="x"), **tamper})
    assert response.status_code in (302, 400, 403), tamper
    assert state() == before


def test_a_stale_suggestion_says_so(client, offer):
    client.force_login(offer.by)
    accept(offer, chosen_ids=offer.ids[:3])  # another officer formed part of it a moment ago
    response = client.post(reverse("production:suggestion-accept"), form_data(offer, producers=offer.ids),
                           follow=True)
    assert response.status_code == 200 and "msg error" in response.content.decode()
    assert Colony.objects.count() == 1


def test_colony_page_flows(client, colony, make_person, qaenat, qaenat_village, saffron, county_officer):
    client.force_login(county_officer)
    url = reverse("production:colony", args=[colony.pk])
    page = client.get(url).content.decode()
    for form in ("rename-form", "coordinator-form", "add-member-form"):
        assert f'data-test="{form}"' in page
    members = list(colony.members.select_related("producer__person").order_by("pk"))

    assert client.post(reverse("production:colony-rename", args=[colony.pk]), {"name": ""}).status_code == 400
    assert client.post(reverse("production:colony-rename", args=[colony.pk]), {"name": "کلنی تازه"}).status_code == 302
    response = client.post(reverse("production:colony-coordinator", args=[colony.pk]), {"coordinator": "12345678"})
    assert response.status_code == 400 and 'data-field="coordinator"' in response.content.decode()
    response = client.post(reverse("production:colony-coordinator", args=[colony.pk]),
                           {"coordinator": members[0].producer.person_id})
    assert response.status_code == 302

    add = reverse("production:colony-member-add", args=[colony.pk])
    response = client.post(add, {"national_id": "0000000000"})
    assert invalid(response, "national_id")
    stranger = make_person(qaenat)
    response = client.post(add, {"national_id": stranger.national_id})
    assert invalid(response, "national_id")
    by_id = register(county_officer, make_person(qaenat), qaenat_village, saffron)
    assert client.post(add, {"national_id": by_id.person.national_id}).status_code == 302
    chosen = register(county_officer, make_person(qaenat), qaenat_village, saffron)
    assert f'value="{chosen.pk}"' in client.get(url).content.decode()  # offered in the list of candidates
    assert client.post(add, {"producer": chosen.pk}).status_code == 302
    response = client.post(add, {"producer": chosen.pk})  # no longer a candidate
    assert invalid(response, "producer")
    assert client.post(add, {}).status_code == 400

    page = client.get(url).content.decode()
    assert 'data-test="remove-member"' in page
    remove = reverse("production:colony-member-remove", args=[colony.pk, members[2].producer_id])
    assert client.post(remove).status_code == 302
    assert client.post(remove, follow=True).status_code == 200  # again: a message, not an error page
    colony.refresh_from_db()
    assert colony.name == "کلنی تازه" and colony.coordinator == members[0].producer.person
    assert sorted(colony.members.values_list("producer_id", flat=True)) == sorted(
        [members[0].producer_id, members[1].producer_id, by_id.pk, chosen.pk])


def test_cluster_page_flows(client, clustered, county_officer, barberry):
    client.force_login(county_officer)
    url = reverse("production:cluster", args=[clustered.cluster.pk])
    page = client.get(url).content.decode()
    assert 'data-test="cluster-edit-form"' in page and 'data-test="appoint-guide"' in page
    assert clustered.guide.person.full_name in page and 'data-test="remove-colony"' in page
    edit = reverse("production:cluster-edit", args=[clustered.cluster.pk])
    response = client.post(edit, {"name": "خوشه", "goals": "", "focus_product": barberry.pk})
    assert invalid(response, "focus_product")
    assert 'data-test="cluster-rollup"' in response.content.decode()  # the whole page, shown again
    bulbs = Product.objects.get(code="saffron-bulb")
    assert client.post(edit, {"name": "خوشه زعفران", "goals": "فروش", "focus_product": bulbs.pk}).status_code == 302
    cluster = Cluster.objects.get(pk=clustered.cluster.pk)
    assert (cluster.name, cluster.goals, cluster.focus_product) == ("خوشه زعفران", "فروش", bulbs)
    remove = reverse("production:cluster-colony-remove", args=[cluster.pk, clustered.colony.pk])
    assert client.post(remove).status_code == 302
    assert Colony.objects.get(pk=clustered.colony.pk).in_cluster is None
    assert client.post(remove, follow=True).status_code == 200  # not in it any more: a message

    client.force_login(clustered.guide)
    page = client.get(url).content.decode()
    assert 'data-test="cluster-edit-form"' not in page and 'data-test="appoint-guide"' not in page
    assert 'data-test="remove-colony"' not in page


def test_a_guide_appoints_the_coordinator_of_their_clusters_colonies(client, clustered):
    client.force_login(clustered.guide)
    colony = clustered.colony
    page = client.get(reverse("production:colony", args=[colony.pk])).content.decode()
    assert 'data-test="coordinator-form"' in page and 'data-test="rename-form"' not in page
    assert 'data-test="add-member-form"' not in page
    person = colony.members.first().producer.person
    assert client.post(reverse("production:colony-coordinator", args=[colony.pk]),
                       {"coordinator": person.pk}).status_code == 302
    assert Colony.objects.get(pk=colony.pk).coordinator == person


def test_every_new_view_refuses_other_scopes(client, clustered, offer, make_person, make_user, qaenat,
                                             birjand_officer, plain_user, saffron, county_officer, province_officer,
                                             south_khorasan, birjand, birjand_village):
    decision = reject(offer)
    colony, cluster = clustered.colony, clustered.cluster
    member = colony.members.first().producer
    there = services.county_cluster_create(by=birjand_officer, county=birjand, focus_product=saffron, colonies=[
        colony_of(birjand_officer, birjand, birjand_village, saffron, make_person) for _ in range(2)])
    top = services.province_cluster_create(by=province_officer, province=south_khorasan, focus_product=saffron,
                                           county_clusters=[cluster, there])
    views = [
        ("get", reverse("production:suggestions"), {"county": qaenat.pk}),
        ("post", reverse("production:suggestion-accept"), {**form_data(offer), "producers": offer.ids}),
        ("post", reverse("production:suggestion-reject"), {**form_data(offer), "note": "x"}),
        ("post", reverse("production:suggestion-reoffer", args=[decision.pk]), {}),
        ("get", reverse("production:colony", args=[colony.pk]), {}),
        ("post", reverse("production:colony-rename", args=[colony.pk]), {"name": "نام"}),
        ("post", reverse("production:colony-coordinator", args=[colony.pk]), {"coordinator": member.person_id}),
        ("post", reverse("production:colony-member-add", args=[colony.pk]), {"national_id": member.person.national_id}),
        ("post", reverse("production:colony-member-remove", args=[colony.pk, member.pk]), {}),
        ("get", reverse("production:cluster", args=[cluster.pk]), {}),
        ("post", reverse("production:cluster-edit", args=[cluster.pk]),
         {"name": "x", "goals": "", "focus_product": saffron.pk}),
        ("post", reverse("production:cluster-colony-remove", args=[cluster.pk, colony.pk]), {}),
        ("post", reverse("production:cluster-county-remove", args=[top.pk, there.pk]), {}),
    ]
    before = state()
    for user in (birjand_officer, plain_user, clustered.other_guide):
        client.force_login(user)
        for method, url, data in views:
            status = getattr(client, method)(url, data).status_code
            assert status in (403, 404), (user, url, status)
    # The guide of the colony's own cluster may look and appoint the coordinator, and nothing else.
    client.force_login(clustered.guide)
    for method, url, data in views:
        if "coordinator" in url or (method == "get" and "suggestions" not in url):
            continue
        assert getattr(client, method)(url, data).status_code in (403, 404), url
    assert state() == before
    assert SuggestionDecision.objects.filter(pk=decision.pk).exists()


def test_suggestions_page_query_count_does_not_grow_with_suggestions(client, make_person, qaenat, qaenat_village,
                                                                      county_officer, django_assert_max_num_queries):
    client.force_login(county_officer)
    lines = list(Product.objects.filter(category="crops").order_by("pk")[:4])
    url = reverse("production:suggestions")
    producers(5, county_officer, qaenat, qaenat_village, lines[0], make_person)
    with django_assert_max_num_queries(22) as small:
        assert client.get(url, {"county": qaenat.pk}).status_code == 200
    for line in lines[1:]:
        producers(6, county_officer, qaenat, qaenat_village, line, make_person)
    second = next(o for o in selectors.colony_offers(county=qaenat)[0] if o["product_line"] == lines[1].code)
    reject(SimpleNamespace(by=county_officer, county=qaenat, product=lines[1], place=qaenat_village,
                           ids=list(second["producer_ids"])))
    with django_assert_max_num_queries(22) as large:
        page = client.get(url, {"county": qaenat.pk})
    assert page.content.decode().count('data-test="suggestion"') == 3
    assert 'data-test="rejections"' in page.content.decode()
    assert len(large.captured_queries) <= len(small.captured_queries)


# --- Races (threads with their own connections; PostgreSQL in CI, or MARDOM_TEST_SQLITE_FILE=1) ---------------

@committing()
@shared_database()
def test_two_officers_answering_one_suggestion_at_once_one_wins(offer, national_officer):
    from mardom.ledger.tests.test_concurrency import at_once

    answers = [lambda: accept(offer), lambda: reject(offer, by=national_officer)]
    outcomes = at_once(2, lambda i: answers[i]())
    assert sorted(status for status, _ in outcomes) == ["error", "ok"], outcomes
    assert isinstance(next(value for status, value in outcomes if status == "error"), DomainError)
    assert Colony.objects.count() + SuggestionDecision.objects.count() == 1


@committing()
@shared_database()
def test_two_removals_at_once_leave_the_colony_two_members(colony, county_officer, national_officer):
    from mardom.ledger.tests.test_concurrency import at_once

    members = list(colony.members.select_related("producer").order_by("pk"))
    outcomes = at_once(2, lambda i: services.colony_remove_member(
        by=(county_officer, national_officer)[i], colony=Colony.objects.get(pk=colony.pk),
        producer=members[i].producer))
    assert sorted(status for status, _ in outcomes) == ["error", "ok"], outcomes
    assert colony.members.count() == 2
