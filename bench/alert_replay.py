"""Replaying the risk alerts at past as-of dates on one generated company, the way the pipeline runs them.

`build_company` generates the demo company (its ground truth beside the landing folder) and runs every asset once
at the final as-of date: that run is the "future" the replays are scored against (how each quarter really ended).
`replay` then materializes, for each earlier as-of date in turn, only what the alerts need: the dbt models upstream
of them, the forecasting asset and the alert models (ingestion and config are as of the final run: the rules read
only rows dated on or before their as-of date). After each replay the alert tables are copied into a results
database, where bench/alert_quality.py scores them.

The same code runs before and after the alerts moved into dbt (issue 15): it selects the Dagster assets upstream of
whichever alert tables exist and copies the columns both versions have.

`lean=True` (tests/test_alert_quality.py) does the same without Dagster, great-expectations, forecasting or
publishing: ingestion, config and calendar through their library functions, then `dbt run` of the alert models and
their ancestors at each date (orchestration.dbt_project.run_dbt, dbt's pipeline entry point). The rules it scores
read no forecast (the forecast columns of int_attainment_projected stay empty), so their alerts are the pipeline's.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from salesperf.settings import PROJECT_ROOT, Settings

ALERT_TABLES = ("fct_risk_alerts", "fct_risk_alert_digest")
# Replayed with the alerts though they do not feed them: a dbt test that runs with a replayed model compares it
# with these (assert_collections_reconcile_to_payments: fct_receivables, which overdue_receivable reads, against
# fct_collections), and left as of the final date they fail it.
ALSO_REPLAYED = ("fct_collections",)
# The columns scored (copied when the version has them: before issue 15 there was no status, money or manager).
ALERT_COLUMNS = {
    "alert_type": "varchar",
    "entity_type": "varchar",
    "entity_id": "varchar",
    "severity": "varchar",
    "period_type": "varchar",
    "period_start": "date",
    "metric_value": "double",
    "money_at_risk": "double",
    "status": "varchar",
    "manager_id": "varchar",
    "p_value": "double",
    "reason_en": "varchar",
    "reason_zh": "varchar",
}
# The attainment rule's projection for every entity, not only the alerted ones (for the ranking quality, AUC).
PROJECTION_TABLE = "intermediate.int_attainment_projected"
PROJECTION_COLUMNS = {
    "period_type": "varchar",
    "period_start": "date",
    "level": "varchar",
    "key": "varchar",
    "target_amount": "double",
    "projected_pct": "double",
    "plain_run_rate_pct": "double",
    "forecast_pct": "double",
}


@dataclass(frozen=True)
class Company:
    settings: Settings  # as of the final date
    truth_dir: Path
    results_db: Path


def _settings(root: Path, as_of: dt.date) -> Settings:
    return Settings(
        landing_dir=root / "landing",
        config_dir=PROJECT_ROOT / "config",
        warehouse=root / "warehouse" / "salesperf.duckdb",
        dagster_home=root / "dagster_home",
        as_of=as_of,
    )


def build_company(
    root: Path,
    *,
    scale: int,
    seed: int,
    as_of: dt.date,
    log: Callable[[str], None] = print,
    reuse: bool = False,
    lean: bool = False,
) -> Company:
    """Generate the company into `root` (unless already there) and run it as of `as_of` (every asset; `lean`: the
    alerts' dbt models only), unless `reuse` and that run's results are there."""
    from salesperf.demo import generate_demo_data
    from salesperf.demo.truth import default_truth_dir

    settings = _settings(root, as_of)
    truth_dir = default_truth_dir(settings.landing_dir)
    if not (truth_dir / "truth.json").exists():
        started = time.perf_counter()
        generate_demo_data(settings.landing_dir, scale=scale, seed=seed, as_of=as_of, truth_dir=truth_dir)
        log(f"generated {scale:,} order lines as of {as_of} in {time.perf_counter() - started:.1f} s")
    company = Company(settings, truth_dir, root / "alert_results.duckdb")
    if reuse and company.results_db.exists():
        return company
    started = time.perf_counter()
    if lean:
        _load_lean(settings)
        _run_alert_models(settings)
    else:
        from dagster import DagsterInstance

        from orchestration.definitions import build_definitions

        result = (
            build_definitions(settings)
            .resolve_job_def("salesperf_all")
            .execute_in_process(instance=DagsterInstance.ephemeral())
        )
        assert result.success
    log(f"{'lean' if lean else 'full'} run as of {as_of}: {time.perf_counter() - started:.1f} s")
    _save_outcome(company)
    return company


def _load_lean(settings: Settings) -> None:
    """What the ingestion, calendar and config assets write, through the same library calls."""
    from ingestion.calendar import load_calendar
    from ingestion.load import ensure_schemas, ingest_all
    from salesperf.config.specs import all_specs
    from salesperf.config.tables import load_config_tables

    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.build_db))
    try:
        ensure_schemas(con)
        ingest_all(con, settings.landing_dir)
        first = con.execute("select min(order_date) from raw.orders").fetchone()[0]
        load_calendar(con, dt.date(first.year, 1, 1), dt.date(settings.as_of.year + 1, 12, 31))
        for spec in all_specs():
            load_config_tables(con, settings.config_dir, spec)
    finally:
        con.close()


def _run_alert_models(settings: Settings) -> None:
    from orchestration.dbt_project import run_dbt

    run_dbt(["run", "--select", "+tag:risk_alerts"], env=settings.dbt_env())


def _save_outcome(company: Company) -> None:
    """What happened by the final date: closed periods' attainment, the org and customers (owners, managers)."""
    company.results_db.unlink(missing_ok=True)
    con = duckdb.connect(str(company.results_db))
    try:
        con.execute(f"attach '{company.settings.build_db}' as build (read_only)")
        con.execute("""create table final_attainment as
            select period_type, period_start, period_end, level, key, actual_amount, target_amount, attainment_pct
            from build.marts.fct_attainment where period_status = 'closed' and target_amount > 0""")
        con.execute("create table reps as select * exclude (_source_file, _source_row) from build.marts.dim_rep")
        con.execute("create table customers as select customer_id, owner_rep_id, region from build.marts.dim_customer")
        # order days up to the final date (a line completed then was completed at the earlier dates too, but for
        # a handful cancelled in between)
        con.execute("""create table customer_order_days as
            select distinct customer_id, order_date from build.marts.fct_sales where is_creditable""")
        for name in ("customers", "anomalies", "rep_quarters"):
            con.execute(f"create table truth_{name} as select * from read_csv('{company.truth_dir / name}.csv')")
        for table, columns in (("alerts", ALERT_COLUMNS), ("projections", PROJECTION_COLUMNS)):
            con.execute(f"create table {table} (replay_date date, {', '.join(f'{c} {t}' for c, t in columns.items())})")
        con.execute("create table replays (replay_date date, seconds double)")
    finally:
        con.close()


def _alert_keys(settings: Settings) -> tuple[object, list]:
    from dagster import AssetKey, AssetSelection

    from orchestration.definitions import build_definitions

    defs = build_definitions(settings)
    graph = defs.resolve_asset_graph()
    targets = [
        AssetKey(["marts", t])
        for t in (*ALERT_TABLES, *ALSO_REPLAYED)
        if AssetKey(["marts", t]) in graph.get_all_asset_keys()
    ]
    # a multi-asset (forecasting_tables) runs whole: its other outputs come along
    upstream = AssetSelection.assets(*targets).upstream().required_multi_asset_neighbors().resolve(graph)
    # ingestion, calendar and config stay as of the final run: nothing they hold depends on the as-of date
    keys = sorted((k for k in upstream if k.path[0] not in ("raw", "config")), key=lambda k: k.to_user_string())
    return defs, keys


def _copy(con: duckdb.DuckDBPyConnection, replay_date: dt.date, source: str, target: str, wanted: dict) -> int:
    """Insert the columns of `build.<source>` that `wanted` names into `target`; 0 if the table is absent."""
    schema, table = source.split(".")
    present = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where database_name = 'build' and schema_name = ? "
            "and table_name = ?",
            [schema, table],
        ).fetchall()
    }
    columns = [c for c in wanted if c in present]
    if not columns:
        return 0
    names = ", ".join(columns)
    casts = ", ".join(f"cast({c} as {wanted[c]})" for c in columns)
    con.execute(
        f"insert into {target} (replay_date, {names}) select ?::date, {casts} from build.{source}", [replay_date]
    )
    return con.execute(f"select count(*) from {target} where replay_date = ?", [replay_date]).fetchone()[0]


