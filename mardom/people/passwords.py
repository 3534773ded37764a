"""Password rules with Persian messages, and a refusal of what anyone holding a person's file could guess.

Django's own validators are only partly translated in its Persian catalogue (the length rule shows in
English, with Latin digits), so the three rules we use are restated here with our own messages; the fourth
refuses a password that is the person's national ID, mobile number or birth date, in any digits and with
or without separators: those are printed on every form in the person's file.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import password_validation as django_validators
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mardom.core.digits import localize_digits, to_latin_digits
from mardom.core.jalali import to_jalali
from mardom.core.validators import normalize_mobile, normalize_national_id

# What people put between the parts of a date or a number: spaces, slashes, dashes, dots, bidi marks.
_SEPARATORS = re.compile("[\\s/\\-_.,،٫٬\u200c\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


class MinimumLengthValidator(django_validators.MinimumLengthValidator):
    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(self.get_error_message(), code="password_too_short",
                                  params={"min_length": self.min_length})

    def get_error_message(self) -> str:
        return _("This password is too short: use at least %(min)s characters.") % {
            "min": localize_digits(str(self.min_length))}

    def get_help_text(self) -> str:
        return _("At least %(min)s characters.") % {"min": localize_digits(str(self.min_length))}


class CommonPasswordValidator(django_validators.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return _("This password is too common; choose one that is harder to guess.")

    def get_help_text(self) -> str:
        return _("Not a commonly used password.")


class NumericPasswordValidator(django_validators.NumericPasswordValidator):
    def validate(self, password: str, user: Any = None) -> None:
        # Persian and Arabic-Indic digits are digits too (str.isdigit() already says so); say it in Persian.
        if password.isdigit():
            raise ValidationError(self.get_error_message(), code="password_entirely_numeric")

    def get_error_message(self) -> str:
        return _("This password is only digits; add letters as well.")

    def get_help_text(self) -> str:
        return _("Not only digits.")


def _date_forms(year: int, month: int, day: int) -> set[str]:
    y, m, d = str(year), f"{month:02d}", f"{day:02d}"
    forms = set()
    for mm, dd in ((m, d), (str(month), str(day))):
        for yy in (y, y[2:]):
            forms |= {yy + mm + dd, dd + mm + yy, mm + dd + yy}
    return forms


def personal_numbers(person: Any) -> set[str]:
    """The person's national ID, mobile and birth date (Jalali and Gregorian), as compact Latin digits."""
    numbers = {person.national_id or "", person.mobile or ""}
    if person.mobile:
        numbers |= {person.mobile[1:], "98" + person.mobile[1:], "0098" + person.mobile[1:]}
    if person.birth_date:
        jalali = to_jalali(person.birth_date)
        numbers |= _date_forms(jalali.year, jalali.month, jalali.day)
        numbers |= _date_forms(person.birth_date.year, person.birth_date.month, person.birth_date.day)
    return {n for n in numbers if n}


class PersonalNumberValidator:
    """Refuses a password equal to the person's national ID, mobile or birth date, in any digit form."""

    def validate(self, password: str, user: Any = None) -> None:
        person = getattr(user, "person", None) if user is not None else None
        if person is None:
            return
        compact = _SEPARATORS.sub("", to_latin_digits(password)).lstrip("+")
        numbers = personal_numbers(person)
        if (compact in numbers or normalize_national_id(compact) in numbers
                or normalize_mobile(compact) == person.mobile):
            raise ValidationError(self.get_error_message(), code="password_personal_number")

    def get_error_message(self) -> str:
        return _("The password must not be your national ID, mobile number or birth date.")

    def get_help_text(self) -> str:
        return _("Not your national ID, mobile number or birth date.")
