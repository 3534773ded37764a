"""Every production view tried as someone from another scope: an officer of another province, a Birjand
officer on Qaenat's objects, a job leader on another job leader's, a producer on another producer's, and a
signed-in person with no role. Each is refused (403 or 404) and nothing changes. A guard test fails when a new
production URL is not in the table."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from mardom.conftest import confirm_proposals
from mardom.core.models import AuditEntry
from mardom.orgs.models import OrgUnit
from mardom.production import services
from mardom.production.models import (
    AdvantagedProduct,
    ChainStage,
    Cluster,
    Colony,
    ColonyMember,
    JobAgreement,
    JobEntry,
    Producer,
    Product,
    SuggestionDecision,
)
from mardom.production.services import jobs

STARTED = datetime.date(2020, 3, 20)
DAY = datetime.date(2026, 10, 1)
DATE = "۱۴۰۵/۰۷/۰۹"


def producers(by, make_person, unit, village, product, n):
    return [services.producer_register(by=by, person=make_person(unit), place=village, activities="کاشت",
                                       started_on=STARTED, baseline_sales=1_000_000, products=[(product, 10)])
            for _ in range(n)]


@pytest.fixture
def world(make_person, make_user, qaenat, birjand, qaenat_village, birjand_village, county_officer,
          birjand_officer, province_officer, south_khorasan):
    saffron = Product.objects.get(code="saffron")
    q = producers(county_officer, make_person, qaenat, qaenat_village, saffron, 4)
    b = producers(birjand_officer, make_person, birjand, birjand_village, saffron, 4)
    colonies = [services.colony_create(by=county_officer, county=qaenat, product=saffron, place=qaenat_village,
                                       producers=q[i:i + 2], name=f"کلنی قاین {i}") for i in (0, 2)]
    cluster = services.county_cluster_create(by=county_officer, county=qaenat, focus_product=saffron,
                                             colonies=colonies)
    b_colonies = [services.colony_create(by=birjand_officer, county=birjand, product=saffron,
                                         place=birjand_village, producers=b[i:i + 2], name=f"کلنی بیرجند {i}")
                  for i in (0, 2)]
    b_cluster = services.county_cluster_create(by=birjand_officer, county=birjand, focus_product=saffron,
                                               colonies=b_colonies)
    top = services.province_cluster_create(by=province_officer, province=south_khorasan, focus_product=saffron,
                                           county_clusters=[cluster, b_cluster])
    pending = services.producer_register(by=make_user(person := make_person(qaenat)), person=person,
                                         place=qaenat_village, activities="x", started_on=STARTED,
                                         baseline_sales=0, products=[(saffron, 1)])
    advantage = services.advantaged_add(by=county_officer, region=qaenat, product=saffron)
    owner = make_person(qaenat)
    owner_user = make_user(owner)
    leader = jobs.job_leader_register(by=county_officer, county=qaenat, owner=owner, name="تعاونی زعفران قاین",
                                      functions=["sales"], cluster=cluster)
    confirm_proposals(owner_user, by=province_officer)  # the job leader role needs a second officer
    agreement = jobs.job_agreement_create(by=owner_user, job_leader=leader, producer=q[0], product=saffron,
                                          pricing="purchase", material="پیاز", material_unit="kg",
                                          output_per_material=Decimal(1), rate_a=1000,
                                          starts_on=datetime.date(2025, 3, 21))
    entry = jobs.materials_issue(by=owner_user, agreement=agreement, quantity=Decimal(5), occurred_on=DAY,
                                 idempotency_key="scope-1")
    rejection = SuggestionDecision.objects.create(
        county=qaenat, product=saffron, place=qaenat_village, producer_ids=[pending.pk], outcome="rejected",
        note="دور", decided_by=county_officer, decided_at=timezone.now())
    other_leader_owner = make_person(birjand)
    other_leader_user = make_user(other_leader_owner)
    jobs.job_leader_register(by=birjand_officer, county=birjand, owner=other_leader_owner, name="بسته‌بندی بیرجند",
                             functions=["packaging"])
    confirm_proposals(other_leader_user, by=province_officer)
    far_county = OrgUnit.objects.filter(kind="county").exclude(parent=south_khorasan).order_by("pk").first()
    return SimpleNamespace(
        saffron=saffron, producer=q[0], pending=pending, colony=colonies[0], cluster=cluster, top=top,
        b_cluster=b_cluster, advantage=advantage, leader=leader, agreement=agreement, entry=entry,
        rejection=rejection, stage=ChainStage.objects.filter(template__value_chain="default").first(),
        other_leader_user=other_leader_user, q=q, qaenat=qaenat,
        outsider=make_user(make_person(far_county), roles=[("county_officer", far_county)]),
        other_producer_user=make_user(q[1].person),
    )


def urls(w):
    """Every production view that names an object, with a POST body that would change something if allowed."""
    line = {"occurred_on": DATE, "key": "scope-post", "memo": "x"}
    return [
        ("get", reverse("production:producer", args=[w.producer.pk]), None),
        ("post", reverse("production:producer-decide", args=[w.pending.pk]), {"decision": "approve"}),
        ("post", reverse("production:advantaged-add", args=[w.qaenat.pk]), {f"r{w.qaenat.pk}-product": "1"}),
        ("post", reverse("production:advantaged-remove", args=[w.advantage.pk]), {}),
        ("get", f"{reverse('production:suggestions')}?county={w.qaenat.pk}", None),
        ("post", reverse("production:suggestion-accept"), {"county": w.qaenat.pk, "product": "saffron"}),
        ("post", reverse("production:suggestion-reject"), {"county": w.qaenat.pk, "note": "x"}),
        ("post", reverse("production:suggestion-reoffer", args=[w.rejection.pk]), {}),
        ("get", reverse("production:colony", args=[w.colony.pk]), None),
        ("post", reverse("production:colony-rename", args=[w.colony.pk]), {"name": "نام تازه"}),
        ("post", reverse("production:colony-coordinator", args=[w.colony.pk]), {"coordinator": w.q[0].person_id}),
        ("post", reverse("production:colony-member-add", args=[w.colony.pk]),
         {"national_id": w.q[2].person.national_id}),
        ("post", reverse("production:colony-member-remove", args=[w.colony.pk, w.q[1].pk]), {}),
        ("post", reverse("production:cluster-form"), {"region": w.qaenat.pk, "focus": w.saffron.pk, "members": []}),
        ("get", reverse("production:cluster", args=[w.cluster.pk]), None),
        ("post", reverse("production:cluster-edit", args=[w.cluster.pk]),
         {"name": "خوشه", "focus_product": w.saffron.pk}),
        ("post", reverse("production:cluster-colony-remove", args=[w.cluster.pk, w.colony.pk]), {}),
        ("post", reverse("production:cluster-county-remove", args=[w.top.pk, w.b_cluster.pk]), {}),
        ("get", reverse("production:job-leader", args=[w.leader.pk]), None),
        ("post", reverse("production:agreement-create", args=[w.leader.pk]),
         {"national_id": w.q[1].person.national_id, "product": w.saffron.pk, "pricing": "purchase", "rate_a": "10"}),
        ("get", reverse("production:agreement", args=[w.agreement.pk]), None),
        ("post", reverse("production:agreement-issue", args=[w.agreement.pk]), {**line, "quantity": "1"}),
        ("post", reverse("production:agreement-receive", args=[w.agreement.pk]),
         {**line, "quantity": "1", "grade": "a"}),
        ("post", reverse("production:agreement-pay", args=[w.agreement.pk]),
         {**line, "direction": "to_leader", "amount": "1"}),
        ("post", reverse("production:agreement-line-reverse", args=[w.agreement.pk, w.entry.pk]),
         {"memo": "x", "key": "scope-rev"}),
        ("get", f"{reverse('production:chain-missing')}?province={w.qaenat.parent_id}", None),
        ("post", reverse("production:chain-template-create"), {"value_chain": "saffron"}),
        ("post", reverse("production:chain-stage-add", args=["default"]), {"name": "x", "kind": "core"}),
        ("post", reverse("production:chain-stage-edit", args=["default", w.stage.pk]), {"name": "x", "kind": "core"}),
        ("post", reverse("production:chain-stage-delete", args=["default", w.stage.pk]), {}),
        ("post", reverse("production:chain-stage-move", args=["default", w.stage.pk]), {"direction": "later"}),
    ]


# Pages without an object of one scope: lists (tested below for what they leak), forms to create, and the
# national chain templates, which every producers viewer may read (editing them is in the table).
UNSCOPED = {"producers", "producers-export", "producer-create", "advantaged", "suggestions", "job-leaders",
            "job-leader-create", "chain-templates", "chain-template"}


def state():
    return (Producer.objects.filter(status="approved").count(), ColonyMember.objects.count(),
            Colony.objects.filter(in_cluster__isnull=False).count(), Cluster.objects.count(),
            list(Colony.objects.order_by("pk").values_list("name", "coordinator_id")),
            list(Cluster.objects.order_by("pk").values_list("name", "goals", "province_cluster_id")),
            AdvantagedProduct.objects.count(), JobAgreement.objects.count(), JobEntry.objects.count(),
            SuggestionDecision.objects.filter(withdrawn_at__isnull=True).count(),
            list(ChainStage.objects.order_by("pk").values_list("name", "position")),
            AuditEntry.objects.count())


def test_every_production_url_is_in_the_scope_table(world):
    from mardom.production.urls import urlpatterns

    covered = {resolve(url.split("?")[0]).url_name for _method, url, _data in urls(world)}
    assert covered | UNSCOPED == {pattern.name for pattern in urlpatterns}


@pytest.mark.parametrize("who", ["outsider", "plain_user"])
def test_someone_from_another_scope_is_refused_everything(world, client, who, plain_user):
    client.force_login(world.outsider if who == "outsider" else plain_user)
    before = state()
    for method, url, data in urls(world):
        response = client.get(url) if method == "get" else client.post(url, data)
        assert response.status_code in (403, 404), f"{method} {url}: {response.status_code}"
    assert state() == before


def test_a_birjand_officer_is_refused_qaenats_objects(world, client, birjand_officer):
    client.force_login(birjand_officer)
    before = state()
    # The province pages (missing links, the province cluster) are shared with Birjand; the rest is Qaenat's.
    shared = {"chain-missing", "cluster-county-remove", "chain-templates", "chain-template"}
    for method, url, data in urls(world):
        if resolve(url.split("?")[0]).url_name in shared:
            continue
        response = client.get(url) if method == "get" else client.post(url, data)
        assert response.status_code in (403, 404), f"{method} {url}: {response.status_code}"
    assert state() == before


def test_another_job_leader_and_another_producer_are_refused(world, client):
    for user in (world.other_leader_user, world.other_producer_user):
        client.force_login(user)
        before = state()
        for method, url, data in urls(world):
            name = resolve(url.split("?")[0]).url_name
            if user is world.other_producer_user and name == "producer":
                continue  # q[1] is a producer of the same colony; her own page is hers, not q[0]'s: tried below
            response = client.get(url) if method == "get" else client.post(url, data)
            assert response.status_code in (403, 404), f"{user} {method} {url}: {response.status_code}"
        assert state() == before
    client.force_login(world.other_producer_user)
    assert client.get(reverse("production:producer", args=[world.producer.pk])).status_code == 404


def test_lists_show_nothing_of_another_scope(world, client):
    client.force_login(world.outsider)
    for name in ("producers", "job-leaders", "advantaged", "chain-templates"):
        page = client.get(reverse(f"production:{name}")).content.decode()
        for marker in (world.producer.person.full_name, world.leader.name, world.colony.name):
            assert marker not in page, (name, marker)
