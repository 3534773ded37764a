from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mardom.core.forms import JalaliDateField, MobileField, NationalIdField, PersianCharField
from mardom.geo.forms import PlaceField
from mardom.geo.models import Place
from mardom.orgs.models import OrgUnit

from .auth import normalize_login
from .models import Person
from .roles import Role


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("National ID or mobile"), max_length=40,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "inputmode": "numeric"}),
    )
    error_messages = {
        "invalid_login": _("The national ID, mobile or password is wrong."),
        "inactive": _("This account is disabled."),
    }

    def clean_username(self) -> str:
        # Normalised before authenticate(), so the throttle counts "۰۹۱۲…" and "+98912…" as one name.
        return normalize_login(self.cleaned_data["username"])


class PersonForm(forms.Form):
    national_id = NationalIdField(label=_("National ID"))
    first_name = PersianCharField(label=_("First name"), max_length=80)
    last_name = PersianCharField(label=_("Last name"), max_length=80)
    mobile = MobileField(label=_("Mobile"))
    gender = forms.ChoiceField(label=_("Gender"), choices=Person.Gender.choices, widget=forms.RadioSelect)
    birth_date = JalaliDateField(
        label=_("Birth date"), required=False, min_value=datetime.date(1921, 3, 21),
        help_text=_("In the Jalali calendar, for example ۱۳۶۵/۰۶/۳۱."),
    )
    home_place = PlaceField(
        label=_("Home village or city"), kinds=[Place.Kind.VILLAGE, Place.Kind.CITY],
    )
    desk = forms.ModelChoiceField(label=_("Registered by"), queryset=OrgUnit.objects.none(), empty_label=None)

    def __init__(self, *args: Any, desks: list[OrgUnit] | None = None, editing: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].max_value = timezone.localdate()
        if editing:
            del self.fields["national_id"], self.fields["desk"]
        else:
            self.fields["desk"].queryset = OrgUnit.objects.filter(pk__in=[d.pk for d in desks or []])
            if desks and len(desks) == 1:
                self.fields["desk"].initial = desks[0]
                self.fields["desk"].widget = forms.HiddenInput()


class PasswordForm(forms.Form):
    password = forms.CharField(label=_("New password"), strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(label=_("New password again"), strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("The two passwords are not the same."))
        return data


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.get_kind_display()}: {obj.name}"


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    unit = UnitChoiceField(label=_("On unit"), queryset=OrgUnit.objects.none())

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
