"""The Persian catalogue is complete, well-formed, compiled, and in step with the source.

Refresh it with `make messages` (scripts/messages.mk); `make check-messages` runs the same freshness check as
test_makemessages_finds_nothing_untranslated below.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
LC_MESSAGES = BASE_DIR / "mardom" / "locale" / "fa" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"
PLURAL_FORMS = "nplurals=2; plural=(n > 1);"  # Persian as Django's own fa catalogue has it

# %(name)s, %s, %d, %.2f ... and the escaped %% (kept so that a lost or added %% shows up too).
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([sdifrxXeEgGc%])")
ARABIC_LETTERS = {"\u064a": "Arabic yeh ي (use Persian ی)", "\u0643": "Arabic kaf ك (use Persian ک)"}
ARABIC_DIGITS = re.compile("[\u0660-\u0669]")  # ٠١٢...: Persian text uses ۰۱۲... (U+06F0..U+06F9)
PERSIAN_LETTER_THEN_LATIN_PUNCT = re.compile(r"[\u0600-\u06ff][,;?]")


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def _live(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


def _name(e: polib._BaseEntry) -> str:
    return f"{e.msgctxt}|{e.msgid!r}" if e.msgctxt else repr(e.msgid)


def _pairs(e: polib._BaseEntry) -> list[tuple[str, str]]:
    """(source, translation) pairs: one for a singular entry, one per plural form otherwise."""
    if e.msgid_plural:
        return [(e.msgid if i == 0 else e.msgid_plural, s) for i, s in sorted(e.msgstr_plural.items())]
    return [(e.msgid, e.msgstr)]


def _placeholders(text: str) -> tuple[set[str], int]:
    """Named placeholders as a set; unnamed ones (including %%) by count, since their order is fixed."""
    found = PLACEHOLDER.findall(text)
    return {name for name, _ in found if name}, sum(1 for name, _ in found if not name)


def test_header_is_persian(po: polib.POFile) -> None:
    assert po.metadata.get("Language") == "fa"
    assert po.metadata.get("Plural-Forms") == PLURAL_FORMS
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    # A fuzzy header is skipped by msgfmt, which would drop Plural-Forms from the .mo.
    assert not po.metadata_is_fuzzy


def test_every_message_is_translated_and_none_is_fuzzy(po: polib.POFile) -> None:
    assert _live(po), "the catalogue is empty"
    empty = [_name(e) for e in _live(po) if any(not s.strip() for _, s in _pairs(e))]
    fuzzy = [_name(e) for e in _live(po) if "fuzzy" in e.flags]
    assert not empty, f"untranslated: {empty}"
    assert not fuzzy, f"fuzzy (review, then remove the flag): {fuzzy}"


def test_plural_entries_have_both_persian_forms(po: polib.POFile) -> None:
    bad = [_name(e) for e in _live(po) if e.msgid_plural and sorted(e.msgstr_plural) != [0, 1]]
    assert not bad


def test_placeholders_are_kept_exactly(po: polib.POFile) -> None:
    bad = []
    for e in _live(po):
        if "no-python-format" in e.flags:  # a literal %, e.g. "a 2% fee", marked so in the source
            continue
        for source, translation in _pairs(e):
            if translation and _placeholders(source) != _placeholders(translation):
                bad.append(f"{_name(e)}: {_placeholders(source)} != {_placeholders(translation)} in {translation!r}")
    assert not bad, "\n".join(bad)


def test_only_persian_letters_and_digits(po: polib.POFile) -> None:
    bad = []
    for e in _live(po):
        for _, translation in _pairs(e):
            for char, what in ARABIC_LETTERS.items():
                if char in translation:
                    bad.append(f"{_name(e)}: {what} in {translation!r}")
            if ARABIC_DIGITS.search(translation):
                bad.append(f"{_name(e)}: Arabic-Indic digits in {translation!r} (use ۰-۹)")
    assert not bad, "\n".join(bad)


def test_persian_punctuation(po: polib.POFile) -> None:
    """«،» «؛» «؟» after Persian words, and «» rather than “” as quotation marks."""
    bad = []
    for e in _live(po):
        for _, translation in _pairs(e):
            if PERSIAN_LETTER_THEN_LATIN_PUNCT.search(translation):
                bad.append(f"{_name(e)}: Latin , ; or ? after a Persian word in {translation!r}")
            if "“" in translation or "”" in translation:
                bad.append(f"{_name(e)}: use «» instead of “” in {translation!r}")
    assert not bad, "\n".join(bad)


def _catalogue(entries: list[polib._BaseEntry]) -> set[tuple]:
    return {
        (e.msgctxt or "", e.msgid, e.msgid_plural or "", tuple(s for _, s in sorted(e.msgstr_plural.items())))
        if e.msgid_plural
        else (e.msgctxt or "", e.msgid, "", (e.msgstr,))
        for e in entries
        if e.msgid  # the header
    }


def test_compiled_catalogue_matches_the_po(po: polib.POFile) -> None:
    assert MO_PATH.exists(), "run `make messages` (or manage.py compilemessages -l fa) and commit the .mo"
    mo = polib.mofile(str(MO_PATH))
    translated = [e for e in _live(po) if e.translated()]
    in_po, in_mo = _catalogue(translated), _catalogue(list(mo))
    stale = sorted(in_po - in_mo, key=str)[:10]
    extra = sorted(in_mo - in_po, key=str)[:10]
    assert not stale and not extra, (
        "django.mo is out of date: run `make messages` (or manage.py compilemessages -l fa)\n"
        f"in .po only: {stale}\nin .mo only: {extra}"
    )
    assert mo.metadata.get("Plural-Forms") == PLURAL_FORMS


# makemessages writes a temporary <template>.py next to every template, so it runs on a copy: the tree that
# `make messages` reads, but only what it reads (.py, .html, .txt) plus the committed catalogue.
_SKIP_DIRS = {"node_modules", "staticfiles", "var", "static", "__pycache__", "build", "test-artifacts"}
_MAKEMESSAGES = """
import os, sys
from pathlib import Path
sys.path.insert(0, os.getcwd())
import django
from django.conf import settings
django.setup()
# Never let this write into the real tree: the settings must be the temporary copy's.
assert Path(settings.BASE_DIR).resolve() == Path.cwd().resolve(), settings.BASE_DIR
from django.core.management import call_command
call_command("makemessages", locale=["fa"], no_obsolete=True, verbosity=0,
             ignore_patterns=[".venv", "node_modules", "staticfiles", "var"])
