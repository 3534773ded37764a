"""The storefront's fixture, shared by test_shop and test_gateway: three saffron growers of one colony, members
of its brand, two of them with a listing."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from mardom.market import services
from mardom.production import services as production
from mardom.production.models import Product

STARTED = datetime.date(2018, 3, 21)


@pytest.fixture
def shop(make_person, make_user, qaenat, qaenat_village, county_officer, time_machine):
    from mardom.brands import services as brands

    time_machine.move_to(datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC), tick=False)
    saffron = Product.objects.get(code="saffron")
    people = [make_person(qaenat) for _ in range(3)]
    growers = [production.producer_register(by=county_officer, person=p, place=qaenat_village, activities="کاشت",
                                            started_on=STARTED, baseline_sales=1, products=[(saffron, 10)])
               for p in people]
    colony = production.colony_create(by=county_officer, county=qaenat, product=saffron, place=qaenat_village,
                                      producers=growers, name="کلنی سده")
    brand = brands.brand_create(by=county_officer, owner=colony, name="زعفران سده", specification="سرگل",
                                rules="قواعد", effective_from=datetime.date(2026, 3, 21))
    auths = [brands.authorise(by=county_officer, brand=brand, producer=g, product=saffron,
                              valid_from=datetime.date(2026, 3, 21)) for g in growers]
    users = [make_user(p) for p in people]
    listings = [services.listing_create(by=users[i], authorisation=auths[i], title=f"کیسه زعفران {i}",
                                        pack="۴ گرم", price=1_000_000 * (i + 1), stock=5) for i in range(2)]
    return SimpleNamespace(saffron=saffron, people=people, growers=growers, users=users, brand=brand, auths=auths,
                           listings=listings, colony=colony)
