from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mardom.core.digits import to_latin_digits
from mardom.core.forms import IntegerField, MobileField, NationalIdField, PersianCharField
from mardom.desk.models import ReferralNeed, RequestStep
from mardom.desk.services.referrals import ANSWER_CHOICES
from mardom.geo.forms import PlaceField
from mardom.geo.models import Place

from .models import Institution, OrgUnit, VolunteerGroup

_PHONE = re.compile(r"^\+?\d{4,15}$")


class PhoneField(forms.CharField):
    default_error_messages = {"invalid": _("Enter a phone number in digits, for example ۰۵۶۳۲۵۲۱۲۳۴.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "dir": "ltr"})

    def to_python(self, value: Any) -> str:
        value = re.sub(r"[\s\-()]", "", to_latin_digits(super().to_python(value)))
        if value and not _PHONE.match(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return value


class CountyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        province = obj.parent.name if obj.parent else ""
        return f"{obj.name} ({province})" if province else obj.name


class OrgForm(forms.Form):
    """Fields every organisation has. On edit the county is fixed: moving a unit would move its scope."""

    name = PersianCharField(label=_("Name"), max_length=150)
    county = CountyChoiceField(label=_("County"), queryset=OrgUnit.objects.none(), empty_label=None)
    place = PlaceField(label=_("Village or city"), required=False, kinds=[Place.Kind.VILLAGE, Place.Kind.CITY])

    def __init__(self, *args: Any, counties: Any = None, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["county"]
        else:
            self.fields["county"].queryset = counties if counties is not None else OrgUnit.objects.none()


class BaseForm(OrgForm):
    address = PersianCharField(label=_("Address"), max_length=300, required=False)
    phone = PhoneField(label=_("Phone"))


class GroupForm(OrgForm):
    fields_of_work = forms.MultipleChoiceField(
        label=_("Fields of work"), choices=VolunteerGroup.Field.choices, widget=forms.CheckboxSelectMultiple
    )
    leader_name = PersianCharField(label=_("Leader's name"), max_length=150, required=False)
    leader_mobile = MobileField(label=_("Leader's mobile"), required=False)
    member_count = IntegerField(label=_("Number of members"), min_value=0, max_value=100_000, initial=0)


class InstitutionForm(OrgForm):
    type = forms.ChoiceField(label=_("Type"), choices=Institution.Type.choices)
    bank = forms.ChoiceField(label=_("Bank"), choices=[("", "—"), *Institution.Bank.choices], required=False,
                             help_text=_("Only for a bank branch."))
    address = PersianCharField(label=_("Address"), max_length=300, required=False)
    phone = PhoneField(label=_("Phone"))
    services = PersianCharField(label=_("Services offered"), max_length=300, required=False)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.get_kind_display()}: {obj.name}"


class LinkageForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Volunteer group"), queryset=VolunteerGroup.objects.none())

    def __init__(self, *args: Any, groups: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if groups is not None:
            self.fields["group"].queryset = groups


class ReferralForm(forms.Form):
    from_unit = UnitChoiceField(label=_("Referred by"), queryset=OrgUnit.objects.none(), empty_label=None)
    to_unit = UnitChoiceField(label=_("Referred to"), queryset=OrgUnit.objects.none())
    need = forms.ChoiceField(label=_("Need"), choices=ReferralNeed.choices)
    subject = PersianCharField(label=_("Subject"), max_length=200)
    national_id = NationalIdField(label=_("National ID of the person (optional)"), required=False)

    def __init__(self, *args: Any, sources: Any = None, targets: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if sources is not None:
            self.fields["from_unit"].queryset = sources
        if targets is not None:
            self.fields["to_unit"].queryset = targets


class ReferralStatusForm(forms.Form):
    """The receiving side's quick answer to a referral. When the desk records it for a unit with no officer in
    Mardom, it says who gave the answer there and how (the service asks for both then)."""

    status = forms.ChoiceField(label=_("Answer"), choices=ANSWER_CHOICES)
    answer = PersianCharField(label=_("Answer"), max_length=300, required=False)
    said_by = PersianCharField(label=_("Said by"), max_length=150, required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[
        ("", "—"), (RequestStep.Channel.PAPER, RequestStep.Channel.PAPER.label),
        (RequestStep.Channel.PHONE, RequestStep.Channel.PHONE.label)])


class OrgSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
