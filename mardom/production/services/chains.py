"""Writes for value-chain templates: national officers edit the stages of the default chain and of the chains
that have their own template (made as a copy of the default, then changed).

Every change locks the template row first, so two officers editing one chain at once are serialised and
positions stay unique; each writes one audit record with the stages before and after."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.text import normalize_text
from mardom.orgs.models import OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import require

from ..chains import SOURCES
from ..models import ChainStage, ChainTemplate, Product

NAME_LENGTH = ChainStage._meta.get_field("name").max_length or 60


def _nation() -> OrgUnit:
    nation = OrgUnit.objects.filter(kind=OrgUnit.Kind.NATION).order_by("pk").first()
    if nation is None:  # the reference data is missing: nobody may edit
        raise DomainError(_("The organisation tree is not loaded."))
    return nation


def _require_national(by: Any) -> OrgUnit:
    """Templates are shared by every province: only a national producers officer changes them."""
    nation = _nation()
    require(by, Perm.PRODUCERS_MANAGE, nation)
    return nation


def _locked(template: ChainTemplate) -> ChainTemplate:
    return ChainTemplate.objects.select_for_update().get(pk=template.pk)


def _snapshot(template: ChainTemplate) -> list[list[Any]]:
    return [[s.pk, s.position, s.kind, s.name, list(s.sources)]
            for s in template.stages.order_by("kind", "position", "pk")]


def _touch(template: ChainTemplate, by: Any) -> None:
    template.updated_by = by
    template.save(update_fields=["updated_by", "updated_at"])


def _record(by: Any, action: str, template: ChainTemplate, nation: OrgUnit, before: list[list[Any]] | None) -> None:
    audit_record(by=by, action=action, obj=template, scope_path=nation.path or "", before=before,
                 after={"value_chain": template.value_chain, "stages": _snapshot(template)})


def _clean(template: ChainTemplate, *, name: str, kind: str, sources: Sequence[str],
           exclude_pk: int | None = None) -> tuple[str, str, list[str]]:
    name = normalize_text(name)
    if not name:
        raise DomainError(_("Give the stage a name."), field="name")
    if len(name) > NAME_LENGTH:
        raise DomainError(_("The name is too long."), field="name")
    clash = template.stages.filter(name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise DomainError(_("Another stage of this chain already has this name."), field="name")
    if kind not in ChainStage.Kind.values:
        raise DomainError(_("Choose whether this is a stage of the chain or a support."), field="kind")
    codes = list(dict.fromkeys(sources))  # keep the order given, once each
    if not codes:
        raise DomainError(_("Choose where the actors of this stage come from."), field="sources")
    if any(code not in SOURCES for code in codes):
        raise DomainError(_("Choose the sources from the list."), field="sources")
    return name, kind, codes


def _core_left(template: ChainTemplate, *, without: int) -> bool:
    return template.stages.filter(kind=ChainStage.Kind.CORE).exclude(pk=without).exists()


@transaction.atomic
def chain_template_create(*, by: Any, value_chain: str) -> ChainTemplate:
    """Give a value chain its own template, starting as a copy of the default's stages."""
    nation = _require_national(by)
    chains = set(Product.objects.values_list("value_chain", flat=True))
    if value_chain == ChainTemplate.DEFAULT or value_chain not in chains:
        raise DomainError(_("Choose a value chain from the list."), field="value_chain")
    default = ChainTemplate.objects.select_for_update().filter(value_chain=ChainTemplate.DEFAULT).first()
    if ChainTemplate.objects.filter(value_chain=value_chain).exists():
        raise DomainError(_("This value chain already has its own stages."), field="value_chain")
    template = ChainTemplate.objects.create(value_chain=value_chain, updated_by=by)
    if default is not None:
        ChainStage.objects.bulk_create([
            ChainStage(template=template, position=s.position, kind=s.kind, name=s.name, sources=list(s.sources))
            for s in default.stages.order_by("kind", "position", "pk")])
    _record(by, "chain.template_create", template, nation, None)
    return template


