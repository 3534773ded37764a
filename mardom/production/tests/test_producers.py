from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from mardom.core.errors import DomainError
from mardom.core.models import AuditEntry
from mardom.production import selectors, services
from mardom.production.models import AdvantagedProduct, Producer, Product

STARTED = datetime.date(2020, 3, 20)


@pytest.fixture
def saffron(db):
    return Product.objects.get(code="saffron")


def register(by, person, place, saffron, **kw):
    return services.producer_register(by=by, person=person, place=place, activities="کاشت زعفران",
                                      started_on=STARTED, baseline_sales=120_000_000,
                                      products=kw.pop("products", [(saffron, 5000)]), **kw)


def test_the_taxonomy_is_loaded_with_units_and_value_chains(db):
    assert Product.objects.count() >= 30
    assert Product.objects.get(code="saffron").unit == "g"
    assert Product.objects.get(code="barberry-paste").value_chain == "barberry"


def test_a_person_registers_and_waits_for_the_county(make_person, make_user, qaenat, qaenat_village, saffron,
                                                     county_officer):
    person = make_person(qaenat)
    producer = register(make_user(person), person, qaenat_village, saffron)
    assert producer.status == "pending" and producer.unit == qaenat
    producer = services.producer_decide(by=county_officer, producer=producer, approve=True)
    assert producer.status == "approved"
    with pytest.raises(DomainError):
        services.producer_decide(by=county_officer, producer=producer, approve=False)
    assert AuditEntry.objects.filter(action__startswith="producer.").count() == 2


def test_an_officer_registers_directly_but_not_in_another_county(make_person, qaenat, qaenat_village, saffron,
                                                                county_officer, birjand_officer):
    producer = register(county_officer, make_person(qaenat), qaenat_village, saffron)
    assert producer.status == "approved"
    with pytest.raises(PermissionDenied):
        register(birjand_officer, make_person(qaenat), qaenat_village, saffron)
    with pytest.raises(PermissionDenied):
        services.producer_decide(by=birjand_officer, producer=producer, approve=False)


@pytest.mark.parametrize(("change", "field"), [
    ({"products": []}, "products"),
    ({"baseline_sales": -1}, "baseline_sales"),
    ({"started_on": datetime.date(2099, 1, 1)}, "started_on"),
])
def test_bad_registrations_change_nothing(make_person, qaenat, qaenat_village, saffron, county_officer, change,
                                          field):
    kwargs = {"activities": "x", "started_on": STARTED, "baseline_sales": 1, "products": [(saffron, 1)], **change}
    with pytest.raises(DomainError) as error:
        services.producer_register(by=county_officer, person=make_person(qaenat), place=qaenat_village, **kwargs)
    assert error.value.field == field and not Producer.objects.exists()


def test_one_registration_per_person_and_place(make_person, qaenat, qaenat_village, saffron, county_officer):
    person = make_person(qaenat)
    register(county_officer, person, qaenat_village, saffron)
    with pytest.raises(DomainError):
        register(county_officer, person, qaenat_village, saffron)


def test_advantaged_products_within_scope(county_officer, birjand_officer, qaenat, birjand, saffron):
    advantage = services.advantaged_add(by=county_officer, region=qaenat, product=saffron)
    with pytest.raises(DomainError):
        services.advantaged_add(by=county_officer, region=qaenat, product=saffron)
    with pytest.raises(PermissionDenied):
        services.advantaged_add(by=county_officer, region=birjand, product=saffron)
    with pytest.raises(PermissionDenied):
        services.advantaged_remove(by=birjand_officer, advantage=advantage)
    services.advantaged_remove(by=county_officer, advantage=advantage)
    assert not AdvantagedProduct.objects.exists()


def test_scope_and_pages(client, make_person, make_user, qaenat, qaenat_village, saffron, county_officer,
                         birjand_officer, django_assert_max_num_queries):
    producer = register(county_officer, make_person(qaenat), qaenat_village, saffron)
    urls = [("get", reverse("production:producer", args=[producer.pk]), None),
            ("post", reverse("production:producer-decide", args=[producer.pk]), {"decision": "reject"}),
            ("post", reverse("production:advantaged-add", args=[qaenat.pk]), {f"r{qaenat.pk}-product": saffron.pk})]
    client.force_login(birjand_officer)
    for method, url, data in urls:
        assert getattr(client, method)(url, data or {}).status_code in (403, 404), url
    assert Producer.objects.get(pk=producer.pk).status == "approved" and not AdvantagedProduct.objects.exists()
    assert producer.person.full_name not in client.get(reverse("production:producers")).content.decode()
    client.force_login(county_officer)
    for _ in range(10):
        register(county_officer, make_person(qaenat), qaenat_village, saffron)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("production:producers"))
    assert page.status_code == 200 and producer.person.full_name in page.content.decode()
    assert client.get(reverse("production:advantaged")).status_code == 200
    assert client.post(reverse("production:advantaged-add", args=[qaenat.pk]),
                       {f"r{qaenat.pk}-product": saffron.pk}).status_code == 302
    assert AdvantagedProduct.objects.filter(region=qaenat).count() == 1
    assert selectors.producer_totals(user=county_officer)["approved"] == 11


