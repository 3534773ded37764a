import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from mardom.core.validators import (
    iban_check_digits,
    is_valid_iban,
    is_valid_national_id,
    normalize_iban,
    normalize_mobile,
    normalize_national_id,
    validate_iban,
    validate_mobile,
    validate_national_id,
    validate_no_markup,
)


def _with_check_digit(nine: str) -> str:
    remainder = sum(int(nine[i]) * (10 - i) for i in range(9)) % 11
    return nine + str(remainder if remainder < 2 else 11 - remainder)


national_ids = (
    st.text(alphabet="0123456789", min_size=9, max_size=9)
    .map(_with_check_digit)
    .filter(lambda c: len(set(c)) > 1)
)


@given(national_ids)
def test_generated_national_ids_are_valid(code):
    assert is_valid_national_id(code)
    validate_national_id(code)


def _remainder(code: str) -> int:
    return sum(int(code[i]) * (10 - i) for i in range(9)) % 11


@given(national_ids, st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_change_invalidates(code, position, delta):
    changed = code[:position] + str((int(code[position]) + delta) % 10) + code[position + 1 :]
    if len(set(changed)) == 1:
        assert not is_valid_national_id(changed)
    elif is_valid_national_id(changed):
        # The one blind spot of the official algorithm: remainders 1 and 10 both give check digit 1.
        assert code[9] == "1" and position < 9
        assert {_remainder(code), _remainder(changed)} == {1, 10}


@pytest.mark.parametrize("digit", "0123456789")
def test_all_same_digits_rejected(digit):
    # Several of these pass the checksum, e.g. 0000000000 and 1111111111.
    assert not is_valid_national_id(digit * 10)


def test_known_national_ids():
    assert is_valid_national_id("0499370899")
    assert is_valid_national_id("0084575948")
    assert not is_valid_national_id("0499370898")
    assert not is_valid_national_id("049937089")
    assert not is_valid_national_id("04993708991")


def test_normalize_national_id():
    assert normalize_national_id("۰۴۹-۹۳۷۰۸۹۹ ") == "0499370899"
    assert normalize_national_id("84575948") == "0084575948"
    assert normalize_national_id("499370899") == "0499370899"
    assert normalize_national_id("1234567") == "1234567"  # too short to pad: stays invalid


def test_validate_national_id_accepts_persian_digits_and_rejects_bad():
    validate_national_id("۰۰۸۴۵۷۵۹۴۸")
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            validate_national_id("1234567890")
        assert error.value.code == "national_id"
        assert "national ID" in error.value.messages[0]  # lazy: read while English is active


@pytest.mark.parametrize(
    "text",
    [
        "09121234567",
        "+989121234567",
        "00989121234567",
        "989121234567",
        "9121234567",
        "0912 123 4567",
        "۰۹۱۲-۱۲۳-۴۵۶۷",
        "+98 (912) 123-4567",
        "+98 0912 123 4567",
        "٠٩١٢١٢٣٤٥٦٧",
    ],
)
def test_mobile_forms_normalise(text):
    assert normalize_mobile(text) == "09121234567"
    validate_mobile(text)


@pytest.mark.parametrize(
    "text", ["", "0912123456", "091212345678", "08121234567", "02112345678", "0912abc4567"]
)
def test_bad_mobiles_rejected_with_example(text):
    with translation.override("fa"), pytest.raises(ValidationError) as error:
        validate_mobile(text)
    assert error.value.code == "mobile"
    assert "۰۹۱۲۱۲۳۴۵۶۷" in error.value.messages[0]


def _iban(bban: str) -> str:
    return "IR" + iban_check_digits("IR", bban) + bban


ibans = st.text(alphabet="0123456789", min_size=22, max_size=22).map(_iban)


@given(ibans)
def test_generated_ibans_are_valid(iban):
    assert is_valid_iban(iban)
    validate_iban(iban.lower())
    validate_iban(" ".join(iban[i : i + 4] for i in range(0, 26, 4)))
    validate_iban(iban[2:])  # without the "IR" prefix


@given(ibans, st.integers(2, 25), st.integers(1, 9))
def test_single_digit_change_invalidates_iban(iban, position, delta):
    changed = iban[:position] + str((int(iban[position]) + delta) % 10) + iban[position + 1 :]
    assert not is_valid_iban(changed)


def test_known_iban():
    assert is_valid_iban("IR062960000000100324200001")
    assert normalize_iban("ir06 2960 0000 0010 0324 2000 01") == "IR062960000000100324200001"
    assert normalize_iban("۰۶۲۹۶۰۰۰۰۰۰۰۱۰۰۳۲۴۲۰۰۰۰۱") == "IR062960000000100324200001"


@pytest.mark.parametrize(
    "text", ["", "IR06296000000010032420000", "DE89370400440532013000", "IR062960000000100324200002", "IRXX"]
)
def test_bad_ibans_rejected(text):
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            validate_iban(text)
        assert error.value.code == "iban"
        assert "IBAN" in error.value.messages[0]


def test_check_digits_99_rejected_even_though_mod_97_passes():
    iban = next(i for i in map(_iban, (f"{n:022d}" for n in range(1000))) if i[2:4] == "02")
    assert is_valid_iban(iban)
    # 02 and 99 are congruent mod 97, so the rearranged number still leaves remainder 1.
    assert int("".join(str(int(c, 36)) for c in iban[4:] + "IR99")) % 97 == 1
    assert not is_valid_iban("IR99" + iban[4:])


@pytest.mark.parametrize("text", ["<b>hi</b>", "a </p>", "<!-- x -->", "<script>", "<?xml", "x<img src=1>"])
def test_markup_rejected(text):
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            validate_no_markup(text)
        assert error.value.code == "no_markup"
        assert error.value.messages == ["HTML is not allowed here."]


@pytest.mark.parametrize("text", ["", "3 < 5", "a<5", "قیمت <۱۰۰", "<< >>", "علی > رضا", "< b"])
def test_plain_text_with_angle_brackets_allowed(text):
    validate_no_markup(text)
