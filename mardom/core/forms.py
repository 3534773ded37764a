"""Form fields that accept what Iranians type (any digits, separators, Jalali dates) and clean it into
the stored form. They only parse and validate; rules about the data belong in services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from . import money
from .digits import localize_digits, to_latin_digits
from .jalali import EXAMPLE, format_jalali, parse_jalali, to_jalali
from .text import normalize_text
from .validators import (
    normalize_iban,
    normalize_mobile,
    normalize_national_id,
    validate_iban,
    validate_mobile,
    validate_national_id,
    validate_no_markup,
)


class _NormalizedCharField(forms.CharField):
    """A CharField whose cleaned value is `normalize(text)`; validators then see the normalised value."""

    normalize = staticmethod(lambda text: text)
    input_attrs: dict[str, str] = {}

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        return self.normalize(value) if value not in self.empty_values else value

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), **self.input_attrs}


class NationalIdField(_NormalizedCharField):
    normalize = staticmethod(normalize_national_id)
    default_validators = [validate_national_id]
    input_attrs = {"inputmode": "numeric", "autocomplete": "off"}


class MobileField(_NormalizedCharField):
    normalize = staticmethod(normalize_mobile)
    default_validators = [validate_mobile]
    input_attrs = {"inputmode": "tel", "autocomplete": "tel"}


class IbanField(_NormalizedCharField):
    normalize = staticmethod(normalize_iban)
    default_validators = [validate_iban]
    input_attrs = {"autocomplete": "off"}


class PersianCharField(forms.CharField):
    """Free text, normalised (ی/ک, spaces, ZWNJ) before its length is checked, and never HTML."""

    default_validators = [validate_no_markup]
    default_error_messages = {
        "max_length": _("Use at most %(limit)s characters (you used %(length)s)."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django's own length message shows Latin digits; ours is checked in validate() instead.
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]

    def to_python(self, value: Any) -> str:
        return normalize_text(super().to_python(value))

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # No HTML maxlength: the browser would count the raw text and silently cut a pasted name
        # that is short enough once normalised.
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs

    def validate(self, value: str) -> None:
        super().validate(value)
        if self.max_length is not None and len(value) > int(self.max_length):
            raise ValidationError(
                self.error_messages["max_length"],
                code="max_length",
                params={
                    "limit": localize_digits(str(self.max_length)),
                    "length": localize_digits(str(len(value))),
                },
            )


class MoneyField(forms.Field):
    """An amount typed in the display unit (or with an explicit "ریال"/"تومان"); cleaned to integer rials."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    default_error_messages = {
        "min_value": _("The amount must be at least %(limit)s."),
        "max_value": _("The amount must be at most %(limit)s."),
    }

    def __init__(
        self,
        *,
        unit: str | None = None,
        min_value: int | None = None,
        max_value: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.unit, self.min_value, self.max_value = unit, min_value, max_value
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        # Initial rials are shown as typed: a bare number in the display unit when exact, else with "ریال".
        if isinstance(value, int) and not isinstance(value, bool):
            unit = money._resolve_unit(self.unit)
            if value >= 0 and value % money.RIALS_PER_UNIT[unit] == 0:
                return money.format_number(value // money.RIALS_PER_UNIT[unit])
            return money.format_money(value, unit=unit)
        return value

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return money.parse_money(str(value), unit=self.unit)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from error

    def validate(self, value: int | None) -> None:
        super().validate(value)
        if value is None:
            return
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(
                self.error_messages["min_value"],
                code="min_value",
                params={"limit": money.format_money(self.min_value, unit=self.unit)},
            )
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                self.error_messages["max_value"],
                code="max_value",
                params={"limit": money.format_money(self.max_value, unit=self.unit)},
            )


class JalaliDateInput(forms.TextInput):
    """A text input showing a date as Jalali "۱۴۰۳/۱۲/۳۰", wired for the @majidh1/jalalidatepicker picker."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"data-jdp": "", "inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.date):
            return format_jalali(value)
        return super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        # Set at render time, so the placeholder's digits follow the language of this request.
        context["widget"]["attrs"].setdefault("placeholder", localize_digits(EXAMPLE))
        return context


class JalaliDateField(forms.Field):
    """A date typed in the Jalali calendar, in any digits; cleaned to a Gregorian `datetime.date`."""

    widget = JalaliDateInput
    default_error_messages = {
        "min_value": _("The date must be on or after %(limit)s."),
        "max_value": _("The date must be on or before %(limit)s."),
    }

    def __init__(
        self, *, min_value: dt.date | None = None, max_value: dt.date | None = None, **kwargs: Any
    ) -> None:
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return to_jalali(value).togregorian()  # the local calendar day of that instant
        if isinstance(value, dt.date):
            return value
        try:
            return parse_jalali(str(value))
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from error

    def validate(self, value: dt.date | None) -> None:
        super().validate(value)
        if value is None:
            return
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(
                self.error_messages["min_value"],
                code="min_value",
                params={"limit": format_jalali(self.min_value)},
            )
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                self.error_messages["max_value"],
                code="max_value",
                params={"limit": format_jalali(self.max_value)},
            )


class DigitsInput(forms.TextInput):
    """A number box that shows its value in the page's digits and opens the phone's digit keyboard. Django's
    NumberInput (type=number) would show Latin digits and refuse Persian ones typed on some keyboards."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        formatted = super().format_value(value)
        return localize_digits(formatted) if formatted is not None else None


def _localized_number(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return money.format_number(value)
    from .digits import format_quantity

    return format_quantity(value)


class LocalizedMinValueValidator(MinValueValidator):
    """MinValueValidator whose message is ours and shows the limit in the page's digits ("۱٬۳۸۰")."""

    message = _("The number must be at least %(limit_value)s.")

    def __call__(self, value: Any) -> None:
        limit = self.limit_value() if callable(self.limit_value) else self.limit_value
        if self.compare(self.clean(value), limit):
            raise ValidationError(self.message, code=self.code, params={"limit_value": _localized_number(limit)})


class LocalizedMaxValueValidator(MaxValueValidator):
    message = _("The number must be at most %(limit_value)s.")

    def __call__(self, value: Any) -> None:
        limit = self.limit_value() if callable(self.limit_value) else self.limit_value
        if self.compare(self.clean(value), limit):
            raise ValidationError(self.message, code=self.code, params={"limit_value": _localized_number(limit)})


def _localize_limits(validators: list[Any]) -> list[Any]:
    """Django's min/max validators (Latin digits in their messages) swapped for ours."""
    swapped = []
    for v in validators:
        if type(v) is MinValueValidator:
            v = LocalizedMinValueValidator(v.limit_value)
        elif type(v) is MaxValueValidator:
            v = LocalizedMaxValueValidator(v.limit_value)
        swapped.append(v)
    return swapped


class IntegerField(forms.IntegerField):
    """forms.IntegerField that takes Persian, Arabic-Indic or Latin digits and shows the page's digits."""

    widget = DigitsInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = _localize_limits(self.validators)

    def to_python(self, value: Any) -> int | None:
        return super().to_python(to_latin_digits(value) if isinstance(value, str) else value)


class QuantityField(forms.DecimalField):
    """A quantity typed in any digits, with "." or the Persian "٫" (or Arabic "،"/",") as decimal separator."""

    widget = DigitsInput
    default_error_messages = {"invalid": _("Enter a number, such as ۱۲ or ۲٫۵.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 3)
        super().__init__(**kwargs)
        self.validators = _localize_limits(self.validators)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        attrs["inputmode"] = "decimal"
        return attrs

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = to_latin_digits(value.strip()).replace("٫", ".").replace("،", ".").replace(",", ".")
        return super().to_python(value)


class TimeOfDayInput(forms.TextInput):
    """A time of day typed as hours:minutes, shown in the page's digits ("۱۸:۰۰")."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", "dir": "ltr", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.time):
            value = value.strftime("%H:%M")
        formatted = super().format_value(value)
        return localize_digits(formatted) if formatted is not None else None


class TimeOfDayField(forms.Field):
    """A time of day such as ۱۸:۳۰ or 18:30 (any digits); cleaned to a `datetime.time`."""

    widget = TimeOfDayInput
    default_error_messages = {"invalid": _("Enter the time as hours:minutes, for example ۱۸:۳۰.")}

    def to_python(self, value: Any) -> dt.time | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.time):
            return value
        text = to_latin_digits(str(value)).strip().replace("٫", ":").replace(".", ":")
        try:
            hours, minutes = (int(part) for part in text.split(":"))
            return dt.time(hours, minutes)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class AuditFilterForm(forms.Form):
    """The audit log's filters: who acted, the kind of action and a range of Jalali days. Each is optional;
    one typed wrongly gets its message beside it and the others still apply."""

    person = PersianCharField(label=_("Person"), max_length=80, required=False,
                              help_text=_("Name, mobile or national ID of the person who acted"))
    kind = forms.ChoiceField(label=_("Kind of action"), required=False,
                             error_messages={"invalid_choice": _("Choose a kind of action from the list.")})
    since = JalaliDateField(label=_("From"), required=False)
    until = JalaliDateField(label=_("To"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .audit_text import GROUPS

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *GROUPS.items()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the range is before its start."))
        return data
