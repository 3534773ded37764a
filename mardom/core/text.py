"""Normalisation of Persian names and search text.

Two strengths: `normalize_text` is what we store and show (it only fixes what is unambiguously wrong:
Arabic ي/ك, stray spaces and ZWNJs, Arabic-Indic digits), while `search_key` folds every spelling variant a
person might type (hamza forms, spaces versus ZWNJ, diacritics) so that "قائن", "قاین" and "قاين" meet.
"""

from __future__ import annotations

import re
import unicodedata

from .digits import to_latin_digits

ZWNJ = "\u200c"

_LETTERS = str.maketrans(
    {
        "ي": "ی",  # Arabic yeh
        "ى": "ی",  # alef maksura
        "ك": "ک",  # Arabic kaf
        "ە": "ه",
        "٠": "۰", "١": "۱", "٢": "۲", "٣": "۳", "٤": "۴",
        "٥": "۵", "٦": "۶", "٧": "۷", "٨": "۸", "٩": "۹",
        "\u0640": None,  # tatweel (kashida) is decoration
        "\u200f": None,  # right-to-left mark
        "\u200e": None,  # left-to-right mark
        "\ufeff": None,  # byte-order mark / zero-width no-break space
        "\u200b": None,  # zero-width space
        "\u00a0": " ",  # no-break space
        # Direction embeddings, overrides and isolates (and the Arabic letter mark): invisible, pasted along
        # from right-to-left text, and able to make a stored name display as something else (an override
        # reverses what follows it). They never belong in a name or a title.
        **dict.fromkeys("\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    }
)
# Any run of spaces and ZWNJs: one space if it holds a space (a ZWNJ beside a space joins nothing), else
# one ZWNJ. Taking the whole run at once is what makes normalising twice change nothing: "کتاب‌ ‌ها" used
# to keep its second ZWNJ on the first pass and lose it on the second.
_SPACE_OR_ZWNJ_RUNS = re.compile(f"[ {ZWNJ}]+")
_SPACES = re.compile(r"\s+")

# Folding for search only: these are spelling variants, not different words.
_SEARCH_FOLD = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
        "ئ": "ی", "ؤ": "و", "ة": "ه", "ۀ": "ه", "ء": None,
        ZWNJ: None, " ": None, "-": None, "_": None, ".": None, "(": None, ")": None,
    }
)


def normalize_text(text: str | None) -> str:
    """The form in which names and free text are stored: Persian letters, single spaces, clean ZWNJs."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text)).translate(_LETTERS)
    # Removing an invisible mark can bring two combining marks together; compose once more so the
    # result is stable (normalising twice changes nothing; hypothesis found this one).
    text = unicodedata.normalize("NFC", text)
    text = _SPACES.sub(" ", text)
    # A ZWNJ beside a space joins nothing: "کتاب ‌ها" -> "کتاب‌ها" would change the words, so keep the space.
    text = _SPACE_OR_ZWNJ_RUNS.sub(lambda run: " " if " " in run[0] else ZWNJ, text)
    return text.strip(f" {ZWNJ}")


def search_key(text: str | None) -> str:
    """A key under which every common spelling of the same name is equal. Not for display.

    Compatibility forms are folded first (NFKC): text copied out of a PDF often carries Arabic presentation
    forms (U+FB50-U+FEFF: "ﻗﺎﻳﻦ", the "ﻻ" ligature) that look the same as the letters people type."""
    text = normalize_text(unicodedata.normalize("NFKC", str(text or ""))).translate(_SEARCH_FOLD)
    # Strip harakat and other marks; decomposition can expose an Arabic yeh, so fold letters once more.
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text).translate(_LETTERS).translate(_SEARCH_FOLD)
    return to_latin_digits(text).casefold()
