"""The job, the daily schedule and the landing-folder sensor."""

from __future__ import annotations

import os
import time

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    in_process_executor,
    sensor,
)

from ingestion.landing_watch import (
    decode_cursor,
    encode_cursor,
    run_key_for,
    settled_changes,
    snapshot_landing,
)
from orchestration.run_guard import recover_dead_runs
from salesperf.settings import load_settings

# In-process execution: steps run one after another in one process, so exactly one of them holds the
# build database at a time (DuckDB has one writer). dagster.yaml allows one run at a time across runs.
salesperf_all_job = define_asset_job(
    "salesperf_all",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Ingest every landing folder, build all dbt models and tests, publish the warehouse.",
)

daily_schedule = ScheduleDefinition(
    name="salesperf_daily",
    job=salesperf_all_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Refresh everything at 06:00 China time, before the sales day starts.",
)

SETTLE_SECONDS = float(os.environ.get("SALESPERF_SENSOR_SETTLE_SECONDS", "30"))


@sensor(
    job=salesperf_all_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description="Starts a run when a landing file is added or changed and has settled "
    f"(untouched for SALESPERF_SENSOR_SETTLE_SECONDS, default {SETTLE_SECONDS:.0f} s).",
)
def landing_sensor(context: SensorEvaluationContext) -> SensorResult | SkipReason:
    landing_dir = load_settings().landing_dir
    previous = decode_cursor(context.cursor)
    cursor, changed = settled_changes(previous, snapshot_landing(landing_dir), time.time_ns(), SETTLE_SECONDS)
    if not changed:
        if cursor != previous:
            context.update_cursor(encode_cursor(cursor))
        return SkipReason(f"no settled new or changed files in {landing_dir}")
    preview = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    return SensorResult(
        run_requests=[
            RunRequest(
                run_key=run_key_for(changed, cursor),
                tags={"salesperf/trigger": "landing", "salesperf/files": preview[:200]},
            )
        ],
        cursor=encode_cursor(cursor),
    )


@sensor(
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Marks runs whose process is gone (killed by SIGKILL, out of memory, a reboot) as failed and frees "
    "their build_db pool slots, so the UI shows them failed and queued runs can start (orchestration/run_guard.py).",
)
def dead_run_sensor(context: SensorEvaluationContext) -> SkipReason:
    recovered = recover_dead_runs(context.instance, log=context.log.warning)
    return SkipReason(f"recovered {len(recovered)} dead run(s)" if recovered else "no dead runs")
