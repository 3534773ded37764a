"""Pages for bases, volunteer groups and institutions (one set of views, three kinds), and a base's
linkage page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mardom.core.forms_util import run_service
from mardom.core.paging import paginate
from mardom.desk.models import Request
from mardom.desk.selectors import referrals as desk_referrals
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, holds_anywhere
from mardom.people.selectors import person_list

from . import selectors, services
from .forms import (
    BaseForm,
    GroupForm,
    InstitutionForm,
    LinkageForm,
    OrgForm,
    OrgSearchForm,
    ReferralForm,
    ReferralStatusForm,
)
from .models import Base, OrgUnit, VolunteerGroup


@dataclass(frozen=True)
class OrgKind:
    slug: str
    title: Promise
    title_plural: Promise
    form: type[OrgForm]
    extra_fields: tuple[str, ...]
    list_: Callable[..., Any]
    get: Callable[..., Any]
    create: Callable[..., Any]
    update: Callable[..., Any]
    update_arg: str


KINDS = {
    "bases": OrgKind("bases", gettext_lazy("Neighbourhood base"), gettext_lazy("Neighbourhood bases"), BaseForm,
                     ("address", "phone"), selectors.base_list, selectors.base_get, services.base_create,
                     services.base_update, "base"),
    "groups": OrgKind("groups", gettext_lazy("Volunteer group"), gettext_lazy("Volunteer groups"), GroupForm,
                      ("fields_of_work", "leader_name", "leader_mobile", "member_count"), selectors.group_list,
                      selectors.group_get, services.group_create, services.group_update, "group"),
    "institutions": OrgKind("institutions", gettext_lazy("Institution"), gettext_lazy("Institutions"),
                            InstitutionForm, ("type", "bank", "address", "phone", "services"),
                            selectors.institution_list, selectors.institution_get, services.institution_create,
                            services.institution_update, "institution"),
}


def _kind(slug: str) -> OrgKind:
    try:
        return KINDS[slug]
    except KeyError:
        raise Http404 from None


@login_required
def org_list(request: HttpRequest, kind: str) -> HttpResponse:
    k = _kind(kind)
    if not holds_anywhere(request.user, Perm.ORGS_VIEW):
        raise PermissionDenied
    form = OrgSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = paginate(request, k.list_(user=request.user, query=query))
    can_create = selectors.counties_for(user=request.user, perm=Perm.ORGS_MANAGE).exists()
    return render(request, "orgs/org_list.html", {"k": k, "page": page, "query": query, "can_create": can_create})


@login_required
def org_create(request: HttpRequest, kind: str) -> HttpResponse:
    k = _kind(kind)
    counties = selectors.counties_for(user=request.user, perm=Perm.ORGS_MANAGE)
    if not counties.exists():
        raise PermissionDenied
    form = k.form(request.POST if request.method == "POST" else None, counties=counties)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = run_service(form, k.create, by=request.user, county=data["county"], name=data["name"],
                           place=data["place"], **{f: data[f] for f in k.extra_fields})
        if unit:
            messages.success(request, _("“%(name)s” was created.") % {"name": unit.name})
            return redirect("orgs:detail", kind=k.slug, pk=unit.pk)
    return render(request, "orgs/org_form.html", {"k": k, "form": form, "creating": True})


@login_required
def org_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    k = _kind(kind)
    unit = k.get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.ORGS_MANAGE, unit):
        raise PermissionDenied
    initial = {f: getattr(unit, f) for f in ("name", "place", *k.extra_fields)}
    form = k.form(request.POST if request.method == "POST" else None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(form, k.update, by=request.user, **{k.update_arg: unit}, name=data["name"],
                       place=data["place"], **{f: data[f] for f in k.extra_fields}):
            messages.success(request, _("The changes were saved."))
            return redirect("orgs:detail", kind=k.slug, pk=unit.pk)
    return render(request, "orgs/org_form.html", {"k": k, "form": form, "unit": unit, "creating": False})


@login_required
def org_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    k = _kind(kind)
    unit = k.get(user=request.user, pk=pk)
    context: dict[str, Any] = {"k": k, "unit": unit, "can_manage": has_perm_on(request.user, Perm.ORGS_MANAGE, unit)}
    if isinstance(unit, Base):
        context.update(_linkage_context(request.user, unit))
    elif isinstance(unit, VolunteerGroup):
        context["bases"] = [link.base for link in unit.linkages.select_related("base").order_by("base__name")]
    return render(request, "orgs/org_detail.html", context)


def _linkage_context(user: Any, base: Base, *, link_form: LinkageForm | None = None,
                     referral_form: ReferralForm | None = None) -> dict[str, Any]:
    page = selectors.linkage_page(user=user, base=base)
    can_manage = has_perm_on(user, Perm.ORGS_MANAGE, base)
    sources = _referral_sources(user, base, page)
    referrals = desk_referrals.with_answers(user=user, rows=page["referrals"])
    return {
        **page,
        "referrals": referrals,
        "link_form": link_form or (LinkageForm(groups=selectors.linkable_groups(user=user, base=base))
                                   if can_manage else None),
        "referral_form": referral_form or (ReferralForm(sources=sources, targets=selectors.referral_targets(
            user=user, base=base)) if sources.exists() else None),
    }


def _referral_sources(user: Any, base: Base, page: dict[str, Any]) -> Any:
    ids = [base.pk, *(link.group_id for link in page["linkages"]), *(f.pk for f in page["funds"])]
    allowed = [pk for pk, unit in OrgUnit.objects.in_bulk(ids).items()
               if has_perm_on(user, Perm.REFERRALS_MANAGE, unit)]
    return OrgUnit.objects.filter(pk__in=allowed).order_by("kind", "name")


@login_required
@require_POST
def linkage_create(request: HttpRequest, pk: int) -> HttpResponse:
    base = selectors.base_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.ORGS_MANAGE, base):
        raise PermissionDenied
    form = LinkageForm(request.POST, groups=selectors.linkable_groups(user=request.user, base=base))
    if form.is_valid() and run_service(form, services.linkage_create, by=request.user, base=base,
                                       group=form.cleaned_data["group"]):
        messages.success(request, _("The group was linked to the base."))
        return redirect("orgs:detail", kind="bases", pk=base.pk)
    return render(request, "orgs/org_detail.html", {
        "k": KINDS["bases"], "unit": base, "can_manage": True,
        **_linkage_context(request.user, base, link_form=form),
    }, status=400)


@login_required
@require_POST
def referral_create(request: HttpRequest, pk: int) -> HttpResponse:
    base = selectors.base_get(user=request.user, pk=pk)
    page = selectors.linkage_page(user=request.user, base=base)
    sources = _referral_sources(request.user, base, page)
    if not sources.exists():
        raise PermissionDenied
    form = ReferralForm(request.POST, sources=sources,
                        targets=selectors.referral_targets(user=request.user, base=base))
    if form.is_valid():
        data = form.cleaned_data
        person = None
        if data["national_id"]:
            person = person_list(user=request.user).filter(national_id=data["national_id"]).first()
            if person is None:
                form.add_error("national_id", _("No person with this national ID is within your access."))
        if form.is_valid() and run_service(form, services.referral_create, by=request.user,
                                           from_unit=data["from_unit"], to_unit=data["to_unit"],
                                           need=data["need"], subject=data["subject"], person=person):
            messages.success(request, _("The referral was recorded."))
            return redirect("orgs:detail", kind="bases", pk=base.pk)
    return render(request, "orgs/org_detail.html", {
        "k": KINDS["bases"], "unit": base, "can_manage": has_perm_on(request.user, Perm.ORGS_MANAGE, base),
        **_linkage_context(request.user, base, referral_form=form),
    }, status=400)


@login_required
def referrals_received(request: HttpRequest) -> HttpResponse:
    """The referrals sent to the units the user answers for (an institution's officer, a group's leader, a
    fund's manager), to answer them. They are desk requests: the desk's inbox lists them too."""
    if not selectors.receives_referrals(user=request.user):
        raise PermissionDenied
    status = request.GET.get("status", "")
    status = status if status in Request.Status.values else ""
    page = paginate(request, selectors.referrals_to(user=request.user, status=status))
    page.object_list = desk_referrals.with_answers(user=request.user, rows=page.object_list)
    return render(request, "orgs/referrals_received.html", {
        "page": page, "status": status, "statuses": Request.Status.choices,
    })


@login_required
@require_POST
def referral_status(request: HttpRequest, pk: int) -> HttpResponse:
    referral = selectors.referral_get(user=request.user, pk=pk)
    form = ReferralStatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        run_service(form, services.referral_set_status, by=request.user, referral=referral,
                    status=data["status"], answer=data["answer"], said_by=data["said_by"], channel=data["channel"])
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, _("The referral was updated."))
    # Back to a page this user can open: the base's page for those who see the base, the referrals page for
    # the receiving unit's officer (who sees no base), home otherwise.
    ends = [referral.unit_id, referral.receiver_id]
    bases = selectors.base_list(user=request.user)
    base = bases.filter(pk__in=ends).first() or bases.filter(linkages__group_id__in=ends).first()
    if base is not None:
        return redirect("orgs:detail", kind="bases", pk=base.pk)
    if selectors.referrals_to(user=request.user).filter(pk=referral.pk).exists():
        return redirect("orgs:referrals")
    return redirect("home")
