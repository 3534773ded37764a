# The Persian catalogue (mardom/locale/fa/LC_MESSAGES/django.po and its compiled django.mo, both committed).
# Use it from the Makefile with:   include scripts/messages.mk
#
#   make messages         extract every msgid from the code and templates into django.po, then compile django.mo.
#                         New messages arrive with an empty msgstr (or marked fuzzy): translate them, then run
#                         `make messages` again so the .mo follows.
#   make check-messages   fail if extracting now would bring a message that has no Persian translation yet, or if
#                         the committed .mo does not match the .po. Changes nothing in the tree. Needs GNU gettext.
#
# Both need GNU gettext (xgettext, msgmerge, msgfmt); running the app does not, because the .mo is committed.

# The Makefile sets BIN (the virtualenv's bin) and STAMP (installs it); standalone, .venv is assumed.
MESSAGES_PYTHON ?= $(if $(BIN),$(BIN),.venv/bin)/python
MESSAGES_PO := mardom/locale/fa/LC_MESSAGES/django.po
MESSAGES_IGNORE := --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=var

.PHONY: messages check-messages

messages: $(STAMP)
	$(MESSAGES_PYTHON) manage.py makemessages -l fa $(MESSAGES_IGNORE) --no-obsolete
	$(MESSAGES_PYTHON) manage.py compilemessages -l fa $(MESSAGES_IGNORE)

# makemessages writes temporary <template>.py files next to each template, so it runs on a throwaway copy of
# what it reads (.py, .html, .txt and the catalogue), never in the working tree.
define MESSAGES_CHECK_PY
import sys, polib
po = polib.pofile(sys.argv[1])
bad = [e for e in po if not e.obsolete and not e.translated()]
for e in bad:
    print("no Persian translation" + (" (fuzzy)" if "fuzzy" in e.flags else "") + ":", repr(e.msgid), file=sys.stderr)
mo = polib.mofile(sys.argv[2])
key = lambda e: (e.msgctxt or "", e.msgid, e.msgid_plural or "", e.msgstr, tuple(sorted(e.msgstr_plural.items())))
committed = polib.pofile(sys.argv[3])
stale = {key(e) for e in committed if e.translated() and e.msgid} != {key(e) for e in mo if e.msgid}
if stale:
    print("django.mo does not match django.po: run `make messages`", file=sys.stderr)
if bad:
    print(f"{len(bad)} message(s) to translate: run `make messages`, translate them in {sys.argv[3]}, run it again",
          file=sys.stderr)
sys.exit(1 if bad or stale else 0)
endef
export MESSAGES_CHECK_PY

check-messages: $(STAMP)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	rsync -a --prune-empty-dirs \
	  --exclude=.venv --exclude=.git --exclude=node_modules --exclude=staticfiles --exclude=/var \
	  --exclude=static --exclude=__pycache__ --exclude='*.egg-info' \
	  --include='*/' --include='*.py' --include='*.html' --include='*.txt' --include='django.po' --exclude='*' \
	  ./ "$$tmp"/; \
	(cd "$$tmp" && PYTHONDONTWRITEBYTECODE=1 DJANGO_SETTINGS_MODULE=config.settings.test \
	  $(abspath $(MESSAGES_PYTHON)) manage.py makemessages -l fa $(MESSAGES_IGNORE) --no-obsolete -v 0); \
	$(MESSAGES_PYTHON) -c "$$MESSAGES_CHECK_PY" "$$tmp/$(MESSAGES_PO)" "$(MESSAGES_PO:.po=.mo)" "$(MESSAGES_PO)"; \
	echo "check-messages: the Persian catalogue is complete and compiled."
