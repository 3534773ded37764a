"""Pages for value chains: the editable templates of stages, and the missing links of a province's clusters.
(The chain drawn on a cluster's page is part of `clusters.cluster_detail`.)"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mardom.core.digits import to_latin_digits
from mardom.core.errors import DomainError
from mardom.core.forms_util import run_service
from mardom.orgs.models import OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, holds_anywhere, is_global, scope_filter, scope_paths

from .. import chains, services
from ..forms.chains import StageForm, TemplateCreateForm
from ..models import ChainStage, ChainTemplate, Cluster


def _nation() -> OrgUnit | None:
    return OrgUnit.objects.filter(kind=OrgUnit.Kind.NATION).order_by("pk").first()


def _can_edit(request: HttpRequest) -> bool:
    """Templates serve every province: only a national producers officer edits them."""
    return has_perm_on(request.user, Perm.PRODUCERS_MANAGE, _nation())


def _require_viewer(request: HttpRequest) -> None:
    if not holds_anywhere(request.user, Perm.PRODUCERS_VIEW):
        raise PermissionDenied


def _require_editor(request: HttpRequest) -> None:
    if not _can_edit(request):
        raise PermissionDenied


def _create_form(labels: dict[str, str], data: Any = None) -> TemplateCreateForm:
    own = set(ChainTemplate.objects.values_list("value_chain", flat=True))
    return TemplateCreateForm(data, chains={c: label for c, label in labels.items() if c not in own})


# --- Templates ------------------------------------------------------------------------------------------

def _templates_page(request: HttpRequest, *, form: TemplateCreateForm | None = None, status: int = 200) -> HttpResponse:
    labels = chains.value_chains()
    own = {t.value_chain: t for t in ChainTemplate.objects.all()}
    form = (form or _create_form(labels)) if _can_edit(request) else None
    return render(request, "production/chain_templates.html", {
        "default": own.get(ChainTemplate.DEFAULT),
        "rows": [{"value_chain": chain, "label": label, "template": own.get(chain)} for chain, label in labels.items()],
        # Hidden once every chain has its own stages (nothing left to choose).
        "form": form if form is not None and (form.is_bound or form.fields["value_chain"].choices) else None,
    }, status=status)


@login_required
def chain_templates(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    return _templates_page(request)


@login_required
@require_POST
def chain_template_create(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = _create_form(chains.value_chains(), request.POST)
    if form.is_valid():
        template = run_service(form, services.chain_template_create, by=request.user,
                               value_chain=form.cleaned_data["value_chain"])
        if template is not None:
            messages.success(request, _("The chain has its own stages now, copied from the default; change them "
                                        "here."))
            return redirect("production:chain-template", value_chain=template.value_chain)
    return _templates_page(request, form=form, status=400)


def _chain_or_404(value_chain: str) -> tuple[str, ChainTemplate | None]:
    """The chain's label and its own template (None: it uses the default)."""
    labels = chains.value_chains()
    if value_chain != ChainTemplate.DEFAULT and value_chain not in labels:
        raise Http404
    label = labels.get(value_chain) or _("Default stages")
    return label, ChainTemplate.objects.filter(value_chain=value_chain).first()


def _template_page(request: HttpRequest, value_chain: str, *, bound: dict[int | None, StageForm] | None = None,
                   status: int = 200) -> HttpResponse:
    label, own = _chain_or_404(value_chain)
    template = own or chains.template_for(value_chain)
    can_edit = _can_edit(request) and own is not None
    bound = bound or {}
    stages = chains.stages_of(template)
    rows = [{"stage": s, "form": (bound.get(s.pk) or StageForm.for_stage(s)) if can_edit else None,
             "sources": [str(chains.SOURCES[c].label) for c in s.sources if c in chains.SOURCES],
             "first": i == 0 or stages[i - 1].kind != s.kind,
             "last": i == len(stages) - 1 or stages[i + 1].kind != s.kind} for i, s in enumerate(stages)]
    return render(request, "production/chain_template.html", {
        "value_chain": value_chain, "label": label, "own": own, "template": template, "rows": rows,
        "can_edit": can_edit, "add_form": (bound.get(None) or StageForm(prefix="new")) if can_edit else None,
        "create_form": TemplateCreateForm(initial={"value_chain": value_chain}, chains={value_chain: label})
        if own is None and _can_edit(request) else None,
    }, status=status)


@login_required
def chain_template(request: HttpRequest, value_chain: str) -> HttpResponse:
    _require_viewer(request)
    return _template_page(request, value_chain)


def _own_template(value_chain: str) -> ChainTemplate:
    template = ChainTemplate.objects.filter(value_chain=value_chain).first()
    if template is None:
        raise Http404
    return template


