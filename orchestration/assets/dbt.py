"""The dbt models as Dagster assets; `dbt build` runs models and their tests (tests become asset checks).

Two selections of one dbt project, as dagster-open-platform splits its dbt assets: the core models (everything but
the risk alerts), then the risk-alert models (tag `risk_alerts`: staging/forecasting, intermediate/alerts,
marts/alerts), which read the forecasting asset's tables (source `forecasting`, mapped to that asset with
meta.dagster.asset_key). Dagster therefore runs dbt core -> forecasting -> dbt alerts.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_duckdb import DuckDBResource

from ingestion.audit import record_held_rows
from orchestration.dbt_project import PIPELINE_BUILD_ARGS, salesperf_dbt_project
from orchestration.locking import BUILD_DB_POOL, step_lock
from orchestration.resources import SalesperfSettings
from salesperf.settings import scoped_environ

RISK_ALERTS_SELECTION = "tag:risk_alerts"


class SalesperfDbtTranslator(DagsterDbtTranslator):
    """Groups dbt models by layer (staging / intermediate / marts), the schema they build into."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("config", {}).get("schema") or super().get_group_name(dbt_resource_props)


# Several config.* source tables map to one config/<file> asset (meta.dagster.asset_key).
_TRANSLATOR = SalesperfDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))


def _build(context: AssetExecutionContext, dbt: DbtCliResource, settings: SalesperfSettings) -> Iterator[Any]:
    cfg = settings.resolve()
    # dbt runs as a subprocess that inherits this environment: profiles.yml reads the build database
    # path, and the as_of_date() macro reads the as-of date, from it.
    with step_lock(context, cfg.build_dir), scoped_environ(cfg.dbt_env()):
        yield from dbt.cli(PIPELINE_BUILD_ARGS, context=context).stream()


@dbt_assets(
    manifest=salesperf_dbt_project.manifest_path,
    project=salesperf_dbt_project,
    exclude=RISK_ALERTS_SELECTION,
    dagster_dbt_translator=_TRANSLATOR,
    pool=BUILD_DB_POOL,
)
def salesperf_dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, settings: SalesperfSettings, build_db: DuckDBResource
) -> Iterator[Any]:
    yield from _build(context, dbt, settings)
    # audit.held_rows (dbt) -> audit.ingested_files.rows_held: rows read = accepted + rejected + held per file
    with step_lock(context, settings.resolve().build_dir), build_db.get_connection() as con:
        held = record_held_rows(con)
    context.log.info(f"{held} rows held out of credit and commission (audit.held_rows)")


@dbt_assets(
    manifest=salesperf_dbt_project.manifest_path,
    project=salesperf_dbt_project,
    select=RISK_ALERTS_SELECTION,
    name="salesperf_dbt_risk_alerts",
    dagster_dbt_translator=_TRANSLATOR,
    pool=BUILD_DB_POOL,
)
def salesperf_dbt_risk_alerts(
    context: AssetExecutionContext, dbt: DbtCliResource, settings: SalesperfSettings
) -> Iterator[Any]:
    yield from _build(context, dbt, settings)


dbt_asset_definitions = [salesperf_dbt_models, salesperf_dbt_risk_alerts]
