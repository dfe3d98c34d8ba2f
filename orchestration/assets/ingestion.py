"""One thin asset per landing entity: folder -> raw.<entity>, with audit and quarantine.

All logic lives in the `ingestion` package; these assets only take the write lock, call it, and report
what happened as metadata so the Dagster UI shows rows read/accepted/rejected per run.
"""

import datetime as dt

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset
from dagster_duckdb import DuckDBResource

from ingestion.calendar import load_calendar
from ingestion.entities import ENTITY_NAMES
from ingestion.load import EntityReport, ensure_schemas, ingest_entity
from ingestion.profiles import load_profiles
from orchestration.locking import BUILD_DB_POOL, step_lock
from orchestration.resources import SalesperfSettings

INGESTION_GROUP = "ingestion"


def report_metadata(report: EntityReport) -> dict[str, object]:
    """Asset metadata for one entity's ingestion: totals plus a per-file table."""
    files = report.files
    lines = ["| file | status | read | accepted | rejected | note |", "|---|---|---:|---:|---:|---|"]
    lines += [
        f"| {f.file} | {f.status} | {f.rows_read} | {f.rows_accepted} | {f.rows_rejected} | "
        f"{(f.message or '').replace('|', '/')} |"
        for f in files
    ]
    return {
        "files_seen": len(files),
        "files_loaded": sum(f.status == "loaded" for f in files),
        "files_skipped": sum(f.status == "skipped" for f in files),
        "files_rejected": sum(f.status == "rejected_file" for f in files),
        "rows_read": sum(f.rows_read for f in files if f.status != "skipped"),
        "rows_accepted": sum(f.rows_accepted for f in files if f.status != "skipped"),
        "rows_rejected": sum(f.rows_rejected for f in files if f.status != "skipped"),
        "files": MetadataValue.md("\n".join(lines)),
    }


def _ingestion_asset(entity: str) -> AssetsDefinition:
    @asset(
        key=AssetKey(["raw", entity]),
        group_name=INGESTION_GROUP,
        description=f"Every file in the landing folder `{entity}/`, typed into raw.{entity}; rejected rows "
        "go to audit.rejected_rows and each file to audit.ingested_files.",
        kinds={"duckdb", "python"},
        pool=BUILD_DB_POOL,
    )
    def _asset(
        context: AssetExecutionContext, settings: SalesperfSettings, build_db: DuckDBResource
    ) -> MaterializeResult:
        cfg = settings.resolve()
        # Source profiles (config/sources/*.yml): an invalid file stops the run naming its key path.
        profiles = load_profiles(cfg.config_dir)
        with (
            step_lock(context, cfg.build_dir),
            build_db.get_connection() as con,
        ):
            ensure_schemas(con)
            report = ingest_entity(con, entity, cfg.landing_dir, profiles=profiles)
        metadata = report_metadata(report)
        context.log.info(
            f"{entity}: {metadata['rows_read']} rows read, {metadata['rows_accepted']} accepted, "
            f"{metadata['rows_rejected']} rejected, {metadata['files_skipped']} unchanged files"
        )
        return MaterializeResult(metadata=metadata)

    return _asset


ingestion_assets: list[AssetsDefinition] = [_ingestion_asset(e) for e in ENTITY_NAMES]


@asset(
    key=AssetKey(["raw", "calendar_days"]),
    group_name=INGESTION_GROUP,
    deps=[AssetKey(["raw", "orders"])],
    description="China's official calendar (holidays, adjusted workdays) from chinese-calendar for the years "
    "the data spans plus the plan year; weekends-only fallback, flagged per day, where the library stops.",
    kinds={"duckdb", "python"},
    pool=BUILD_DB_POOL,
)
def calendar_days(
    context: AssetExecutionContext, settings: SalesperfSettings, build_db: DuckDBResource
) -> MaterializeResult:
    cfg = settings.resolve()
    with (
        step_lock(context, cfg.build_dir),
        build_db.get_connection() as con,
    ):
        ensure_schemas(con)
        first = con.execute("select min(order_date) from raw.orders").fetchone()[0]
        start = dt.date(min(first.year if first else cfg.as_of.year, cfg.as_of.year - 3), 1, 1)
        end = dt.date(cfg.as_of.year + 1, 12, 31)
        load_calendar(con, start, end)
        sources = dict(con.execute("select calendar_source, count(*) from raw.calendar_days group by 1").fetchall())
    fallback_days = sources.get("weekends_only_fallback", 0)
    if fallback_days:
        context.log.warning(
            f"{fallback_days} days use the weekends-only fallback: chinese-calendar does not cover those years yet"
        )
    return MaterializeResult(
        metadata={
            "start": str(start),
            "end": str(end),
            "days_official": sources.get("chinese_calendar", 0),
            "days_weekends_only_fallback": fallback_days,
        }
    )
