# Quick-Win Tracker: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install dev-install translations extract-messages lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project metadata or a catalogue changes.
$(VENV)/.installed: pyproject.toml hatch_build.py $(wildcard quickwin_tracker/translations/*/LC_MESSAGES/*.po) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml hatch_build.py $(wildcard quickwin_tracker/translations/*/LC_MESSAGES/*.po) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev-install: $(VENV)/.installed-dev

## make run: install, migrate the SQLite database, load demo data when empty, serve on :5000,
## with the scheduler (reminders, digests, mail delivery) beside the web server. The scheduler is
## its own process, started once here (whatever the web server's reloader does) and stopped with it.
run: install
	$(BIN)/quickwin db upgrade
	$(BIN)/quickwin seed-demo --if-empty
	FLASK_RUN_HOST=$(HOST) FLASK_RUN_PORT=$(PORT) $(BIN)/quickwin scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT INT TERM; \
	FLASK_RUN_HOST=$(HOST) FLASK_RUN_PORT=$(PORT) $(BIN)/quickwin run

## make test: install with the dev extras and run every test.
test: dev-install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Re-extract translatable strings into the catalogue templates (developers).
extract-messages: dev-install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k Nn_:1,2 --no-location --sort-output --project "Quick-Win Tracker" --width 100 -o quickwin_tracker/translations/messages.pot .
	$(BIN)/pybabel update -i quickwin_tracker/translations/messages.pot -d quickwin_tracker/translations --no-fuzzy-matching --width 100

translations: dev-install
	$(BIN)/pybabel compile -d quickwin_tracker/translations

lint: dev-install
	$(BIN)/ruff check quickwin_tracker tests

# The board in headless Chromium too when Playwright and /usr/bin/chromium are there (else a note):
# `make bench BENCH_ARGS=--no-browser` leaves it out, `BENCH_ARGS=--browser` insists on it.
bench: dev-install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
