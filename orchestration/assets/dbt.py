"""The dbt models as Dagster assets; `dbt build` runs models and their tests (tests become asset checks).

Each build is full or incremental (ingestion/changes.py decides, dbt_project/macros/incremental.sql does it);
the line-level models' materializations say which, why, and which months were rebuilt.
"""

import json
from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetObservation, MetadataValue, Output
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_duckdb import DuckDBResource

from ingestion.changes import BuildPlan, plan_build, record_build
from orchestration.dbt_checks import OneCheckPerModelTranslator, stream_with_model_checks
from orchestration.dbt_project import FULL_REBUILD_TAG, PIPELINE_BUILD_ARGS, dbt_code_hash, salesperf_dbt_project
from orchestration.locking import BUILD_DB_POOL, writer_lock
from orchestration.resources import SalesperfSettings
from salesperf.settings import scoped_environ

# The models built incrementally by order month (config materialized=line_materialization()), and the model
# listing the months a build recomputes in them.
INCREMENTAL_MODELS = ("int_order_lines_enriched", "fct_sales")
TOUCHED_MONTHS = "intermediate.int_build_touched_months"


class SalesperfDbtTranslator(OneCheckPerModelTranslator):
    """Groups dbt models by layer (staging / intermediate / marts), the schema they build into; one `dbt_tests`
    check per model (orchestration/dbt_checks.py)."""

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
    force_full = context.run.tags.get(FULL_REBUILD_TAG, "").lower() in ("1", "true", "yes")
    # dbt runs as a subprocess that inherits this environment: profiles.yml reads the build database
    # path, and the as_of_date() macro reads the as-of date, from it.
    with writer_lock(cfg.build_dir), scoped_environ(cfg.dbt_env()):
        with build_db.get_connection() as con:
            plan = plan_build(con, as_of=cfg.as_of, code_hash=dbt_code_hash(), force_full=force_full)
        context.log.info(f"dbt build: {plan.mode} ({plan.reason})")
        args = [*PIPELINE_BUILD_ARGS, *(["--full-refresh"] if plan.full else ["--vars", json.dumps(plan.dbt_vars())])]
        invocation = dbt.cli(args, context=context)
        extra = _plan_metadata(plan)
        models = []
        for event in stream_with_model_checks(invocation, context):
            if isinstance(event, Output) and event.output_name.rsplit("__", 1)[-1] in INCREMENTAL_MODELS:
                models.append(context.asset_key_for_output(event.output_name))
                event = event.with_metadata({**event.metadata, **extra})
            yield event
        with build_db.get_connection() as con:  # dbt has exited: the database is ours again
            months = [r[0] for r in con.execute(f"select order_month from {TOUCHED_MONTHS} order by 1").fetchall()]
            record_build(con, plan)
        # Which months were recomputed is known only now (outputs must be yielded in dependency order, while dbt
        # holds the database): an observation on each incremental model, shown beside its materialization.
        shown = ", ".join(m.strftime("%Y-%m") for m in months[:60]) + (" ..." if len(months) > 60 else "")
        for key in models:
            yield AssetObservation(
                asset_key=key,
                metadata={
                    "build_mode": plan.mode,
                    "months_recomputed": len(months),
                    "months": MetadataValue.text(shown),
                },
            )


def _plan_metadata(plan: BuildPlan) -> dict[str, Any]:
    """What the incremental models' materializations show in the UI: full or incremental, why, what was new."""
    return {
        "build_mode": plan.mode,
        "build_reason": plan.reason,
        "new_rows_since_last_build": MetadataValue.json(plan.new_rows),
        "since_file_seq": plan.since_file_seq,
    }
