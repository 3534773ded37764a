import pytest
from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext as _
from hypothesis import given
from hypothesis import strategies as st

from mardom.core.money import format_money, format_number, parse_money

NBSP = "\u00a0"


def test_format_money_in_toman_persian():
    with translation.override("fa"):
        assert format_money(12_345_670, unit="toman") == f"۱٬۲۳۴٬۵۶۷{NBSP}{_('toman')}"


def test_format_money_in_rial_english():
    with translation.override("en"):
        assert format_money(12_345_670, unit="rial") == f"12,345,670{NBSP}rial"


def test_format_money_defaults_to_setting():
    with translation.override("en"), override_settings(MONEY_DISPLAY_UNIT="rial"):
        assert format_money(1000) == f"1,000{NBSP}rial"
    with translation.override("en"), override_settings(MONEY_DISPLAY_UNIT="toman"):
        assert format_money(1000) == f"100{NBSP}toman"


def test_toman_falls_back_to_exact_rials():
    with translation.override("en"):
        assert format_money(1005, unit="toman") == f"1,005{NBSP}rial"


def test_negative_is_isolated_left_to_right_with_minus_sign():
    with translation.override("fa"):
        assert format_number(-1234) == "\u2066\u2212۱٬۲۳۴\u2069"
        assert format_money(-50, unit="toman") == f"\u2066\u2212۵\u2069{NBSP}{_('toman')}"


def test_format_number_small_and_zero():
    with translation.override("fa"):
        assert format_number(0) == "۰"
        assert format_number(999) == "۹۹۹"
    with translation.override("en"):
        assert format_number(1000) == "1,000"


@pytest.mark.parametrize("bad", [1.5, "12", True, None])
def test_format_rejects_non_int(bad):
    with pytest.raises(TypeError):
        format_money(bad)


@pytest.mark.parametrize(
    ("text", "unit", "rials"),
    [
        ("۱۲۳٬۴۵۶", "toman", 1_234_560),
        ("١٢٣,٤٥٦", "rial", 123_456),
        ("1 000 000", "toman", 10_000_000),
        ("1'000", "rial", 1000),
        ("۱۰۰،۰۰۰", "rial", 100_000),
        ("  500 ریال ", "toman", 500),
        ("500 تومان", "rial", 5000),
        ("500 toman", "rial", 5000),
        ("0", "toman", 0),
    ],
)
def test_parse_money_accepts(text, unit, rials):
    assert parse_money(text, unit=unit) == rials


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter an amount."),
        ("   ", "Enter an amount."),
        ("-500", "The amount cannot be negative."),
        ("\u2212500", "The amount cannot be negative."),
        ("12.5", "Enter a whole amount, without decimals."),
        ("۱۲٫۵", "Enter a whole amount, without decimals."),
        ("12abc", "Enter the amount in digits only."),
        ("1e6", "Enter the amount in digits only."),
        (",,,", "Enter the amount in digits only."),
        ("1" * 19, "This amount is too large."),
        ("9" * 18, "This amount is too large."),  # 18 digits of tomans overflow a bigint of rials
    ],
)
def test_parse_money_rejects_with_message(text, message):
    with translation.override("en"), pytest.raises(ValueError) as error:
        parse_money(text, unit="toman")
    assert str(error.value) == message


def test_parse_money_accepts_18_digit_rials():
    assert parse_money("9" * 18, unit="rial") == 10**18 - 1


@given(
    st.integers(min_value=0, max_value=10**15),
    st.sampled_from(["toman", "rial"]),
    st.sampled_from(["fa", "en"]),
)
def test_parse_inverts_format(rials, unit, language):
    with translation.override(language):
        assert parse_money(format_money(rials, unit=unit), unit=unit) == rials
        assert parse_money(format_number(rials), unit="rial") == rials


# --- thousands separators only between groups of three (issue 9, item 8) -------------------------------
# persian-tools, hazm and babel agree: a comma between one and two digits is a decimal typed the Persian
# way ("۲،۵" is two and a half), never a thousands separator. Reading "1,5" as 15 made the amount 10 times
# too large, silently.
GROUPING_MESSAGE = "Put separators only between groups of three digits, as in 1,250,000; amounts have no decimals."


@pytest.mark.parametrize("text", ["1,5", "۲،۵", "12,5", "1,50", "1,0000", "1234,567", "12,34,567", "۱۲۳٬۴۵", "1 50"])
def test_parse_money_refuses_separators_outside_groups_of_three(text):
    with translation.override("en"), pytest.raises(ValueError) as error:
        parse_money(text, unit="toman")
    assert str(error.value) == GROUPING_MESSAGE


@pytest.mark.parametrize(
    ("text", "rials"),
    [("1,500", 1500), ("۱٬۲۵۰٬۰۰۰", 1_250_000), ("12,345,678", 12_345_678), ("1 , 000", 1000),
     ("100 000", 100_000), ("۱۰۰،۰۰۰", 100_000), ("1500", 1500)],
)
def test_parse_money_accepts_groups_of_three(text, rials):
    assert parse_money(text, unit="rial") == rials


_SEPARATORS = st.sampled_from([",", "٬", "،", "'", " ", " , "])


@given(st.integers(min_value=0, max_value=10**17), _SEPARATORS)
def test_parse_money_reads_any_separator_between_groups_of_three(rials, separator):
    text = f"{rials:,}".replace(",", separator)
    assert parse_money(text, unit="rial") == rials


@given(
    st.lists(st.text(alphabet="0123456789۰۱۲۳۴۵۶۷۸۹", min_size=1, max_size=5), min_size=2, max_size=5).filter(
        lambda groups: len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])
    ),
    _SEPARATORS,
)
def test_parse_money_refuses_any_other_grouping(groups, separator):
    with translation.override("en"), pytest.raises(ValueError) as error:
        parse_money(separator.join(groups), unit="rial")
    assert str(error.value) == GROUPING_MESSAGE
