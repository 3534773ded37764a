"""The doubling dashboard: this Jalali year's booth sales and buybacks against twice the baseline, summed
per level, each level seeing its own figures only."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from mardom.conftest import confirm_proposals
from mardom.dashboards import doubling
from mardom.production.services import jobs

STARTED = datetime.date(2018, 3, 21)
TODAY = datetime.date(2026, 11, 25)  # 4 Azar 1405; the Jalali year began on 21 March 2026


@pytest.fixture
def world(saffron_growers, make_person, make_user, qaenat, county_officer, province_officer, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC), tick=False)
    grown = saffron_growers(baseline=100_000_000)
    saffron, people, growers, colonies, cluster = (grown.saffron, grown.people, grown.growers, grown.colonies,
                                                   grown.cluster)
    owner = make_person(qaenat)
    owner_user = make_user(owner)
    leader = jobs.job_leader_register(by=county_officer, county=qaenat, owner=owner, name="تعاونی", functions=["sales"])
    confirm_proposals(owner_user, by=province_officer)  # the job leader role needs a second officer
    agreement = jobs.job_agreement_create(by=owner_user, job_leader=leader, producer=growers[0], product=saffron,
                                          pricing="purchase", rate_a=1_000_000, starts_on=datetime.date(2025, 3, 21))
    # Bought back this year: 50 g and 30 g (the second corrected away), and 20 g last year.
    jobs.output_receive(by=owner_user, agreement=agreement, quantity=Decimal(50), grade="a",
                        occurred_on=datetime.date(2026, 10, 1), idempotency_key="d1")
    wrong = jobs.output_receive(by=owner_user, agreement=agreement, quantity=Decimal(30), grade="a",
                                occurred_on=datetime.date(2026, 10, 2), idempotency_key="d2")
    jobs.job_entry_reverse(by=owner_user, entry=wrong, memo="اشتباه", idempotency_key="d3",
                           occurred_on=datetime.date(2026, 10, 3))
    jobs.output_receive(by=owner_user, agreement=agreement, quantity=Decimal(20), grade="a",
                        occurred_on=datetime.date(2026, 3, 10), idempotency_key="d4")  # 19 Esfand 1404
    jobs.settlement_pay(by=owner_user, agreement=agreement, to_producer=True, amount=10_000_000,
                        occurred_on=datetime.date(2026, 10, 5), idempotency_key="d5")
    return SimpleNamespace(growers=growers, colonies=colonies, cluster=cluster, qaenat=qaenat,
                           users=[make_user(p) for p in people])


def test_the_jalali_year_bounds():
    assert doubling.jalali_year_bounds(TODAY) == (datetime.date(2026, 3, 21), datetime.date(2027, 3, 21))


def test_buybacks_count_in_their_jalali_year_and_corrections_cancel(world):
    figures = doubling.per_producer({g.pk for g in world.growers}, today=TODAY)
    first = figures[world.growers[0].pk]
    assert first.this_year == 50_000_000 and first.last_year == 20_000_000  # payments are not sales
    assert first.channels["buybacks"] == 50_000_000 and first.target == 200_000_000
    assert first.progress_permille == 250
    grouped = doubling.grouped({"a": {world.growers[0].pk, world.growers[1].pk}, "b": {world.growers[2].pk}},
                               today=TODAY)
    assert grouped["a"].baseline == 200_000_000 and grouped["a"].this_year == 50_000_000
    assert grouped[None].producers == 3 and grouped[None].target == 600_000_000


def test_levels_drill_down_within_scope(world, client, county_officer, birjand_officer, plain_user,
                                        django_assert_max_num_queries):
    client.force_login(county_officer)
    page = client.get(reverse("dashboards:doubling")).content.decode()
    assert world.cluster.name in page and 'data-test="doubling-total"' in page
    for unit in (world.cluster, world.colonies[0]):
        assert client.get(reverse("dashboards:doubling") + f"?unit={unit.pk}").status_code == 200
    with django_assert_max_num_queries(25):
        client.get(reverse("dashboards:doubling") + f"?unit={world.qaenat.pk}")
    assert client.get(reverse("dashboards:doubling-producer", args=[world.growers[0].pk])).status_code == 200
    client.force_login(birjand_officer)
    for unit in (world.qaenat, world.cluster, world.colonies[0]):
        assert client.get(reverse("dashboards:doubling") + f"?unit={unit.pk}").status_code == 404
    assert client.get(reverse("dashboards:doubling-producer", args=[world.growers[0].pk])).status_code == 404
    for bad in ("abc", "²", "9" * 40, "-1"):
        assert client.get(reverse("dashboards:doubling") + f"?unit={bad}").status_code == 404
    client.force_login(plain_user)
    assert client.get(reverse("dashboards:doubling")).status_code == 404


def test_a_producer_sees_her_own_figures_only(world, client):
    client.force_login(world.users[0])
    response = client.get(reverse("dashboards:doubling"))
    assert response.status_code == 302 and response.url.endswith(f"/producers/{world.growers[0].pk}/")
    assert client.get(response.url).status_code == 200
    assert client.get(reverse("dashboards:doubling-producer", args=[world.growers[1].pk])).status_code == 404
    assert client.get(reverse("dashboards:doubling") + f"?unit={world.qaenat.pk}").status_code == 404


def test_a_cluster_guide_sees_the_clusters_colonies(world, client, make_person, make_user):
    guide = make_user(make_person(world.qaenat), roles=[("cluster_guide", world.cluster)])
    client.force_login(guide)
    assert client.get(reverse("dashboards:doubling")).status_code == 200
    assert client.get(reverse("dashboards:doubling") + f"?unit={world.colonies[0].pk}").status_code == 200
    assert client.get(reverse("dashboards:doubling") + f"?unit={world.qaenat.pk}").status_code == 404
