from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from mardom.core.digits import localize_digits, to_latin_digits, to_persian_digits


def test_to_latin_digits_converts_persian_and_arabic_indic():
    assert to_latin_digits("۰۱۲۳۴۵۶۷۸۹ ٠١٢٣٤٥٦٧٨٩ x") == "0123456789 0123456789 x"


def test_to_persian_digits_converts_latin_and_arabic_indic():
    assert to_persian_digits("09 ٤٥ ok") == "۰۹ ۴۵ ok"


def test_localize_digits_follows_active_language():
    with translation.override("fa"):
        assert localize_digits("1403/12/30") == "۱۴۰۳/۱۲/۳۰"
    with translation.override("en"):
        assert localize_digits("۱۴۰۳/۱۲/۳۰") == "1403/12/30"


@given(st.integers(min_value=0))
def test_digit_conversions_round_trip(n):
    assert to_latin_digits(to_persian_digits(str(n))) == str(n)
