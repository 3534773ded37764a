"""Pages for draws: the fund's draw history, announcing, the draw page, performing, cancelling, and the
downloads (the announcement a member keeps, and the record to check against it)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mardom.core.errors import DomainError
from mardom.core.forms_util import run_service
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on

from .. import draw as protocol
from .. import draw_v2, selectors, services
from ..forms import DrawAnnounceForm, DrawCancelForm, DrawPerformForm
from ..models import Draw

ANNOUNCE_FIELDS = {"scheduled_at": "held_on"}


@login_required
def draw_list(request: HttpRequest, pk: int) -> HttpResponse:
    fund = selectors.fund_get(user=request.user, pk=pk)
    can_decide = has_perm_on(request.user, Perm.FUNDS_DECIDE, fund)
    form = DrawAnnounceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied
        if form.is_valid():
            draw = run_service(form, services.draw_announce, ANNOUNCE_FIELDS, by=request.user, fund=fund,
                               winners_count=form.cleaned_data["winners_count"], scheduled_at=form.scheduled_at(),
                               source=form.source())
            if draw:
                messages.success(request, _("The draw was announced: every member was sent its code by SMS."))
                return redirect("funds:draw", pk=draw.pk)
    notice = None
    if can_decide:
        try:
            notice = selectors.rules_in_force(fund=fund, on=timezone.localdate()).draw_notice_days
        except DomainError:  # a fund without rules today: the service says so when announcing
            notice = None
    return render(request, "funds/draw_list.html", {
        "fund": fund, "draws": selectors.draw_list(fund=fund), "form": form if can_decide else None,
        "notice_days": notice,
    }, status=400 if request.method == "POST" else 200)


def _page(request: HttpRequest, draw: Draw, *, perform_form: forms.Form | None = None,
          cancel_form: DrawCancelForm | None = None, status: int = 200) -> HttpResponse:
    decides = has_perm_on(request.user, Perm.FUNDS_DECIDE, draw.fund)
    announced = draw.status == Draw.Status.ANNOUNCED
    if perform_form is None and decides and announced and draw.is_v2 and draw.scheduled_at <= timezone.now():
        perform_form = DrawPerformForm(source=(draw.announcement or {})["source"])
    if cancel_form is None and decides and announced and not (draw.is_v2 and services.draw_values_may_be_known(
            draw)):
        cancel_form = DrawCancelForm()
    doc = draw.announcement or {}
    context: dict[str, Any] = {
        "draw": draw, "fund": draw.fund, "perform_form": perform_form, "cancel_form": cancel_form,
        "names": {e["ref"]: e["name"] for e in draw.entries},
        "source": doc.get("source"), "excluded": doc.get("excluded", []),
        "notice_days": doc.get("notice_days"),
        "source_date": _date(doc.get("source", {}).get("date")),
        "how_to_verify": draw_v2.HOW_TO_VERIFY if draw.is_v2 else protocol.HOW_TO_VERIFY,
        "protocol": draw.protocol,
        "values": list(zip([h["name"] for h in doc.get("source", {}).get("holders", [])], draw.values or [],
                           strict=False)) if draw.values and doc.get("source", {}).get("kind") == "sealed" else None,
    }
    return render(request, "funds/draw_detail.html", context, status=status)


def _date(text: object) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


@login_required
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, selectors.draw_get(user=request.user, pk=pk))


@login_required
@require_POST
def draw_perform(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.FUNDS_DECIDE, draw.fund):
        raise PermissionDenied
    if draw.is_v2 and draw.announcement:
        form: forms.Form = DrawPerformForm(request.POST, source=draw.announcement["source"])
        values = form.values() if form.is_valid() else None
    else:
        form, values = forms.Form(request.POST), []
        form.is_valid()
    if values is not None and run_service(form, services.draw_perform, by=request.user, draw=draw, values=values):
        messages.success(request, _("The draw was performed. Anyone can now check it."))
        return redirect("funds:draw", pk=draw.pk)
    return _page(request, draw, perform_form=form, status=400)


@login_required
@require_POST
def draw_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.FUNDS_DECIDE, draw.fund):
        raise PermissionDenied
    form = DrawCancelForm(request.POST)
    if form.is_valid() and run_service(form, services.draw_cancel, by=request.user, draw=draw,
                                       reason=form.cleaned_data["reason"] or ""):
        messages.success(request, _("The draw was cancelled; its reason is public and its number is not reused."))
        return redirect("funds:draw", pk=draw.pk)
    return _page(request, draw, cancel_form=form, status=400)


def _json(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _v1_announcement(draw: Draw) -> str:
    record = services.draw_record(draw)
    if isinstance(record, protocol.DrawRecord):
        record = record.announcement
    return protocol.to_json(protocol.DrawRecord(announcement=record, seed="", public_entropy="", order=[],
                                                winners=[]))


@login_required
def draw_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The record to recompute with `mardom draw-verify` (before the draw: the announcement alone)."""
    draw = selectors.draw_get(user=request.user, pk=pk)
    if draw.is_v2:
        return _json(draw_v2.to_json(services.draw_document(draw)), f"{draw.public_id}.json")
    record = services.draw_record(draw)
    body = protocol.to_json(record) if isinstance(record, protocol.DrawRecord) else _v1_announcement(draw)
    return _json(body, f"{draw.public_id}.json")


@login_required
def draw_announcement(request: HttpRequest, pk: int) -> HttpResponse:
    """The announcement a member saves on her own phone or computer, to check the draw against it later."""
    draw = selectors.draw_get(user=request.user, pk=pk)
    if draw.is_v2:
        return _json(draw_v2.to_json(draw.announcement or {}), f"{draw.public_id}-announcement.json")
    return _json(_v1_announcement(draw), f"{draw.public_id}-announcement.json")
