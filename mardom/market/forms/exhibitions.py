"""Forms for exhibitions, their booths and applications."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mardom.core.digits import localize_digits
from mardom.core.forms import IntegerField, JalaliDateField, MoneyField, PersianCharField, QuantityField
from mardom.core.jalali import format_jalali
from mardom.orgs.models import OrgUnit

from ..models import PLAN_COLUMNS, PLAN_ROWS, Exhibition

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


SALE_LINES = 3


class SaleForm(forms.Form):
    """A sale in a few taps: what, how much, at what price, paid how. Up to three lines; the first needed."""

    method = forms.ChoiceField(label=_("Paid by"), widget=forms.RadioSelect, initial="cash",
                               choices=[("cash", pgettext_lazy("payment", "Cash")), ("card", _("Card reader")),
                                        ("transfer", _("Card-to-card transfer"))])
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, products: list[Any], producers: list[Any], **kwargs: Any) -> None:
        import uuid

        kwargs.setdefault("initial", {}).setdefault("key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        product_choices = [("", "—")] + [(str(p.pk), p.name) for p in products]
        self.products = {str(p.pk): p for p in products}
        self.producers = {str(p.pk): p for p in producers}
        for i in range(1, SALE_LINES + 1):
            n = localize_digits(str(i))
            self.fields[f"product_{i}"] = forms.ChoiceField(label=_("Product %(n)s") % {"n": n},
                                                            choices=product_choices, required=i == 1)
            if producers:
                self.fields[f"producer_{i}"] = forms.ChoiceField(
                    label=_("Whose goods %(n)s") % {"n": n}, required=False,
                    choices=[("", "—")] + [(str(p.pk), p.person.full_name) for p in producers])
            self.fields[f"quantity_{i}"] = QuantityField(label=_("Quantity %(n)s") % {"n": n}, required=i == 1)
            self.fields[f"price_{i}"] = MoneyField(label=_("Unit price %(n)s") % {"n": n}, required=i == 1)
        self.order_fields([f for i in range(1, SALE_LINES + 1)
                           for f in (f"product_{i}", f"producer_{i}", f"quantity_{i}", f"price_{i}")] + ["method"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(1, SALE_LINES + 1):
            if data.get(f"product_{i}"):
                for name in ("quantity", "price"):
                    if data.get(f"{name}_{i}") in (None, ""):
                        if f"{name}_{i}" not in self.errors:
                            self.add_error(f"{name}_{i}", _("This field is required."))
                    elif data[f"{name}_{i}"] <= 0:
                        self.add_error(f"{name}_{i}", _("The quantity must be more than zero.") if name == "quantity"
                                       else _("The price must be more than zero."))
        return data

    def line_groups(self) -> list[list[Any]]:
        """The bound fields of each line, so the page shows the first and folds the others away."""
        return [[self[name] for name in (f"product_{i}", f"producer_{i}", f"quantity_{i}", f"price_{i}")
                 if name in self.fields] for i in range(1, SALE_LINES + 1)]

    def lines(self) -> list[Any]:
        from ..services.sales import Line

        return [Line(product=self.products[self.cleaned_data[f"product_{i}"]],
                     quantity=self.cleaned_data[f"quantity_{i}"], unit_price=self.cleaned_data[f"price_{i}"],
                     producer=self.producers.get(self.cleaned_data.get(f"producer_{i}") or ""))
                for i in range(1, SALE_LINES + 1) if self.cleaned_data.get(f"product_{i}")]


class VisitorsForm(forms.Form):
    day = JalaliDateField(label=_("Day"))
    visitors = IntegerField(label=_("Visitors"), min_value=0, max_value=10_000_000)
