"""Money: stored as integer rials everywhere; shown and typed in the display unit (toman by default).

Only formatting and parsing live here. A toman is ten rials; an amount that is not a whole number of tomans
is shown in rials rather than rounded, because a displayed amount must never differ from the stored one.
"""

from __future__ import annotations

import re
from typing import Literal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from .digits import localize_digits, to_latin_digits
from .text import normalize_text

Unit = Literal["toman", "rial"]
UNITS: tuple[Unit, ...] = ("toman", "rial")
RIALS_PER_UNIT = {"toman": 10, "rial": 1}

MAX_DIGITS = 18
# The largest value a BigIntegerField (and PostgreSQL bigint) can hold.
MAX_RIALS = 2**63 - 1

# A negative number is wrapped in a left-to-right isolate (LRI ... PDI). Without it, in a right-to-left
# paragraph the bidi algorithm puts a leading minus on the right of the digits ("۵۰۰−"); inside the isolate
# the minus stays on the left of the number, as on bank statements, and the isolate does not disturb the
# surrounding Persian text. U+2212 (the real minus sign) is used because it has the width of a digit and
# is not confused with a hyphen.
_LRI, _PDI, _MINUS = "\u2066", "\u2069", "\u2212"

# Invisible direction marks and isolates, which pasting from right-to-left text often brings along.
_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
_MINUS_SIGNS = "-\u2212\u2010\u2012\u2013\u2014\ufe63\uff0d"
_DECIMAL_MARKS = re.compile("[.\u066b/]")  # "٫" and "/" are the Persian decimal separators
# A thousands separator: "," "٬" "،" or an apostrophe (spaces around it allowed), or a run of spaces.
_SEPARATOR = "(?:\\s*[,\u066c\u060c'\u2019]\\s*|\\s+)"
_GROUPED = re.compile(f"[0-9]+(?:{_SEPARATOR}[0-9]+)*")
_GROUP_SEPARATOR = re.compile(_SEPARATOR)
_LABELS: dict[Unit, tuple[str, ...]] = {"toman": ("toman", "تومان", "تومن"), "rial": ("rial", "ریال")}


def _resolve_unit(unit: str | None) -> Unit:
    unit = unit or getattr(settings, "MONEY_DISPLAY_UNIT", "toman")
    if unit not in UNITS:
        raise ValueError(f"unknown money unit {unit!r}; expected one of {UNITS}")  # a programming error
    return unit  # type: ignore[return-value]


def _is_persian() -> bool:
    return (translation.get_language() or "fa").startswith("fa")


def format_number(n: int) -> str:
    """An integer with thousands separators, in the digits of the active language."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"format_number expects an int, not {type(n).__name__}")
    separator = "\u066c" if _is_persian() else ","
    body = localize_digits(f"{abs(n):,}".replace(",", separator))
    return f"{_LRI}{_MINUS}{body}{_PDI}" if n < 0 else body


def format_money(rials: int, *, unit: str | None = None) -> str:
    """An amount of rials shown in `unit` (default: settings.MONEY_DISPLAY_UNIT), with its label."""
    if isinstance(rials, bool) or not isinstance(rials, int):
        raise TypeError(f"format_money expects integer rials, not {type(rials).__name__}")
    shown = _resolve_unit(unit)
    if rials % RIALS_PER_UNIT[shown]:
        shown = "rial"  # never round: fall back to the exact amount in rials
    label = _("toman") if shown == "toman" else _("rial")
    # A no-break space keeps the number and its label on one line.
    return f"{format_number(rials // RIALS_PER_UNIT[shown])}\u00a0{label}"


def _strip_label(text: str) -> tuple[str, Unit | None]:
    """Remove a trailing unit label (in either language), which then overrides the field's unit."""
    folded = text.casefold()
    for unit in UNITS:
        translated = _("toman") if unit == "toman" else _("rial")
        for label in {*_LABELS[unit], normalize_text(translated).casefold()}:
            if label and folded.endswith(label):
                return text[: -len(label)].strip(), unit
    return text, None


def parse_money(text: str, *, unit: str | None = None) -> int:
    """Rials from an amount typed in `unit` (default: the display unit). Raises ValueError with a
    translated message for anything that is not a plain non-negative whole amount."""
    default_unit = _resolve_unit(unit)
    text = to_latin_digits(normalize_text(str(text or ""))).translate(_BIDI_CONTROLS).strip()
    if not text:
        raise ValueError(_("Enter an amount."))
    text, labelled_unit = _strip_label(text)
    if not text:
        raise ValueError(_("Enter an amount."))
    if text[0] in _MINUS_SIGNS:
        raise ValueError(_("The amount cannot be negative."))
    if _DECIMAL_MARKS.search(text):
        raise ValueError(_("Enter a whole amount, without decimals."))
    if not _GROUPED.fullmatch(text):
        raise ValueError(_("Enter the amount in digits only."))
    groups = _GROUP_SEPARATOR.split(text)
    # Separators only between groups of exactly three digits: "1,5" or "۲،۵" is a decimal typed with a
    # comma, and reading it as 15 or 25 would silently make the amount ten times too large (or small).
    if len(groups) > 1 and (len(groups[0]) > 3 or any(len(group) != 3 for group in groups[1:])):
        raise ValueError(
            _("Put separators only between groups of three digits, as in %(example)s; amounts have no decimals.")
            % {"example": format_number(1_250_000)}
        )
    digits = "".join(groups)
    if len(digits) > MAX_DIGITS:
        raise ValueError(_("This amount is too large."))
    rials = int(digits) * RIALS_PER_UNIT[labelled_unit or default_unit]
    if rials > MAX_RIALS:
        raise ValueError(_("This amount is too large."))
    return rials
