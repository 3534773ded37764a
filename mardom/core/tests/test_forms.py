import datetime as dt

import pytest
from django import forms
from django.test import override_settings
from django.utils import translation

from mardom.core.forms import (
    IbanField,
    JalaliDateField,
    JalaliDateInput,
    MobileField,
    MoneyField,
    NationalIdField,
    PersianCharField,
)


def _errors(field: forms.Field, value) -> list[str]:
    with pytest.raises(forms.ValidationError) as error:
        field.clean(value)
    return error.value.messages


def test_national_id_field():
    assert NationalIdField().clean("۰۰۸۴۵۷۵۹۴۸") == "0084575948"
    assert NationalIdField().clean("84575948") == "0084575948"
    with translation.override("en"):
        assert _errors(NationalIdField(), "۱۲۳۴۵۶۷۸۹۰") == [
            "Enter a valid 10-digit national ID (code melli)."
        ]
    assert NationalIdField(required=False).clean("") == ""


def test_mobile_field():
    assert MobileField().clean("+98 ۹۱۲ ۱۲۳ ۴۵۶۷") == "09121234567"
    with translation.override("en"):
        assert _errors(MobileField(), "۰۹۱۲۱۲") == [
            "Enter a mobile number of 11 digits starting with 09, like 09121234567."
        ]
    html = MobileField().widget.render("m", "")
    assert 'inputmode="tel"' in html and 'autocomplete="tel"' in html


def test_iban_field():
    assert IbanField().clean("ir۰۶ ۲۹۶۰ ۰۰۰۰ ۰۰۱۰ ۰۳۲۴ ۲۰۰۰ ۰۱") == "IR062960000000100324200001"
    with translation.override("en"):
        assert _errors(IbanField(), "IR062960000000100324200002") == [
            "Enter a valid IBAN (Sheba): IR followed by 24 digits."
        ]


def test_persian_char_field_normalises_then_checks_length():
    # Thirteen characters as typed, seven once the spaces and the Arabic yeh are fixed.
    assert PersianCharField(max_length=7).clean("  علي   رضا ") == "علی رضا"
    with translation.override("en"):
        assert _errors(PersianCharField(max_length=3), "كتاب") == ["Use at most 3 characters (you used 4)."]
    with translation.override("fa"):
        assert "۳" in _errors(PersianCharField(max_length=3), "كتاب")[0]
    assert "maxlength" not in PersianCharField(max_length=3).widget_attrs(forms.TextInput())


def test_persian_char_field_rejects_html():
    with translation.override("en"):
        assert _errors(PersianCharField(), "سلام <script>alert(1)</script>") == ["HTML is not allowed here."]
    assert PersianCharField().clean("۳ < ۵") == "۳ < ۵"


@override_settings(MONEY_DISPLAY_UNIT="toman")
def test_money_field_parses_display_unit():
    assert MoneyField().clean("۱۲۳٬۴۵۶") == 1_234_560
    assert MoneyField(unit="rial").clean("۱۲۳٬۴۵۶") == 123_456
    assert MoneyField(required=False).clean("") is None
    with translation.override("en"):
        assert _errors(MoneyField(), "12.5") == ["Enter a whole amount, without decimals."]
        assert _errors(MoneyField(), "-5") == ["The amount cannot be negative."]


@override_settings(MONEY_DISPLAY_UNIT="toman")
def test_money_field_limits_in_rials():
    field = MoneyField(min_value=10_000, max_value=1_000_000)
    assert field.clean("1000") == 10_000
    with translation.override("en"):
        assert _errors(field, "999") == ["The amount must be at least 1,000\u00a0toman."]
        assert _errors(field, "100001") == ["The amount must be at most 100,000\u00a0toman."]


@override_settings(MONEY_DISPLAY_UNIT="toman")
def test_money_field_shows_initial_rials_in_display_unit():
    field = MoneyField()
    with translation.override("fa"):
        assert field.prepare_value(1_234_560) == "۱۲۳٬۴۵۶"
        assert field.clean(field.prepare_value(1_234_565)) == 1_234_565  # shown with the rial label
    assert 'inputmode="numeric"' in field.widget.render("amount", "")


def test_jalali_date_field_accepts_persian_digits():
    assert JalaliDateField().clean("۱۴۰۳/۱۲/۳۰") == dt.date(2025, 3, 20)
    assert JalaliDateField(required=False).clean("") is None
    with translation.override("en"):
        assert _errors(JalaliDateField(), "1404/12/30") == [
            "There is no day 30 in Esfand 1404; it has 29 days."
        ]
        assert _errors(JalaliDateField(), "tomorrow") == [
            "Enter the date as year/month/day, for example 1403/01/31."
        ]


def test_jalali_date_field_limits():
    field = JalaliDateField(min_value=dt.date(2025, 3, 21), max_value=dt.date(2025, 4, 20))
    assert field.clean("1404/01/01") == dt.date(2025, 3, 21)
    with translation.override("en"):
        assert _errors(field, "1403/12/30") == ["The date must be on or after 1404/01/01."]
        assert _errors(field, "1404/02/01") == ["The date must be on or before 1404/01/31."]


def test_jalali_date_input_renders_jalali_and_picker_attrs():
    widget = JalaliDateInput()
    with translation.override("fa"):
        html = widget.render("born", dt.date(2025, 3, 20))
        assert 'value="۱۴۰۳/۱۲/۳۰"' in html
        assert 'placeholder="۱۴۰۳/۰۱/۳۱"' in html
    assert 'data-jdp=""' in html and 'inputmode="numeric"' in html and 'autocomplete="off"' in html
    with translation.override("en"):
        html = widget.render("born", dt.date(2025, 3, 20))
        assert 'value="1403/12/30"' in html and 'placeholder="1403/01/31"' in html
    # A value the user typed is shown back untouched.
    assert 'value="1404/13/1"' in widget.render("born", "1404/13/1")


def test_jalali_field_in_a_form_round_trips_its_initial_value():
    class BirthForm(forms.Form):
        born = JalaliDateField()

    with translation.override("fa"):
        html = str(BirthForm(initial={"born": dt.date(2025, 3, 21)})["born"])
        assert 'value="۱۴۰۴/۰۱/۰۱"' in html
        form = BirthForm(data={"born": "۱۴۰۴/۰۱/۰۱"})
        assert form.is_valid()
        assert form.cleaned_data["born"] == dt.date(2025, 3, 21)


def test_integer_field_takes_any_digits_and_shows_the_pages_digits():
    from django import forms as django_forms

    from mardom.core.forms import IntegerField

    class Form(django_forms.Form):
        n = IntegerField(min_value=1, max_value=2000)

    for typed in ("۱۴۰۵", "١٤٠٥", "1405", " ۱۴۰۵ "):
        form = Form({"n": typed})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["n"] == 1405
    assert not Form({"n": "۱۴۰۵۰"}).is_valid()
    with translation.override("fa"):
        assert 'value="۱۴۰۵"' in str(Form(initial={"n": 1405})["n"])
        assert 'inputmode="numeric"' in str(Form(initial={"n": 1405})["n"])
