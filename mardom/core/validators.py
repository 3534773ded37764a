"""Validators for Iranian identifiers and free text.

Each `normalize_*` turns what people actually type (Persian digits, spaces, dashes, country codes) into
the one form we store; each `validate_*` normalises first, so it accepts exactly what a form accepts.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .digits import localize_digits, to_latin_digits

# Characters people put inside numbers to make them readable, plus invisible bidi marks from pasting.
_FILLER = re.compile("[\\s\\-\u2010-\u2015\u2212_.()\u200c\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def _compact(text: str | None) -> str:
    return _FILLER.sub("", to_latin_digits(str(text or "")))


# --- National ID (کد ملی) ----------------------------------------------------------------------------


def normalize_national_id(text: str | None) -> str:
    """Ten Latin digits when possible. Leading zeros are often dropped (e.g. by spreadsheets), so 8 or 9
    digits are left-padded, as Iranian offices do."""
    code = _compact(text)
    if code.isascii() and code.isdigit() and len(code) in (8, 9):
        code = code.zfill(10)
    return code


def is_valid_national_id(code: str) -> bool:
    """Ten digits, not all the same, with a correct mod-11 check digit."""
    if not re.fullmatch("[0-9]{10}", code or "") or len(set(code)) == 1:
        return False
    remainder = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    return int(code[9]) == (remainder if remainder < 2 else 11 - remainder)


def validate_national_id(value: str) -> None:
    if not is_valid_national_id(normalize_national_id(value)):
        raise ValidationError(_("Enter a valid 10-digit national ID (code melli)."), code="national_id")


# --- Mobile number ----------------------------------------------------------------------------------


def normalize_mobile(text: str | None) -> str:
    """The national form 09xxxxxxxxx from +98…, 0098…, 98…, 9… and spaced or dashed forms."""
    number = _compact(text)
    for prefix in ("+98", "0098"):
        if number.startswith(prefix):
            return "0" + number[len(prefix) :].lstrip("0")
    if number.startswith("98") and len(number) == 12:
        return "0" + number[2:]
    if number.startswith("9") and len(number) == 10:
        return "0" + number
    return number


def validate_mobile(value: str) -> None:
    if not re.fullmatch("09[0-9]{9}", normalize_mobile(value)):
        raise ValidationError(
            _("Enter a mobile number of 11 digits starting with 09, like %(example)s."),
            code="mobile",
            params={"example": localize_digits("09121234567")},
        )


# --- IBAN (شبا) ---------------------------------------------------------------------------------------


def normalize_iban(text: str | None) -> str:
    """Upper case without spaces; the 24 digits alone (the "IR" is often left out) get the prefix."""
    iban = _compact(text).upper()
    if iban.isascii() and iban.isdigit() and len(iban) == 24:
        iban = "IR" + iban
    return iban


def iban_check_digits(country: str, bban: str) -> str:
    """The two ISO 13616 check digits for `country` + `bban` (used to build test data too)."""
    number = int("".join(str(int(ch, 36)) for ch in bban + country + "00"))
    return f"{98 - number % 97:02d}"


def is_valid_iban(iban: str) -> bool:
    """An Iranian IBAN (Sheba): "IR", 24 digits, and ISO 13616 mod 97 == 1."""
    if not re.fullmatch("IR[0-9]{24}", iban or ""):
        return False
    # Check digits 00, 01 and 99 are never issued, although 99 can pass the mod-97 test.
    if not 2 <= int(iban[2:4]) <= 98:
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def validate_iban(value: str) -> None:
    if not is_valid_iban(normalize_iban(value)):
        raise ValidationError(_("Enter a valid IBAN (Sheba): IR followed by 24 digits."), code="iban")


# --- Free text ----------------------------------------------------------------------------------------

# What a browser would start a tag, end tag, comment, doctype or processing instruction on.
_MARKUP = re.compile(r"<[A-Za-z/!?]")


def validate_no_markup(value: str) -> None:
    """Rejects HTML, so that text typed by one person can never become markup for another."""
    if value and _MARKUP.search(str(value)):
        raise ValidationError(_("HTML is not allowed here."), code="no_markup")
