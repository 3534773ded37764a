"""The working-calendar pages through the test client: who reads and edits what, errors beside the fields,
query counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from mardom.core.models import AuditEntry
from mardom.desk.models import Holiday, ProvinceCalendar
from mardom.desk.services import calendar as services
from mardom.orgs.models import OrgUnit

pytestmark = pytest.mark.django_db

SATURDAY = dt.date(2026, 5, 2)  # 1405/02/12
CALENDAR = reverse("desk:calendar")
NEW = reverse("desk:holiday-create")


@pytest.fixture(autouse=True)
def _in_1405():
    with time_machine.travel(dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def tehran(db):
    return OrgUnit.objects.get(kind="province", name="تهران")


@pytest.fixture
def tehran_officer(make_person, make_user, tehran):
    county = OrgUnit.objects.filter(kind="county", parent=tehran).order_by("pk").first()
    return make_user(make_person(county), roles=[("province_officer", tehran)])


@pytest.fixture
def closure(province_officer, south_khorasan):
    """A South Khorasan closure, and Thursday a half day there."""
    services.thursday_set(by=province_officer, province=south_khorasan, half_day=True)
    return services.holiday_create(by=province_officer, date=SATURDAY, name="تعطیلی خراسان جنوبی",
                                   province=south_khorasan)


def state():
    return (sorted(Holiday.objects.values_list("pk", "date", "name", "estimated", "province_id")),
            sorted(ProvinceCalendar.objects.values_list("province_id", "thursday_half_day")),
            AuditEntry.objects.count())


def nowruz():
    return Holiday.objects.get(date=dt.date(2026, 3, 21), province__isnull=True)


# --- reading ----------------------------------------------------------------------------------------------

def test_the_national_officer_sees_this_years_national_holidays_in_persian(client, national_officer):
    client.force_login(national_officer)
    page = client.get(CALENDAR).content.decode()
    assert "تقویم کاری" in page and "۱۴۰۵" in page
    assert "۱ فروردین ۱۴۰۵" in page and "شنبه" in page and "جشن نوروز" in page  # 1405/01/01 is a Saturday
    assert "قیام ۱۵ خرداد" in page
    assert 'data-test="estimated"' in page  # Eid al-Fitr 1405/12/19 is not confirmed yet
    assert "۱۳۹۹" not in page and "۱ فروردین ۱۴۰۴" not in page
    assert 'data-test="holiday-new-national"' in page and 'data-test="holiday-edit"' in page
    assert 'data-test="thursday-form"' not in page  # no province chosen


def test_another_year_is_shown_on_asking(client, national_officer):
    client.force_login(national_officer)
    page = client.get(CALENDAR, {"year": "۱۴۰۴"}).content.decode()
    assert "۱ فروردین ۱۴۰۴" in page and "۱ فروردین ۱۴۰۵" not in page


def test_a_province_officer_starts_on_her_province_and_edits_only_its_part(client, province_officer, closure):
    client.force_login(province_officer)
    page = client.get(CALENDAR).content.decode()
    assert "تعطیلی خراسان جنوبی" in page and "جشن نوروز" in page
    assert "خراسان جنوبی" in page and "نیم‌روز" in page
    assert 'data-test="holiday-new-province"' in page and 'data-test="holiday-new-national"' not in page
    assert page.count('data-test="holiday-edit"') == 1  # her province's closure, not the national holidays
    assert 'data-test="thursday-form"' in page


def test_a_county_officer_reads_her_provinces_calendar_and_edits_nothing(client, county_officer, closure):
    client.force_login(county_officer)
    page = client.get(CALENDAR).content.decode()
    assert "تعطیلی خراسان جنوبی" in page and "جشن نوروز" in page
    assert 'data-test="holiday-edit"' not in page and 'data-test="thursday-form"' not in page
    assert 'data-test="holiday-new' not in page


def test_the_nav_shows_the_calendar_to_officers_only(client, county_officer, plain_user):
    client.force_login(county_officer)
    assert CALENDAR in client.get(reverse("home")).content.decode()
    client.force_login(plain_user)
    assert CALENDAR not in client.get(reverse("home")).content.decode()


def test_the_page_costs_the_same_with_many_holidays(client, national_officer, south_khorasan,
                                                    django_assert_max_num_queries):
    client.force_login(national_officer)
    with django_assert_max_num_queries(12):
        assert client.get(CALENDAR, {"province": south_khorasan.pk}).status_code == 200
    Holiday.objects.bulk_create(Holiday(date=SATURDAY + dt.timedelta(days=7 * n), name=f"تعطیل {n}",
                                        province=south_khorasan) for n in range(40))
    with django_assert_max_num_queries(12):
        page = client.get(CALENDAR, {"province": south_khorasan.pk}).content.decode()
    assert page.count('data-test="holiday-row"') > 60


# --- another scope, another role ------------------------------------------------------------------------------

def _views(w):
    """(method, url, data) of every calendar view on South Khorasan's part of the calendar."""
    return [
        ("get", f"{CALENDAR}?province={w['province'].pk}", None),
        ("get", f"{NEW}?year=1405&province={w['province'].pk}", None),
        ("post", f"{NEW}?year=1405&province={w['province'].pk}", {"date": "1405/02/20", "name": "تازه"}),
        ("get", reverse("desk:holiday-edit", args=[w["closure"].pk]), None),
        ("post", reverse("desk:holiday-edit", args=[w["closure"].pk]), {"date": "1405/02/21", "name": "x"}),
        ("post", reverse("desk:holiday-delete", args=[w["closure"].pk]), {}),
        ("post", reverse("desk:calendar-thursday", args=[w["province"].pk]), {"year": "1405"}),
    ]


