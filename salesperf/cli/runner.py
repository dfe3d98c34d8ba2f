"""Running the whole job from the command line, with live progress, against the DAGSTER_HOME instance."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from salesperf.settings import PROJECT_ROOT, Settings

JOB_NAME = "salesperf_all"


@dataclass(frozen=True)
class RunOutcome:
    success: bool
    run_id: str
    seconds: float
    failure: str | None  # one sentence: which step failed and why
    log_path: Path  # everything the run printed (dbt's log lines included)


def prepare_instance(settings: Settings) -> None:
    """DAGSTER_HOME must exist and hold the project's dagster.yaml (run queue limits, telemetry)."""
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    source, target = PROJECT_ROOT / "dagster.yaml", settings.dagster_home / "dagster.yaml"
    if not target.exists() or target.read_bytes() != source.read_bytes():
        shutil.copyfile(source, target)


def _watch_progress(instance, run_id: str, total: int, stop: threading.Event, console: Console) -> None:
    """Polls the run's event log (written as the run goes) and draws materialized assets against total."""
    from dagster import DagsterEventType

    seen_steps: set[str] = set()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("starting", total=total)
        cursor, done, current = None, 0, None
        # Only the records written since the last poll (a cursor): re-reading the whole log twice a second cost
        # 20-40 ms of CPU per poll, 2-5 CPU-s per minute of run, in the process that runs the job (issue 13 item 6).
        while not stop.wait(1.0):
            while True:
                page = instance.get_records_for_run(
                    run_id,
                    cursor=cursor,
                    of_type={DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.STEP_START},
                    limit=500,
                )
                cursor = page.cursor
                for record in page.records:
                    event = record.event_log_entry.dagster_event
                    if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
                        done += 1
                    elif event.step_key and event.step_key not in seen_steps:
                        seen_steps.add(event.step_key)
                        current = event.step_key
                if not page.has_more:
                    break
            progress.update(
                task, completed=min(done, total), description=(current or progress.tasks[0].description)[:40]
            )
        progress.update(task, description="done")


def run_everything(settings: Settings, console: Console, *, full: bool = False) -> RunOutcome:
    """Run the whole job; `full` tags the run so that every step rebuilds everything (FULL_REBUILD_TAG)."""
    from dagster import DagsterInstance

    from orchestration.dbt_project import FULL_REBUILD_TAG, prepare_manifest

    prepare_instance(settings)
    prepare_manifest()
    from orchestration.definitions import defs  # imported after the manifest exists

    job = defs.resolve_job_def(JOB_NAME)
    total = len(defs.resolve_asset_graph().get_all_asset_keys())
    instance = DagsterInstance.get()
    run_id = str(uuid.uuid4())
    stop = threading.Event()
    # dagster-dbt echoes every dbt log line to stdout; send the run's output to a log file and keep the
    # terminal for the progress bar, which therefore draws on the real stdout captured here.
    terminal = Console(file=sys.stdout)
    watcher = threading.Thread(target=_watch_progress, args=(instance, run_id, total, stop, terminal), daemon=True)
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    log_path = settings.build_dir / "last_run.log"
    started = time.monotonic()
    watcher.start()
    try:
        with open(log_path, "w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
            result = job.execute_in_process(
                instance=instance,
                run_id=run_id,
                raise_on_error=False,
                tags={"salesperf/trigger": "cli", **({FULL_REBUILD_TAG: "true"} if full else {})},
                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            )
    finally:
        stop.set()
        watcher.join(timeout=5)
    failure = None
    if not result.success:
        failure = _failure_sentence(result)
    return RunOutcome(result.success, run_id, time.monotonic() - started, failure, log_path)


def _failure_sentence(result) -> str:
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            message = error.message.strip().splitlines()[0] if error and error.message else "unknown error"
            cause = error.cause if error else None
            while cause is not None:  # the innermost cause usually names the real problem
                if cause.message:
                    message = cause.message.strip().splitlines()[0]
                cause = cause.cause
            return f"step {event.step_key} failed: {message}"
    return "the run failed before any step started (see the Dagster UI, `salesperf ui`, for its log)"


def warehouse_summary(warehouse: Path) -> tuple[list[tuple[str, int]], int, int]:
    """(table, rows) of the published file, rejected rows, files ingested — read-only, as a BI tool would."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where schema_name in ('marts', 'audit') order by 1"
        ).fetchall()
        counts = [(name, con.execute(f"select count(*) from {name}").fetchone()[0]) for (name,) in tables]
        rejected = con.execute("select count(*) from audit.rejected_rows").fetchone()[0]
        files = con.execute("select count(*) from audit.ingested_files").fetchone()[0]
    finally:
        con.close()
    return counts, rejected, files
