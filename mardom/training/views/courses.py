"""Pages of courses: what a person may enrol in, a course's page (enrol, withdraw; for its publisher the
sessions, publication and the roster), the course form, and the person's own courses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mardom.core.forms_util import run_service
from mardom.core.paging import paginate
from mardom.people.roles import Perm
from mardom.people.scopes import holds_anywhere
from mardom.people.selectors import person_find_in_scope

from .. import rules, selectors, services
from ..forms import CourseForm, EnrolPersonForm, ReasonForm, SessionForm
from ..models import Course, Enrolment


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    user, now = request.user, timezone.now()
    staff = selectors.is_staff(user)
    return render(request, "training/course_list.html", {
        "open": list(selectors.open_courses(user=user, now=now)[:50]),
        "page": paginate(request, selectors.staff_courses(user=user)) if staff else None,
        "may_publish": holds_anywhere(user, Perm.TRAINING_MANAGE),
        "now": now,
    })


def _course_data(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in ("title", "description", "product", "value_chain", "venue", "capacity",
                                          "min_sessions", "waitlist_open", "eligibility", "eligible_unit",
                                          "eligible_product")}


@login_required
def course_create(request: HttpRequest) -> HttpResponse:
    if not holds_anywhere(request.user, Perm.TRAINING_MANAGE):
        raise PermissionDenied
    units = services.publishing_units(user=request.user)
    post = request.method == "POST"
    form = CourseForm(request.POST if post else None, units=units,
                      initial={"waitlist_open": True, "eligibility": Course.Eligibility.COUNTY, "min_sessions": 1})
    if post and form.is_valid():
        course = run_service(form, services.course_create, by=request.user, unit=form.cleaned_data["unit"],
                             **_course_data(form.cleaned_data))
        if course is not None:
            messages.success(request, _("The course was saved as a draft. Add its sessions, then publish it."))
            return redirect("training:course", pk=course.pk)
    return render(request, "training/course_form.html", {"form": form, "course": None},
                  status=400 if form.is_bound else 200)


@login_required
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    course = selectors.managed_course_get(user=request.user, pk=pk)
    units = services.publishing_units(user=request.user).filter(pk=course.unit_id)
    post = request.method == "POST"
    initial = {name: getattr(course, name) for name in ("title", "description", "product", "value_chain", "venue",
                                                        "capacity", "min_sessions", "waitlist_open", "eligibility",
                                                        "eligible_unit", "eligible_product")}
    initial["unit"] = course.unit
    form = CourseForm(request.POST if post else None, units=units, initial=initial)
    if post and form.is_valid():
        saved = run_service(form, services.course_update, by=request.user, course=course,
                            **_course_data(form.cleaned_data))
        if saved is not None:
            messages.success(request, _("The course was saved."))
            return redirect("training:course", pk=course.pk)
    return render(request, "training/course_form.html", {"form": form, "course": course},
                  status=400 if form.is_bound else 200)


def _course_page(request: HttpRequest, course: Course, status: int = 200, **bound: Any) -> HttpResponse:
    user, now = request.user, timezone.now()
    manage, teach = selectors.may_manage(user, course), selectors.may_teach(user, course)
    sessions = selectors.sessions_of(course)
    mine = selectors.enrolment_of(user=user, course=course)
    slots = [rules.Slot(s.pk, s.starts_at, s.ends_at) for s in sessions]
    progress = None
    if mine is not None and mine.status != Enrolment.Status.WAITING:
        progress = services.progress_of(mine, now=now, slots=slots)
    can_enrol = (mine is None and getattr(user, "person_id", None) and course.status == Course.Status.PUBLISHED
                 and any(s.starts_at >= now for s in sessions))
    problem = None
    if can_enrol:
        problem = services.eligibility_problem(course=course, person=user.person)
    rows = []
    if manage or teach:
        for e in selectors.roster(course):
            present = {a.session_id for a in e.attendance.all()}
            rows.append((e, rules.progress(sessions=slots, n=course.min_sessions, seat_at=e.seat_at,
                                           present=present, now=now) if e.seat_at else None))
    context = {
        "course": course, "sessions": sessions, "manage": manage, "teach": teach, "mine": mine,
        "progress": progress, "can_enrol": can_enrol, "problem": problem, "rows": rows, "now": now,
        "full": course.seats_taken >= course.capacity,
        "session_form": bound.get("session_form") or (SessionForm() if manage and course.status == "draft"
                                                      else None),
        "enrol_form": bound.get("enrol_form") or (EnrolPersonForm(auto_id="enrol-%s")
                                                  if manage and course.status == "published" else None),
        "cancel_form": bound.get("cancel_form") or (ReasonForm(auto_id="cancel-%s")
                                                    if manage and course.status != "cancelled" else None),
        "error": bound.get("error"),
    }
    return render(request, "training/course_detail.html", context, status=status)


@login_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _course_page(request, selectors.course_get(user=request.user, pk=pk))


def blank_form() -> forms.Form:
    """A bound form with no field, to collect a one-button service's domain error (run_service)."""
    form = forms.Form(data={})
    form.is_valid()
    return form


def _refused(request: HttpRequest, page: Course, service: Any, /, **kwargs: Any) -> HttpResponse | None:
    """Run a one-button service; on a domain error, the course page with the message at the top."""
    form = blank_form()
    run_service(form, service, **kwargs)
    if form.errors:
        return _course_page(request, page, status=400, error=" ".join(form.non_field_errors()))
    return None


