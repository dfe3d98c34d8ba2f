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

.PHONY: install compat browser-deps screenshots demo run test test-fast lint bench bench-forecast bench-small bench-alerts ui clean dbt-manifest

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "salesperf needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

compat: $(COMPAT_STAMP)

# The BI clients of docs/bi.md, each in a folder of its own (pip --target, no dependencies: DuckDB comes from the
# interpreter that runs them), so the suite never installs anything at run time (tests/test_report_bi.py).
BI_CLIENTS := sqlalchemy-1.4.54:sqlalchemy==1.4.54,duckdb-engine==0.17.0 \
	sqlalchemy-2.0.58:sqlalchemy==2.0.58,duckdb-engine==0.17.0 duckdb-cli-1.5.6:duckdb-cli==1.5.6

$(COMPAT_STAMP): $(STAMP)
	test -x $(COMPAT)/bin/python || $(PYTHON) -m venv $(COMPAT)
	$(COMPAT)/bin/pip install --quiet --disable-pip-version-check duckdb==$(COMPAT_DUCKDB)
	for client in $(BI_CLIENTS); do \
		$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --target $(COMPAT)/clients/$${client%%:*} \
			$$(echo $${client#*:} | tr , ' ') || exit 1; \
	done
	touch $(COMPAT_STAMP)

# dbt's manifest is prepared here (and in the test fixture, and by the CLI before it loads definitions), never
# by parsing at import: the same entry point, dagster-dbt's DbtCliResource (orchestration/dbt_project.py).
dbt-manifest: $(MANIFEST)

$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	$(BIN)/python -m orchestration.dbt_project

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

# The whole suite (what .ci/run calls).
test: lint $(MANIFEST) $(COMPAT_STAMP) browser-deps
	SALESPERF_COMPAT_PYTHON=$(CURDIR)/$(COMPAT)/bin/python $(BIN)/pytest -q

# Unit tests and dbt unit tests; the whole-pipeline tests (marked slow) left out.
test-fast: lint $(MANIFEST) $(COMPAT_STAMP)
	SALESPERF_COMPAT_PYTHON=$(CURDIR)/$(COMPAT)/bin/python $(BIN)/pytest -q -m "not slow"

# The README's report screenshots (docs/images/report-*.png), from the browser tests' generated company.
screenshots: $(MANIFEST) browser-deps
	SALESPERF_SCREENSHOTS=$(CURDIR)/docs/images $(BIN)/pytest -q tests/test_report_browser.py -k screenshot

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

# A small company's whole run (`salesperf run`, a few thousand and 300,000 order lines): wall and CPU time, per step.
bench-small: $(MANIFEST)
	$(BIN)/python -m bench.small_bench

# Risk alerts (issue 15): the demo company replayed at seven past as-of dates through Dagster, each rule's precision,
# recall and alerts per manager against the truth the generator writes (docs/alerts.md).
bench-alerts: $(MANIFEST)
	$(BIN)/python -m bench.alerts_bench

bench: $(MANIFEST) bench-small bench-forecast bench-alerts
	$(BIN)/python -m bench.run_bench

clean:
	rm -rf $(DBT_DIR)/target $(DBT_DIR)/logs .pytest_cache .ruff_cache
