"""The picker's search endpoint."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_client(client: Client) -> Client:
    user = get_user_model().objects.create_user(username="geo-tester", password="a-long-password-1")
    client.force_login(user)
    return client


def test_returns_options_fragment_for_a_logged_in_user(user_client: Client) -> None:
    url = reverse("geo:place-search")
    response = user_client.get(url, {"q": "قائنات", "kinds": "county,city", "field": "home"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="place-option"' in html
    assert 'data-place-id="1318"' in html  # county قاینات
    assert "<html" not in html  # a fragment, not a page


def test_kinds_restrict_the_options(user_client: Client) -> None:
    response = user_client.get(reverse("geo:place-search"), {"q": "قاینات", "kinds": "village"})
    assert 'data-place-id="1318"' not in response.content.decode()


def test_short_or_odd_queries_are_not_errors(user_client: Client) -> None:
    url = reverse("geo:place-search")
    for params in ({}, {"q": "ق"}, {"q": "x" * 500}, {"q": "قاین", "kinds": "nonsense,,"}):
        response = user_client.get(url, params)
        assert response.status_code == 200
        assert "place-picker-hint" in response.content.decode() or "place-option" in response.content.decode()


def test_anonymous_users_are_sent_to_login(client: Client) -> None:
    url = reverse("geo:place-search") + "?q=%D9%82%D8%A7%DB%8C%D9%86"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_only_get(user_client: Client) -> None:
    assert user_client.post(reverse("geo:place-search"), {"q": "قاین"}).status_code == 405
