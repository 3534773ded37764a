"""Booth holders' names on the exhibition page follow the consent of the brand and shop pages."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from mardom.market.tests.test_sales import world  # noqa: F401  (the fixture: three booths allocated)


@pytest.fixture
def consent(world, county_officer):  # noqa: F811
    """Grower 0 agreed to show her name on the brand; grower 1 did not."""
    from mardom.brands import services as brands

    brand = brands.brand_create(by=county_officer, owner=world.cluster, name="زعفران سده", specification="سرگل",
                                rules="قواعد", effective_from=datetime.date(2026, 3, 21))
    brands.authorise(by=county_officer, brand=brand, producer=world.growers[0], product=world.saffron,
                     valid_from=datetime.date(2026, 3, 21), name_public=True)
    brands.authorise(by=county_officer, brand=brand, producer=world.growers[1], product=world.saffron,
                     valid_from=datetime.date(2026, 3, 21), name_public=False)
    return world


def _page(client, user, w):
    client.force_login(user)
    response = client.get(reverse("market:exhibition", args=[w.exhibition.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_another_signed_in_user_sees_only_the_consenting_name(client, consent, make_person, make_user, birjand):
    w = consent
    stranger = make_user(make_person(birjand))
    page = _page(client, stranger, w)
    assert w.growers[0].person.full_name in page
    assert w.growers[1].person.full_name not in page
    assert f"تولیدکننده‌ای از {w.growers[1].place.name}" in page
    assert w.colony.name in page  # a group's name is public


def test_the_holder_sees_her_own_name(client, consent):
    w = consent
    assert w.growers[1].person.full_name in _page(client, w.users[1], w)


def test_the_organiser_sees_every_name(client, consent, county_officer):
    w = consent
    page = _page(client, county_officer, w)
    assert w.growers[0].person.full_name in page and w.growers[1].person.full_name in page


def test_a_suspended_consent_no_longer_shows_the_name(client, consent, make_person, make_user, birjand):
    from mardom.brands.models import Authorisation

    w = consent
    Authorisation.objects.filter(producer=w.growers[0]).update(status=Authorisation.Status.SUSPENDED)
    page = _page(client, make_user(make_person(birjand)), w)
    assert w.growers[0].person.full_name not in page
