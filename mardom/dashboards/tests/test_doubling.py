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
from mardom.production.models import Producer
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
                        occurred_on=datetime.date(2026, 3, 10), idempotency_key="d4",  # 19 Esfand 1404
                        now=datetime.datetime(2026, 3, 10, 7, 0, tzinfo=datetime.UTC))
    jobs.settlement_pay(by=owner_user, agreement=agreement, to_producer=True, amount=10_000_000,
                        occurred_on=datetime.date(2026, 10, 5), idempotency_key="d5")
    return SimpleNamespace(growers=growers, colonies=colonies, cluster=cluster, qaenat=qaenat, agreement=agreement,
                           owner_user=owner_user, users=[make_user(p) for p in people])


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


def _county_figures(client, qaenat):
    response = client.get(reverse("dashboards:doubling") + f"?unit={qaenat.pk}")
    total = response.context["total"]
    return total.producers, total.baseline, total.this_year, total.progress_permille, response


def test_forming_a_colony_does_not_move_the_countys_population(world, client, county_officer, make_person, qaenat,
                                                               qaenat_village):
    from mardom.production import services as production
    from mardom.production.models import Product

    saffron = Product.objects.get(code="saffron")
    loose = [production.producer_register(
        by=county_officer, person=make_person(qaenat), place=qaenat_village, activities="کاشت زعفران",
        started_on=STARTED, baseline_sales=50_000_000, products=[(saffron, 100)]) for _ in range(3)]
    client.force_login(county_officer)
    before = _county_figures(client, qaenat)
    assert before[:4] == (7, 4 * 100_000_000 + 3 * 50_000_000, 50_000_000, 50_000_000 * 1000 // 1_100_000_000)
    rows = {r["label"]: r["f"] for r in before[4].context["rows"]}
    assert rows["تولیدکنندگانی که هنوز در هیچ کلنی نیستند"].producers == 3  # those in no colony are a row of their own
    production.colony_create(by=county_officer, county=qaenat, product=saffron, place=qaenat_village,
                             producers=loose[:2], name="کلنی تازه")
    after = _county_figures(client, qaenat)
    assert after[:4] == before[:4]
    rows = {r["label"]: r["f"] for r in after[4].context["rows"]}
    assert rows["کلنی تازه"].producers == 2 and rows["تولیدکنندگانی که هنوز در هیچ کلنی نیستند"].producers == 1
    # The province and the nation count the same producers.
    assert client.get(reverse("dashboards:doubling") + f"?unit={qaenat.parent_id}").status_code == 404
    assert doubling.figures_by(Producer.objects.filter(unit__parent_id=qaenat.parent_id, status="approved"),
                               "unit", year=1405)[qaenat.pk].producers == 7


def test_the_page_chooses_the_year_and_compares_it_with_the_one_before(world, client, county_officer, qaenat):
    client.force_login(county_officer)
    now = client.get(reverse("dashboards:doubling") + f"?unit={qaenat.pk}")
    assert now.context["year"] == 1405 and now.context["total"].this_year == 50_000_000
    assert now.context["total"].last_year == 20_000_000
    assert 'name="year"' in now.content.decode() and "۱۴۰۴" in now.content.decode()
    before = client.get(reverse("dashboards:doubling") + f"?unit={qaenat.pk}&year=۱۴۰۴")
    assert before.context["year"] == 1404 and before.context["previous_year"] == 1403
    assert before.context["total"].this_year == 20_000_000 and before.context["total"].last_year == 0
    assert before.context["total"].channels["buybacks"] == 20_000_000
    for bad in ("abc", "1406", "1300", "9" * 40, "-1", "١٤٠٤x", "", "1404.5", "%2B1404"):
        response = client.get(reverse("dashboards:doubling") + f"?unit={qaenat.pk}&year={bad}")
        assert response.status_code == 200 and response.context["year"] == 1405
    mine = client.get(reverse("dashboards:doubling-producer", args=[world.growers[0].pk]) + "?year=1404")
    assert mine.context["total"].this_year == 20_000_000


def test_pages_cost_a_bounded_number_of_queries(world, client, national_officer, county_officer, qaenat,
                                                 south_khorasan, make_person, qaenat_village,
                                                 django_assert_max_num_queries):
    from mardom.production import services as production
    from mardom.production.models import Product

    barberry = Product.objects.get(code="barberry")
    more = [production.producer_register(
        by=county_officer, person=make_person(qaenat), place=qaenat_village, activities="زرشک",
        started_on=STARTED, baseline_sales=10_000_000, products=[(barberry, 100)]) for _ in range(6)]
    for i in (0, 2):  # more producers and colonies cost no more queries
        production.colony_create(by=county_officer, county=qaenat, product=barberry, place=qaenat_village,
                                 producers=more[i:i + 2], name=f"کلنی زرشک {i}")
    client.force_login(national_officer)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("dashboards:doubling"))
    assert page.context["unit"].kind == "nation" and page.context["total"].producers == 10
    assert [r["label"] for r in page.context["rows"]] == [south_khorasan.name]
    with django_assert_max_num_queries(22):
        assert client.get(reverse("dashboards:doubling") + f"?unit={south_khorasan.pk}").status_code == 200
    client.force_login(county_officer)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("dashboards:doubling") + f"?unit={qaenat.pk}&year=1404")
    # 1404's sales are there; its producers and baseline are those approved by its end, and these enrolled in 1405.
    assert page.context["total"].producers == 0 and page.context["total"].this_year == 20_000_000


def test_a_late_buyback_counts_in_the_year_it_was_recorded_on_every_reader(world, client, county_officer, qaenat):
    """Goods received on 28 Esfand 1404 and entered on 2 Farvardin 1405 count in 1405: as every roll-up counts a
    late entry, so 1404's figure, once the year is over, never moves. The county (read from the roll-ups), the
    producer's colony and the producer's own page (summed from the facts) say the same."""
    colony = next(c for c in world.colonies if c.members.filter(producer=world.growers[0]).exists())
    jobs.output_receive(by=world.owner_user, agreement=world.agreement, quantity=Decimal(10), grade="a",
                        occurred_on=datetime.date(2026, 3, 19), idempotency_key="late",
                        now=datetime.datetime(2026, 3, 22, 6, 0, tzinfo=datetime.UTC))
    client.force_login(county_officer)
    for year, sold in ((1405, 60_000_000), (1404, 20_000_000)):
        county = client.get(reverse("dashboards:doubling") + f"?unit={qaenat.pk}&year={year}").context["total"]
        group = client.get(reverse("dashboards:doubling") + f"?unit={colony.pk}&year={year}").context["total"]
        mine = doubling.per_producer({world.growers[0].pk}, year=year)[world.growers[0].pk]
        assert county.this_year == group.this_year == mine.this_year == sold
        assert county.channels["buybacks"] == mine.channels["buybacks"] == sold
