# salesperf: `make demo` (set-up + the main job from a fresh clone), `make test`, `make bench`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DBT_DIR := dbt_project
MANIFEST := $(DBT_DIR)/target/manifest.json
DBT_SOURCES := $(shell find $(DBT_DIR)/models $(DBT_DIR)/macros $(DBT_DIR)/tests -type f 2>/dev/null) $(DBT_DIR)/dbt_project.yml

.PHONY: install demo run test lint bench ui clean dbt-manifest

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

bench: $(MANIFEST)
	$(BIN)/python -m bench.run_bench

clean:
	rm -rf $(DBT_DIR)/target $(DBT_DIR)/logs .pytest_cache .ruff_cache
