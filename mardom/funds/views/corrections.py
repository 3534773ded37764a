"""Pages for corrections: reversing a contribution, a withdrawal, a repayment or a late charge, a reason form each
that works without script. Closing a meeting is a part of the month page (`funds.month_record`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mardom.core.forms_util import run_service
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on

from .. import selectors, services
from ..forms import ReverseForm
from ..models import LateCharge, Repayment


@dataclass(frozen=True)
class Reversible:
    title: Any
    find: Callable[..., Any]  # (user=, pk=) → the record, 404 outside the user's scope
    reverse: Callable[..., Any]  # the service
    argument: str  # the service's name for the record
    back: Callable[[Any], str]  # where to go afterwards


KINDS = {
    "contribution": Reversible(gettext_lazy("Reverse a contribution"), selectors.contribution_get,
                               services.contribution_reverse, "contribution",
                               lambda r: reverse("funds:membership", args=[r.membership_id])),
    "withdrawal": Reversible(gettext_lazy("Reverse a withdrawal"), selectors.withdrawal_get,
                             services.withdrawal_reverse, "movement",
                             lambda r: reverse("funds:membership", args=[r.membership_id])),
    "repayment": Reversible(gettext_lazy("Reverse a repayment"), selectors.repayment_get, services.repayment_reverse,
                            "repayment", lambda r: reverse("funds:loan", args=[r.loan_id])),
    "late_charge": Reversible(gettext_lazy("Reverse a late charge"), selectors.late_charge_get,
                              services.late_charge_reverse, "charge",
                              lambda r: reverse("funds:loan", args=[r.loan_id])),
}


def _fund_of(record: Any) -> Any:
    return record.loan.fund if isinstance(record, Repayment | LateCharge) else record.membership.fund


@login_required
def record_reverse(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """What is about to be reversed, and a reason; the reversal itself on POST."""
    spec = KINDS.get(kind)
    if spec is None:
        raise Http404
    record = spec.find(user=request.user, pk=pk)
    fund = _fund_of(record)
    if not has_perm_on(request.user, Perm.FUNDS_TREASURY, fund):
        raise PermissionDenied
    done = selectors.is_reversed(record)
    form = ReverseForm(request.POST if request.method == "POST" and not done else None)
    if form.is_valid() and run_service(form, spec.reverse, by=request.user, reason=form.cleaned_data["reason"],
                                       **{spec.argument: record}) is not None:
        messages.success(request, _("The record was reversed; it stays listed, marked, with the correction."))
        return redirect(_next(request, spec.back(record)))
    return render(request, "funds/reverse_form.html", {
        "title": spec.title, "kind": kind, "record": record, "fund": fund, "form": form, "done": done,
        "back": _next(request, spec.back(record))}, status=400 if form.is_bound else 200)


def _next(request: HttpRequest, default: str) -> str:
    """Back to the page the link was on, when it is one of this site's (the month page, the member's)."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = wanted.startswith("/") and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                                                      require_https=request.is_secure())
    return wanted if safe else default
