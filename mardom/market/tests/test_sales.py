"""Booth sales: recorded by the booth's own seller on its days, attributed to producer, colony and cluster,
cancelled by a counter-sale, once per form; daily reports and visitor counts; nobody sells for another booth."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from mardom.core.errors import DomainError
from mardom.market import services
from mardom.market.models import Sale, SaleLine, VisitorCount
from mardom.market.selectors import exhibitions as selectors
from mardom.market.services.sales import Line
from mardom.production import services as production
from mardom.production.models import Product

STARTED = datetime.date(2018, 3, 21)
NOW = datetime.datetime(2026, 12, 12, 9, 30, tzinfo=datetime.UTC)  # 13:00 in Tehran, the exhibition's third day
OPENS = datetime.date(2026, 12, 10)


@pytest.fixture
def world(make_person, make_user, qaenat, qaenat_village, county_officer, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC), tick=False)
    saffron, barberry = Product.objects.get(code="saffron"), Product.objects.get(code="barberry")
    people = [make_person(qaenat) for _ in range(4)]
    growers = [production.producer_register(by=county_officer, person=p, place=qaenat_village, activities="کاشت",
                                            started_on=STARTED, baseline_sales=1, products=[(saffron, 10)])
               for p in people]
    colony = production.colony_create(by=county_officer, county=qaenat, product=saffron, place=qaenat_village,
                                      producers=growers[2:4], name="کلنی سده")
    production.colony_create(by=county_officer, county=qaenat, product=saffron, place=qaenat_village,
                             producers=growers[0:2], name="کلنی قاین")
    cluster = production.county_cluster_create(by=county_officer, county=qaenat, focus_product=saffron,
                                               colonies=[colony, *colony.parent.children.filter(
                                                   kind="colony").exclude(pk=colony.pk)])
    exhibition = services.exhibition_create(
        by=county_officer, county=qaenat, name="نمایشگاه قاین", type="seasonal", venue="سالن", starts_on=OPENS,
        ends_on=OPENS + datetime.timedelta(days=4), applications_close_on=OPENS - datetime.timedelta(days=2))
    for i in range(3):
        services.booth_add(by=county_officer, exhibition=exhibition, code=f"A{i + 1}", x=i * 3, y=0, width=3,
                           depth=2)
    users = [make_user(p) for p in people]
    mine = services.application_submit(by=users[0], exhibition=exhibition, term_start=OPENS,
                                       applicant=growers[0], products="زعفران")
    other = services.application_submit(by=users[1], exhibition=exhibition, term_start=OPENS,
                                        applicant=growers[1], products="زعفران")
    coordinator_user = users[2]
    from mardom.production.models import Colony

    Colony.objects.filter(pk=colony.pk).update(coordinator=people[2])
    group = services.application_submit(by=coordinator_user, exhibition=exhibition, term_start=OPENS,
                                        applicant=Colony.objects.get(pk=colony.pk), products="زعفران کلنی")
    services.allocate(by=county_officer, exhibition=exhibition, term_start=OPENS)
    time_machine.move_to(NOW, tick=False)
    for app in (mine, other, group):
        app.refresh_from_db()
    return SimpleNamespace(saffron=saffron, barberry=barberry, growers=growers, users=users, exhibition=exhibition,
                           mine=mine, other=other, group=group, colony=colony, cluster=cluster)


def sell(w, application, by, key, **kw):
    lines = kw.pop("lines", [Line(product=w.saffron, quantity=Decimal(4), unit_price=1_500_000)])
    return services.sale_record(by=by, application=application, lines=lines, method=kw.pop("method", "cash"),
                                idempotency_key=key, **kw)


def test_a_sale_is_attributed_to_producer_colony_and_cluster(world):
    sale = sell(world, world.mine, world.users[0], "s1")
    line = sale.lines.get()
    assert sale.total == 6_000_000 and sale.booth_id == world.mine.booth_id
    assert line.producer_id == world.growers[0].pk and line.colony is not None
    assert line.cluster_id == world.cluster.pk and line.brand is None


def test_a_sale_of_an_authorised_product_is_attributed_to_the_brand(world, county_officer):
    from mardom.brands import services as brands

    brand = brands.brand_create(by=county_officer, owner=world.cluster, name="زعفران سده", specification="سرگل",
                                rules="قواعد", effective_from=datetime.date(2026, 3, 21))
    brands.authorise(by=county_officer, brand=brand, producer=world.growers[0], product=world.saffron,
                     valid_from=datetime.date(2026, 3, 21))
    assert sell(world, world.mine, world.users[0], "b1").lines.get().brand_id == brand.pk


def test_a_groups_booth_sells_its_members_goods(world):
    sale = sell(world, world.group, world.users[2], "g1", lines=[
        Line(product=world.saffron, quantity=Decimal("2.5"), unit_price=1_000_000, producer=world.growers[3])])
    assert sale.lines.get().producer_id == world.growers[3].pk and sale.total == 2_500_000
    with pytest.raises(DomainError):  # not a member of the colony
        sell(world, world.group, world.users[2], "g2", lines=[
            Line(product=world.saffron, quantity=Decimal(1), unit_price=1, producer=world.growers[0])])


def test_nobody_records_for_another_booth(world, county_officer):
    for user in (world.users[1], county_officer, world.users[2]):
        with pytest.raises(PermissionDenied):
            sell(world, world.mine, user, f"x{user.pk}")
    assert not Sale.objects.exists()


@pytest.mark.parametrize("case", ["a_product_she_does_not_make", "negative_quantity", "zero_price", "nothing"])
def test_bad_sales_change_nothing(world, case):
    lines = {
        "a_product_she_does_not_make": [Line(product=world.barberry, quantity=Decimal(1), unit_price=1)],
        "negative_quantity": [Line(product=world.saffron, quantity=Decimal(-1), unit_price=1000)],
        "zero_price": [Line(product=world.saffron, quantity=Decimal(1), unit_price=0)],
        "nothing": [],
    }[case]
    with pytest.raises(DomainError):
        sell(world, world.mine, world.users[0], "bad", lines=lines)
    assert not Sale.objects.exists() and not SaleLine.objects.exists()


def test_sales_only_on_the_booths_days(world, time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 20, 9, 0, tzinfo=datetime.UTC), tick=False)
    with pytest.raises(DomainError):
        sell(world, world.mine, world.users[0], "late")


def test_the_same_form_twice_records_once_and_a_cancellation_keeps_the_record(world):
    first = sell(world, world.mine, world.users[0], "k1")
    assert sell(world, world.mine, world.users[0], "k1").pk == first.pk
    counter = services.sale_cancel(by=world.users[0], sale=first, idempotency_key="c1")
    assert counter.total == -first.total and counter.lines.get().quantity == -4
    with pytest.raises(DomainError):
        services.sale_cancel(by=world.users[0], sale=first, idempotency_key="c2")
    day = selectors.booth_day(application=world.mine, day=NOW.date())
    assert day["total"] == 0 and day["count"] == 0 and len(day["sales"]) == 2


def test_reports_and_visitors(world, county_officer):
    sell(world, world.mine, world.users[0], "r1", method="card")
    sell(world, world.other, world.users[1], "r2")
    services.visitors_record(by=county_officer, exhibition=world.exhibition, day=OPENS, visitors=420)
    services.visitors_record(by=county_officer, exhibition=world.exhibition, day=OPENS, visitors=450)  # corrected
    with pytest.raises(DomainError):  # a day still to come
        services.visitors_record(by=county_officer, exhibition=world.exhibition,
                                 day=OPENS + datetime.timedelta(days=4), visitors=1)
    with pytest.raises(PermissionDenied):
        services.visitors_record(by=world.users[0], exhibition=world.exhibition, day=OPENS, visitors=1)
    totals = selectors.exhibition_totals(exhibition=world.exhibition)
    assert totals["total"] == 12_000_000 and totals["visitors"] == 450 and VisitorCount.objects.count() == 1
    assert {d["day"] for d in totals["days"]} == {OPENS, NOW.date()}


def test_the_phone_page(world, client, county_officer):
    url = reverse("market:booth", args=[world.mine.pk])
    client.force_login(world.users[0])
    page = client.get(url).content.decode()
    assert 'data-test="sale-form"' in page
    key = page.split('name="key" value="')[1].split('"')[0]
    data = {"product_1": world.saffron.pk, "quantity_1": "۴", "price_1": "۱۵۰٬۰۰۰", "method": "cash", "key": key}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # sent twice on a slow connection: recorded once
    assert Sale.objects.get().total == 6_000_000  # 150,000 tomans × 4
    response = client.post(url, {**data, "quantity_1": "-2", "key": "other"})
    assert response.status_code == 400 and Sale.objects.count() == 1
    response = client.post(url, {**data, "price_1": "abc", "key": "other2"})
    assert response.status_code == 400
    report = client.get(reverse("market:booth-report", args=[world.mine.pk]) + "?day=۱۴۰۵/۰۹/۲۱")
    assert report.status_code == 200 and "۶۰۰\u066c۰۰۰" in report.content.decode()  # 600,000 tomans
    # Another seller, the organiser and a stranger cannot use this booth's page; the organiser reads the report.
    for user in (world.users[1], county_officer):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {**data, "key": "z"}).status_code == 404
    assert client.get(reverse("market:booth-report", args=[world.mine.pk])).status_code == 200
    client.force_login(world.users[1])
    assert client.get(reverse("market:booth-report", args=[world.mine.pk])).status_code == 404
    sale = Sale.objects.get()
    assert client.post(reverse("market:sale-cancel", args=[world.mine.pk, sale.pk])).status_code == 404
    assert Sale.objects.count() == 1