def test_self_registration_form_with_bad_input_shows_messages(client, make_person, make_user, qaenat, saffron):
    person = make_person(qaenat)
    client.force_login(make_user(person))
    response = client.post(reverse("production:producer-create"), {
        "kind": "home", "place": "999999999", "activities": "<b>x</b>", "started_on": "1404/12/30",
        "baseline_sales": "-5", "product_1": str(saffron.pk), "capacity_1": ""})
    page = response.content.decode()
    for field in ("place", "activities", "started_on", "baseline_sales", "capacity_1"):
        assert f'class="field invalid" data-field="{field}"' in page, field
    assert not Producer.objects.exists()


def test_suggestions_page_forms_a_colony_and_refuses_a_second_of_the_same_line(
        client, make_person, qaenat, qaenat_village, saffron, county_officer, birjand_officer):
    from mardom.production.models import Colony, ColonyMember

    producers = [register(county_officer, make_person(qaenat), qaenat_village, saffron) for _ in range(6)]
    client.force_login(county_officer)
    page = client.get(reverse("production:suggestions"), {"county": qaenat.pk})
    assert page.status_code == 200 and 'data-test="suggestion"' in page.content.decode()
    data = {"county": qaenat.pk, "product": "saffron", "place": qaenat_village.pk,
            "producers": [p.pk for p in producers]}
    client.force_login(birjand_officer)
    assert client.post(reverse("production:suggestion-accept"), data).status_code == 403
    assert not Colony.objects.exists()
    client.force_login(county_officer)
    response = client.post(reverse("production:suggestion-accept"), data)
    colony = Colony.objects.get()
    assert response.status_code == 302 and colony.members.count() == 6 and colony.parent == qaenat
    client.post(reverse("production:suggestion-accept"), data)  # the same producers again: refused
    assert Colony.objects.count() == 1 and ColonyMember.objects.count() == 6
    assert client.get(reverse("production:colony", args=[colony.pk])).status_code == 200
    client.force_login(birjand_officer)
    assert client.get(reverse("production:colony", args=[colony.pk])).status_code == 404


def test_a_colony_cannot_mix_counties_or_lines(make_person, qaenat, birjand, qaenat_village, birjand_village,
                                               saffron, county_officer, national_officer):
    barberry = Product.objects.get(code="barberry")
    here = [register(county_officer, make_person(qaenat), qaenat_village, saffron) for _ in range(2)]
    there = register(national_officer, make_person(birjand), birjand_village, saffron)
    with pytest.raises(DomainError):
        services.colony_create(by=national_officer, county=qaenat, product=saffron, place=qaenat_village,
                               producers=[*here, there])
    with pytest.raises(DomainError):
        services.colony_create(by=county_officer, county=qaenat, product=barberry, place=qaenat_village,
                               producers=here)


def _colony(by, county, place, product, make_person, n=3):
    producers = [services.producer_register(by=by, person=make_person(county), place=place, activities="x",
                                            started_on=STARTED, baseline_sales=10_000_000,
                                            products=[(product, 100)]) for _ in range(n)]
    return services.colony_create(by=by, county=county, product=product, place=place, producers=producers)


