"""The dbt models as Dagster assets; `dbt build` runs models and their tests (tests become asset checks)."""

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


class SalesperfDbtTranslator(DagsterDbtTranslator):
    """Groups dbt models by layer (staging / intermediate / marts), the schema they build into."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("config", {}).get("schema") or super().get_group_name(dbt_resource_props)


@dbt_assets(
    manifest=salesperf_dbt_project.manifest_path,
    project=salesperf_dbt_project,
    # Several config.* source tables map to one config/<file> asset (meta.dagster.asset_key).
    dagster_dbt_translator=SalesperfDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True)
    ),
    pool=BUILD_DB_POOL,
)
def salesperf_dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, settings: SalesperfSettings, build_db: DuckDBResource
) -> Iterator[Any]:
    cfg = settings.resolve()
    # dbt runs as a subprocess that inherits this environment: profiles.yml reads the build database
    # path, and the as_of_date() macro reads the as-of date, from it.
    with step_lock(context, cfg.build_dir):
        with scoped_environ(cfg.dbt_env()):
            yield from dbt.cli(PIPELINE_BUILD_ARGS, context=context).stream()
        # audit.held_rows (dbt) -> audit.ingested_files.rows_held: rows read = accepted + rejected + held per file
        with build_db.get_connection() as con:
            held = record_held_rows(con)
        context.log.info(f"{held} rows held out of credit and commission (audit.held_rows)")