@login_required
@require_POST
def session_add(request: HttpRequest, pk: int) -> HttpResponse:
    course = selectors.managed_course_get(user=request.user, pk=pk)
    form = SessionForm(request.POST)
    if form.is_valid() and run_service(form, services.session_add, {"starts_at": "starts", "ends_at": "ends"},
                                       by=request.user, course=course, starts_at=form.cleaned_data["starts_at"],
                                       ends_at=form.cleaned_data["ends_at"], topic=form.cleaned_data["topic"]):
        messages.success(request, _("The session was added."))
        return redirect("training:course", pk=course.pk)
    return _course_page(request, course, status=400, session_form=form)


@login_required
@require_POST
def session_remove(request: HttpRequest, pk: int, session: int) -> HttpResponse:
    course = selectors.managed_course_get(user=request.user, pk=pk)
    target = next((s for s in selectors.sessions_of(course) if s.pk == session), None)
    if target is None:
        raise Http404
    refused = _refused(request, course, services.session_remove, by=request.user, session=target)
    if refused is not None:
        return refused
    messages.success(request, _("The session was removed."))
    return redirect("training:course", pk=course.pk)


@login_required
@require_POST
def course_publish(request: HttpRequest, pk: int) -> HttpResponse:
    course = selectors.managed_course_get(user=request.user, pk=pk)
    refused = _refused(request, course, services.course_publish, by=request.user, course=course)
    if refused is not None:
        return refused
    messages.success(request, _("The course is published: people may enrol."))
    return redirect("training:course", pk=course.pk)


@login_required
@require_POST
def course_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    course = selectors.managed_course_get(user=request.user, pk=pk)
    form = ReasonForm(request.POST, auto_id="cancel-%s")
    if form.is_valid() and run_service(form, services.course_cancel, by=request.user, course=course,
                                       reason=form.cleaned_data["reason"]):
        messages.success(request, _("The course was cancelled and the people enrolled were told."))
        return redirect("training:course", pk=course.pk)
    return _course_page(request, course, status=400, cancel_form=form)


@login_required
@require_POST
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """The person enrols herself."""
    course = selectors.course_get(user=request.user, pk=pk)
    if not getattr(request.user, "person_id", None):
        raise PermissionDenied
    form = blank_form()
    enrolment = run_service(form, services.enrolment_create, by=request.user, course=course,
                            person=request.user.person)
    if enrolment is None:
        return _course_page(request, course, status=400, error=" ".join(form.non_field_errors()))
    if enrolment.status == Enrolment.Status.WAITING:
        messages.success(request, _("The course is full: you are on its waiting list."))
    else:
        messages.success(request, _("You are enrolled."))
    return redirect("training:course", pk=course.pk)


def _desk_request(user: Any, number: int | None) -> Any:
    """The desk request `number` as the publisher may see it (sent to her centre), None when no number was
    given, False when she may not see one by that number (the same answer whether it exists or not)."""
    if not number:
        return None
    from django.http import Http404 as NotHers

    from mardom.desk.selectors.requests import request_get

    try:
        return request_get(user=user, pk=number)
    except NotHers:
        return False


@login_required
@require_POST
def enrol_person(request: HttpRequest, pk: int) -> HttpResponse:
    """The publisher enrols someone by national ID."""
    course = selectors.managed_course_get(user=request.user, pk=pk)
    form = EnrolPersonForm(request.POST, auto_id="enrol-%s")
    if form.is_valid():
        person = person_find_in_scope(user=request.user, national_id=form.cleaned_data["national_id"],
                                      perm=Perm.TRAINING_MANAGE, unit=course.unit)
        desk_request = _desk_request(request.user, form.cleaned_data.get("desk_request"))
        if person is None:
            form.add_error("national_id", _("Nobody with this national ID is registered within your reach."))
        elif desk_request is False:
            form.add_error("desk_request", _("No request with this number was sent to you."))
        else:
            enrolment = run_service(form, services.enrolment_create,
                                    {"person": "national_id", "request": "desk_request"}, by=request.user,
                                    course=course, person=person, desk_request=desk_request or None)
            if enrolment is not None:
                messages.success(request, _("%(name)s: %(status)s.") % {
                    "name": person.full_name, "status": enrolment.get_status_display()})
                return redirect("training:course", pk=course.pk)
    return _course_page(request, course, status=400, enrol_form=form)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The person leaves the course (or its waiting list), or the publisher takes her off it."""
    enrolment = Enrolment.objects.filter(pk=pk).select_related("course", "person").first()
    if enrolment is None:
        raise Http404
    own = enrolment.person_id == getattr(request.user, "person_id", None)
    course = selectors.course_get(user=request.user, pk=enrolment.course_id) if own else \
        selectors.managed_course_get(user=request.user, pk=enrolment.course_id)
    refused = _refused(request, course, services.enrolment_withdraw, by=request.user, enrolment=enrolment)
    if refused is not None:
        return refused
    messages.success(request, _("The enrolment was withdrawn."))
    return redirect("training:course", pk=course.pk)


@login_required
def my_courses(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = []
    for e in selectors.my_enrolments(user=request.user):
        slots = [rules.Slot(s.pk, s.starts_at, s.ends_at) for s in e.course.sessions.all()]
        present = {a.session_id for a in e.attendance.all()}
        rows.append((e, rules.progress(sessions=slots, n=e.course.min_sessions, seat_at=e.seat_at,
                                       present=present, now=now) if e.seat_at else None))
    return render(request, "training/my_courses.html", {"rows": rows})
