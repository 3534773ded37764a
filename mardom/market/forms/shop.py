"""Forms of the storefront."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mardom.brands.models import Authorisation
from mardom.core.forms import IntegerField, MobileField, MoneyField, PersianCharField


class CartAddForm(forms.Form):
    quantity = IntegerField(label=_("Packs"), min_value=1, max_value=1000, initial=1)


class CheckoutForm(forms.Form):
    # The page's form is `novalidate`: these messages, beside the fields, replace the browser's own (English).
    buyer_name = PersianCharField(label=_("Your name"), max_length=150,
                                  error_messages={"required": _("Write your name.")})
    buyer_mobile = MobileField(label=_("Mobile"), error_messages={"required": _("Write your mobile number.")})
    address = PersianCharField(label=_("Address to send to"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                               error_messages={"required": _("Write the address to send the order to.")})
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=8)


class ListingForm(forms.Form):
    authorisation = forms.ModelChoiceField(label=_("Product and brand"), queryset=Authorisation.objects.none())
    title = PersianCharField(label=_("Title"), max_length=150)
    pack = PersianCharField(label=_("Pack"), max_length=50, help_text=_("For example: 4 grams."))
    price = MoneyField(label=_("Price per pack"), min_value=1)
    stock = IntegerField(label=_("Packs in stock"), min_value=0, max_value=1_000_000)
    description = PersianCharField(label=_("Description"), max_length=2000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, authorisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authorisation"].queryset = authorisations
        self.fields["authorisation"].label_from_instance = lambda a: f"{a.product.name} — {a.brand.name}"


class ListingEditForm(forms.Form):
    price = MoneyField(label=_("Price per pack"), min_value=1)
    stock = IntegerField(label=_("Packs in stock"), min_value=0, max_value=1_000_000)
    active = forms.BooleanField(label=_("On sale"), required=False)


class PayoutForm(forms.Form):
    amount = MoneyField(label=_("Amount paid out"), min_value=1)
    reference = PersianCharField(label=_("Bank reference"), max_length=100)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=8)
