"""Forms for value-chain templates: they parse what is typed; the rules live in services/chains.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mardom.core.forms import PersianCharField

from ..chains import source_choices
from ..models import ChainStage


class StageForm(forms.Form):
    name = PersianCharField(label=_("Name of the stage"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=ChainStage.Kind.choices, widget=forms.RadioSelect,
                             initial=ChainStage.Kind.CORE,
                             error_messages={"invalid_choice": _("Choose one of the kinds shown.")})
    sources = forms.MultipleChoiceField(
        label=_("Actors come from"), choices=source_choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose where the actors of this stage come from."),
                        "invalid_choice": _("Choose the sources from the list.")})

    @classmethod
    def for_stage(cls, stage: ChainStage, data: Any = None) -> StageForm:
        return cls(data, prefix=f"s{stage.pk}",
                   initial={"name": stage.name, "kind": stage.kind, "sources": list(stage.sources)})


class TemplateCreateForm(forms.Form):
    value_chain = forms.ChoiceField(label=_("Value chain"),
                                    error_messages={"invalid_choice": _("Choose a value chain from the list.")})

    def __init__(self, *args: Any, chains: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value_chain"].choices = list(chains.items())