def _call(client, method, url, data):
    return client.get(url) if method == "get" else client.post(url, data)


@pytest.mark.parametrize("index", range(7))
def test_another_provinces_officer_gets_404_and_nothing_changes(client, tehran_officer, closure, south_khorasan,
                                                              index):
    method, url, data = _views({"province": south_khorasan, "closure": closure})[index]
    before = state()
    client.force_login(tehran_officer)
    response = _call(client, method, url, data)
    assert response.status_code == 404
    assert 'lang="fa"' in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("index", range(1, 7))
def test_a_county_officer_gets_403_on_every_change_and_nothing_changes(client, county_officer, closure,
                                                                      south_khorasan, index):
    method, url, data = _views({"province": south_khorasan, "closure": closure})[index]
    before = state()
    client.force_login(county_officer)
    assert _call(client, method, url, data).status_code == 403
    assert state() == before


@pytest.mark.parametrize("index", range(7))
def test_a_person_without_a_role_gets_403_or_404(client, plain_user, closure, south_khorasan, index):
    method, url, data = _views({"province": south_khorasan, "closure": closure})[index]
    before = state()
    client.force_login(plain_user)
    assert _call(client, method, url, data).status_code in (403, 404)
    assert state() == before


@pytest.mark.parametrize("index", range(7))
def test_anonymous_is_sent_to_login(client, closure, south_khorasan, index):
    method, url, data = _views({"province": south_khorasan, "closure": closure})[index]
    before = state()
    response = _call(client, method, url, data)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert state() == before


def test_a_province_officer_may_not_edit_or_add_national_holidays(client, province_officer):
    before = state()
    client.force_login(province_officer)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW + "?year=1405", {"date": "1405/02/20", "name": "x"}).status_code == 403
    assert client.get(reverse("desk:holiday-edit", args=[nowruz().pk])).status_code == 403
    assert client.post(reverse("desk:holiday-delete", args=[nowruz().pk])).status_code == 403
    assert state() == before


def test_a_province_that_is_no_province_or_no_number_is_404(client, national_officer, qaenat):
    client.force_login(national_officer)
    assert client.get(CALENDAR, {"province": qaenat.pk}).status_code == 404
    assert client.get(NEW, {"province": "abc"}).status_code == 404
    assert client.get(NEW, {"province": qaenat.pk}).status_code == 404
    assert client.get(reverse("desk:holiday-edit", args=[999_999])).status_code == 404


# --- the forms ------------------------------------------------------------------------------------------------

