"""Onboarding a fund from its workbook: the upload page, the import's status (polled by htmx while it runs,
then the problems table or the fund's balance sheet), and the template download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mardom.core.forms_util import run_service
from mardom.orgs.models import Base
from mardom.people.roles import Perm
from mardom.people.scopes import scope_filter

from ..forms import FundImportForm
from ..models import FundImport
from ..onboarding.posting import fund_import_start
from ..onboarding.template import template_workbook
from ..tasks import fund_import_task

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _bases(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Bases where the user may both create funds and register people: what an import does."""
    bases = scope_filter(Base.objects.all(), request.user, Perm.FUNDS_MANAGE)
    return scope_filter(bases, request.user, Perm.PEOPLE_MANAGE).order_by("name")


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    bases = _bases(request)
    if not bases.exists():
        raise PermissionDenied
    form = FundImportForm(request.POST or None, request.FILES or None, bases=bases)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        record = run_service(form, fund_import_start, by=request.user, base=form.cleaned_data["base"],
                             data=upload.read(), filename=upload.name or "")
        if record is not None:
            if record.status != FundImport.Status.DONE:
                transaction.on_commit(lambda: fund_import_task.enqueue(record_id=record.pk))
            return redirect("funds:import-status", pk=record.pk)
    recent = FundImport.objects.filter(base__in=bases).select_related("base", "fund").defer("data")[:10]
    return render(request, "funds/import.html", {"form": form, "recent": recent})


@login_required
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    record = FundImport.objects.filter(pk=pk, base__in=_bases(request)).select_related("base", "fund").defer(
        "data").first()
    if record is None:
        raise Http404
    template = "funds/_import_status.html" if request.headers.get("HX-Request") else "funds/import_status.html"
    return render(request, template, {"record": record, "running": record.status in (
        FundImport.Status.QUEUED, FundImport.Status.CHECKING, FundImport.Status.POSTING)})


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    if not _bases(request).exists():
        raise PermissionDenied
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="mardom-fund-template.xlsx"'
    return response
