"""Forms for job leaders, their agreements and the account lines they record."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mardom.core.forms import JalaliDateField, MoneyField, NationalIdField, PersianCharField, QuantityField
from mardom.orgs.models import OrgUnit

from ..models import Cluster, JobAgreement, JobEntry, JobLeader, Product
from . import ProductChoiceField


class JobLeaderForm(forms.Form):
    county = forms.ModelChoiceField(label=_("County"), queryset=OrgUnit.objects.none())
    name = PersianCharField(label=_("Business name"), max_length=150)
    national_id = NationalIdField(label=_("National ID of its manager"),
                                  help_text=_("The manager gets the job leader role when they have an account."))
    functions = forms.MultipleChoiceField(label=_("What it does"), choices=JobLeader.Function.choices,
                                          widget=forms.CheckboxSelectMultiple)
    cluster = forms.ModelChoiceField(label=_("Cluster (optional)"), queryset=Cluster.objects.none(),
                                     required=False)
    products = forms.ModelMultipleChoiceField(
        label=_("Products it works with"), queryset=Product.objects.order_by("category", "name"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("The value chains it counts in; its agreements' products count too."))
    activities = PersianCharField(label=_("Activities"), max_length=300, required=False,
                                  help_text=_("For example: issues wool and buys back finished rugs."))

    def __init__(self, *args: Any, counties: Any, clusters: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties
        self.fields["cluster"].queryset = clusters


class AgreementForm(forms.Form):
    national_id = NationalIdField(label=_("National ID of the producer"))
    product = ProductChoiceField(label=_("Product bought back"), queryset=Product.objects.order_by("category", "name"))
    pricing = forms.ChoiceField(label=_("Terms"), choices=JobAgreement.Pricing.choices, widget=forms.RadioSelect,
                                initial=JobAgreement.Pricing.PURCHASE)
    material = PersianCharField(label=_("Material issued (optional)"), max_length=100, required=False,
                                help_text=_("For example: wool and yarn. Leave empty if you only buy output."))
    material_unit = forms.ChoiceField(label=_("Unit of material"), required=False,
                                      choices=[("", "—"), *Product.Unit.choices])
    output_per_material = QuantityField(
        label=_("Most output per unit of material"), required=False, min_value=0,
        help_text=_("The buyback limit: for example ۰٫۵ square metre of rug per kilogram of wool."))
    rate_a = MoneyField(label=_("Rate for grade A, per unit of output"), min_value=1)
    rate_b = MoneyField(label=_("Rate for grade B (optional)"), min_value=0, required=False)
    rate_c = MoneyField(label=_("Rate for grade C (optional)"), min_value=0, required=False)
    starts_on = JalaliDateField(label=_("Agreement starts on"),
                                help_text=_("No issue, buyback or payment can be dated earlier."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_on"].initial = timezone.localdate()
        self.fields["starts_on"].max_value = timezone.localdate()


class _LineForm(forms.Form):
    occurred_on = JalaliDateField(label=_("Date"))
    memo = PersianCharField(label=_("Note (optional)"), max_length=200, required=False)
    # A fresh key per rendered form: the same form sent twice records once.
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("occurred_on", timezone.localdate())
        kwargs["initial"].setdefault("key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].max_value = timezone.localdate()
        self.order_fields(["quantity", "value", "grade", "direction", "amount", "occurred_on", "memo"])


class IssueForm(_LineForm):
    quantity = QuantityField(label=_("Quantity of material"), min_value=0)
    value = MoneyField(label=_("Value charged to the producer"), min_value=0, required=False,
                       help_text=_("Empty on piece rate: the materials stay the job leader's."))


class ReceiptForm(_LineForm):
    quantity = QuantityField(label=_("Quantity received"), min_value=0)
    grade = forms.ChoiceField(label=_("Quality grade"), choices=JobEntry.Grade.choices, widget=forms.RadioSelect,
                              initial=JobEntry.Grade.A)


class PaymentForm(_LineForm):
    direction = forms.ChoiceField(label=_("Direction"), widget=forms.RadioSelect, initial="to_producer",
                                  choices=[("to_producer", _("The job leader pays the producer")),
                                           ("to_leader", _("The producer pays the job leader"))])
    amount = MoneyField(label=_("Amount"), min_value=1)


class ReverseForm(forms.Form):
    memo = PersianCharField(label=_("Why is this line wrong?"), max_length=200)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
