"""The dbt models as Dagster assets; `dbt build` runs models and their tests (one `dbt_tests` check per model).

Two selections of one dbt project, as dagster-open-platform splits its dbt assets: the core models (everything but
the risk alerts), then the risk-alert models (tag `risk_alerts`: staging/forecasting, intermediate/alerts,
marts/alerts), which read the forecasting asset's tables (source `forecasting`, mapped to that asset with
meta.dagster.asset_key). Dagster therefore runs dbt core -> forecasting -> dbt alerts.

Each core build is full or incremental (ingestion/changes.py decides, dbt_project/macros/incremental.sql does it);
the line-level models' materializations say which, why, and which months were rebuilt. The risk-alert models are
small tables rebuilt on every run.
"""

import os
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetObservation, MetadataValue, Output
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_duckdb import DuckDBResource

from ingestion.audit import record_held_rows
from ingestion.changes import BuildPlan, plan_build, record_build
from orchestration.dbt_checks import OneCheckPerModelTranslator, stream_with_model_checks
from orchestration.dbt_project import FULL_REBUILD_TAG, PIPELINE_BUILD_ARGS, dbt_code_hash, salesperf_dbt_project
from orchestration.locking import BUILD_DB_POOL, step_lock
from orchestration.resources import SalesperfSettings
from salesperf.settings import scoped_environ

RISK_ALERTS_SELECTION = "tag:risk_alerts"
# The models built incrementally by order month (config materialized=line_materialization()), and the model
# listing the months a build recomputes in them.
INCREMENTAL_MODELS = ("int_order_lines_enriched", "fct_sales")
TOUCHED_MONTHS = "intermediate.int_build_touched_months"


class SalesperfDbtTranslator(OneCheckPerModelTranslator):
    """Groups dbt models by layer (staging / intermediate / marts), the schema they build into; one `dbt_tests`
    check per model (orchestration/dbt_checks.py)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("config", {}).get("schema") or super().get_group_name(dbt_resource_props)


# Several config.* source tables map to one config/<file> asset (meta.dagster.asset_key).
_TRANSLATOR = SalesperfDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))


# dbt's saved parse of the project, kept between builds (see _target_path).
PARTIAL_PARSE = "partial_parse.msgpack"


def _saved_parse_dir() -> Path:
    """dbt_project/target (absolute: dbt resolves a relative target path against the project, not our cwd)."""
    return Path(salesperf_dbt_project.project_dir) / salesperf_dbt_project.target_path


def _target_path(context: AssetExecutionContext) -> Path:
    """A target folder of this invocation's own (as dagster-dbt makes one: concurrent runs never share dbt's
    artifacts), seeded with the last build's saved parse. dagster-dbt's fresh folder has none, so every build
    parsed the whole project again: ~6 CPU-s more per invocation than a partial parse, two invocations a run.
    dbt re-parses what changed (files, environment variables they read; everything when the profile, e.g. the
    build database's path, or the dbt version changed), so a stale copy costs a full parse, never a wrong one."""
    root = _saved_parse_dir()
    target = root / f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
    target.mkdir(parents=True, exist_ok=True)
    if (root / PARTIAL_PARSE).exists():
        shutil.copyfile(root / PARTIAL_PARSE, target / PARTIAL_PARSE)
    return target


def _keep_parse(target: Path) -> None:
    """The invocation's parse becomes the next one's starting point (replaced atomically: runs may overlap)."""
    parsed, root = target / PARTIAL_PARSE, _saved_parse_dir()
    if parsed.exists():
        scratch = root / f".{PARTIAL_PARSE}.{os.getpid()}"
        shutil.copyfile(parsed, scratch)
        os.replace(scratch, root / PARTIAL_PARSE)


def _stream(
    context: AssetExecutionContext, dbt: DbtCliResource, args: Sequence[str], extra: Mapping[str, Any]
) -> Iterator[Any]:
    """dbt's events with the tests folded into one check per model; `extra` metadata on the incremental models'
    materializations."""
    invocation = dbt.cli(list(args), context=context, target_path=_target_path(context))
    for event in stream_with_model_checks(invocation, context):
        if extra and isinstance(event, Output) and event.output_name.rsplit("__", 1)[-1] in INCREMENTAL_MODELS:
            event = event.with_metadata({**event.metadata, **extra})
        yield event
    if invocation.is_successful():
        _keep_parse(invocation.target_path)


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
    cfg = settings.resolve()
    force_full = context.run.tags.get(FULL_REBUILD_TAG, "").lower() in ("1", "true", "yes")
    # dbt runs as a subprocess that inherits this environment: profiles.yml reads the build database
    # path, and the as_of_date() macro reads the as-of date, from it.
    with step_lock(context, cfg.build_dir), scoped_environ(cfg.dbt_env()):
        with build_db.get_connection() as con:
            plan = plan_build(con, as_of=cfg.as_of, code_hash=dbt_code_hash(), force_full=force_full)
        context.log.info(f"dbt build: {plan.mode} ({plan.reason})")
        args = [*PIPELINE_BUILD_ARGS, *(["--full-refresh"] if plan.full else [])]
        models = []
        with scoped_environ(plan.dbt_env()):  # the watermark (macros/incremental.sql)
            for event in _stream(context, dbt, args, _plan_metadata(plan)):
                if isinstance(event, Output) and event.output_name.rsplit("__", 1)[-1] in INCREMENTAL_MODELS:
                    models.append(context.asset_key_for_output(event.output_name))
                yield event
        with build_db.get_connection() as con:  # dbt has exited: the database is ours again
            months = [r[0] for r in con.execute(f"select order_month from {TOUCHED_MONTHS} order by 1").fetchall()]
            record_build(con, plan)
            # audit.held_rows (dbt) -> audit.ingested_files.rows_held: rows read = accepted + rejected + held
            held = record_held_rows(con)
    context.log.info(f"{held} rows held out of credit and commission (audit.held_rows)")
    # Which months were recomputed is known only now (outputs must be yielded in dependency order, while dbt
    # holds the database): an observation on each incremental model, shown beside its materialization.
    shown = ", ".join(m.strftime("%Y-%m") for m in months[:60]) + (" ..." if len(months) > 60 else "")
    for key in models:
        yield AssetObservation(
            asset_key=key,
            metadata={"build_mode": plan.mode, "months_recomputed": len(months), "months": MetadataValue.text(shown)},
        )


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
    cfg = settings.resolve()
    with step_lock(context, cfg.build_dir), scoped_environ(cfg.dbt_env()):
        yield from _stream(context, dbt, PIPELINE_BUILD_ARGS, {})


dbt_asset_definitions = [salesperf_dbt_models, salesperf_dbt_risk_alerts]


def _plan_metadata(plan: BuildPlan) -> dict[str, Any]:
    """What the incremental models' materializations show in the UI: full or incremental, why, what was new."""
    return {
        "build_mode": plan.mode,
        "build_reason": plan.reason,
        "new_rows_since_last_build": MetadataValue.json(plan.new_rows),
        "since_file_seq": plan.since_file_seq,
    }
