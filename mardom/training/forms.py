"""Forms of the training app: they parse what was typed (any digits, Jalali dates, times of day); the rules
are in services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mardom.brands import serials
from mardom.core.forms import IntegerField, JalaliDateField, NationalIdField, PersianCharField, TimeOfDayField
from mardom.core.text import normalize_text
from mardom.core.validators import validate_no_markup
from mardom.orgs.models import OrgUnit
from mardom.production.chains import value_chains
from mardom.production.models import Product

from .models import Course


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class CourseForm(forms.Form):
    unit = UnitChoiceField(label=_("Published by"), queryset=OrgUnit.objects.none(),
                           error_messages={"invalid_choice": _("Choose the publisher from the list.")})
    title = PersianCharField(label=_("Subject"), max_length=150)
    description = forms.CharField(label=_("Description"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}), validators=[validate_no_markup])
    product = forms.ModelChoiceField(label=_("Product"), required=False, queryset=Product.objects.none(),
                                     help_text=_("The product line the course serves, if one."),
                                     error_messages={"invalid_choice": _("Choose a product from the list.")})
    value_chain = forms.ChoiceField(label=_("Value chain"), required=False,
                                    help_text=_("Or a whole value chain (set by the product when one is chosen)."),
                                    error_messages={"invalid_choice": _("Choose a value chain from the list.")})
    venue = PersianCharField(label=_("Place"), max_length=200)
    capacity = IntegerField(label=_("Capacity"), min_value=1, max_value=10_000)
    min_sessions = IntegerField(label=_("Sessions to attend"), min_value=1, max_value=100,
                                help_text=_("Completed by attending at least this many of the sessions (a late "
                                            "enrolee: the same share of the sessions held after she enrolled)."))
    waitlist_open = forms.BooleanField(label=_("Keep a waiting list when the course is full"), required=False,
                                       initial=True)
    eligibility = forms.ChoiceField(label=_("Who may enrol"), choices=Course.Eligibility.choices,
                                    error_messages={"invalid_choice": _("Choose who may enrol from the list.")})
    eligible_unit = UnitChoiceField(label=_("Colony or fund"), required=False, queryset=OrgUnit.objects.none(),
                                    help_text=_("For a course of a colony's or a fund's members."),
                                    error_messages={"invalid_choice": _("Choose a colony or fund from the list.")})
    eligible_product = forms.ModelChoiceField(
        label=_("Product of the producers"), required=False, queryset=Product.objects.none(),
        help_text=_("For a course of the producers of one product."),
        error_messages={"invalid_choice": _("Choose a product from the list.")})

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        products = Product.objects.order_by("category", "name")
        self.fields["product"].queryset = products
        self.fields["eligible_product"].queryset = products
        self.fields["value_chain"].choices = [("", "—"), *sorted(value_chains().items(), key=lambda kv: kv[1])]
        counties = {u.pk if u.kind == OrgUnit.Kind.COUNTY else u.parent_id for u in units}
        self.fields["eligible_unit"].queryset = OrgUnit.objects.filter(
            kind__in=[OrgUnit.Kind.COLONY, OrgUnit.Kind.FUND], is_active=True).filter(
            _within_any(OrgUnit.objects.filter(pk__in=counties).values_list("path", flat=True))).order_by(
            "kind", "name")


def _within_any(paths: Any) -> Any:
    from django.db.models import Q

    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return q


class SessionForm(forms.Form):
    day = JalaliDateField(label=_("Date"))
    starts = TimeOfDayField(label=_("From"))
    ends = TimeOfDayField(label=_("To"))
    topic = PersianCharField(label=_("Topic"), max_length=150, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, starts, ends = data.get("day"), data.get("starts"), data.get("ends")
        if day and starts and ends:
            tz = timezone.get_current_timezone()
            data["starts_at"] = dt.datetime.combine(day, starts, tzinfo=tz)
            data["ends_at"] = dt.datetime.combine(day, ends, tzinfo=tz)
        return data


class NationalIdForm(forms.Form):
    national_id = NationalIdField(label=_("National ID"))


class EnrolPersonForm(NationalIdForm):
    """The publisher enrols someone, optionally for her training request at the desk (answered on completion)."""

    desk_request = IntegerField(label=_("Number of her training request at the desk (if any)"), required=False,
                                min_value=1)


class ReasonForm(forms.Form):
    reason = PersianCharField(label=_("Reason"), max_length=300)


class IdListField(forms.Field):
    """Several ids (checkboxes of one name), any digits."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("The list of people was not understood; reload the page.")}

    def to_python(self, value: Any) -> list[int]:
        from mardom.core.digits import to_latin_digits

        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return [int(to_latin_digits(str(v)).strip()) for v in values[:1000]]
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class AttendanceForm(forms.Form):
    present = IdListField(label=_("Present"), required=False)


class CertificateCodeForm(forms.Form):
    code = forms.CharField(label=_("Certificate code"), max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr",
                                                         "autocapitalize": "characters"}))

    def clean_code(self) -> str:
        code = serials.normalise(normalize_text(self.cleaned_data["code"]))
        if not serials.is_well_formed(code):
            raise ValidationError(_("This code was not read correctly: check it against the certificate."),
                                  code="mistyped")
        return code
