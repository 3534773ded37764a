"""The exhibitions list at national size: 50 a page, search by name, type and dates; bad input never a 500."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from mardom.market import services

URL = reverse("market:exhibitions")
TODAY = datetime.date(2026, 11, 25)


@pytest.fixture
def exhibitions(county_officer, qaenat, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.UTC), tick=False)

    def make(name, starts, type="seasonal"):
        return services.exhibition_create(
            by=county_officer, county=qaenat, name=name, type=type, venue="سالن قاین", starts_on=starts,
            ends_on=starts + datetime.timedelta(days=5), applications_close_on=starts - datetime.timedelta(days=3),
            term_days=30 if type == "permanent" else None)

    past = [make(f"نمایشگاه پاییزه {n}", TODAY - datetime.timedelta(days=400 + n)) for n in range(1, 53)]
    return {"past": past, "now": make("نمایشگاه دائمی قاین", TODAY - datetime.timedelta(days=2), "permanent"),
            "soon": make("نمایشگاه يلدا", TODAY + datetime.timedelta(days=20))}


def test_fifty_a_page_and_the_filters(client, plain_user, exhibitions, django_assert_max_num_queries):
    client.force_login(plain_user)
    with django_assert_max_num_queries(12):
        first = client.get(URL)
    assert len(first.context["page"].object_list) == 50 and first.context["page"].paginator.count == 54
    assert len(client.get(URL, {"page": "2"}).context["page"].object_list) == 4
    assert [e.pk for e in client.get(URL, {"when": "current"}).context["page"]] == [exhibitions["now"].pk]
    assert [e.pk for e in client.get(URL, {"when": "upcoming"}).context["page"]] == [exhibitions["soon"].pk]
    assert client.get(URL, {"when": "past"}).context["page"].paginator.count == 52
    assert [e.pk for e in client.get(URL, {"type": "permanent"}).context["page"]] == [exhibitions["now"].pk]
    # Arabic yeh in the stored name and in the query alike.
    assert [e.pk for e in client.get(URL, {"q": "یلدا"}).context["page"]] == [exhibitions["soon"].pk]
    body = client.get(URL, {"when": "past"}).content.decode()
    assert "when=past&amp;page=2" in body


@pytest.mark.parametrize("params", [{"page": "x"}, {"page": "0"}, {"when": "never"}, {"type": "<b>"},
                                    {"q": "ی" * 300}, {"page": "9" * 30}])
def test_bad_input_is_never_a_500(client, plain_user, exhibitions, params):
    client.force_login(plain_user)
    assert client.get(URL, params).status_code == 200


@pytest.mark.parametrize("name", ["brands:list", "production:job-leaders", "orgs:base-list", "people:list",
                                  "audit"])
def test_other_lists_take_any_page_number(client, national_officer, name):
    client.force_login(national_officer)
    for page in ("abc", "-1", "99999", "1" * 30):
        assert client.get(reverse(name), {"page": page, "q": "x"}).status_code in (200, 403), (name, page)
