"""Publishing: the build database's marts and audit schemas become the file BI tools open."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset
from dagster_duckdb import DuckDBResource

from ingestion.quality import mark_published
from orchestration.assets.dbt import dbt_asset_definitions
from orchestration.assets.forecasting import FORECASTING_KEYS
from orchestration.assets.process import TRAINING_EFFECT_KEY
from orchestration.locking import BUILD_DB_POOL, step_lock
from orchestration.resources import SalesperfSettings
from salesperf.serving.publish import publish

# Everything dbt builds into the published schemas: the marts and audit.held_rows.
MART_KEYS = sorted(
    (key for assets in dbt_asset_definitions for key in assets.keys if key.path[0] in ("marts", "audit")),
    key=lambda k: k.to_user_string(),
)


@asset(
    key=AssetKey(["published_warehouse"]),
    group_name="serving",
    deps=[*MART_KEYS, *FORECASTING_KEYS, TRAINING_EFFECT_KEY, AssetKey(["raw", "calendar_days"])],
    description="The published DuckDB file ($SALESPERF_WAREHOUSE): marts and audit schemas, with comments, "
    "readable by DuckDB 1.x clients, replaced atomically; audit.warehouse_info names the run and the data-quality "
    "findings it was published with.",
    kinds={"duckdb"},
    pool=BUILD_DB_POOL,
)
def published_warehouse(
    context: AssetExecutionContext, settings: SalesperfSettings, build_db: DuckDBResource
) -> MaterializeResult:
    cfg = settings.resolve()
    with step_lock(context, cfg.build_dir):
        # This run's entity row counts become the baseline the next run's shrink rule compares with. Marked before
        # the file is written so that the published audit.entity_row_counts already holds them: a second run on
        # the same data then publishes the same file. If publishing fails, the step fails and the next run
        # compares with these counts (those of the last run that passed its checks).
        with build_db.get_connection() as con:
            mark_published(con)
        report = publish(cfg.build_db, cfg.warehouse, as_of=cfg.as_of, run_id=context.run.run_id)
    table_md = "\n".join(["| table | rows |", "|---|---:|"] + [f"| {t} | {n:,} |" for t, n in report.tables.items()])
    context.log.info(f"published {len(report.tables)} tables to {report.path} ({report.bytes / 1e6:.1f} MB)")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(report.path)),
            "bytes": report.bytes,
            "tables": MetadataValue.md(table_md),
        }
    )
