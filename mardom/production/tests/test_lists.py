"""Production lists that stay usable at national size: the advantaged products one region at a time, the
producers list's pager keeping its filters."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mardom.production import services
from mardom.production.models import AdvantagedProduct, Product

from .test_producers import register

URL = reverse("production:advantaged")


@pytest.fixture
def saffron(db):
    return Product.objects.get(code="saffron")


def forms_on(response):
    return response.content.decode().count("/add/\"")


def test_a_national_officer_sees_one_province_not_thirty_one(client, national_officer, south_khorasan, qaenat,
                                                            saffron, county_officer,
                                                            django_assert_max_num_queries):
    services.advantaged_add(by=county_officer, region=qaenat, product=saffron)
    client.force_login(national_officer)
    with django_assert_max_num_queries(15):
        first = client.get(URL)
    assert first.status_code == 200 and forms_on(first) == 1
    assert len(first.content) < 60_000
    page = client.get(URL, {"region": south_khorasan.pk})
    body = page.content.decode()
    assert forms_on(page) == 1 and f'data-test="region-{south_khorasan.pk}"' in body
    assert f"?region={qaenat.pk}" in body and "زعفران" in body  # the county's products, a link to it
    county = client.get(URL, {"region": qaenat.pk})
    assert forms_on(county) == 1 and f'action="/production/advantaged/{qaenat.pk}/add/"' in county.content.decode()


@pytest.mark.parametrize("region", ["abc", "-1", "99999999", "1", "1" * 40, "٣"])
def test_a_bad_region_is_a_message_not_a_500(client, county_officer, qaenat, region):
    client.force_login(county_officer)
    response = client.get(URL, {"region": region})
    assert response.status_code == 200
    assert response.context["chosen"] == qaenat
    assert response.context["error"]


def test_a_region_outside_the_scope_is_not_shown(client, county_officer, birjand, qaenat, saffron, birjand_officer):
    services.advantaged_add(by=birjand_officer, region=birjand, product=saffron)
    client.force_login(county_officer)
    response = client.get(URL, {"region": birjand.pk})
    assert response.context["chosen"] == qaenat and response.context["error"]
    assert f'data-test="region-{birjand.pk}"' not in response.content.decode()
    # Nor can she add to it (the database unchanged).
    client.post(reverse("production:advantaged-add", args=[birjand.pk]), {f"r{birjand.pk}-product": saffron.pk})
    assert list(AdvantagedProduct.objects.values_list("region_id", flat=True)) == [birjand.pk]


def test_adding_returns_to_the_same_region(client, province_officer, birjand, saffron):
    client.force_login(province_officer)
    response = client.post(reverse("production:advantaged-add", args=[birjand.pk]),
                           {f"r{birjand.pk}-product": saffron.pk})
    assert response.status_code == 302 and response["Location"].endswith(f"?region={birjand.pk}")
    advantage = AdvantagedProduct.objects.get(region=birjand)
    response = client.post(reverse("production:advantaged-remove", args=[advantage.pk]))
    assert response["Location"].endswith(f"?region={birjand.pk}")
    assert not AdvantagedProduct.objects.exists()


def test_the_producers_pager_keeps_the_filters(client, county_officer, make_person, qaenat, qaenat_village, saffron):
    for _ in range(51):
        register(county_officer, make_person(qaenat), qaenat_village, saffron)
    client.force_login(county_officer)
    response = client.get(reverse("production:producers"), {"product": "saffron", "status": "approved"})
    assert "product=saffron&amp;status=approved&amp;page=2" in response.content.decode()
    assert len(client.get(reverse("production:producers"), {"product": "saffron", "status": "approved",
                                                             "page": "2"}).context["page"].object_list) == 1


EXPORT = reverse("production:producers-export")


def export_rows(response):
    import csv
    import io

    assert response.streaming and response["Content-Type"].startswith("text/csv")
    raw = b"".join(response.streaming_content).decode("utf-8")
    assert raw.startswith("\ufeff")
    return list(csv.reader(io.StringIO(raw[1:])))


def test_the_producers_csv_is_scoped_and_filtered_like_the_page(client, county_officer, birjand_officer,
                                                                 make_person, qaenat, qaenat_village, saffron,
                                                                 birjand, birjand_village):
    mine = register(county_officer, make_person(qaenat), qaenat_village, saffron)
    theirs = register(birjand_officer, make_person(birjand), birjand_village, saffron)
    client.force_login(county_officer)
    header, *rows = export_rows(client.get(EXPORT, {"product": "saffron"}))
    assert "ریال" in header[-1]
    assert [r[0] for r in rows] == [str(mine.pk)]
    assert rows[0][1] == mine.person.full_name and rows[0][-1] == "120000000"
    assert rows[0][3] == saffron.name and rows[0][7].startswith("14")  # a Jalali date
    assert export_rows(client.get(EXPORT, {"status": "pending"}))[1:] == []
    client.force_login(birjand_officer)
    assert [r[0] for r in export_rows(client.get(EXPORT))[1:]] == [str(theirs.pk)]


def test_a_producer_sees_no_export(client, county_officer, make_person, make_user, qaenat, qaenat_village, saffron):
    producer = register(county_officer, make_person(qaenat), qaenat_village, saffron)
    client.force_login(make_user(producer.person))
    assert client.get(EXPORT).status_code == 403
    assert 'data-test="producer-export"' not in client.get(reverse("production:producers")).content.decode()


@pytest.mark.parametrize("params", [{"status": "x"}, {"product": "<b>"}, {"q": "ي" * 300}, {"page": "x"}])
def test_bad_export_filters_are_never_a_500(client, county_officer, params):
    client.force_login(county_officer)
    assert client.get(EXPORT, params).status_code == 200


def test_a_base_officer_without_a_region_gets_an_empty_page(client, base_officer):
    """She sees producers (of her base) but no county or province: the page opens, with nothing to manage."""
    client.force_login(base_officer)
    response = client.get(URL)
    assert response.status_code == 200 and 'data-test="no-region"' in response.content.decode()
    assert client.get(URL, {"region": "x"}).status_code == 200