def _stage(value_chain: str, pk: int) -> ChainStage:
    stage = ChainStage.objects.select_related("template").filter(template__value_chain=value_chain, pk=pk).first()
    if stage is None:
        raise Http404
    return stage


def _saved(request: HttpRequest, value_chain: str, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("production:chain-template", value_chain=value_chain)


@login_required
@require_POST
def chain_stage_add(request: HttpRequest, value_chain: str) -> HttpResponse:
    _require_editor(request)
    template = _own_template(value_chain)
    form = StageForm(request.POST, prefix="new")
    if form.is_valid() and run_service(form, services.chain_stage_add, by=request.user, template=template,
                                       **form.cleaned_data):
        return _saved(request, value_chain, _("The stage was added."))
    return _template_page(request, value_chain, bound={None: form}, status=400)


@login_required
@require_POST
def chain_stage_edit(request: HttpRequest, value_chain: str, pk: int) -> HttpResponse:
    _require_editor(request)
    stage = _stage(value_chain, pk)
    form = StageForm(request.POST, prefix=f"s{stage.pk}")
    if form.is_valid() and run_service(form, services.chain_stage_update, by=request.user, stage=stage,
                                       **form.cleaned_data):
        return _saved(request, value_chain, _("The stage was saved."))
    return _template_page(request, value_chain, bound={stage.pk: form}, status=400)


@login_required
@require_POST
def chain_stage_delete(request: HttpRequest, value_chain: str, pk: int) -> HttpResponse:
    _require_editor(request)
    stage = _stage(value_chain, pk)
    try:
        services.chain_stage_delete(by=request.user, stage=stage)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("production:chain-template", value_chain=value_chain)
    return _saved(request, value_chain, _("The stage was removed."))


@login_required
@require_POST
def chain_stage_move(request: HttpRequest, value_chain: str, pk: int) -> HttpResponse:
    _require_editor(request)
    stage = _stage(value_chain, pk)
    step = {"earlier": -1, "later": 1}.get(request.POST.get("direction", ""), 0)
    try:
        services.chain_stage_move(by=request.user, stage=stage, step=step)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("production:chain-template", value_chain=value_chain)


# --- Missing links of a province ----------------------------------------------------------------------

def _provinces_for(user: Any) -> QuerySet[OrgUnit]:
    """Provinces the user sees clusters of: those their producers scope lies in or covers."""
    provinces = OrgUnit.objects.filter(kind=OrgUnit.Kind.PROVINCE)
    if is_global(user):
        return provinces
    ids: set[int] = set()
    for path in scope_paths(user, Perm.PRODUCERS_VIEW):
        parts = [int(p) for p in path.strip("/").split("/") if p.isdigit()]
        if len(parts) == 1:
            return provinces  # the nation
        if len(parts) > 1:
            ids.add(parts[1])
    return provinces.filter(pk__in=ids)


def _province_for(request: HttpRequest) -> OrgUnit:
    provinces = _provinces_for(request.user)
    wanted = to_latin_digits(request.GET.get("province", "").strip())
    if wanted:
        # Only plain numbers reach the database ("²" passes isdigit(), a 30-digit id overflows SQLite).
        province = provinces.filter(pk=int(wanted)).first() if re.fullmatch(r"[0-9]{1,12}", wanted) else None
    else:
        # A national officer starts at a province that has clusters; everyone else at their own.
        first = Cluster.objects.filter(path__isnull=False).order_by("pk").values_list("path", flat=True).first()
        ids = [int(p) for p in (first or "").strip("/").split("/") if p.isdigit()]
        province = (provinces.filter(pk=ids[1]).first() if len(ids) > 1 else None) or provinces.order_by("name").first()
    if province is None:
        raise PermissionDenied  # no producers scope, a province outside it, or nonsense
    return province


@login_required
def chain_missing(request: HttpRequest) -> HttpResponse:
    """The missing links across a province's clusters. A county officer (or a cluster guide) sees the page
    of their province limited to the clusters in their scope, with the same remedies: the remedies name
    actors in the other counties, which is the point of looking province-wide."""
    province = _province_for(request)
    clusters = scope_filter(Cluster.objects.filter(path__startswith=province.path), request.user,
                            Perm.PRODUCERS_VIEW).select_related("focus_product", "parent")
    links = chains.province_missing_links(province=province, clusters=clusters)
    provinces = list(_provinces_for(request.user).order_by("name")[:100])
    return render(request, "production/chain_missing.html", {
        "province": province, "links": links, "missing": sum(len(row.missing) for row in links),
        "partial": not has_perm_on(request.user, Perm.PRODUCERS_VIEW, province),
        "provinces": provinces if len(provinces) > 1 else [],
    })
