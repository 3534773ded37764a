"""The trainer's session page (attendance checklist on a phone, and the rotating QR code) and the page a
trainee's phone opens from that code."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mardom.core.forms_util import run_service
from mardom.core.money import format_number

from .. import rules, selectors, services, tokens
from ..forms import AttendanceForm
from ..models import Course, Enrolment, Session
from ..services.attendance import EARLY, LATE
from .courses import blank_form


def scan_url(session: Session, window: int) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse(
        "training:scan", args=[session.pk, window, tokens.token(session.pk, window)])


def _qr(session: Session) -> dict[str, object]:
    now = timezone.now()
    window = tokens.window_at(now)
    url = scan_url(session, window)
    running = session.starts_at - EARLY <= now <= session.ends_at + LATE
    return {"session": session, "running": running, "url": url, "refresh": tokens.REFRESH,
            # A small PNG (as brands prints its labels), scaled up without smoothing by the page's CSS.
            "png": segno.make(url, error="m").png_data_uri(scale=1, border=2) if running else ""}


@login_required
def session_page(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_for_teacher(user=request.user, pk=pk)
    course = session.course
    form = AttendanceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        changed = run_service(form, services.attendance_mark, by=request.user, session=session,
                              present=form.cleaned_data["present"])
        if changed is not None:
            messages.success(request, _("Attendance saved: %(present)s marked present, %(absent)s absent.") % {
                "present": format_number(changed["present"]), "absent": format_number(changed["absent"])})
            return redirect("training:session", pk=session.pk)
    now = timezone.now()
    slots = [rules.Slot(s.pk, s.starts_at, s.ends_at) for s in selectors.sessions_of(course)]
    number = next((i for i, s in enumerate(slots, 1) if s.key == session.pk), 0)
    rows = []
    for enrolment, mark in selectors.session_roster(session):
        rows.append({
            "enrolment": enrolment, "mark": mark,
            "expected": rules.is_expected(starts_at=session.starts_at, seat_at=enrolment.seat_at),
            "locked": enrolment.status == Enrolment.Status.COMPLETED and bool(mark and mark.present),
            "own": enrolment.person_id == getattr(request.user, "person_id", None),
        })
    return render(request, "training/session.html", {
        "session": session, "course": course, "number": number, "count": len(slots), "rows": rows, "form": form,
        "qr": _qr(session), "open": course.status == Course.Status.PUBLISHED and now >= session.starts_at - EARLY,
    }, status=400 if form.is_bound else 200)


@login_required
@require_GET
def session_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The QR block alone, for the page's htmx polling."""
    session = selectors.session_for_teacher(user=request.user, pk=pk)
    return render(request, "training/_session_qr.html", {"qr": _qr(session)})


@login_required
def scan(request: HttpRequest, session: int, window: int, token: str) -> HttpResponse:
    """What the QR code opens on a trainee's phone: a button to say "I am here" (a GET changes nothing)."""
    target = selectors.session_for_scan(pk=session)
    form = blank_form()
    done = None
    fresh = tokens.is_valid(session_id=target.pk, window=window, value=token, now=timezone.now())
    if request.method == "POST":
        done = run_service(form, services.attendance_scan, by=request.user, session=target, window=window,
                           token=token)
    elif not fresh:
        form.add_error(None, _("This code has expired or is not a real session code. Scan the code on the "
                               "trainer's screen again."))
    errors = form.non_field_errors()
    return render(request, "training/scan.html", {
        "session": target, "course": target.course, "done": done, "errors": errors, "fresh": fresh,
    }, status=400 if errors else 200)
