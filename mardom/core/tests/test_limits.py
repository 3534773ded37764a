"""Django's min/max messages show Latin digits: our number fields say the limit in Persian digits."""

from __future__ import annotations

from django import forms
from django.utils import translation

from mardom.core.forms import IntegerField, QuantityField, TimeOfDayField


class _Form(forms.Form):
    year = IntegerField(min_value=1380, max_value=1500)
    count = IntegerField(min_value=1, max_value=100_000, required=False)
    weight = QuantityField(min_value=0, max_value=10, required=False)


def test_min_and_max_messages_use_persian_digits():
    with translation.override("fa"):
        form = _Form({"year": "۱۳۷۰", "count": "200000", "weight": "12"})
        assert not form.is_valid()
        assert form.errors["year"] == ["عدد باید دست‌کم ۱٬۳۸۰ باشد."]
        assert form.errors["count"] == ["عدد باید حداکثر ۱۰۰٬۰۰۰ باشد."]
        assert form.errors["weight"] == ["عدد باید حداکثر ۱۰ باشد."]


def test_the_limits_still_hold_and_a_number_within_them_passes():
    form = _Form({"year": "۱۴۰۵", "count": "1", "weight": "۲٫۵"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["year"] == 1405


def test_a_time_of_day_is_shown_in_persian_digits_and_read_in_any():
    class F(forms.Form):
        at = TimeOfDayField(initial="18:00")

    import datetime

    with translation.override("fa"):
        assert 'value="۱۸:۰۰"' in str(F()["at"])
        assert 'value="۱۸:۰۰"' in str(type("G", (forms.Form,), {"at": TimeOfDayField(
            initial=datetime.time(18, 0))})()["at"])
    good = F({"at": "۱۸:۳۰"})
    assert good.is_valid() and good.cleaned_data["at"] == datetime.time(18, 30)
    bad = F({"at": "25:99"})
    assert not bad.is_valid()