@transaction.atomic
def chain_stage_add(*, by: Any, template: ChainTemplate, name: str, kind: str, sources: Sequence[str]) -> ChainStage:
    """Add a stage at the end of its row (core or support)."""
    nation = _require_national(by)
    template = _locked(template)
    name, kind, codes = _clean(template, name=name, kind=kind, sources=sources)
    before = _snapshot(template)
    last = template.stages.aggregate(m=Max("position"))["m"] or 0
    stage = ChainStage.objects.create(template=template, position=last + 1, name=name, kind=kind, sources=codes)
    _touch(template, by)
    _record(by, "chain.stage_add", template, nation, before)
    return stage


@transaction.atomic
def chain_stage_update(*, by: Any, stage: ChainStage, name: str, kind: str, sources: Sequence[str]) -> ChainStage:
    """Rename a stage, move it between the chain and its supports, or change where its actors come from."""
    nation = _require_national(by)
    template = _locked(stage.template)
    stage = template.stages.get(pk=stage.pk)
    name, kind, codes = _clean(template, name=name, kind=kind, sources=sources, exclude_pk=stage.pk)
    if kind != ChainStage.Kind.CORE and not _core_left(template, without=stage.pk):
        raise DomainError(_("A chain needs at least one stage of its own, besides supports."), field="kind")
    before = _snapshot(template)
    stage.name, stage.kind, stage.sources = name, kind, codes
    stage.save(update_fields=["name", "kind", "sources"])
    _touch(template, by)
    _record(by, "chain.stage_update", template, nation, before)
    return stage


@transaction.atomic
def chain_stage_delete(*, by: Any, stage: ChainStage) -> None:
    nation = _require_national(by)
    template = _locked(stage.template)
    stage = template.stages.get(pk=stage.pk)
    if not _core_left(template, without=stage.pk):
        raise DomainError(_("A chain needs at least one stage of its own, besides supports."))
    before = _snapshot(template)
    stage.delete()
    _touch(template, by)
    _record(by, "chain.stage_delete", template, nation, before)


@transaction.atomic
def chain_stages_reorder(*, by: Any, template: ChainTemplate, order: Sequence[int]) -> None:
    """Put the stages in the given order (every stage id of the template, once): positions become 1, 2, 3..."""
    nation = _require_national(by)
    template = _locked(template)
    stages = {s.pk: s for s in template.stages.all()}
    if len(order) != len(stages) or set(order) != set(stages):
        raise DomainError(_("The stages were changed meanwhile: look at them again and repeat."), field="order")
    before = _snapshot(template)
    for position, pk in enumerate(order, start=1):
        stages[pk].position = position
    ChainStage.objects.bulk_update(list(stages.values()), ["position"])
    _touch(template, by)
    _record(by, "chain.reorder", template, nation, before)


@transaction.atomic
def chain_stage_move(*, by: Any, stage: ChainStage, step: int) -> None:
    """Swap a stage with its neighbour in its row (-1: earlier, +1: later); at either end nothing changes."""
    _require_national(by)
    if step not in (-1, 1):
        raise DomainError(_("Move a stage one place at a time."), field="order")
    template = _locked(stage.template)
    ordered = sorted(template.stages.all(), key=lambda s: (s.kind != ChainStage.Kind.CORE, s.position, s.pk))
    ids = [s.pk for s in ordered]
    if stage.pk not in ids:
        raise DomainError(_("The stages were changed meanwhile: look at them again and repeat."), field="order")
    i = ids.index(stage.pk)
    j = i + step
    if not (0 <= j < len(ordered) and ordered[j].kind == ordered[i].kind):
        return
    ids[i], ids[j] = ids[j], ids[i]
    chain_stages_reorder(by=by, template=template, order=ids)
