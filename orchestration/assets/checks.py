"""The Great Expectations suites of the raw entities as Dagster asset checks (docs/data_quality.md).

One check per `raw/<entity>` asset, all evaluated by one step (one GX context, one pass over the build
database, after every selected raw asset). Each check is blocking: when an expectation of ERROR severity
fails, the step fails after reporting every entity's result, and Dagster skips whatever is downstream
in the same run - the dbt build, and with it every mart, commission and the publish step. A failure of
WARN severity is reported (yellow in the UI) and nothing waits for it.

All logic lives in `ingestion.validation`; this module only takes the write lock (the suites write
audit.validation_results and their scratch tables) and turns results into check results.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)
from dagster_duckdb import DuckDBResource

from ingestion.changes import UNCHANGED, ValidationPlan, plan_validation, record_validation
from ingestion.entities import ENTITY_NAMES
from ingestion.load import ensure_schemas
from orchestration.dbt_project import FULL_REBUILD_TAG
from orchestration.locking import BUILD_DB_POOL, writer_lock
from orchestration.resources import SalesperfSettings

if TYPE_CHECKING:
    from ingestion.validation import EntityValidation

# ingestion.validation is imported only when the checks run: importing great_expectations takes ~5 s, and
# every load of the Dagster definitions (UI, sensor ticks, CLI runs) would pay for it.
ERROR = "ERROR"  # == ingestion.validation.ERROR (tests/test_validation.py asserts it)

CHECK_NAME = "expectation_suite"


def check_key(entity: str) -> AssetCheckKey:
    return AssetCheckKey(AssetKey(["raw", entity]), CHECK_NAME)


def check_result(validation: "EntityValidation", plan: ValidationPlan | None = None) -> AssetCheckResult:
    """Passed when every expectation held; otherwise the severity of the worst failing expectation."""
    failed = validation.failed
    lines = ["| expectation | severity | columns | unexpected | % | sample |", "|---|---|---|---:|---:|---|"]
    for r in sorted(failed, key=lambda r: (r.rule.severity != ERROR, r.rule.name)):
        shown = ", ".join(str(v) for v in r.sample[:3]).replace("|", "/")[:120]
        note = "; ".join(r.details.get("exception", []))[:120].replace("|", "/").replace("\n", " ")
        lines.append(
            f"| {r.rule.name} | {r.rule.severity} | {', '.join(r.rule.columns)} | "
            f"{'' if r.unexpected_count is None else r.unexpected_count} | "
            f"{'' if r.unexpected_percent is None else f'{r.unexpected_percent:.3f}'} | "
            f"{shown or note} |"
        )
    metadata: dict[str, object] = {
        "expectations": len(validation.results),
        "failed_error": sum(r.rule.severity == ERROR for r in failed),
        "failed_warn": sum(r.rule.severity != ERROR for r in failed),
        "rows_validated": max((r.element_count or 0 for r in validation.results), default=0),
        "seconds": round(validation.seconds, 2),
        "results_table": "audit.validation_results",
    }
    if plan is not None:
        metadata |= {"validation_mode": plan.mode, "why": plan.reason}
    if failed:
        metadata["failing_expectations"] = MetadataValue.md("\n".join(lines))
    return AssetCheckResult(
        asset_key=AssetKey(["raw", validation.entity]),
        check_name=CHECK_NAME,
        passed=not failed,
        severity=AssetCheckSeverity.ERROR if validation.severity == ERROR else AssetCheckSeverity.WARN,
        metadata=metadata,
    )


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            CHECK_NAME,
            asset=AssetKey(["raw", e]),
            blocking=True,
            description=f"Great Expectations suite of raw.{e} (current rows): not-null, unique "
            "key, allowed values, ranges, plausible dates, references to other entities. An ERROR "
            "blocks the dbt build of this run; a WARN does not.",
        )
        for e in ENTITY_NAMES
    ],
    name="raw_expectation_suites",
    can_subset=True,
    pool=BUILD_DB_POOL,
)
def raw_expectation_suites(
    context: AssetCheckExecutionContext, settings: SalesperfSettings, build_db: DuckDBResource
) -> Iterator[AssetCheckResult]:
    cfg = settings.resolve()
    selected = context.selected_asset_check_keys
    entities = [e for e in ENTITY_NAMES if check_key(e) in selected]
    force_full = context.run.tags.get(FULL_REBUILD_TAG, "").lower() in ("1", "true", "yes")
    with writer_lock(cfg.build_dir), build_db.get_connection() as con:
        ensure_schemas(con)  # references read other raw tables, which a partial run may not have created
        plans = plan_validation(con, entities, as_of=cfg.as_of, force_full=force_full)
        to_run = [e for e in entities if plans[e].mode != UNCHANGED]
        results = {}
        if to_run:  # great_expectations is imported only when something is validated (~4 CPU-s)
            from ingestion.validation import validate_all

            since = {e: plans[e].since_file_seq for e in to_run if plans[e].since_file_seq is not None}
            results = validate_all(
                con, as_of=cfg.as_of, entities=to_run, run_id=context.run.run_id, since_file_seq=since
            )
        for entity in to_run:
            record_validation(con, plans[entity], as_of=cfg.as_of, passed=not results[entity].failed)
    for entity in entities:
        plan = plans[entity]
        if plan.mode == UNCHANGED:
            context.log.info(f"{entity}: unchanged since its last validation, which passed")
            yield AssetCheckResult(
                asset_key=AssetKey(["raw", entity]),
                check_name=CHECK_NAME,
                passed=True,
                metadata={"validation_mode": plan.mode, "why": plan.reason, "rows_validated": 0},
            )
            continue
        validation = results[entity]
        context.log.info(
            f"{entity}: {len(validation.results)} expectations, {len(validation.failed)} failed "
            f"(worst: {validation.severity or 'none'}) in {validation.seconds:.2f} s ({plan.mode}: {plan.reason})"
        )
        yield check_result(validation, plan)


expectation_checks = [raw_expectation_suites]
