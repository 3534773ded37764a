"""Pages for draws: the fund's draw history, announcing, the draw page, performing, and the export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mardom.core.forms_util import run_service
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on

from . import draw as protocol
from . import selectors, services
from .forms import DrawAnnounceForm, DrawPerformForm
from .models import Draw


@login_required
def draw_list(request: HttpRequest, pk: int) -> HttpResponse:
    fund = selectors.fund_get(user=request.user, pk=pk)
    can_manage = has_perm_on(request.user, Perm.FUNDS_DECIDE, fund)
    form = DrawAnnounceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            draw = run_service(form, services.draw_announce, by=request.user, fund=fund,
                               winners_count=form.cleaned_data["winners_count"], scheduled_at=form.scheduled_at())
            if draw:
                messages.success(request, _("The draw was announced with its frozen list and commitment."))
                return redirect("funds:draw", pk=draw.pk)
    return render(request, "funds/draw_list.html", {
        "fund": fund, "draws": selectors.draw_list(fund=fund), "form": form if can_manage else None,
    })


def _perform_form(request: HttpRequest, draw: Draw) -> DrawPerformForm | None:
    ready = draw.status == Draw.Status.ANNOUNCED and draw.scheduled_at <= timezone.now()
    return DrawPerformForm() if ready and has_perm_on(request.user, Perm.FUNDS_DECIDE, draw.fund) else None


@login_required
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get(user=request.user, pk=pk)
    return render(request, "funds/draw_detail.html", {
        "draw": draw, "fund": draw.fund, "perform_form": _perform_form(request, draw),
        "how_to_verify": protocol.HOW_TO_VERIFY, "protocol": protocol.PROTOCOL,
        "names": {e["ref"]: e["name"] for e in draw.entries},
    })


@login_required
@require_POST
def draw_perform(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.FUNDS_DECIDE, draw.fund):
        raise PermissionDenied
    form = DrawPerformForm(request.POST)
    if form.is_valid() and run_service(form, services.draw_perform, by=request.user, draw=draw,
                                       public_entropy=form.cleaned_data["public_entropy"]):
        messages.success(request, _("The draw was performed. Anyone can now check it."))
        return redirect("funds:draw", pk=draw.pk)
    return render(request, "funds/draw_detail.html", {
        "draw": draw, "fund": draw.fund, "perform_form": form, "how_to_verify": protocol.HOW_TO_VERIFY,
        "protocol": protocol.PROTOCOL, "names": {e["ref"]: e["name"] for e in draw.entries},
    }, status=400)


@login_required
def draw_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The record to recompute with `mardom draw-verify` (before the draw: the announcement, no seed)."""
    draw = selectors.draw_get(user=request.user, pk=pk)
    record = services.draw_record(draw)
    if isinstance(record, protocol.DrawRecord):
        body = protocol.to_json(record)
    else:
        body = protocol.to_json(protocol.DrawRecord(announcement=record, seed="", public_entropy="", order=[],
                                                    winners=[]))
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{draw.public_id}.json"'
    return response
