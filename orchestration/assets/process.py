"""The training effect (培训效果评估) as a thin asset after dbt: statsmodels fits on the panel dbt builds.

dbt decides who is compared with whom (intermediate.int_training_panel, int_training_assessments); the fits
and the verdict rule run in forecasting.training_tables, which replaces marts.fct_training_effect.
"""

# No `from __future__ import annotations` here: Dagster inspects the `context` annotation at definition time.

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset
from dagster_duckdb import DuckDBResource

from orchestration.locking import BUILD_DB_POOL, step_lock
from orchestration.resources import SalesperfSettings

TRAINING_EFFECT_KEY = AssetKey(["marts", "fct_training_effect"])


@asset(
    key=TRAINING_EFFECT_KEY,
    deps=[
        AssetKey(["intermediate", "int_training_panel"]),
        AssetKey(["intermediate", "int_training_assessments"]),
        AssetKey(["staging", "stg_config__process_settings"]),
    ],
    group_name="marts",
    kinds={"duckdb", "python"},
    pool=BUILD_DB_POOL,
    description="Training effectiveness per course and topic: difference in differences (statsmodels OLS, rep "
    "and month fixed effects, errors clustered by rep) on net sales, win rate and attainment, the assessment "
    "score against later attainment, and a verdict (docs/process_analytics.md).",
)
def fct_training_effect(
    context: AssetExecutionContext, settings: SalesperfSettings, build_db: DuckDBResource
) -> MaterializeResult:
    from forecasting.training_tables import write_training_effect

    cfg = settings.resolve()
    with step_lock(context, cfg.build_dir), build_db.get_connection() as con:
        result = write_training_effect(con, cfg.as_of)
    context.log.info(f"training effect: {result.rows} rows for {result.groups} groups in {result.seconds:.1f} s")
    return MaterializeResult(
        metadata={
            "rows": result.rows,
            "groups": result.groups,
            "seconds": round(result.seconds, 2),
            "verdicts": MetadataValue.json(result.verdicts),
        }
    )


process_assets = [fct_training_effect]
