"""Fill Persian translations into the catalogue from a Python dict file, then the caller compiles.

Usage: .venv/bin/python scripts/fill-translations.py TRANSLATIONS.py
The file defines T = {msgid: msgstr} (and optionally P = {msgid: (singular, plural)} for plural entries).
Entries it names lose their fuzzy flag; nothing else is touched. A helper for `make messages` rounds."""

import runpy
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "mardom/locale/fa/LC_MESSAGES/django.po"

data = runpy.run_path(sys.argv[1])
singular, plural = data.get("T", {}), data.get("P", {})
po = polib.pofile(str(PO))
done = 0
for entry in po:
    if entry.obsolete:
        continue
    if entry.msgid in plural and entry.msgid_plural:
        one, many = plural[entry.msgid]
        entry.msgstr_plural = {0: one, 1: many}
    elif entry.msgid in singular and not entry.msgid_plural:
        entry.msgstr = singular[entry.msgid]
    else:
        continue
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
    entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    done += 1
po.save(str(PO))
missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
print(f"filled {done}; still untranslated: {len(missing)}")
for msgid in missing:
    print("  ", repr(msgid))
