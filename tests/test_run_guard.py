"""A crash never wedges the next run (orchestration/run_guard.py, orchestration/locking.py): runs whose process is
gone are marked failed and their pool slots freed; waits for live runs and for the writer lock say what they wait
for and end with a clear error; `salesperf ui` takes its `dagster dev` process group down with it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from dagster import DagsterInstance, DagsterRunStatus
from dagster._core.events import EngineEventData
from dagster._core.test_utils import create_run_for_test

from orchestration import run_guard
from orchestration.locking import BUILD_DB_POOL, writer_lock
from tests.helpers.company import PROJECT_ROOT


@pytest.fixture
def instance(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((PROJECT_ROOT / "dagster.yaml").read_text(), encoding="utf-8")
    with DagsterInstance.from_config(str(home)) as instance:
        yield instance


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _started_run(instance: DagsterInstance, tags: dict[str, str]) -> str:
    run = create_run_for_test(instance, job_name="salesperf_all", tags=tags, status=DagsterRunStatus.STARTED)
    # what a run does when its first step starts: it claims the build_db pool (limit 1)
    instance.event_log_storage.initialize_concurrency_limit_to_default(BUILD_DB_POOL)
    assert instance.event_log_storage.claim_concurrency_slot(
        BUILD_DB_POOL, run.run_id, "salesperf_dbt_models"
    ).is_claimed
    return run.run_id


def _holders(instance: DagsterInstance) -> list[str]:
    return [s.run_id for s in instance.event_log_storage.get_concurrency_info(BUILD_DB_POOL).claimed_slots]


def test_a_run_whose_process_is_gone_is_failed_and_its_pool_slot_freed(instance):
    dead = _started_run(instance, {run_guard.PID_TAG: str(_dead_pid()), run_guard.HOST_TAG: os.uname().nodename})
    assert _holders(instance) == [dead]
    said: list[str] = []
    assert run_guard.recover_dead_runs(instance, log=said.append) == [dead]
    run = instance.get_run_by_id(dead)
    assert run.status == DagsterRunStatus.FAILURE
    assert _holders(instance) == []
    assert said[0].startswith(f"recovered run {dead[:8]}… started ")
    assert said[0].endswith("its process is gone; marked failed and its pool slots freed")
    failure = instance.all_logs(dead)[-1]
    assert "is gone: it was killed (SIGKILL, out of memory, a reboot, a stopped container) or crashed" in (
        failure.dagster_event.message
    )
    # the next run starts at once
    assert run_guard.wait_for_runs(instance, timeout=5, log=said.append) < 5


def test_a_run_of_an_earlier_release_is_judged_by_the_pid_dagster_logged(instance):
    run_id = _started_run(instance, {})  # no salesperf/pid tag: the executor's engine event names the process
    run = instance.get_run_by_id(run_id)
    instance.report_engine_event("Executing steps in process", run, EngineEventData.in_process(_dead_pid()))
    assert run_guard.recover_dead_runs(instance, log=lambda _: None) == [run_id]
    assert instance.get_run_by_id(run_id).status == DagsterRunStatus.FAILURE


def test_a_reused_pid_does_not_keep_a_dead_run_alive(instance):
    # the pid now belongs to this test process, which started long before the run did: alive. Then pretend the run
    # started before this process did: the pid was reused, the run's own process is gone.
    run_id = _started_run(instance, {run_guard.PID_TAG: str(os.getpid())})
    [live] = run_guard.in_flight_runs(instance)
    assert live.alive is True
    assert run_guard.process_alive(os.getpid(), run_started=time.time() - 10 * 365 * 86400) is False
    assert instance.get_run_by_id(run_id).status == DagsterRunStatus.STARTED


def test_a_live_run_is_waited_for_visibly_and_the_wait_is_bounded(instance, monkeypatch):
    live = _started_run(instance, {run_guard.PID_TAG: str(os.getpid())})
    said: list[str] = []
    monkeypatch.setenv(run_guard.WAIT_TIMEOUT_ENV, "1")
    with pytest.raises(run_guard.RunWaitTimeout) as error:
        run_guard.wait_for_runs(instance, log=said.append, poll_seconds=0.2)
    assert said[0].startswith(f"waiting for run {live[:8]}… started ")
    assert f"(pid {os.getpid()}) to finish (waited 0 s of at most 1 s)" in said[0]
    assert f"waiting for run {live[:8]}…" in str(error.value) and "SALESPERF_WAIT_TIMEOUT" in str(error.value)
    assert instance.get_run_by_id(live).status == DagsterRunStatus.STARTED  # a live run is never touched
    # a run that started later does not wait for it... and the earlier one does not wait for the later
    later = create_run_for_test(instance, job_name="salesperf_all", status=DagsterRunStatus.STARTED)
    before = len(said)
    run_guard.wait_for_runs(instance, run_id=live, timeout=60, log=said.append)  # returns without waiting:
    assert said[before:] == []  # nothing to wait for, nothing said (time is not asserted: the machine may be busy)
    with pytest.raises(run_guard.RunWaitTimeout):
        run_guard.wait_for_runs(instance, run_id=later.run_id, timeout=0.5, log=said.append, poll_seconds=0.1)


def test_the_writer_lock_names_its_holder_and_the_wait_ends_with_an_error(tmp_path):
    said: list[str] = []
    with writer_lock(tmp_path, run_id="78e6a1b2-0000"):
        holder = json.loads((tmp_path / "writer.lock").read_text())
        assert holder["pid"] == os.getpid() and holder["run_id"] == "78e6a1b2-0000"
        with (
            pytest.raises(TimeoutError, match=r"held by pid \d+ \(run 78e6a1b2…\) since 20\d\d-"),
            writer_lock(tmp_path, timeout_seconds=0.6, log=said.append),
        ):
            pass
    assert said and said[0].startswith(f"waiting for the writer lock on {tmp_path}, held by pid {os.getpid()}")
    with writer_lock(tmp_path, timeout_seconds=0.1):  # released: taken at once
        pass


def test_salesperf_ui_stops_its_dagster_dev_process_group(tmp_path):
    # `dagster dev` stands in as a shell that starts two children and ignores SIGTERM itself (the worst case)
    script = (
        "from pathlib import Path; from salesperf.cli.main import run_supervised; "
        "raise SystemExit(run_supervised(['bash', '-c', 'trap \"\" TERM; sleep 300 & sleep 300 & wait'], "
        f"cwd=Path({str(tmp_path)!r}), grace_seconds=2))"
    )
    supervisor = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT_ROOT)
    deadline = time.time() + 60
    group = None
    while time.time() < deadline and group is None:
        children = subprocess.run(["pgrep", "-P", str(supervisor.pid)], capture_output=True, text=True).stdout.split()
        group = int(children[0]) if children else None
        time.sleep(0.2)
    assert group is not None
    time.sleep(0.5)
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=30) == 130
    # nothing of the group still runs (an exited child whose parent died may linger as a zombie until reaped)
    states = subprocess.run(["ps", "-o", "stat=", "-g", str(group)], capture_output=True, text=True).stdout.split()
    assert [s for s in states if not s.startswith("Z")] == []


def test_run_monitoring_is_configured_for_the_daemon(instance):
    settings = instance.run_monitoring_settings
    assert settings["enabled"] is True
    assert settings["start_timeout_seconds"] > 0 and settings["cancel_timeout_seconds"] > 0
    assert settings["free_slots_after_run_end_seconds"] > 0


def test_every_run_is_guarded_by_the_settings_resource(dbt_manifest):
    # The guard runs when the `settings` resource is set up, so every asset of the job must require it.
    from dagster import ConfigurableResource

    from orchestration.definitions import build_definitions
    from orchestration.resources import SalesperfSettings

    assert SalesperfSettings.setup_for_execution is not ConfigurableResource.setup_for_execution
    graph = build_definitions().resolve_asset_graph()
    for key in graph.materializable_asset_keys:
        assert "settings" in graph.get(key).assets_def.required_resource_keys, key


def test_the_dead_run_sensor_recovers_without_waiting_for_a_next_run(instance):
    # the daemon path: the UI shows the run failed within a minute, and a queued run can start
    from dagster import build_sensor_context

    from orchestration.automation import dead_run_sensor

    dead = _started_run(instance, {run_guard.PID_TAG: str(_dead_pid())})
    result = dead_run_sensor(build_sensor_context(instance=instance))
    assert "recovered 1 dead run(s)" in str(result.skip_message)
    assert instance.get_run_by_id(dead).status == DagsterRunStatus.FAILURE
    assert _holders(instance) == []
    assert "no dead runs" in str(dead_run_sensor(build_sensor_context(instance=instance)).skip_message)
