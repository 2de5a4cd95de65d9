# Tremplin: `make run` serves the console with a demo; `make test` runs the whole suite.
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_WORKERS ?= 2
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-system bench lint messages install install-test clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Tremplin needs Python 3.11 or newer (found: $$($(PYTHON) --version))."; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create $(VENV). On Debian/Ubuntu: sudo apt install python3-venv"; exit 1; }
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/tremplin migrate
	$(BIN)/tremplin demo --if-empty
	$(BIN)/tremplin serve --host $(HOST) --port $(PORT)

# The Debian packages the tests need (Chromium, Pango, Ghostscript, zbarimg, redis-server): installed when
# root or password-less sudo may, else the `apt install` command is printed and nothing runs.
test-system:
	@tests/setup-system.sh

# The tests start their own servers (SMTP, Redis, the app); each xdist worker has its own database.
# TEST_WORKERS: on a quiet 2-core machine the whole suite took 171 s with 2 workers and 161 s with 3 on
# PostgreSQL, but with 3 the phone's camera-scan browser test missed its 30 s once in three runs, starved of
# CPU: 2 workers, one per core.
test: test-system install-test
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

# Every benchmark on SQLite, then on PostgreSQL (database tremplin_bench on 127.0.0.1:5432, created and dropped)
# with a throwaway Redis, two app processes each; ends with one table (README, Benchmarks). BENCH_QUICK=1: short
# windows, to check the chain end to end.
bench: install-test
	$(BIN)/python bench/_run.py

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/hadolint docker/Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker/compose.yaml

# Refresh the catalogues after changing UI text; then translate the new French entries.
messages: install-test
	$(BIN)/pybabel extract -F babel.cfg -k lazy -k ngettext:1,2 --no-location --omit-header --sort-output \
		-o core/translations/messages.pot .
	$(BIN)/pybabel update -i core/translations/messages.pot -d core/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
