"""One pipeline stage in its own process, so the benchmark can read its peak RSS (os.wait4).

Each stage calls exactly what the Dagster asset calls; the asset wrappers add only a lock and metadata.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import duckdb


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("stage", choices=["ingest", "calendar", "config", "dbt", "training", "publish", "report"])
    parser.add_argument("--build-db", required=True)
    parser.add_argument("--landing", required=True)
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--dbt-target", default=None, help="dbt's target folder (run_results.json) for the dbt stage")
    args = parser.parse_args()
    as_of = dt.date.fromisoformat(args.as_of)
    out: dict[str, object] = {}
    if args.stage == "config":  # the repository's config/ files, as the config/<file> assets load them
        from salesperf.config.specs import all_specs
        from salesperf.config.tables import load_config_tables

        con = duckdb.connect(args.build_db)
        out = {
            spec.name: load_config_tables(con, Path(__file__).resolve().parent.parent / "config", spec)
            for spec in all_specs()
        }
        con.close()
    elif args.stage == "dbt":  # `dbt build` the way the pipeline runs it: dagster-dbt's DbtCliResource
        from orchestration.dbt_project import PIPELINE_BUILD_ARGS, run_dbt

        env = {"SALESPERF_BUILD_DB": args.build_db, "SALESPERF_AS_OF": args.as_of}
        run_dbt(PIPELINE_BUILD_ARGS, env=env, target_path=Path(args.dbt_target) if args.dbt_target else None)
        out = {"dbt": "build"}
    elif args.stage == "training":  # what the fct_training_effect asset calls, after dbt
        from forecasting.training_tables import write_training_effect

        con = duckdb.connect(args.build_db)
        result = write_training_effect(con, as_of)
        con.close()
        out = {"rows": result.rows, "groups": result.groups, "fit_seconds": round(result.seconds, 2)}
    elif args.stage == "report":  # what the manager_report asset calls, on the published file
        from salesperf.report import build_report

        result = build_report(Path(args.warehouse), Path(args.warehouse).parent / "report.html")
        out = {"bytes": result.bytes, "blocks": len(result.blocks), "omitted": len(result.omitted)}
    elif args.stage == "publish":
        from salesperf.serving.publish import publish

        report = publish(Path(args.build_db), Path(args.warehouse), as_of=as_of)
        out = {"tables": len(report.tables), "bytes": report.bytes}
    else:
        from ingestion.calendar import load_calendar
        from ingestion.load import ensure_schemas, ingest_all

        con = duckdb.connect(args.build_db)
        ensure_schemas(con)
        if args.stage == "ingest":
            reports = ingest_all(con, Path(args.landing))
            files = [f for report in reports.values() for f in report.files]
            out = {
                "files": len(files),
                "rows_read": sum(f.rows_read for f in files),
                "rows_accepted": sum(f.rows_accepted for f in files),
                "rows_rejected": sum(f.rows_rejected for f in files),
            }
        else:
            first = con.execute("select min(order_date) from raw.orders").fetchone()[0]
            load_calendar(con, dt.date(first.year, 1, 1), dt.date(as_of.year + 1, 12, 31))
        con.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
