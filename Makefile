# Two commands on a fresh machine:  `make app` (the demo app) and `make test` (the test suite).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MIRROR ?= ../shared/data
CONFIG ?= config.toml
PORT ?= 8501

.PHONY: setup setup-dev sysdeps appdeps jsdeps data app test lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt

setup-dev: $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt

# The study area's data, remade only when what it comes from changed: fetch when the config is newer
# than the fetch manifest; build when the config, the manifest or an extract is newer than the build.
OUT := out/$(basename $(notdir $(CONFIG)))
STAMPS := $(if $(wildcard $(BIN)/python),$(shell $(BIN)/python -m geo.app.stamps $(CONFIG) 2>/dev/null))
MANIFEST := $(or $(firstword $(STAMPS)),$(OUT)/.fetched)
EXTRACTS := $(wordlist 2,$(words $(STAMPS)),$(STAMPS))

$(MANIFEST): $(CONFIG) | setup
	$(BIN)/python -m geo fetch --config $(CONFIG) --mirror $(MIRROR)
	@mkdir -p $(@D) && touch $@

$(OUT)/lsoa.csv: $(MANIFEST) $(CONFIG) $(EXTRACTS) | setup
	$(BIN)/python -m geo build --config $(CONFIG) --out $(OUT)
	@touch $@

data: $(OUT)/lsoa.csv

# `python -m geo app` prepares the first page, then serves it (what `streamlit run` does) on 127.0.0.1:PORT
app: data appdeps
	$(BIN)/python -m geo app --config $(CONFIG) --port $(PORT)

# Chromium (browser tests) and poppler-utils (PDF tests) through apt-get when missing and possible;
# otherwise one message saying what to install and which tests will fail.
sysdeps:
	@sh tools/sysdeps.sh

# What the app needs from the system (Pango and fonts: WeasyPrint writes the ILT pack's PDF)
appdeps:
	@sh tools/sysdeps.sh runtime

# axe-core (pinned in tests/js/package-lock.json) for the accessibility tests: needs node and npm.
jsdeps:
	@sh tools/jsdeps.sh

# A throwaway PostgreSQL server (tools/postgres.sh) for the store's tests, stopped afterwards; if it cannot
# start, GEO_TEST_POSTGRES_URL says so and the PostgreSQL tests fail (they never skip under make test).
test: setup-dev sysdeps jsdeps
	@pg=$$(sh tools/postgres.sh start) || pg="GEO_TEST_POSTGRES_URL=unavailable:tools/postgres.sh-could-not-start-a-server"; \
	eval "$$pg"; export GEO_TEST_POSTGRES_URL; \
	trap 'if [ -n "$${GEO_TEST_POSTGRES_DIR:-}" ]; then sh tools/postgres.sh stop "$$GEO_TEST_POSTGRES_DIR"; fi' EXIT INT TERM; \
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup-dev
	$(BIN)/ruff check .

bench: setup-dev
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf out data/boundaries/*/ data/extracts/public/
