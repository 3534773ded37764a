"""Password rules speak Persian, and refuse the person's own national ID, mobile or birth date."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from mardom.conftest import PASSWORD
from mardom.core.digits import to_persian_digits
from mardom.core.errors import DomainError
from mardom.people import services
from mardom.people.models import User

BIRTH = datetime.date(1986, 9, 22)  # ۱۳۶۵/۰۶/۳۱


@pytest.fixture
def person(make_person, qaenat):
    return make_person(qaenat, mobile="09151112233", birth_date=BIRTH)


def _personal(person):
    nid = person.national_id
    return [
        nid, to_persian_digits(nid), f"{nid[:3]}-{nid[3:9]}-{nid[9]}",
        "09151112233", "۰۹۱۵۱۱۱۲۲۳۳", "+98 915 111 2233", "0915-111-2233", "9151112233", "+989151112233",
        "1365/06/31", "۱۳۶۵/۰۶/۳۱", "1365-6-31", "65/06/31", "31/06/1365", "١٣٦٥.٠٦.٣١", "13650631",
        "1986-09-22", "22/09/1986", "19860922",
    ]


def test_the_persons_own_numbers_are_refused_in_any_form(county_officer, person, row_counts):
    before = row_counts()
    for password in _personal(person):
        with translation.override("fa"), pytest.raises(DomainError) as error:
            services.account_set_password(by=county_officer, person=person, password=password)
        assert error.value.field == "password", password
        assert "کد ملی، شمارهٔ همراه یا تاریخ تولد" in str(error.value.message), password
    assert row_counts() == before
    assert not User.objects.filter(person=person).exists()


def test_the_same_numbers_are_refused_on_a_reset(county_officer, person):
    user = services.account_set_password(by=county_officer, person=person, password=PASSWORD)
    old = user.password
    with pytest.raises(DomainError):
        services.account_set_password(by=county_officer, person=person, password="1365/06/31")
    user.refresh_from_db()
    assert user.password == old


def test_a_password_that_merely_contains_a_number_is_allowed(county_officer, person):
    user = services.account_set_password(by=county_officer, person=person, password=f"x{person.national_id}y")
    assert user.check_password(f"x{person.national_id}y")


def test_another_persons_numbers_are_not_refused(county_officer, person, make_person, qaenat):
    other = make_person(qaenat, birth_date=datetime.date(1990, 1, 1))
    assert services.account_set_password(by=county_officer, person=other, password="1365/06/31")


@pytest.mark.parametrize(
    ("password", "message"),
    [("kutah1", "این گذرواژه کوتاه است: دست‌کم ۸ نویسه بنویسید."),
     ("password", "این گذرواژه بسیار رایج است؛ گذرواژه‌ای بگزینید که حدس زدنش سخت‌تر باشد."),
     ("۸۳۷۲۹۱۸۴۶۵۱۲", "این گذرواژه فقط رقم است؛ حرف هم به آن بیفزایید.")],
)
def test_the_rules_speak_persian(county_officer, person, password, message):
    with translation.override("fa"), pytest.raises(DomainError) as error:
        services.account_set_password(by=county_officer, person=person, password=password)
    assert message in str(error.value.message)
    assert not any("a" <= ch <= "z" for ch in str(error.value.message))  # no English left in it


def test_the_password_page_refuses_the_birth_date_beside_the_field(client, qaenat_world):
    w = qaenat_world
    w.person.birth_date = BIRTH
    w.person.save(update_fields=["birth_date"])
    old = w.user.password
    client.force_login(w.officer)
    response = client.post(reverse("people:password", args=[w.person.pk]),
                           {"password": "۱۳۶۵/۰۶/۳۱", "password_again": "۱۳۶۵/۰۶/۳۱"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="field invalid" data-field="password"' in body and "تاریخ تولد" in body
    w.user.refresh_from_db()
    assert w.user.password == old
