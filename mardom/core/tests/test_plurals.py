"""Persian does not pluralise a noun after a number («۵ تولیدکننده», never «۵ تولیدکنندگان»): in every plural
entry, the word after the number is the same in both forms."""

from __future__ import annotations

import re
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[2] / "locale" / "fa" / "LC_MESSAGES" / "django.po"
AFTER_NUMBER = re.compile(r"%\(\w+\)s\s+(\S+)")


def test_the_noun_after_a_number_is_singular_in_every_plural_entry():
    wrong = []
    for entry in polib.pofile(str(PO)):
        if entry.obsolete or not entry.msgid_plural:
            continue
        one, many = entry.msgstr_plural.get(0, ""), entry.msgstr_plural.get(1, "")
        if AFTER_NUMBER.findall(one) != AFTER_NUMBER.findall(many):
            wrong.append(entry.msgid)
    assert not wrong, wrong
