from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mardom.brands import selectors as brand_selectors
from mardom.core.errors import DomainError
from mardom.core.forms_util import run_service
from mardom.core.paging import paginate
from mardom.dashboards.selectors import levels as dashboard_selectors
from mardom.desk.selectors import requests as desk_selectors
from mardom.funds import selectors as fund_selectors
from mardom.market.selectors import exhibitions as market_selectors
from mardom.market.selectors import shop as shop_selectors
from mardom.orgs import selectors as org_selectors
from mardom.orgs.models import OrgUnit
from mardom.production import selectors as production_selectors

from . import selectors, services
from .forms import LoginForm, PasswordForm, PersonForm, PersonSearchForm, RoleGrantForm
from .roles import Perm
from .scopes import grants_of, has_perm_on, holds_anywhere, scope_filter


class LoginView(auth_views.LoginView):
    template_name = "people/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def lockout(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes calls this when a login name is locked: the login page with a Persian explanation."""
    return render(request, "people/login.html", {
        "form": LoginForm(request),
        "lockout": _("Too many wrong attempts. Please wait fifteen minutes and try again."),
    }, status=429)


HOME_LIMIT = 10  # rows in each home section; the section links to its full page for the rest


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each person's work: what she has (funds, loans, guarantees asked of her, her shop and booths) and what
    waits for her roles (loans to approve, lots to inspect, requests and referrals to answer: one inbox, as a
    referral is a desk request), each section bounded."""
    user = request.user
    orgs_view = holds_anywhere(user, Perm.ORGS_VIEW)
    producer = shop_selectors.my_producers(user).exists()
    context = {
        "grants": grants_of(user),
        "member": fund_selectors.home_member(user=user),
        "decisions": fund_selectors.home_decisions(user=user),
        "lots_waiting": brand_selectors.lots_waiting(user=user, limit=HOME_LIMIT),
        "receives_referrals": org_selectors.receives_referrals(user=user),
        "booths": market_selectors.my_booths(user=user)[:HOME_LIMIT],
        "producer": producer,
        "to_send": list(shop_selectors.parts_to_send(user)[:HOME_LIMIT + 1]) if producer else [],
        "listings": list(shop_selectors.my_listings(user).order_by("title", "pk")[:HOME_LIMIT + 1])
        if producer else [],
        "job_leaders": production_selectors.my_job_leaders(user=user),
        "clusters": list(production_selectors.clusters_of(user=user)[:12]),
        "grants_roles": holds_anywhere(user, Perm.ROLES_GRANT),
        "desk_inbox": desk_selectors.with_lights(desk_selectors.inbox(user=user)[:HOME_LIMIT + 1])
        if desk_selectors.answers_requests(user=user) else None,
        "my_requests": desk_selectors.with_lights(desk_selectors.my_requests(user=user)[:HOME_LIMIT + 1]),
        "limit": HOME_LIMIT,
        # The dashboards of the widest units the user's roles reach, and of the funds she is a member of.
        "dashboards": dashboard_selectors.top_units(user=user),
        "counts": {
            "people": selectors.person_list(user=user).count() if holds_anywhere(user, Perm.PEOPLE_VIEW) else None,
            "bases": org_selectors.base_list(user=user).count() if orgs_view else None,
            "groups": org_selectors.group_list(user=user).count() if orgs_view else None,
            "institutions": org_selectors.institution_list(user=user).count() if orgs_view else None,
        },
    }
    return render(request, "people/home.html", context)


@login_required
def me(request: HttpRequest) -> HttpResponse:
    if request.user.person_id:
        return redirect("people:detail", pk=request.user.person_id)
    return render(request, "people/me_no_person.html")


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    if not holds_anywhere(request.user, Perm.PEOPLE_VIEW):
        raise PermissionDenied
    form = PersonSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = paginate(request, selectors.person_list(user=request.user, query=query))
    return render(request, "people/person_list.html", {
        "form": form, "page": page, "query": query,
        "can_create": bool(org_selectors.units_for(user=request.user, perm=Perm.PEOPLE_MANAGE)),
    })


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    desks = org_selectors.units_for(user=request.user, perm=Perm.PEOPLE_MANAGE)
    if not desks:
        raise PermissionDenied
    form = PersonForm(request.POST if request.method == "POST" else None, desks=desks)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = run_service(
            form, services.person_create, by=request.user, desk=data["desk"], national_id=data["national_id"],
            first_name=data["first_name"], last_name=data["last_name"], mobile=data["mobile"],
            gender=data["gender"], birth_date=data["birth_date"], home_place=data["home_place"],
        )
        if person:
            messages.success(request, _("%(name)s was registered.") % {"name": person.full_name})
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "creating": True})


def _can_manage(user: Any, person: Any) -> bool:
    """people.manage on the person's file, and every role of their login within the user's reach (an officer
    neither edits nor resets the login of someone holding a role above or beside them)."""
    return has_perm_on(user, Perm.PEOPLE_MANAGE, person.unit) and (
        not hasattr(person, "user") or services.within_reach(by=user, user=person.user))


def _detail_context(request: HttpRequest, person: Any, **over: Any) -> dict[str, Any]:
    user = request.user
    has_login = hasattr(person, "user")
    own = has_login and person.user.pk == user.pk
    can_grant = has_login and not own and has_perm_on(user, Perm.ROLES_GRANT, person.unit)
    can_manage = _can_manage(user, person)
    roles = list(selectors.roles_of(person=person))
    waiting = [r.pk for r in roles if r.is_proposal]
    confirmable = set(selectors.proposals_awaiting(user=user).filter(pk__in=waiting).values_list("pk", flat=True)) \
        if waiting else set()
    context = {
        "person": person, "roles": roles, "can_manage": can_manage, "has_login": has_login, "own_file": own,
        "grant_form": RoleGrantForm(units=_grantable_units(user)) if can_grant else None,
        "can_revoke": has_login and has_perm_on(user, Perm.ROLES_GRANT, person.unit), "confirmable": confirmable,
        "needs_confirmation": selectors.roles_needing_confirmation(user=user) if can_grant else [],
        "password_form": PasswordForm() if can_manage else None,
    }
    context.update(over)
    return context


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    return render(request, "people/person_detail.html", _detail_context(request, person))


def _grantable_units(user: Any) -> Any:
    return scope_filter(OrgUnit.objects.all(), user, Perm.ROLES_GRANT).order_by("path")


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    if not _can_manage(request.user, person):
        raise PermissionDenied
    initial = {f: getattr(person, f) for f in ("first_name", "last_name", "mobile", "gender", "birth_date",
                                                 "home_place")}
    form = PersonForm(request.POST if request.method == "POST" else None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(form, services.person_update, by=request.user, person=person, **data):
            messages.success(request, _("The changes were saved."))
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person, "creating": False})


@login_required
@require_POST
def person_password(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.PEOPLE_MANAGE, person.unit):
        raise PermissionDenied
    form = PasswordForm(request.POST)
    if form.is_valid() and run_service(form, services.account_set_password, by=request.user, person=person,
                                       password=form.cleaned_data["password"]):
        messages.success(request, _("The password was set. %(name)s can now sign in.") % {"name": person.full_name})
        return redirect("people:detail", pk=person.pk)
    return render(request, "people/person_detail.html", _detail_context(request, person, password_form=form),
                  status=400)


@login_required
@require_POST
def role_grant(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    if not hasattr(person, "user") or not has_perm_on(request.user, Perm.ROLES_GRANT, person.unit):
        raise PermissionDenied
    form = RoleGrantForm(request.POST, units=_grantable_units(request.user))
    assignment = form.is_valid() and run_service(
        form, services.role_grant, by=request.user, user=person.user, role=form.cleaned_data["role"],
        unit=form.cleaned_data["unit"])
    if assignment:
        if assignment.is_proposal:
            messages.success(request, _("The role was proposed. It takes effect once another officer of your "
                                        "unit or above confirms it."))
        else:
            messages.success(request, _("The role was granted."))
        return redirect("people:detail", pk=person.pk)
    return render(request, "people/person_detail.html", _detail_context(request, person, grant_form=form),
                  status=400)


@login_required
@require_POST
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    try:
        services.role_revoke(by=request.user, assignment=assignment)
        messages.success(request, _("The role was revoked."))
    except DomainError as error:
        messages.error(request, str(error.message))
    if assignment.user.person_id:
        return redirect("people:detail", pk=assignment.user.person_id)
    return redirect("home")


@login_required
def role_proposals(request: HttpRequest) -> HttpResponse:
    """Proposed roles waiting for this officer's confirmation, and the officer's own proposals."""
    if not holds_anywhere(request.user, Perm.ROLES_GRANT):
        raise PermissionDenied
    return render(request, "people/role_proposals.html", {
        "awaiting": selectors.proposals_awaiting(user=request.user)[:200],
        "mine": selectors.proposals_made(user=request.user)[:200],
    })


def _after_proposal(request: HttpRequest, assignment: Any) -> HttpResponse:
    if request.POST.get("next") == "person" and assignment.user.person_id:
        return redirect("people:detail", pk=assignment.user.person_id)
    return redirect("people:role-proposals")


@login_required
@require_POST
def role_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    try:
        services.role_confirm(by=request.user, assignment=assignment)
        messages.success(request, _("The role was confirmed and takes effect now."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return _after_proposal(request, assignment)


@login_required
@require_POST
def role_decline(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    try:
        done = services.role_decline(by=request.user, assignment=assignment)
        messages.success(request, _("The proposal was withdrawn.") if done.revoked_by_id == done.granted_by_id
                         else _("The proposal was declined."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return _after_proposal(request, assignment)
