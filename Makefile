# salesperf: `make demo` (set-up + the main job from a fresh clone), `make test`, `make bench`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DBT_DIR := dbt_project
MANIFEST := $(DBT_DIR)/target/manifest.json
DBT_SOURCES := $(shell find $(DBT_DIR)/models $(DBT_DIR)/macros $(DBT_DIR)/tests -type f 2>/dev/null) $(DBT_DIR)/dbt_project.yml

.PHONY: install demo run test lint bench bench-forecast ui clean dbt-manifest

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "salesperf needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# dbt's manifest is prepared here (and in the test fixture), never by parsing at import.
dbt-manifest: $(MANIFEST)

$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	cd $(DBT_DIR) && SALESPERF_BUILD_DB=$${SALESPERF_BUILD_DB:-/tmp/salesperf-parse.duckdb} \
		../$(BIN)/dbt parse --quiet --profiles-dir . --project-dir .

demo: $(MANIFEST)
	$(BIN)/salesperf demo

run: $(MANIFEST)
	$(BIN)/salesperf run

ui: $(MANIFEST)
	$(BIN)/salesperf ui

test: $(MANIFEST)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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
