"""Statements on screen and as PDF: a member's own statement and a fund's monthly statement.

Scope: a member statement is for the member themself or a user with funds.view on the fund
(`selectors.membership_get`); a fund statement for funds.view on the fund or an active member of it
(`selectors.fund_get`), since it holds the fund's totals only. Everyone else gets 404.

PDFs are rendered through mardom.core.pdf (WeasyPrint, the bundled Vazirmatn font, no network).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from mardom.core.jalali import month_name
from mardom.core.pdf import pdf_response, render_pdf
from mardom.core.replica import reads_from_replica

from .. import selectors, statements
from ..models import Membership


# --- member -----------------------------------------------------------------------------------------------
def member_context(membership: Membership, *, on: datetime.date) -> dict[str, Any]:
    data = statements.member_statement(membership, on=on)
    return {"s": data, "fund": membership.fund, "membership": membership,
            "contribution_states": statements.CONTRIBUTION_STATES,
            "installment_states": statements.INSTALLMENT_STATES}


def _member_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    membership = selectors.membership_get(user=request.user, pk=pk)
    return member_context(membership, on=timezone.localdate())


def member_statement_pdf_bytes(*, membership: Membership, on: datetime.date,
                               progress: Callable[[int], None] | None = None) -> bytes:
    """The member statement as PDF (the view and the document task share it); `membership` already scoped."""
    context = member_context(membership, on=on)
    if progress:
        progress(30)
    return render_pdf("funds/statements/member_print.html", context)


def member_statement_filename(*, membership: Membership, on: datetime.date) -> str:
    return f"member-statement-{membership.pk}-{on:%Y-%m-%d}.pdf"


@login_required
@reads_from_replica
def member_statement_view(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "funds/statements/member.html", _member_context(request, pk))


@login_required
@reads_from_replica
def member_statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_get(user=request.user, pk=pk)
    on = timezone.localdate()
    return pdf_response(member_statement_pdf_bytes(membership=membership, on=on),
                        member_statement_filename(membership=membership, on=on))


@login_required
@require_POST
def member_statement_document(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the statement PDF as a background document (it takes over a second to lay out), then wait for
    it on its page (core.document). Scoped as the PDF view is: somebody else's membership is a 404."""
    from mardom.core.documents import document_request
    from mardom.core.models import Document

    doc = document_request(by=request.user, kind=Document.Kind.MEMBER_STATEMENT, params={"membership": pk})
    return redirect("document", pk=doc.pk)


# --- fund -------------------------------------------------------------------------------------------------
def _fund_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    fund = selectors.fund_get(user=request.user, pk=pk)
    today = timezone.localdate()
    year, month = statements.statement_month(fund=fund, year=request.GET.get("year", ""),
                                             month=request.GET.get("month", ""), today=today)
    data = statements.fund_statement(fund, year=year, month=month)
    return {"s": data, "fund": fund, "nav_months": statements.adjacent_months(fund=fund, year=year, month=month,
                                                                               today=today),
            "month_choices": [(m, month_name(m)) for m in range(1, 13)]}


@login_required
@reads_from_replica
def fund_statement_view(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "funds/statements/fund.html", _fund_context(request, pk))


@login_required
@reads_from_replica
def fund_statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    context = _fund_context(request, pk)
    s = context["s"]
    content = render_pdf("funds/statements/fund_print.html", context, request)
    return pdf_response(content, f"fund-statement-{context['fund'].pk}-{s['year']}-{s['month']:02d}.pdf")
