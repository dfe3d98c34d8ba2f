"""A crash never wedges the next run (issue 12 item 4), with real `salesperf run` processes: two runs started at once
(the second waits, visibly, and neither corrupts the other), and runs killed with SIGKILL - their whole process
group, as an OOM kill, a reboot or a stopped container does - during ingestion and during the dbt build. The
published file stays as it was through each crash, the next run recovers the dead runs (marked failed, pool slots
freed) instead of waiting for them for ever, and what it publishes equals, mart by mart, what a clean run
publishes. SIGTERM stops a run cleanly: dbt ends, the writer lock is released, the run is recorded as canceled."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.company import COMPANY_AS_OF, COMPANY_SCALE, PROJECT_ROOT, fingerprint

pytestmark = pytest.mark.slow  # three whole-pipeline runs and three partial ones, as separate processes

SALESPERF = Path(sys.executable).with_name("salesperf")


def _env(root: Path, landing: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SALESPERF_LANDING_DIR": str(landing),
        "SALESPERF_CONFIG_DIR": str(PROJECT_ROOT / "config"),
        "SALESPERF_WAREHOUSE": str(root / "warehouse" / "salesperf.duckdb"),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "SALESPERF_AS_OF": COMPANY_AS_OF.isoformat(),
        "SALESPERF_WAIT_TIMEOUT": "3000",
    }


def _start(root: Path, landing: Path, name: str) -> tuple[subprocess.Popen, Path]:
    log = root / f"{name}.out"
    earlier = _run_ids(root)
    with open(log, "w") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [str(SALESPERF), "run"],
            env=_env(root, landing),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.earlier_runs = earlier  # type: ignore[attr-defined]
    return process, log


def _instance(root: Path):
    from dagster import DagsterInstance

    return DagsterInstance.from_config(str(root / "dagster_home"))


def _run_ids(root: Path) -> set[str]:
    if not (root / "dagster_home").exists():
        return set()
    with _instance(root) as instance:
        return {r.run_id for r in instance.get_runs()}


def _wait_for_step(root: Path, process: subprocess.Popen, step: str, timeout: float = 1200) -> str:
    """Wait until the newest run of `root`'s instance, started by `process` (not one of the runs before it), has
    started `step`; returns its run id. (The newest run before the process creates its own is an earlier one,
    which may have started `step` long ago.)"""
    earlier = process.earlier_runs  # type: ignore[attr-defined]
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert process.poll() is None, "the run ended before it reached " + step
        if (root / "dagster_home").exists():
            from dagster import DagsterEventType

            with _instance(root) as instance:
                runs = [r for r in instance.get_runs(limit=1) if r.run_id not in earlier]
                if runs:
                    started = {
                        r.dagster_event.step_key
                        for r in instance.all_logs(runs[0].run_id, of_type=DagsterEventType.STEP_START)
                    }
                    if step in started:
                        return runs[0].run_id
        time.sleep(0.5)
    raise AssertionError(f"{step} did not start within {timeout} s")


def _wait_for_dbt(process: subprocess.Popen) -> None:
    """Until dbt's own process runs in the run's process group, and a few seconds more (models being built)."""
    deadline = time.time() + 600
    while not subprocess.run(["pgrep", "-g", str(process.pid), "-f", "bin/dbt build"], capture_output=True).stdout:
        assert process.poll() is None and time.time() < deadline, "dbt never started"
        time.sleep(0.5)
    time.sleep(5)


def _still_running(group: int, grace_seconds: float = 30) -> list[str]:
    """Processes of a process group that have not exited `grace_seconds` later (zombies waiting for a parent that
    died do not count; dbt's multiprocessing resource tracker takes a moment to notice dbt is gone)."""
    deadline = time.time() + grace_seconds
    while True:
        out = subprocess.run(["ps", "-o", "stat=,args=", "-g", str(group)], capture_output=True, text=True).stdout
        running = [line for line in out.splitlines() if line.strip() and not line.strip().startswith("Z")]
        if not running or time.time() > deadline:
            return running
        time.sleep(1)


def _kill_group(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


def _marts(warehouse: Path) -> dict[str, tuple[int, int]]:
    return fingerprint(warehouse, ("marts",))


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    from salesperf.demo import generate_demo_data

    landing = tmp_path_factory.mktemp("crash_landing") / "landing"
    generate_demo_data(landing, scale=COMPANY_SCALE, seed=7, as_of=COMPANY_AS_OF)
    return landing


@pytest.fixture(scope="module")
def clean(tmp_path_factory, landing, dbt_manifest) -> Path:
    """Two runs started at once on a fresh warehouse: the reference a crashed warehouse must end up equal to."""
    root = tmp_path_factory.mktemp("clean")
    first, first_log = _start(root, landing, "first")
    second, second_log = _start(root, landing, "second")
    assert first.wait(timeout=3000) == 0, first_log.read_text()[-3000:]
    assert second.wait(timeout=3000) == 0, second_log.read_text()[-3000:]
    return root


def test_two_runs_at_once_one_waits_visibly_and_neither_corrupts(clean):
    outputs = [(clean / f"{name}.out").read_text() for name in ("first", "second")]
    waited = [o for o in outputs if "waiting for run " in o]
    assert len(waited) == 1, outputs  # exactly one of them waited for the other, and said so
    line = next(x for x in waited[0].splitlines() if "waiting for run " in x)
    assert " started " in line and "(pid " in line and "to finish" in line
    from dagster import DagsterRunStatus

    with _instance(clean) as instance:
        runs = instance.get_run_records()
        assert [r.dagster_run.status for r in runs] == [DagsterRunStatus.SUCCESS] * 2
        # serialized whole: the later run started its first step after the earlier one ended
        earlier, later = sorted(runs, key=lambda r: r.start_time)
        first_step_of_later = min(
            e.timestamp
            for e in instance.all_logs(later.dagster_run.run_id)
            if e.dagster_event and e.dagster_event.is_step_start
        )
        assert first_step_of_later >= earlier.end_time
    assert _marts(clean / "warehouse" / "salesperf.duckdb")["marts.fct_sales"][0] > 0


def test_runs_killed_during_ingestion_and_dbt_never_wedge_the_next_and_it_publishes_what_a_clean_run_does(
    clean, landing, tmp_path
):
    from dagster import DagsterRunStatus

    root = tmp_path / "crashed"
    warehouse = root / "warehouse" / "salesperf.duckdb"
    warehouse.parent.mkdir(parents=True)
    shutil.copyfile(clean / "warehouse" / "salesperf.duckdb", warehouse)  # a warehouse published earlier
    published = warehouse.read_bytes()

    # 0. SIGTERM during the dbt build stops the run cleanly: dbt ends, the lock is free, the run is canceled
    run, log = _start(root, landing, "terminated")
    terminated = _wait_for_step(root, run, "salesperf_dbt_models")
    _wait_for_dbt(run)
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=300) == 130, log.read_text()[-3000:]
    assert "recorded as canceled" in log.read_text()
    assert _still_running(run.pid) == []  # dbt and the rest of the run have ended
    with open(root / "warehouse" / ".build" / "salesperf" / "writer.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released: taken at once
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert warehouse.read_bytes() == published
    with _instance(root) as instance:
        assert instance.get_run_by_id(terminated).status == DagsterRunStatus.CANCELED

    # 1. SIGKILL while the orders are being ingested
    run, log = _start(root, landing, "killed_in_ingestion")
    killed_in_ingestion = _wait_for_step(root, run, "raw__orders")
    _kill_group(run)
    assert warehouse.read_bytes() == published

    # 2. SIGKILL during the dbt build (dbt's own process killed with it)
    run, log = _start(root, landing, "killed_in_dbt")
    killed_in_dbt = _wait_for_step(root, run, "salesperf_dbt_models")
    _wait_for_dbt(run)
    _kill_group(run)
    assert warehouse.read_bytes() == published
    with _instance(root) as instance:
        # what used to wedge the next run: a STARTED run holding the build_db pool
        assert instance.get_run_by_id(killed_in_dbt).status == DagsterRunStatus.STARTED
        claimed = instance.event_log_storage.get_concurrency_info("build_db").claimed_slots
        assert [s.run_id for s in claimed] == [killed_in_dbt]

    # 3. the next run recovers both and publishes
    started = time.monotonic()
    rerun = subprocess.run(
        [str(SALESPERF), "run"], env=_env(root, landing), capture_output=True, text=True, timeout=3000
    )
    assert rerun.returncode == 0, (rerun.stdout + rerun.stderr)[-3000:]
    assert f"recovered run {killed_in_dbt[:8]}…" in rerun.stdout
    with _instance(root) as instance:
        for run_id in (killed_in_ingestion, killed_in_dbt):
            record = instance.get_run_by_id(run_id)
            assert record.status == DagsterRunStatus.FAILURE, run_id
            message = instance.all_logs(run_id)[-1].dagster_event.message
            assert "is gone: it was killed (SIGKILL, out of memory, a reboot, a stopped container)" in message
        assert instance.event_log_storage.get_concurrency_info("build_db").claimed_slots == []
    assert _marts(warehouse) == _marts(clean / "warehouse" / "salesperf.duckdb")
    assert (
        fingerprint(warehouse, ("audit",))["audit.rejected_rows"]
        == fingerprint(clean / "warehouse" / "salesperf.duckdb", ("audit",))["audit.rejected_rows"]
    )
    print(f"re-run after two crashes: {time.monotonic() - started:.0f} s")
