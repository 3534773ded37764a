"""The working-calendar page: a Jalali year's holidays, national and a province's, and the province's Thursday.

Officers holding calendar.manage read it; the national officer edits national holidays, a province officer
her province's closures and Thursday (mardom.desk.services.calendar checks it again)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mardom.core.digits import to_latin_digits
from mardom.core.forms_util import run_service
from mardom.core.jalali import MAX_YEAR, MIN_YEAR, to_jalali
from mardom.orgs.models import OrgUnit

from ..forms.calendar import CalendarFilterForm, HolidayForm, ThursdayForm
from ..selectors import calendar as selectors
from ..services import calendar as services


def _back(year: int, province: OrgUnit | None) -> str:
    return reverse("desk:calendar") + "?" + urlencode({"year": year, "province": province.pk if province else ""})


def _year(value: Any, default: int) -> int:
    try:
        year = int(to_latin_digits(str(value or "")))
    except ValueError:
        return default
    return year if MIN_YEAR <= year <= MAX_YEAR else default


def _province_param(request: HttpRequest) -> OrgUnit | None:
    """The province named in ?province= (None for the national holidays); 404 for one the user does not read."""
    value = to_latin_digits(request.GET.get("province", "")).strip()
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return selectors.calendar_province_get(user=request.user, pk=int(value))


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    if not selectors.may_read_calendar(request.user):
        raise PermissionDenied
    this_year = to_jalali(timezone.localdate()).year
    provinces = selectors.calendar_provinces(user=request.user)
    # The national officer starts on the national holidays, any other officer on her province's calendar.
    default = None if selectors.may_edit(request.user, None) else provinces.first()
    form = CalendarFilterForm(request.GET or None, provinces=provinces,
                              initial={"year": this_year, "province": default})
    year, province = this_year, default
    if form.is_bound:
        if not form.is_valid() and "province" in form.errors:
            raise Http404  # a province outside the user's reach looks like none at all
        year = form.cleaned_data.get("year") or this_year
        if "province" in request.GET:
            province = form.cleaned_data.get("province")
    cal = selectors.year_calendar(user=request.user, year=year, province=province)
    thursday_form = ThursdayForm(initial={"thursday_half_day": cal.thursday_half_day}) \
        if cal.can_edit_province else None
    return render(request, "desk/calendar.html", {
        "cal": cal, "form": form, "provinces": provinces, "thursday_form": thursday_form,
        "previous_year": year - 1, "next_year": year + 1,
    })


@login_required
def holiday_create(request: HttpRequest) -> HttpResponse:
    if not selectors.may_read_calendar(request.user):
        raise PermissionDenied
    province = _province_param(request)
    if not selectors.may_edit(request.user, province):
        raise PermissionDenied
    year = _year(request.GET.get("year"), to_jalali(timezone.localdate()).year)
    form = HolidayForm(request.POST if request.method == "POST" else None, year=year)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        holiday = run_service(form, services.holiday_create, by=request.user, date=data["date"], name=data["name"],
                              estimated=data["estimated"], province=province)
        if holiday:
            messages.success(request, _("The holiday was added."))
            return redirect(_back(year, province))
    return render(request, "desk/calendar_holiday_form.html", {
        "form": form, "year": year, "province": province, "creating": True, "back": _back(year, province),
    }, status=400 if form.errors else 200)


@login_required
def holiday_edit(request: HttpRequest, pk: int) -> HttpResponse:
    holiday = selectors.holiday_get(user=request.user, pk=pk)
    if not selectors.may_edit(request.user, holiday.province):
        raise PermissionDenied
    year = to_jalali(holiday.date).year
    initial = {"date": holiday.date, "name": holiday.name, "estimated": holiday.estimated}
    form = HolidayForm(request.POST if request.method == "POST" else None, initial=initial, year=year)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(form, services.holiday_update, by=request.user, holiday=holiday, date=data["date"],
                       name=data["name"], estimated=data["estimated"]):
            messages.success(request, _("The changes were saved."))
            return redirect(_back(year, holiday.province))
    return render(request, "desk/calendar_holiday_form.html", {
        "form": form, "year": year, "province": holiday.province, "holiday": holiday, "creating": False,
        "back": _back(year, holiday.province),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def holiday_delete(request: HttpRequest, pk: int) -> HttpResponse:
    holiday = selectors.holiday_get(user=request.user, pk=pk)
    if not selectors.may_edit(request.user, holiday.province):
        raise PermissionDenied
    year, province = to_jalali(holiday.date).year, holiday.province
    services.holiday_delete(by=request.user, holiday=holiday)
    messages.success(request, _("The holiday was removed."))
    return redirect(_back(year, province))


@login_required
@require_POST
def thursday_set(request: HttpRequest, pk: int) -> HttpResponse:
    province = selectors.calendar_province_get(user=request.user, pk=pk)
    if not selectors.may_edit(request.user, province):
        raise PermissionDenied
    form = ThursdayForm(request.POST)
    form.is_valid()  # a checkbox: anything but "on" is unticked
    services.thursday_set(by=request.user, province=province, half_day=form.cleaned_data["thursday_half_day"])
    messages.success(request, _("The changes were saved."))
    return redirect(_back(_year(request.POST.get("year"), to_jalali(timezone.localdate()).year), province))
