"""Incremental refresh (issue 20): a run after one more day of orders equals a full rebuild, row for row.

The session company (tests/helpers/company.py, two full runs) is copied; a commission quarter is closed; then one
more day lands (a new orders file and a corrections file that changes lines of older months, one of them in the
closed quarter) and `salesperf_all` runs incrementally with the as-of date one day later. A copy of that build
database is then rebuilt in full (the run tag `salesperf run --full` sets). Every table of the marts schema must be
identical in both, and the closed quarter must be restated (fct_commission_restatements), never silently edited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil

import duckdb
import numpy as np
import pytest

from ingestion.changes import FULL, INCREMENTAL, plan_build, record_build
from ingestion.load import ensure_schemas, ingest_all


def _run(settings, *, full: bool) -> None:
    from dagster import DagsterInstance

    from orchestration.dbt_project import FULL_REBUILD_TAG
    from orchestration.definitions import build_definitions

    result = (
        build_definitions(settings)
        .resolve_job_def("salesperf_all")
        .execute_in_process(instance=DagsterInstance.ephemeral(), tags={FULL_REBUILD_TAG: "true"} if full else {})
    )
    assert result.success
    return result


# Differs by design: the months this build recomputed (all of them in a full build).
_BUILD_PLAN_TABLES = {"intermediate.int_build_touched_months"}


def _rows(con, db: str, table: str) -> str:
    """SELECT of a table's rows, exact, except that an intermediate table's DOUBLE columns are rounded to 9
    decimals: DuckDB sums doubles in parallel in no fixed order, so two full builds of the same data differ there
    by ~1e-15 (seen in int_attainment_projected.relative_error_sd). Marts are compared exactly."""
    schema, name = table.split(".")
    if schema == "marts":
        return f"from {db}.{table}"
    cols = con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = ? and schema_name = ? "
        "and table_name = ? order by column_index",
        [db, schema, name],
    ).fetchall()
    shown = [f'round("{c}", 9)' if kind in ("DOUBLE", "FLOAT") else f'"{c}"' for c, kind in cols]
    return f"select {', '.join(shown)} from {db}.{table}"


def _differences(a, b, schemas: tuple[str, ...] = ("marts",)) -> dict[str, tuple[int, int, int]]:
    """table -> (rows, rows only in a, rows only in b) for every table of `schemas` whose contents differ."""
    con = duckdb.connect()
    con.execute(f"attach '{a}' as a (read_only); attach '{b}' as b (read_only)")
    tables = [
        f"{r[0]}.{r[1]}"
        for r in con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'b' "
            f"and schema_name in ({', '.join(repr(s) for s in schemas)}) order by 1, 2"
        ).fetchall()
        if f"{r[0]}.{r[1]}" not in _BUILD_PLAN_TABLES
    ]
    assert len(tables) > 30
    out = {}
    for t in tables:
        rows = con.execute(f"select count(*) from b.{t}").fetchone()[0]
        a_rows, b_rows = _rows(con, "a", t), _rows(con, "b", t)
        only_a = con.execute(f"select count(*) from ({a_rows} except all {b_rows})").fetchone()[0]
        only_b = con.execute(f"select count(*) from ({b_rows} except all {a_rows})").fetchone()[0]
        if only_a or only_b:
            out[t] = (rows, only_a, only_b)
    con.close()
    return out


@pytest.fixture(scope="module")
def refreshed(company, tmp_path_factory):
    from salesperf.cli.commissions import close_period
    from salesperf.demo.next_day import write_next_day

    source = company[0]
    root = tmp_path_factory.mktemp("incremental")
    shutil.copytree(source.landing_dir, root / "landing")
    shutil.copytree(source.warehouse.parent, root / "warehouse")
    settings = dataclasses.replace(
        source, landing_dir=root / "landing", warehouse=root / "warehouse" / source.warehouse.name
    )
    close_period(settings, "2025-Q1")
    day = settings.as_of + dt.timedelta(days=1)
    next_day = write_next_day(
        settings.landing_dir, day, lines=300, corrections=50, touch_months=(dt.date(2025, 2, 1), dt.date(2024, 6, 1))
    )
    incremental = dataclasses.replace(settings, as_of=day, dagster_home=root / "dagster_incremental")
    result = _run(incremental, full=False)
    full_root = root / "full"
    shutil.copytree(root / "warehouse", full_root)
    full = dataclasses.replace(incremental, warehouse=full_root / source.warehouse.name, dagster_home=root / "dh_full")
    _run(full, full=True)
    return {"incremental": incremental, "full": full, "next_day": next_day, "result": result}


@pytest.mark.slow
def test_incremental_refresh_equals_a_full_rebuild(refreshed):
    inc, full = refreshed["incremental"], refreshed["full"]
    with duckdb.connect(str(inc.build_db), read_only=True) as con:
        modes = con.execute("select mode from state.builds order by built_at").fetchall()
    assert modes[-1] == (INCREMENTAL,), modes  # the run under test really was incremental
    with duckdb.connect(str(full.build_db), read_only=True) as con:
        assert con.execute("select mode from state.builds order by built_at desc limit 1").fetchone() == (FULL,)
    # every mart and every intermediate table (int_order_lines_enriched is built incrementally too)
    assert _differences(inc.build_db, full.build_db, ("marts", "intermediate")) == {}
    # ... and the published files hold the same marts
    assert _differences(inc.warehouse, full.warehouse) == {}


@pytest.mark.slow
def test_corrections_reach_older_months_and_restate_the_closed_quarter(refreshed):
    inc, next_day = refreshed["incremental"], refreshed["next_day"]
    assert dt.date(2025, 2, 1) in next_day.corrected_months and dt.date(2024, 6, 1) in next_day.corrected_months
    with duckdb.connect(str(inc.warehouse), read_only=True) as con:
        # every corrected line is in fct_sales with its corrected version (the corrections file's rows)
        fixed = con.execute(
            f"""select count(*) from read_csv('{next_day.corrections_file}', all_varchar = true) c
                join marts.fct_sales s on s.order_id = c.order_id and s.line_no = cast(c.line_no as integer)
                where s._source_file like '%orders_corrections_%'"""
        ).fetchone()[0]
        assert fixed == next_day.corrected_lines == 50
        new = con.execute("select count(*) from marts.fct_sales where order_date = ?", [inc.as_of]).fetchone()[0]
        assert new == next_day.new_lines == 300
        # The closed quarter is not edited: the restatement report names the changed lines and the difference
        # to book in the open period.
        changed, booked_in = con.execute(
            "select sum(changed_row_count), min(restated_in_period_start) from marts.fct_commission_restatements "
            "where period_start between '2025-01-01' and '2025-03-31' and changed_row_count > 0"
        ).fetchone()
    assert changed and changed > 0
    assert booked_in > dt.date(2025, 3, 31)


def test_build_plan_is_incremental_only_on_appended_files(tmp_path):
    landing = tmp_path / "landing"
    (landing / "reps").mkdir(parents=True)
    (landing / "reps" / "reps.csv").write_text("rep_id,region\nR1,East\n", encoding="utf-8")
    con = duckdb.connect(str(tmp_path / "b.duckdb"))
    ensure_schemas(con)
    ingest_all(con, landing, entities=["reps"])
    as_of = dt.date(2025, 3, 31)
    first = plan_build(con, as_of=as_of, code_hash="c1", force_full=False)
    assert first.mode == FULL and "no earlier build" in first.reason
    record_build(con, first)
    again = plan_build(con, as_of=as_of, code_hash="c1", force_full=False)
    assert again.mode == INCREMENTAL and again.new_rows == {} and again.since_file_seq == first.max_file_seq
    assert plan_build(con, as_of=as_of, code_hash="c1", force_full=True).mode == FULL
    assert "code changed" in plan_build(con, as_of=as_of, code_hash="c2", force_full=False).reason
    # an appended file: incremental, with what it brought
    (landing / "reps" / "reps_2.csv").write_text("rep_id,region\nR2,West\nR3,West\n", encoding="utf-8")
    ingest_all(con, landing, entities=["reps"])
    appended = plan_build(con, as_of=as_of + dt.timedelta(days=1), code_hash="c1", force_full=False)
    assert appended.mode == INCREMENTAL and appended.new_rows == {"reps": 2}
    assert appended.dbt_env() == {
        "SALESPERF_INCREMENTAL_SINCE_FILE_SEQ": str(first.max_file_seq),
        "SALESPERF_INCREMENTAL_PREVIOUS_AS_OF": "2025-03-31",
    }
    # the file the last build used, replaced in place: its old rows are gone, so only a full build is safe
    (landing / "reps" / "reps.csv").write_text("rep_id,region\nR1,North\n", encoding="utf-8")
    ingest_all(con, landing, entities=["reps"])
    replaced = plan_build(con, as_of=as_of, code_hash="c1", force_full=False)
    assert replaced.mode == FULL and "replaced" in replaced.reason
    con.close()


def test_forecast_cache_refits_only_changed_series(tmp_path):
    from forecasting.run import fit_all
    from forecasting.series import Series
    from salesperf.config.forecasting import ForecastingConfig

    months = [dt.date(2021 + i // 12, i % 12 + 1, 1) for i in range(36)]
    rng = np.random.default_rng(3)
    series = [
        Series("rep", f"R{i}", months, 100 + 10 * np.sin(np.arange(36) / 12 * 2 * np.pi) + rng.normal(0, 3, 36))
        for i in range(4)
    ]
    cfg = ForecastingConfig()
    cfg.forecast.models = ["snaive", "ets"]
    cache = tmp_path / "cache.pkl"
    first = fit_all(series, cfg, max_workers=1, cache_path=cache)
    assert (first.refit, first.reused) == (4, 0)
    again = fit_all(series, cfg, max_workers=1, cache_path=cache)
    assert (again.refit, again.reused) == (0, 4)
    assert again.forecasts.equals(first.forecasts) and again.backtest.equals(first.backtest)
    # a correction in one closed month of one series refits that series only, and gives the fresh fit's result
    changed = list(series)
    values = series[2].values.copy()
    values[20] += 50
    changed[2] = Series("rep", "R2", months, values)
    third = fit_all(changed, cfg, max_workers=1, cache_path=cache)
    fresh = fit_all(changed, cfg, max_workers=1)
    assert (third.refit, third.reused, third.refit_by_level) == (1, 3, {"rep": 1})
    assert third.forecasts.equals(fresh.forecasts) and third.anomalies.equals(fresh.anomalies)
    assert fit_all(changed, cfg, max_workers=1, cache_path=cache, refit_all=True).refit == 4


@pytest.mark.slow
def test_dagster_metadata_says_what_was_recomputed_and_why(refreshed):
    result = refreshed["result"]
    materialized = {
        e.asset_key.to_user_string(): e.step_materialization_data.materialization.metadata
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    }
    sales = materialized["marts/fct_sales"]
    assert sales["build_mode"].value == INCREMENTAL and "2 new file(s)" in sales["build_reason"].value
    assert sales["new_rows_since_last_build"].value == {"orders": 350}
    # which months were recomputed: an observation beside the materialization (known once dbt has finished):
    # the corrected months and the new day's month (the as-of move stays inside November)
    observed = {
        e.asset_key.to_user_string(): e.asset_observation_data.asset_observation.metadata
        for e in result.all_events
        if e.event_type_value == "ASSET_OBSERVATION" and e.asset_key.to_user_string().endswith("fct_sales")
    }["marts/fct_sales"]
    corrected = len(refreshed["next_day"].corrected_months)
    assert corrected <= observed["months_recomputed"].value <= corrected + 1
    assert "2025-02" in observed["months"].value and "2024-06" in observed["months"].value
    forecast = materialized["marts/fct_sales_forecast"]
    assert forecast["series_reused"].value > 0  # closed months unchanged for most series
    assert forecast["series_refit"].value + forecast["series_reused"].value == forecast["series"].value
    checks = {
        e.asset_check_evaluation_data.asset_check_key.asset_key.to_user_string(): e.asset_check_evaluation_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.asset_check_evaluation_data.asset_check_key.name == "expectation_suite"
    }
    orders = checks["raw/orders"].metadata
    assert orders["validation_mode"].value == "new_rows" and orders["rows_validated"].value == 350
    assert checks["raw/reps"].metadata["validation_mode"].value == "unchanged"


def test_incremental_validation_counts_every_current_row():
    """An incremental validation reports the entity's current rows (the data-quality assessment reads that count
    for its shrink threshold), found from the new files' keys only. Hand-worked, orders keyed (order_id, line_no),
    newest updated_at wins:
      file 1: A/1 (day 1), A/2 (day 1), B/1 (day 1)                        -> 3 current rows
      file 2: A/2 corrected (day 2), C/1 new (day 2), B/1 stale (day 0)    -> A/2 replaced, C/1 added, B/1 older
    current rows after file 2: A/1, A/2 (file 2), B/1 (file 1), C/1 = 4 = 3 + 1."""
    from ingestion.validation.scratch import current_rows_change

    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.orders (order_id varchar, line_no integer, updated_at date, _file_seq bigint)")
    con.execute("""insert into raw.orders values
        ('A', 1, '2025-01-01', 1), ('A', 2, '2025-01-01', 1), ('B', 1, '2025-01-01', 1),
        ('A', 2, '2025-01-02', 2), ('C', 1, '2025-01-02', 2), ('B', 1, '2024-12-31', 2)""")
    assert current_rows_change(con, "orders", 1) == 1
    assert current_rows_change(con, "orders", 0) == 4  # everything is new: every current row
    assert current_rows_change(con, "orders", 2) == 0
