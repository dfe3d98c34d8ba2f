"""Running the whole job from the command line, with live progress, against the DAGSTER_HOME instance."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator
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
    canceled: bool = False  # stopped by SIGTERM, SIGHUP or Ctrl-C; recorded as canceled


def prepare_instance(settings: Settings) -> None:
    """DAGSTER_HOME must exist and hold the project's dagster.yaml (run queue limits, run monitoring, telemetry),
    replaced atomically: another salesperf process may be reading it."""
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    source, target = PROJECT_ROOT / "dagster.yaml", settings.dagster_home / "dagster.yaml"
    if not target.exists() or target.read_bytes() != source.read_bytes():
        staging = target.with_name(f".dagster.yaml.{os.getpid()}")
        shutil.copyfile(source, staging)
        staging.replace(target)


def open_instance(settings: Settings):  # noqa: ANN201 - a DagsterInstance (imported late: dagster is slow to import)
    """The DAGSTER_HOME instance. Its SQLite storages create their tables on first use, and two processes doing
    that at once fail ("table secondary_indexes already exists"): two runs started together on a new DAGSTER_HOME
    would. The first use is therefore serialized by a file lock."""
    import fcntl

    from dagster import DagsterInstance

    with open(settings.dagster_home / ".salesperf-instance.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            instance = DagsterInstance.get()
            instance.get_runs(limit=1)  # run storage
            instance.event_log_storage.get_concurrency_keys()  # event log storage (index shard)
            instance.all_instigator_state()  # schedule storage
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return instance


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


@contextlib.contextmanager
def _stops_cleanly(instance, run_id: str, stopped: list[str]) -> Iterator[None]:
    """SIGTERM, SIGHUP and Ctrl-C stop the run cleanly - Dagster ends the step (dbt gets SIGINT), the writer lock
    is released - and the run is recorded as canceled, not failed.

    Dagster installs its own SIGINT handler (and maps SIGTERM to it) while it executes, so a handler of ours would
    not be called; but every caught signal is also written to the wakeup fd, which a thread here watches. On the
    first stop signal it marks the run CANCELING (how Dagster tells a cancellation from a crash) and, until the run
    has ended, hands the interrupt to the main thread again every few seconds: a library may swallow one (dagster-dbt
    does while it loads dbt's adapter, and around each line it reads from dbt)."""
    import _thread

    from dagster import DagsterRunStatus

    stops = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    ended = threading.Event()
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)

    def watch() -> None:
        while data := os.read(read_end, 64):
            caught = [signal.Signals(b) for b in data if b in stops]
            if not caught or stopped:
                stopped.extend(sig.name for sig in caught)
                continue
            stopped.extend(sig.name for sig in caught)
            run = instance.get_run_by_id(run_id)
            if run is not None and run.status in (DagsterRunStatus.STARTING, DagsterRunStatus.STARTED):
                instance.report_run_canceling(run, message=f"salesperf run received {stopped[0]}: stopping")
            for _ in range(24):
                if ended.wait(5):
                    return
                _thread.interrupt_main(signal.SIGINT)

    # Until Dagster takes them over, SIGTERM and SIGHUP interrupt like Ctrl-C (KeyboardInterrupt).
    previous = {sig: signal.signal(sig, signal.default_int_handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    watcher = threading.Thread(target=watch, name="salesperf-stop", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        ended.set()
        signal.set_wakeup_fd(previous_fd)
        for sig, old in previous.items():
            signal.signal(sig, old)
        os.close(write_end)  # the watcher's read returns b"": it ends
        watcher.join(timeout=10)
        os.close(read_end)


def _children() -> list[int]:
    """Processes this process started that still run (from /proc; empty where there is none)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _end_children(grace_seconds: float = 10.0) -> None:
    """After a stopped run, what it started and did not wait for (a `dbt --version` interrupted mid-way) ends too."""
    for signum in (signal.SIGTERM, signal.SIGKILL):
        for pid in _children():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
        deadline = time.monotonic() + grace_seconds
        while _children() and time.monotonic() < deadline:
            time.sleep(0.2)


def _record_cancellation(instance, run_id: str, stopped: list[str]) -> bool:
    """True when the run was stopped by a signal; a run Dagster recorded as failed by an interrupt (Ctrl-C, whose
    handler is Dagster's own) is recorded as canceled instead."""
    from dagster import DagsterRunStatus
    from dagster._core.storage.tags import RUN_FAILURE_REASON_TAG

    run = instance.get_run_by_id(run_id)
    if run is None:
        return bool(stopped)
    interrupted = run.tags.get(RUN_FAILURE_REASON_TAG) == "UNEXPECTED_TERMINATION"
    if run.status == DagsterRunStatus.FAILURE and (interrupted or stopped):
        instance.report_run_canceled(run, f"salesperf run stopped by {stopped[-1] if stopped else 'SIGINT (Ctrl-C)'}")
        return True
    return run.status == DagsterRunStatus.CANCELED


def run_everything(
    settings: Settings, console: Console, *, accept_data_quality: bool = False, full: bool = False
) -> RunOutcome:
    """Run the whole job; `full` tags the run so that every step rebuilds everything (FULL_REBUILD_TAG)."""
    from orchestration import run_guard
    from orchestration.dbt_project import FULL_REBUILD_TAG, prepare_manifest

    prepare_instance(settings)
    prepare_manifest()
    from orchestration.definitions import defs  # imported after the manifest exists

    job = defs.resolve_job_def(JOB_NAME)
    total = len(defs.resolve_asset_graph().get_all_asset_keys())
    instance = open_instance(settings)
    # Before the run exists: say on the terminal what it waits for (the run's own guard waits again, logged).
    run_guard.wait_for_runs(instance, log=lambda message: console.print(f"[yellow]{message}[/yellow]"))
    # dagster-dbt echoes every dbt log line to stdout; send the run's output to a log file and keep the
    # terminal for the progress bar, which therefore draws on the real stdout captured here. (Dagster's console
    # log, warnings and errors - a wait for another run, a quarantine, a block - goes to stderr.)
    terminal = Console(file=sys.stdout)
    run_id = str(uuid.uuid4())
    tags = {"salesperf/trigger": "cli", **run_guard.process_tags()}
    if accept_data_quality:
        tags["salesperf/accept_data_quality"] = "true"
    if full:
        tags[FULL_REBUILD_TAG] = "true"
    stopped: list[str] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_progress, args=(instance, run_id, total, stop, terminal), daemon=True)
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    log_path = settings.build_dir / "last_run.log"
    started = time.monotonic()
    watcher.start()
    try:
        with (
            open(log_path, "w", encoding="utf-8") as log,
            contextlib.redirect_stdout(log),
            _stops_cleanly(instance, run_id, stopped),
        ):
            result = job.execute_in_process(
                instance=instance,
                run_id=run_id,
                raise_on_error=False,
                tags=tags,
                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            )
    finally:
        stop.set()
        watcher.join(timeout=5)
    failure = None
    canceled = False
    if not result.success:
        canceled = _record_cancellation(instance, run_id, stopped)
        if canceled:
            _end_children()
        failure = (
            f"the run was stopped ({stopped[-1] if stopped else 'Ctrl-C'}) and recorded as canceled; "
            "the published warehouse is unchanged"
            if canceled
            else _failure_sentence(result)
        )
    return RunOutcome(result.success, run_id, time.monotonic() - started, failure, log_path, canceled)


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
            # a Failure raised on purpose (a data-quality block) is a message, not an exception class
            message = message.removeprefix("dagster._core.definitions.events.Failure: ")
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
