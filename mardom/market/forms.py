"""Forms for exhibitions, their booths and applications."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mardom.core.forms import IntegerField, JalaliDateField, MoneyField, PersianCharField
from mardom.core.jalali import format_jalali
from mardom.orgs.models import OrgUnit

from .models import PLAN_COLUMNS, PLAN_ROWS, Exhibition

WEIGHT_LABELS = {
    "cluster_member": _("Priority for cluster members"),
    "loan_recipient": _("Priority for fund loan recipients"),
    "advantaged": _("Priority for advantaged products"),
    "rotation_penalty": _("Rotation: points off per booth won in the last year"),
    "max_penalty": _("Rotation: most points taken off"),
}


class ExhibitionForm(forms.Form):
    county = forms.ModelChoiceField(label=_("County"), queryset=OrgUnit.objects.none())
    name = PersianCharField(label=_("Name"), max_length=150)
    type = forms.ChoiceField(label=_("Exhibition type"), choices=Exhibition.Type.choices, widget=forms.RadioSelect,
                             initial=Exhibition.Type.SEASONAL)
    venue = PersianCharField(label=_("Venue"), max_length=200)
    starts_on = JalaliDateField(label=_("Opens on"))
    ends_on = JalaliDateField(label=_("Closes on"))
    applications_close_on = JalaliDateField(label=_("Applications close on"))
    term_days = IntegerField(label=_("Booth term in days (permanent exhibitions)"), required=False, min_value=7,
                             max_value=366)

    def __init__(self, *args: Any, counties: Any, defaults: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties
        for name, label in WEIGHT_LABELS.items():
            self.fields[f"w_{name}"] = IntegerField(label=label, min_value=0, max_value=100, initial=defaults[name])

    def rules(self) -> dict[str, int]:
        return {name: self.cleaned_data[f"w_{name}"] for name in WEIGHT_LABELS}


class BoothForm(forms.Form):
    code = PersianCharField(label=_("Booth code"), max_length=10, help_text=_("For example A3."))
    x = IntegerField(label=_("Column (metres from the entrance wall)"), min_value=0, max_value=PLAN_COLUMNS - 1)
    y = IntegerField(label=_("Row (metres from the front)"), min_value=0, max_value=PLAN_ROWS - 1)
    width = IntegerField(label=_("Width (m)"), min_value=1, max_value=PLAN_COLUMNS)
    depth = IntegerField(label=_("Depth (m)"), min_value=1, max_value=PLAN_ROWS)
    price = MoneyField(label=_("Price per term (empty: free)"), min_value=0, required=False)


class ApplicationForm(forms.Form):
    applicant = forms.ChoiceField(label=_("Who applies"))
    term_start = forms.ChoiceField(label=_("Term"))
    products = PersianCharField(label=_("What you will show"), max_length=200,
                                help_text=_("For example: saffron in 1 and 4 gram packs, barberry."))
    wants_size = IntegerField(label=_("Booth size wanted (m², optional)"), required=False, min_value=1,
                              max_value=PLAN_COLUMNS * PLAN_ROWS)
    free_only = forms.BooleanField(label=_("Only a free booth"), required=False)

    def __init__(self, *args: Any, applicants: list[tuple[str, str]], terms: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applicant"].choices = applicants
        self.fields["term_start"].choices = [(t.isoformat(), format_jalali(t)) for t in terms]


class TermForm(forms.Form):
    term_start = forms.ChoiceField(label=_("Term"))

    def __init__(self, *args: Any, terms: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["term_start"].choices = [(t.isoformat(), format_jalali(t)) for t in terms]