"""


def _copy_ignore(directory: str, names: list[str]) -> list[str]:
    skipped = []
    for name in names:
        if os.path.isdir(os.path.join(directory, name)):
            if name in _SKIP_DIRS or name.startswith(".") or name.endswith(".egg-info"):  # .venv, .git too
                skipped.append(name)
        elif not (name.endswith((".py", ".html", ".txt")) or name == "django.po"):
            skipped.append(name)
    return skipped


@pytest.mark.skipif(not (shutil.which("xgettext") and shutil.which("msgmerge")), reason="needs GNU gettext")
def test_makemessages_finds_nothing_untranslated(tmp_path: Path) -> None:
    """makemessages on a copy of the source (about 1 s) adds nothing that the committed catalogue lacks."""
    shutil.copytree(BASE_DIR, tmp_path / "src", ignore=_copy_ignore)
    tmp_path /= "src"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run(
        [sys.executable, "-c", _MAKEMESSAGES],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    fresh = polib.pofile(str(tmp_path / PO_PATH.relative_to(BASE_DIR)))
    missing = [_name(e) + (" (fuzzy)" if "fuzzy" in e.flags else "") for e in _live(fresh) if not e.translated()]
    assert not missing, (
        "new or changed messages without a Persian translation; run `make messages`, translate them in "
        "mardom/locale/fa/LC_MESSAGES/django.po, then `make messages` again. (A msgid with a literal %, such as "
        "“a 2% fee”, is taken for a python-format string and comes back fuzzy every time: put the comment "
        "`# xgettext:no-python-format` on the line above it in the source.)\n" + "\n".join(missing)
    )
