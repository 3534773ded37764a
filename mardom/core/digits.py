"""Digits: every input accepts Persian (۰-۹), Arabic-Indic (٠-٩) and Latin digits; display uses Persian."""

from __future__ import annotations

from django.utils import translation

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
LATIN_DIGITS = "0123456789"

_TO_LATIN = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, LATIN_DIGITS * 2)
# Persian separators typed on phones: Arabic thousands separator and decimal separator.
_TO_PERSIAN = str.maketrans(LATIN_DIGITS + ARABIC_INDIC_DIGITS, PERSIAN_DIGITS * 2)


def to_latin_digits(text: str) -> str:
    """Persian and Arabic-Indic digits become Latin; everything else is kept."""
    return text.translate(_TO_LATIN)


def to_persian_digits(text: str) -> str:
    """Latin and Arabic-Indic digits become Persian; everything else is kept."""
    return text.translate(_TO_PERSIAN)


def localize_digits(text: str) -> str:
    """Persian digits while the active language is Persian, Latin otherwise."""
    if (translation.get_language() or "fa").startswith("fa"):
        return to_persian_digits(text)
    return to_latin_digits(text)


def format_quantity(value: object) -> str:
    """A quantity such as Decimal("1.500") as "۱٫۵": trailing zeros dropped, the Persian decimal separator."""
    from decimal import Decimal

    number = value if isinstance(value, Decimal) else Decimal(str(value))
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    text = localize_digits(text)
    return text.replace(".", "٫") if (translation.get_language() or "fa").startswith("fa") else text
