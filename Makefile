# salesperf: `make demo` (set-up + the main job from a fresh clone), `make test`, `make bench`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DBT_DIR := dbt_project
MANIFEST := $(DBT_DIR)/target/manifest.json
DBT_SOURCES := $(shell find $(DBT_DIR)/models $(DBT_DIR)/macros $(DBT_DIR)/tests -type f 2>/dev/null) $(DBT_DIR)/dbt_project.yml

.PHONY: install demo run test lint bench ui clean dbt-manifest browser-deps

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
	$(BIN)/salesperf report

run: $(MANIFEST)
	$(BIN)/salesperf run

ui: $(MANIFEST)
	$(BIN)/salesperf ui

# The report's browser tests use Debian's Chromium and CJK fonts (never a browser download). CI runs as root
# on a clean machine; elsewhere apt-get goes through sudo. Skipped when both are already installed.
BROWSER_PACKAGES := chromium fonts-noto-cjk
browser-deps:
	@if [ -x /usr/bin/chromium ] && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
		echo "browser-deps: /usr/bin/chromium and fonts-noto-cjk present"; \
	else \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		echo "browser-deps: installing $(BROWSER_PACKAGES) with apt-get"; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES); \
	fi

test: $(MANIFEST) browser-deps
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
