"""Login throttling counts a person once, whichever identifier is typed, at the client's real address."""

from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse

from mardom.conftest import PASSWORD
from mardom.core.digits import to_persian_digits
from mardom.people.auth import client_ip, throttle_username


@pytest.fixture
def login_user(qaenat_world):
    return qaenat_world.person, qaenat_world.user


def _fail(client, names, **extra):
    return [client.post(reverse("login"), {"username": name, "password": "wrong-Pass-1"}, **extra).status_code
            for name in names]


def test_every_identifier_of_one_person_is_one_name(login_user):
    person, user = login_user
    spellings = [person.national_id, to_persian_digits(person.national_id), person.mobile,
                 to_persian_digits(person.mobile), "+98" + person.mobile[1:], person.mobile[1:]]
    assert {throttle_username(None, {"username": s}) for s in spellings} == {user.username}
    assert throttle_username(None, {"username": "۰۹۱۹۹۹۹۹۹۹۹"}) == "09199999999"  # nobody's: as normalised


def test_five_wrong_attempts_spread_over_mobile_and_national_id_lock_the_person(client, login_user):
    person, _ = login_user
    client.raise_request_exception = False
    statuses = _fail(client, [person.mobile, person.national_id, to_persian_digits(person.mobile),
                              "+98" + person.mobile[1:], to_persian_digits(person.national_id)])
    assert statuses == [200, 200, 200, 200, 429]
    for name in (person.national_id, person.mobile):
        assert client.post(reverse("login"), {"username": name, "password": PASSWORD}).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_mobile_shared_by_two_people_is_not_merged_with_either(login_user, make_person, make_user, qaenat):
    person, user = login_user
    twin = make_person(unit=qaenat, mobile=person.mobile)
    make_user(twin)
    assert throttle_username(None, {"username": person.mobile}) == person.mobile
    assert throttle_username(None, {"username": person.national_id}) == user.username


def test_without_the_setting_the_address_is_remote_addr(rf: RequestFactory):
    request = rf.post("/login/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.1"  # a forwarded header the client can forge is ignored


@pytest.mark.parametrize("header", ["X-Forwarded-For", "HTTP_X_FORWARDED_FOR", "x-forwarded-for"])
def test_the_trusted_proxy_header_gives_the_address(rf: RequestFactory, header):
    with override_settings(MARDOM_TRUSTED_PROXY_HEADER=header):
        # Only the right-most entry is what our proxy appended; the ones before it came from the client.
        request = rf.post("/login/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 5.6.7.8")
        assert client_ip(request) == "5.6.7.8"
        assert client_ip(rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip")) == "10.0.0.1"
        assert client_ip(rf.post("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"
    with override_settings(MARDOM_TRUSTED_PROXY_HEADER="X-Real-IP"):
        assert client_ip(rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="2001:db8::1")) == "2001:db8::1"


@override_settings(MARDOM_TRUSTED_PROXY_HEADER="X-Forwarded-For")
def test_behind_the_proxy_one_client_cannot_lock_the_person_out_everywhere(client, login_user):
    person, user = login_user
    client.raise_request_exception = False
    attacker = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}
    assert _fail(client, [person.national_id] * 5, **attacker)[-1] == 429
    # The same proxy (REMOTE_ADDR), another client: the person still signs in.
    response = client.post(reverse("login"), {"username": person.mobile, "password": PASSWORD},
                           REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_without_the_proxy_header_the_address_is_the_proxy_for_everyone(client, login_user):
    """The default: all requests through one proxy share its address, so the lock is per person there."""
    person, _ = login_user
    client.raise_request_exception = False
    _fail(client, [person.national_id] * 5, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
    response = client.post(reverse("login"), {"username": person.mobile, "password": PASSWORD},
                           REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert response.status_code == 429