def replay(company: Company, dates: Sequence[dt.date], log: Callable[[str], None] = print, lean: bool = False) -> None:
    """Materialize the alerts and what they need as of each date (ascending), copying the results after each."""
    from dagster import DagsterInstance

    instance = None if lean else DagsterInstance.ephemeral()
    for replay_date in sorted(dates):
        settings = replace(company.settings, as_of=replay_date)
        started = time.perf_counter()
        if lean:
            _run_alert_models(settings)
            what = "dbt run +tag:risk_alerts"
        else:
            defs, keys = _alert_keys(settings)
            result = defs.resolve_job_def("salesperf_all").execute_in_process(instance=instance, asset_selection=keys)
            assert result.success, replay_date
            what = f"{len(keys)} assets"
        seconds = time.perf_counter() - started
        con = duckdb.connect(str(company.results_db))
        try:
            con.execute(f"attach '{settings.build_db}' as build (read_only)")
            con.execute("delete from alerts where replay_date = ?", [replay_date])
            con.execute("delete from projections where replay_date = ?", [replay_date])
            n = _copy(con, replay_date, "marts.fct_risk_alerts", "alerts", ALERT_COLUMNS)
            _copy(con, replay_date, PROJECTION_TABLE, "projections", PROJECTION_COLUMNS)
            con.execute("insert into replays values (?, ?)", [replay_date, seconds])
        finally:
            con.close()
        log(f"replay as of {replay_date}: {what}, {n} alerts, {seconds:.1f} s")
