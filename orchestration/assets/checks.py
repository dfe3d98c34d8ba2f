"""The Great Expectations suites of the raw entities and the data-quality assessment as Dagster asset checks
(docs/data_quality.md).

One check per `raw/<entity>` asset, all evaluated by one step (one GX context, one pass over the build
database, after every selected raw asset). The step then assesses what ingestion and the suites found
(`ingestion.quality`): rows quarantined, rows held for an unknown rep, warnings - and whether any of it is
systemic by the thresholds of pipeline.yml. Only a systemic finding blocks: its entity's check fails at ERROR
severity and the step fails with a message naming the rule, the count and an example row, so Dagster skips
what is downstream in the same run - the dbt build, the marts, commissions and the publish step (the published
warehouse keeps the last run that was not blocked). Any other failing expectation is reported at WARN (yellow
in the UI) and the run goes on. A run tagged `salesperf/accept_data_quality=true` (`salesperf run
--accept-data-quality`) records blocking findings as accepted and publishes.

All logic lives in `ingestion.validation` and `ingestion.quality`; this module only takes the write lock (the
suites write audit.validation_results and their scratch tables) and turns results into check results.
"""

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    Failure,
    MetadataValue,
    multi_asset_check,
)
from dagster_duckdb import DuckDBResource

from ingestion import quality
from ingestion.changes import UNCHANGED, ValidationPlan, plan_validation, record_validation
from ingestion.entities import ENTITY_NAMES
from ingestion.load import ensure_schemas
from orchestration.dbt_project import FULL_REBUILD_TAG
from orchestration.locking import BUILD_DB_POOL, step_lock
from orchestration.resources import SalesperfSettings
from salesperf.config.files import load_config
from salesperf.config.pipeline import PipelineConfig

if TYPE_CHECKING:
    from ingestion.validation import EntityValidation

# ingestion.validation is imported only when the checks run: importing great_expectations takes ~5 s, and
# every load of the Dagster definitions (UI, sensor ticks, CLI runs) would pay for it.
ERROR = "ERROR"  # == ingestion.validation.ERROR (tests/test_validation.py asserts it)

CHECK_NAME = "expectation_suite"
ACCEPT_TAG = "salesperf/accept_data_quality"  # "true": blocking findings are accepted for this run


def check_key(entity: str) -> AssetCheckKey:
    return AssetCheckKey(AssetKey(["raw", entity]), CHECK_NAME)


def check_result(
    validation: "EntityValidation",
    findings: list[quality.Finding] | None = None,
    plan: ValidationPlan | None = None,
) -> AssetCheckResult:
    """Passed when every expectation held and nothing blocks; ERROR severity only when a finding of the entity
    blocks the run (a systemic failure), else WARN."""
    failed = validation.failed
    findings = findings or []
    blocking = [f for f in findings if f.severity == quality.BLOCK]
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
        "rows_validated": validation.rows_validated
        if validation.rows_validated is not None
        else max((r.element_count or 0 for r in validation.results), default=0),
        "seconds": round(validation.seconds, 2),
        "results_table": "audit.validation_results",
    }
    if plan is not None:
        metadata |= {"validation_mode": plan.mode, "why": plan.reason}
    if failed:
        metadata["failing_expectations"] = MetadataValue.md("\n".join(lines))
    if findings:
        metadata["data_quality"] = MetadataValue.md(
            "\n".join(
                ["| rule | severity | rows | example |", "|---|---|---:|---|"]
                + [
                    f"| {f.rule} | {f.severity} | {'' if f.rows is None else f.rows} | "
                    f"{f.where().replace('|', '/')[:160]} |"
                    for f in findings
                ]
            )
        )
        metadata["rows_quarantined"] = sum(f.rows or 0 for f in findings if f.severity == quality.QUARANTINE)
        metadata["rows_held"] = sum(f.rows or 0 for f in findings if f.severity == quality.HOLD)
    return AssetCheckResult(
        asset_key=AssetKey(["raw", validation.entity]),
        check_name=CHECK_NAME,
        passed=not failed and not blocking,
        severity=AssetCheckSeverity.ERROR if blocking else AssetCheckSeverity.WARN,
        metadata=metadata,
        description="; ".join(f.message for f in blocking) or None,
    )


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            CHECK_NAME,
            asset=AssetKey(["raw", e]),
            blocking=True,
            description=f"Great Expectations suite of raw.{e} (current rows): not-null, unique "
            "key, allowed values, ranges, plausible dates, references to other entities; then the run's "
            "data-quality findings. Only a systemic finding (pipeline.yml thresholds) fails at ERROR and "
            "blocks the dbt build of this run; anything else is a WARN.",
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
    config = load_config(cfg.config_dir / "pipeline.yml", PipelineConfig) or PipelineConfig()
    accept = context.run.tags.get(ACCEPT_TAG, "").lower() == "true"
    force_full = context.run.tags.get(FULL_REBUILD_TAG, "").lower() in ("1", "true", "yes")
    with (
        step_lock(context, cfg.build_dir),
        build_db.get_connection() as con,
    ):
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
        assessment = quality.assess(con, config.data_quality, accept=accept)
        quality.store(con, assessment, run_id=context.run.run_id, checked_at=dt.datetime.now())
    for entity in entities:
        plan = plans[entity]
        if plan.mode == UNCHANGED:
            context.log.info(f"{entity}: unchanged since its last validation, which passed")
            # the expectations still hold; a systemic finding of this run (ingestion.quality) still blocks
            blocking = [f for f in assessment.findings if f.entity == entity and f.severity == quality.BLOCK]
            yield AssetCheckResult(
                asset_key=AssetKey(["raw", entity]),
                check_name=CHECK_NAME,
                passed=not blocking,
                severity=AssetCheckSeverity.ERROR if blocking else AssetCheckSeverity.WARN,
                metadata={"validation_mode": plan.mode, "why": plan.reason, "rows_validated": 0},
                description="; ".join(f.message for f in blocking) or None,
            )
            continue
        validation = results[entity]
        context.log.info(
            f"{entity}: {len(validation.results)} expectations, {len(validation.failed)} failed "
            f"(worst: {validation.severity or 'none'}) in {validation.seconds:.2f} s ({plan.mode}: {plan.reason})"
        )
        yield check_result(validation, [f for f in assessment.findings if f.entity == entity], plan)
    for finding in assessment.findings:
        if finding.severity in (quality.BLOCK, quality.ACCEPTED):
            context.log.error(f"{finding.message}; e.g. {finding.where()}")
        elif finding.severity != quality.WARN:
            context.log.warning(f"{finding.message}; e.g. {finding.where()}")
    if assessment.blocking:
        raise Failure(description=assessment.block_message(), allow_retries=False)


expectation_checks = [raw_expectation_suites]
