# salesperf: `make demo` (set-up + the main job from a fresh clone), `make test`, `make bench`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# A small venv with the DuckDB 1.x that BI drivers bundle, for the test that opens the published file with it.
COMPAT := .venv-compat
COMPAT_STAMP := $(COMPAT)/.installed
COMPAT_DUCKDB := 1.1.3
DBT_DIR := dbt_project
MANIFEST := $(DBT_DIR)/target/manifest.json
DBT_SOURCES := $(shell find $(DBT_DIR)/models $(DBT_DIR)/macros $(DBT_DIR)/tests -type f 2>/dev/null) $(DBT_DIR)/dbt_project.yml

.PHONY: install compat demo run test test-fast lint bench bench-forecast ui clean dbt-manifest

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "salesperf needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

compat: $(COMPAT_STAMP)

$(COMPAT_STAMP):
	test -x $(COMPAT)/bin/python || $(PYTHON) -m venv $(COMPAT)
	$(COMPAT)/bin/pip install --quiet --disable-pip-version-check duckdb==$(COMPAT_DUCKDB)
	touch $(COMPAT_STAMP)

# dbt's manifest is prepared here (and in the test fixture, and by the CLI before it loads definitions), never
# by parsing at import: the same entry point, dagster-dbt's DbtCliResource (orchestration/dbt_project.py).
dbt-manifest: $(MANIFEST)

$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	$(BIN)/python -m orchestration.dbt_project

demo: $(MANIFEST)
	$(BIN)/salesperf demo

run: $(MANIFEST)
	$(BIN)/salesperf run

ui: $(MANIFEST)
	$(BIN)/salesperf ui

# The whole suite (what .ci/run calls).
test: lint $(MANIFEST) $(COMPAT_STAMP)
	SALESPERF_COMPAT_PYTHON=$(CURDIR)/$(COMPAT)/bin/python $(BIN)/pytest -q

# Unit tests and dbt unit tests; the whole-pipeline tests (marked slow) left out.
test-fast: lint $(MANIFEST) $(COMPAT_STAMP)
	SALESPERF_COMPAT_PYTHON=$(CURDIR)/$(COMPAT)/bin/python $(BIN)/pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Forecasting: accuracy on real series vs seasonal naive and statsforecast's AutoETS (issue 14), then speed on
# the 2,000-series synthetic set. AutoETS runs in .venv-bench: statsforecast needs pandas < 3.
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): bench/requirements-autoets.txt
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet -r bench/requirements-autoets.txt
	touch $(BENCH_STAMP)

bench-forecast: $(STAMP) $(BENCH_STAMP)
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	$(BIN)/python -m bench.forecast_eval
	$(BIN)/python -m bench.forecast_bench

bench: $(MANIFEST) bench-forecast
	$(BIN)/python -m bench.run_bench

clean:
	rm -rf $(DBT_DIR)/target $(DBT_DIR)/logs .pytest_cache .ruff_cache
