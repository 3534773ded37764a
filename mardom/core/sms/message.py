"""What an SMS is made of, checked before it is queued: the recipient's number and a text that fits."""

from __future__ import annotations

import re

from .backends import SmsError

# Persian text goes as UCS-2: 70 characters in one part, 67 per part when split; ten parts at most.
MAX_SMS_LENGTH = 670
ELLIPSIS = "…"
_MOBILE = re.compile("09[0-9]{9}")


def normalize_recipient(to: str) -> str:
    """09xxxxxxxxx from any way a mobile number is typed; SmsError for anything that is not one."""
    from mardom.core.validators import normalize_mobile

    number = normalize_mobile(to)
    if not _MOBILE.fullmatch(number):
        raise SmsError("Not a mobile number: an SMS needs 11 digits starting with 09.")
    return number


def mask_mobile(number: str) -> str:
    """For logs: 0912***4567."""
    return number[:4] + "***" + number[-4:] if len(number) > 8 else "***"


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit_text(text: str, limit: int = MAX_SMS_LENGTH) -> str:
    """`text` if it fits in `limit` UCS-2 units, else cut to fit with a trailing "…". Characters outside
    the Basic Multilingual Plane (emoji) take two units, as they do on the wire."""
    if _utf16_units(text) <= limit:
        return text
    kept, used = [], 0
    for char in text:
        width = 2 if ord(char) > 0xFFFF else 1
        if used + width > limit - 1:
            break
        kept.append(char)
        used += width
    return "".join(kept).rstrip() + ELLIPSIS
