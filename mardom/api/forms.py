from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mardom.core.forms import IntegerField

from .models import Scope
from .services import MAX_TOKEN_DAYS


class TokenForm(forms.Form):
    device = forms.CharField(label=_("Device"), max_length=80,
                             help_text=_("So you know it later: “my phone”, “the fund's tablet”."))
    scopes = forms.MultipleChoiceField(label=_("What it may do"), choices=Scope.choices,
                                       widget=forms.CheckboxSelectMultiple, initial=[Scope.READ])
    days = IntegerField(label=_("Days it lasts"), min_value=1, max_value=MAX_TOKEN_DAYS, initial=90)