def test_clusters_group_colonies_of_one_chain_and_roll_up(client, make_person, qaenat, birjand, qaenat_village,
                                                          birjand_village, saffron, county_officer,
                                                          birjand_officer, province_officer, south_khorasan):
    bulbs = Product.objects.get(code="saffron-bulb")  # the same value chain as saffron
    barberry = Product.objects.get(code="barberry")
    first = _colony(county_officer, qaenat, qaenat_village, saffron, make_person)
    second = _colony(county_officer, qaenat, qaenat_village, bulbs, make_person)
    other_chain = _colony(county_officer, qaenat, qaenat_village, barberry, make_person)
    with pytest.raises(DomainError):
        services.county_cluster_create(by=county_officer, county=qaenat, focus_product=saffron,
                                       colonies=[first, other_chain])
    cluster = services.county_cluster_create(by=county_officer, county=qaenat, focus_product=saffron,
                                             colonies=[first, second])
    assert set(cluster.colonies.all()) == {first, second} and cluster.parent == qaenat
    with pytest.raises(DomainError):  # already in a cluster
        services.county_cluster_create(by=county_officer, county=qaenat, focus_product=saffron,
                                       colonies=[first, second])
    birjand_colonies = [_colony(birjand_officer, birjand, birjand_village, saffron, make_person) for _ in range(2)]
    with pytest.raises(DomainError):  # a county cluster never reaches into another county
        services.county_cluster_create(by=province_officer, county=qaenat, focus_product=saffron,
                                       colonies=birjand_colonies)
    there = services.county_cluster_create(by=birjand_officer, county=birjand, focus_product=saffron,
                                           colonies=birjand_colonies)
    with pytest.raises(PermissionDenied):
        services.province_cluster_create(by=county_officer, province=south_khorasan, focus_product=saffron,
                                         county_clusters=[cluster, there])
    top = services.province_cluster_create(by=province_officer, province=south_khorasan, focus_product=saffron,
                                           county_clusters=[cluster, there])
    rollup = selectors.cluster_rollup(cluster=top)
    assert rollup["producers"] == 12 and len(rollup["colonies"]) == 4
    assert rollup["baseline"] == 12 * 10_000_000 and rollup["capacity"] == 12 * 100
    client.force_login(birjand_officer)
    assert client.get(reverse("production:cluster", args=[cluster.pk])).status_code == 404
    client.force_login(county_officer)
    page = client.get(reverse("production:cluster", args=[cluster.pk]))
    assert page.status_code == 200 and 'data-test="cluster-rollup"' in page.content.decode()


def test_cluster_form_refuses_another_scope(client, make_person, qaenat, qaenat_village, saffron, county_officer,
                                            birjand_officer):
    colonies = [_colony(county_officer, qaenat, qaenat_village, saffron, make_person) for _ in range(2)]
    data = {"region": qaenat.pk, "focus": saffron.pk, "members": [c.pk for c in colonies]}
    client.force_login(birjand_officer)
    assert client.post(reverse("production:cluster-form"), data).status_code == 403
    client.force_login(county_officer)
    assert client.post(reverse("production:cluster-form"), data).status_code == 302
    assert all(c.__class__.objects.get(pk=c.pk).in_cluster_id for c in colonies)


def test_a_cluster_guide_sees_their_cluster_its_colonies_and_producers_only(
        client, make_person, make_user, qaenat, qaenat_village, saffron, county_officer):
    barberry = Product.objects.get(code="barberry")
    colonies = [_colony(county_officer, qaenat, qaenat_village, saffron, make_person) for _ in range(2)]
    others = [_colony(county_officer, qaenat, qaenat_village, barberry, make_person) for _ in range(2)]
    cluster = services.county_cluster_create(by=county_officer, county=qaenat, focus_product=saffron,
                                             colonies=colonies)
    other_cluster = services.county_cluster_create(by=county_officer, county=qaenat, focus_product=barberry,
                                                   colonies=others)
    guide = make_user(make_person(qaenat), roles=[("cluster_guide", cluster)])
    assert set(selectors.colonies_of(user=guide)) == set(colonies)
    seen = set(selectors.producer_list(user=guide).values_list("pk", flat=True))
    assert seen == {m.producer_id for c in colonies for m in c.members.all()}
    client.force_login(guide)
    assert client.get(reverse("production:cluster", args=[cluster.pk])).status_code == 200
    assert client.get(reverse("production:cluster", args=[other_cluster.pk])).status_code == 404
    assert client.get(reverse("production:colony", args=[others[0].pk])).status_code == 404
    assert client.get(reverse("production:suggestions")).status_code == 403  # forming is for officers


def test_a_cluster_guide_registers_producers_of_the_clusters_county_directly(
        make_person, make_user, qaenat, birjand, qaenat_village, birjand_village, saffron, county_officer):
    colonies = [_colony(county_officer, qaenat, qaenat_village, saffron, make_person) for _ in range(2)]
    cluster = services.county_cluster_create(by=county_officer, county=qaenat, focus_product=saffron,
                                             colonies=colonies)
    guide = make_user(make_person(qaenat), roles=[("cluster_guide", cluster)])
    producer = register(guide, make_person(qaenat), qaenat_village, saffron)
    assert producer.status == "approved"
    assert selectors.producer_list(user=guide).filter(pk=producer.pk).exists()  # the guide still sees it
    with pytest.raises(PermissionDenied):  # not in another county
        register(guide, make_person(birjand), birjand_village, saffron)
