"""The inspector's home page: the lots waiting for her, of her brand only, never her own."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from mardom.brands import selectors, services
from mardom.brands.models import Lot

from .test_views import world as world  # a fixture, used by name

pytestmark = pytest.mark.django_db


def _home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_inspector_sees_the_lot_waiting_for_her(world, client):
    html = _home(client, world.inspector)
    assert 'data-test="home-lots"' in html
    assert reverse("brands:lot", args=[world.waiting.pk]) in html
    for done in (world.lot, world.failed, world.shown_lot):  # passed or failed already
        assert reverse("brands:lot", args=[done.pk]) not in html
    assert client.get(reverse("brands:lot", args=[world.waiting.pk])).status_code == 200  # the link opens


def test_another_brands_inspector_and_the_producer_do_not_see_it(world, client, make_user, make_person):
    b_lot = services.lot_declare(by=world.b_producer_user, authorisation=world.b_auth, quantity=Decimal(3),
                                 made_on=world.made)
    b_inspector = make_user(make_person(world.b_brand.parent), roles=[("brand_inspector", world.b_brand)])
    assert [lot.pk for lot in selectors.lots_waiting(user=b_inspector)] == [b_lot.pk]
    html = _home(client, b_inspector)
    assert reverse("brands:lot", args=[world.waiting.pk]) not in html
    for user in (world.producer_user, world.officer, world.outsider):
        assert selectors.lots_waiting(user=user) == []
        assert 'data-test="home-lots"' not in _home(client, user)
    assert Lot.objects.get(pk=world.waiting.pk).status == Lot.Status.DECLARED  # nothing changed


def test_an_inspector_is_not_shown_a_lot_she_declared(world):
    # Arranged directly: the services refuse an inspector declaring; the reading must refuse it too.
    mine = Lot.objects.create(brand=world.brand, authorisation=world.hidden, code="MINE-1", quantity=Decimal(1),
                              made_on=world.made, declared_by=world.inspector,
                              declared_at=world.waiting.declared_at + datetime.timedelta(minutes=1))
    assert mine.pk not in [lot.pk for lot in selectors.lots_waiting(user=world.inspector)]


def test_the_producer_home_shows_her_shop_and_a_plain_person_none(world, client, plain_user):
    html = _home(client, world.producer_user)
    assert 'data-test="home-shop"' in html
    for name in ("shop:my-orders", "shop:my-listings", "shop:my-payouts"):
        assert reverse(name) in html
        assert client.get(reverse(name)).status_code == 200
    html = _home(client, plain_user)
    for section in ("home-shop", "home-lots", "home-decisions", "home-inbox", "home-booths",
                    "home-job-leaders", "home-funds", "home-loans"):
        assert f'data-test="{section}"' not in html
    assert 'data-test="my-file"' in html and 'data-test="no-role"' in html
    assert reverse("orgs:base-list") not in html  # she would be refused it
