"""The working calendar's writes: who edits which holidays, refusals that change nothing, the audit trail,
and the official holidays every install starts with."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from mardom.core.errors import DomainError
from mardom.core.models import AuditEntry
from mardom.desk.models import Holiday, ProvinceCalendar
from mardom.desk.reference import SEEDED_YEARS, jalali_year_range, official_holidays, seed_holidays
from mardom.desk.services import calendar as services
from mardom.desk.workcal import calendar_for
from mardom.orgs.models import OrgUnit

pytestmark = pytest.mark.django_db

SATURDAY = dt.date(2026, 5, 2)  # 1405/02/12, not a holiday
SUNDAY = SATURDAY + dt.timedelta(days=1)


@pytest.fixture
def tehran(db):
    return OrgUnit.objects.get(kind="province", name="تهران")


@pytest.fixture
def tehran_officer(make_person, make_user, tehran):
    county = OrgUnit.objects.filter(kind="county", parent=tehran).order_by("pk").first()
    return make_user(make_person(county), roles=[("province_officer", tehran)])


def state():
    return (sorted(Holiday.objects.values_list("date", "name", "estimated", "province_id")),
            sorted(ProvinceCalendar.objects.values_list("province_id", "thursday_half_day")),
            AuditEntry.objects.count())


# --- the official holidays ----------------------------------------------------------------------------------

def test_every_install_starts_with_the_official_holidays_of_1404_and_1405():
    assert SEEDED_YEARS == (1404, 1405)
    first, _ = jalali_year_range(1404)
    _, last = jalali_year_range(1405)
    assert (first, last) == (dt.date(2025, 3, 21), dt.date(2027, 3, 20))
    official = {h.date: h for year in SEEDED_YEARS for h in official_holidays(year)}
    stored = {h.date: h for h in Holiday.objects.filter(province__isnull=True, date__range=(first, last))}
    assert stored.keys() == official.keys()
    assert len(stored) > 50
    nowruz = stored[dt.date(2026, 3, 21)]  # 1405/01/01, also Eid al-Fitr this year (confirmed)
    assert "نوروز" in nowruz.name and "فطر" in nowruz.name and nowruz.estimated is False
    assert "۱۵" in stored[dt.date(2025, 6, 5)].name  # قیام ۱۵ خرداد, in Persian digits
    fitr = stored[dt.date(2027, 3, 10)]  # 1405/12/19: the moon of Shawwal 1448 is not yet sighted
    assert "فطر" in fitr.name and fitr.estimated is True
    assert not any(h.estimated for h in stored.values() if h.date.year == 2025)


def test_seeding_again_adds_nothing_and_keeps_what_officers_edited():
    nowruz = Holiday.objects.get(date=dt.date(2026, 3, 21), province__isnull=True)
    Holiday.objects.filter(pk=nowruz.pk).update(name="نوروز ۱۴۰۵")
    before = Holiday.objects.count()
    assert seed_holidays(Holiday) == 0
    assert Holiday.objects.count() == before
    assert Holiday.objects.get(pk=nowruz.pk).name == "نوروز ۱۴۰۵"


def test_the_command_adds_a_later_year_once_and_audits_it():
    assert not Holiday.objects.filter(date__gte=dt.date(2027, 3, 21)).exists()
    call_command("desk-holidays", "۱۴۰۶", verbosity=0)
    added = Holiday.objects.filter(date__range=jalali_year_range(1406), province__isnull=True)
    assert added.count() == len(official_holidays(1406)) > 20
    assert added.filter(date=dt.date(2027, 3, 21)).exists()  # Nowruz 1406
    entry = AuditEntry.objects.get(action="holiday.seed")
    assert entry.actor is None and entry.after == {"years": [1406], "count": added.count()}
    call_command("desk-holidays", "1406", verbosity=0)
    assert AuditEntry.objects.filter(action="holiday.seed").count() == 1  # nothing added, nothing recorded


@pytest.mark.parametrize("year", ["abc", "1200", "1600"])
def test_the_command_refuses_a_year_it_cannot_seed(year):
    before = Holiday.objects.count()
    with pytest.raises(CommandError):
        call_command("desk-holidays", year, verbosity=0)
    assert Holiday.objects.count() == before


def test_only_the_national_officer_seeds_from_a_page(national_officer, province_officer):
    with pytest.raises(PermissionDenied):
        services.holidays_seed(by=province_officer, years=[1406])
    assert services.holidays_seed(by=national_officer, years=[1406]) > 20
    assert AuditEntry.objects.get(action="holiday.seed").actor == national_officer


# --- who edits what -------------------------------------------------------------------------------------------

def test_the_national_officer_adds_a_national_holiday_and_it_is_counted(national_officer, qaenat):
    holiday = services.holiday_create(by=national_officer, date=SATURDAY, name=" تعطیل  ويژه ")
    assert (holiday.province_id, holiday.name, holiday.estimated) == (None, "تعطیل ویژه", False)
    entry = AuditEntry.objects.get(action="holiday.create")
    assert entry.actor == national_officer and entry.scope_path == "/1/"
    assert entry.after == {"date": "2026-05-02", "name": "تعطیل ویژه", "estimated": False, "province": None}
    assert SATURDAY in calendar_for(unit=qaenat).holidays


def test_a_province_officer_adds_her_provinces_closure(province_officer, south_khorasan, qaenat, tehran):
    holiday = services.holiday_create(by=province_officer, date=SATURDAY, name="تعطیلی استانی",
                                      province=south_khorasan, estimated=True)
    assert holiday.province == south_khorasan and holiday.estimated
    assert AuditEntry.objects.get(action="holiday.create").scope_path == south_khorasan.path
    assert SATURDAY in calendar_for(unit=qaenat).holidays
    assert SATURDAY not in calendar_for(province=tehran).holidays
    assert SATURDAY not in calendar_for().holidays


@pytest.mark.parametrize("who", ["province_officer", "county_officer", "tehran_officer", "plain_user", "auditor"])
def test_others_may_not_add_a_national_holiday(request, who):
    before = state()
    with pytest.raises(PermissionDenied):
        services.holiday_create(by=request.getfixturevalue(who), date=SATURDAY, name="تعطیل")
    assert state() == before


@pytest.mark.parametrize("who", ["county_officer", "tehran_officer", "plain_user", "base_officer"])
def test_others_may_not_touch_a_provinces_calendar(request, who, province_officer, south_khorasan):
    holiday = services.holiday_create(by=province_officer, date=SATURDAY, name="تعطیلی", province=south_khorasan)
    actor = request.getfixturevalue(who)
    before = state()
    with pytest.raises(PermissionDenied):
        services.holiday_create(by=actor, date=SUNDAY, name="تعطیل", province=south_khorasan)
    with pytest.raises(PermissionDenied):
        services.holiday_update(by=actor, holiday=holiday, date=SUNDAY, name="تغییر", estimated=False)
    with pytest.raises(PermissionDenied):
        services.holiday_delete(by=actor, holiday=holiday)
    with pytest.raises(PermissionDenied):
        services.thursday_set(by=actor, province=south_khorasan, half_day=True)
    assert state() == before


def test_a_province_officer_may_not_edit_a_national_holiday(province_officer):
    nowruz = Holiday.objects.get(date=dt.date(2026, 3, 21), province__isnull=True)
    before = state()
    with pytest.raises(PermissionDenied):
        services.holiday_update(by=province_officer, holiday=nowruz, date=nowruz.date, name="x", estimated=False)
    with pytest.raises(PermissionDenied):
        services.holiday_delete(by=province_officer, holiday=nowruz)
    assert state() == before


# --- refusals -------------------------------------------------------------------------------------------------

def _refused(field, message, call, **kwargs):
    before = state()
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.field == field
    assert message in str(caught.value.message)
    assert state() == before


def test_a_second_national_holiday_on_a_day_is_refused(national_officer):
    _refused("date", "عید", services.holiday_create, by=national_officer, date=dt.date(2026, 3, 21), name="دوباره")


def test_a_provinces_closure_on_a_national_holiday_is_refused(province_officer, south_khorasan):
    _refused("date", "سراسری", services.holiday_create, by=province_officer, date=dt.date(2026, 3, 21),
             name="دوباره", province=south_khorasan)


def test_two_closures_of_one_province_on_a_day_are_refused_two_provinces_are_not(province_officer,
                                                                                 tehran_officer, south_khorasan,
                                                                                 tehran):
    services.holiday_create(by=province_officer, date=SATURDAY, name="یک", province=south_khorasan)
    _refused("date", "یک", services.holiday_create, by=province_officer, date=SATURDAY, name="دو",
             province=south_khorasan)
    services.holiday_create(by=tehran_officer, date=SATURDAY, name="تهران", province=tehran)
    assert Holiday.objects.filter(date=SATURDAY).count() == 2


def test_an_empty_name_and_a_unit_that_is_no_province_are_refused(national_officer, qaenat):
    _refused("name", "نام", services.holiday_create, by=national_officer, date=SATURDAY, name="  ")
    _refused("province", "استان", services.holiday_create, by=national_officer, date=SATURDAY, name="x",
             province=qaenat)


def test_a_race_for_one_day_meets_the_constraint_and_gets_the_same_message(national_officer, monkeypatch):
    monkeypatch.setattr(services, "_check", lambda **kw: kw["name"])  # as if the other insert came just after
    _refused("date", "تعطیل", services.holiday_create, by=national_officer, date=dt.date(2026, 3, 21), name="x")


def test_editing_to_a_taken_day_is_refused(national_officer):
    holiday = services.holiday_create(by=national_officer, date=SATURDAY, name="ویژه")
    _refused("date", "نوروز", services.holiday_update, by=national_officer, holiday=holiday,
             date=dt.date(2026, 3, 23), name="ویژه", estimated=False)


# --- edits and their trail ----------------------------------------------------------------------------------

def test_an_edit_is_audited_with_before_and_after_and_a_non_edit_is_not(national_officer):
    holiday = services.holiday_create(by=national_officer, date=SATURDAY, name="ویژه")
    services.holiday_update(by=national_officer, holiday=holiday, date=SUNDAY, name="ویژه", estimated=True)
    entry = AuditEntry.objects.get(action="holiday.update")
    assert entry.before["date"] == "2026-05-02" and entry.after["date"] == "2026-05-03"
    assert (entry.before["estimated"], entry.after["estimated"]) == (False, True)
    services.holiday_update(by=national_officer, holiday=holiday, date=SUNDAY, name="ویژه", estimated=True)
    assert AuditEntry.objects.filter(action="holiday.update").count() == 1
    holiday.refresh_from_db()
    assert holiday.date == SUNDAY and holiday.estimated


def test_removing_a_holiday_is_audited_and_makes_the_day_working(national_officer):
    nowruz_4 = Holiday.objects.get(date=dt.date(2026, 3, 24), province__isnull=True)
    services.holiday_delete(by=national_officer, holiday=nowruz_4)
    assert not Holiday.objects.filter(pk=nowruz_4.pk).exists()
    entry = AuditEntry.objects.get(action="holiday.delete")
    assert entry.before["date"] == "2026-03-24" and entry.object_id == str(nowruz_4.pk)
    assert dt.date(2026, 3, 24) not in calendar_for().holidays


def test_thursday_is_set_per_province_and_audited_only_when_it_changes(province_officer, south_khorasan, qaenat):
    services.thursday_set(by=province_officer, province=south_khorasan, half_day=True)
    assert calendar_for(unit=qaenat).thursday_half_day is True
    entry = AuditEntry.objects.get(action="calendar.thursday")
    assert (entry.before, entry.after) == ({"thursday_half_day": False}, {"thursday_half_day": True})
    assert entry.object_repr == south_khorasan.name
    services.thursday_set(by=province_officer, province=south_khorasan, half_day=True)
    assert AuditEntry.objects.filter(action="calendar.thursday").count() == 1
    services.thursday_set(by=province_officer, province=south_khorasan, half_day=False)
    assert calendar_for(unit=qaenat).thursday_half_day is False


def test_the_audit_log_reads_the_calendars_changes_in_persian(national_officer, province_officer, south_khorasan):
    from django.utils import translation

    from mardom.core.audit_text import present

    services.holiday_create(by=national_officer, date=SATURDAY, name="ویژه")
    services.thursday_set(by=province_officer, province=south_khorasan, half_day=True)
    with translation.override("fa"):
        rows = present(AuditEntry.objects.filter(action__in=["holiday.create", "calendar.thursday"]).order_by("pk"))
        assert "۱۴۰۵/۰۲/۱۲ ویژه" in rows[0].sentence and "تقویم کاری" in rows[0].sentence
        assert any("۱۴۰۵/۰۲/۱۲" in str(change.after) for change in rows[0].changes)
        assert south_khorasan.name in rows[1].sentence
