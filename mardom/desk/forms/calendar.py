"""Forms of the working-calendar page: which year and province, a holiday, a province's Thursday."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mardom.core.digits import localize_digits
from mardom.core.forms import IntegerField, JalaliDateField, PersianCharField
from mardom.core.jalali import MAX_YEAR, MIN_YEAR, to_jalali


class CalendarFilterForm(forms.Form):
    year = IntegerField(label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR, required=False)
    province = forms.ModelChoiceField(label=_("Province"), queryset=None, required=False,  # type: ignore[arg-type]
                                      empty_label=_("National holidays only"))

    def __init__(self, *args: Any, provinces: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces


class HolidayForm(forms.Form):
    date = JalaliDateField(label=_("Date"))
    name = PersianCharField(label=_("Name"), max_length=200)
    estimated = forms.BooleanField(label=_("Estimated (a lunar date not yet confirmed)"), required=False)

    def __init__(self, *args: Any, year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_date(self) -> Any:
        date = self.cleaned_data["date"]
        if date is not None and to_jalali(date).year != self.year:
            raise forms.ValidationError(_("This date is not in the year %(year)s."),
                                        params={"year": localize_digits(str(self.year))}, code="year")
        return date


class ThursdayForm(forms.Form):
    thursday_half_day = forms.BooleanField(label=_("Thursday is a half working day in this province"),
                                           required=False)