def test_the_national_officer_adds_edits_and_removes_a_holiday(client, national_officer):
    client.force_login(national_officer)
    response = client.post(NEW + "?year=1405", {"date": "۱۴۰۵/۰۲/۱۲", "name": "تعطیل ويژه", "estimated": "on"})
    assert response.status_code == 302 and response["Location"] == f"{CALENDAR}?year=1405&province="
    holiday = Holiday.objects.get(date=SATURDAY)
    assert (holiday.name, holiday.estimated, holiday.province_id) == ("تعطیل ویژه", True, None)
    page = client.get(response["Location"]).content.decode()
    assert "تعطیل ویژه" in page and "۱۲ اردیبهشت ۱۴۰۵" in page

    edit = reverse("desk:holiday-edit", args=[holiday.pk])
    assert "۱۴۰۵/۰۲/۱۲" in client.get(edit).content.decode()
    assert client.post(edit, {"date": "1405/02/13", "name": "تعطیل ویژه"}).status_code == 302
    holiday.refresh_from_db()
    assert holiday.date == SATURDAY + dt.timedelta(days=1) and holiday.estimated is False

    assert client.post(reverse("desk:holiday-delete", args=[holiday.pk])).status_code == 302
    assert not Holiday.objects.filter(pk=holiday.pk).exists()
    assert list(AuditEntry.objects.filter(action__startswith="holiday.").values_list("action", flat=True)
                .order_by("pk")) == ["holiday.create", "holiday.update", "holiday.delete"]


def test_a_province_officer_adds_a_closure_and_sets_thursday(client, province_officer, south_khorasan):
    client.force_login(province_officer)
    url = f"{NEW}?year=1405&province={south_khorasan.pk}"
    assert "خراسان جنوبی" in client.get(url).content.decode()
    assert client.post(url, {"date": "1405/02/12", "name": "تعطیلی استانی"}).status_code == 302
    assert Holiday.objects.get(date=SATURDAY).province == south_khorasan
    thursday = reverse("desk:calendar-thursday", args=[south_khorasan.pk])
    response = client.post(thursday, {"thursday_half_day": "on", "year": "1405"})
    assert response.status_code == 302 and response["Location"] == f"{CALENDAR}?year=1405&province={south_khorasan.pk}"
    assert ProvinceCalendar.objects.get(province=south_khorasan).thursday_half_day is True
    client.post(thursday, {"year": "1405"})
    assert ProvinceCalendar.objects.get(province=south_khorasan).thursday_half_day is False
    assert AuditEntry.objects.filter(action="calendar.thursday").count() == 2


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"date": "1405/01/01", "name": "دوباره"}, "date", "تعطیلی دیگری"),  # Nowruz is already there
    ({"date": "1404/12/01", "name": "سال پیش"}, "date", "در سال ۱۴۰۵ نیست"),
    ({"date": "1405/13/01", "name": "ماه سیزدهم"}, "date", "ماه"),
    ({"date": "فردا", "name": "نامعلوم"}, "date", "۱۴۰۳/۰۱/۳۱"),
    ({"date": "", "name": "بی‌تاریخ"}, "date", "پر کنید"),
    ({"date": "1405/02/12", "name": ""}, "name", "پر کنید"),
    ({"date": "1405/02/12", "name": "<b>x</b>"}, "name", ""),
    ({"date": "1405/02/12", "name": "ب" * 201}, "name", "۲۰۰"),
])
def test_bad_input_is_refused_beside_the_field_and_nothing_changes(client, national_officer, data, field,
                                                                  message):
    client.force_login(national_officer)
    before = state()
    response = client.post(NEW + "?year=1405", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert f'class="field invalid" data-field="{field}"' in response.content.decode()
    assert state() == before


def test_a_closure_on_a_national_holiday_is_refused_beside_the_date(client, province_officer, south_khorasan):
    client.force_login(province_officer)
    before = state()
    response = client.post(f"{NEW}?year=1405&province={south_khorasan.pk}", {"date": "1405/01/02", "name": "x"})
    assert response.status_code == 400
    assert "سراسری" in response.context["form"].errors["date"][0]
    assert state() == before


def test_editing_into_another_year_is_refused(client, national_officer):
    client.force_login(national_officer)
    before = state()
    response = client.post(reverse("desk:holiday-edit", args=[nowruz().pk]), {"date": "1406/01/01", "name": "x"})
    assert response.status_code == 400 and "۱۴۰۵" in response.context["form"].errors["date"][0]
    assert state() == before


def test_a_wrong_year_on_the_page_falls_back_to_this_year_with_a_message(client, national_officer):
    client.force_login(national_officer)
    response = client.get(CALENDAR, {"year": "99999"})
    assert response.status_code == 200
    assert response.context["cal"].year == 1405 and "year" in response.context["form"].errors
