"""Places in the admin: searchable the picker's way, never editable."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client: Client) -> Client:
    user = get_user_model().objects.create_superuser(username="geo-admin", password="a-long-password-1")
    client.force_login(user)
    return client


def test_search_with_arabic_letters_and_read_only(admin_client_: Client) -> None:
    url = reverse("admin:geo_place_changelist")
    response = admin_client_.get(url, {"q": "قاينات", "kind__exact": "county"})
    assert response.status_code == 200
    assert "قاینات" in response.content.decode()
    assert admin_client_.get(reverse("admin:geo_place_add")).status_code == 403
    change = admin_client_.get(reverse("admin:geo_place_change", args=[1318]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
