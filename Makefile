# Two commands for a fresh clone: `make demo` and `make test` (README.md).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed-stamp

.PHONY: demo test test-fast lint vendor run worker messages check-messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Mardom needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The demo runs as the product does (config/settings/demo.py): DEBUG off, collected and compressed static
# files, gunicorn in front and the task worker beside it (SMS, documents), both stopped by Ctrl+C.
DEMO_ENV = DJANGO_SETTINGS_MODULE=config.settings.demo
demo: $(STAMP)
	$(DEMO_ENV) $(BIN)/mardom migrate --noinput
	$(DEMO_ENV) $(BIN)/mardom collectstatic --noinput --verbosity 0
	$(DEMO_ENV) $(BIN)/mardom demo
	$(DEMO_ENV) $(BIN)/mardom rollups-drain --start
	$(DEMO_ENV) $(BIN)/mardom api-prune --start
	@echo "Serving at http://127.0.0.1:8000 (Ctrl+C to stop)"
	@$(DEMO_ENV) $(BIN)/mardom db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(DEMO_ENV) $(BIN)/gunicorn config.wsgi --bind 127.0.0.1:8000 --workers 2 --threads 4 --access-logfile -

# The browser tests run in a second invocation: they commit the demo data to their test database, and run in
# one process (one demo, one Chromium); the rest run on every core (pytest-xdist, a database per worker).
test: $(STAMP)
	$(BIN)/pytest -m "not browser" -n auto --durations=15
	$(BIN)/pytest -m browser mardom/e2e --durations=10

# Everything but the browser tests.
test-fast: $(STAMP)
	$(BIN)/pytest -m "not browser" -n auto

lint: $(STAMP)
	$(BIN)/ruff check mardom config bench

run: $(STAMP)
	$(BIN)/mardom runserver 127.0.0.1:8000

worker: $(STAMP)
	$(BIN)/mardom db_worker

vendor: $(STAMP)
	scripts/vendor-assets.sh

clean:
	rm -rf $(VENV) staticfiles test-artifacts .pytest_cache

-include scripts/messages.mk
