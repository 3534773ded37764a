from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mardom.core.digits import localize_digits
from mardom.core.forms import IntegerField, JalaliDateField, MoneyField, NationalIdField, PersianCharField
from mardom.geo.forms import PlaceField
from mardom.geo.models import Place

from ..models import Producer, Product

PRODUCT_ROWS = 3


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return f"{obj.name} ({obj.get_unit_display()})"


class ProducerForm(forms.Form):
    national_id = NationalIdField(label=_("National ID of the producer"))
    business_name = PersianCharField(label=_("Business name (optional)"), max_length=150, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Producer.Kind.choices, widget=forms.RadioSelect,
                             initial=Producer.Kind.HOME)
    place = PlaceField(label=_("Village or city of work"), kinds=[Place.Kind.VILLAGE, Place.Kind.CITY])
    activities = PersianCharField(label=_("Activities"), max_length=300,
                                  help_text=_("For example: growing and drying saffron."))
    started_on = JalaliDateField(label=_("Working since"))
    baseline_sales = MoneyField(label=_("Sales in the last twelve months"), min_value=0,
                                help_text=_("The starting point against which doubling sales is measured."))

    def __init__(self, *args: Any, officer: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not officer:  # people register themselves
            del self.fields["national_id"]
        self.fields["started_on"].max_value = timezone.localdate()
        for i in range(1, PRODUCT_ROWS + 1):
            n = localize_digits(str(i))
            self.fields[f"product_{i}"] = ProductChoiceField(
                label=_("Product %(n)s") % {"n": n}, queryset=Product.objects.order_by("category", "name"),
                required=i == 1)
            self.fields[f"capacity_{i}"] = IntegerField(label=_("Yearly capacity %(n)s") % {"n": n}, min_value=1,
                                                        max_value=10**9, required=i == 1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(1, PRODUCT_ROWS + 1):
            if data.get(f"product_{i}") and not data.get(f"capacity_{i}"):
                self.add_error(f"capacity_{i}", _("Give the yearly capacity of this product."))
        return data

    def product_rows(self) -> list[tuple[Product, int]]:
        return [(self.cleaned_data[f"product_{i}"], self.cleaned_data[f"capacity_{i}"])
                for i in range(1, PRODUCT_ROWS + 1) if self.cleaned_data.get(f"product_{i}")]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = PersianCharField(label=_("Note"), max_length=300, required=False)


class AdvantageForm(forms.Form):
    product = ProductChoiceField(label=_("Product"), queryset=Product.objects.order_by("category", "name"))
    note = PersianCharField(label=_("Note"), max_length=200, required=False)
