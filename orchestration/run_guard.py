"""A crash never wedges the next run: recovering runs whose process is gone, and waiting visibly for live ones.

A run killed with SIGKILL (an OOM kill, a reboot, a stopped container) cannot tell Dagster it ended: its run stays
STARTED in the instance and its claim on the `build_db` pool (limit 1) stays held, so the next run would wait for
that slot for ever. Every run therefore starts with `guard_run` (the settings resource calls it when a run's
resources are set up, whatever launched the run: CLI, schedule, sensor or UI; the CLI calls `wait_for_runs` before
it even creates its run, to say so on the terminal), and the daemon's `dead_run_sensor` does the same every minute
so the UI shows such runs failed without waiting for a next run:

- `recover_dead_runs`: every run of this instance in flight (STARTING, STARTED, CANCELING) whose process is gone is
  marked failed (canceled, if it was being canceled) with a reason naming the process, and its pool slots are
  freed; so are slots still held by runs that already ended. A run's process is its `salesperf/pid` tag, else the
  pid Dagster's in-process executor recorded ("Executing steps in process (pid: N)"); it is gone when no such
  process exists, or when that pid now belongs to a process that started after the run did (a reused pid). A run
  of another host (`salesperf/host`) is never judged from here: Dagster's run monitoring (dagster.yaml) covers it.
- `wait_for_runs`: while another live run that started earlier is in flight, wait - saying "waiting for run
  78e6a1b2… started 08:50 (pid 4242) to finish" - and give up after SALESPERF_WAIT_TIMEOUT seconds (default 3600)
  with RunWaitTimeout, naming the run. Runs are thus serialized whole (the pool alone would interleave their steps).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

PID_TAG = "salesperf/pid"
HOST_TAG = "salesperf/host"
IN_FLIGHT = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
FINISHED = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED]
WAIT_TIMEOUT_ENV = "SALESPERF_WAIT_TIMEOUT"
DEFAULT_WAIT_TIMEOUT = 3600.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class RunWaitTimeout(RuntimeError):
    """Another run of this instance kept running for longer than the wait timeout."""


def wait_timeout() -> float:
    raw = os.environ.get(WAIT_TIMEOUT_ENV, "").strip()
    try:
        return float(raw) if raw else DEFAULT_WAIT_TIMEOUT
    except ValueError as exc:
        raise ValueError(f"{WAIT_TIMEOUT_ENV} must be a number of seconds, found {raw!r}") from exc


def process_tags() -> dict[str, str]:
    """The tags that name this process as a run's process."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


@dataclass(frozen=True)
class InFlight:
    run_id: str
    status: DagsterRunStatus
    started: float | None  # run start (or creation) time, epoch seconds
    pid: int | None
    host: str | None
    alive: bool | None  # None: cannot tell (another host, or no process recorded yet)

    def describe(self) -> str:
        started = dt.datetime.fromtimestamp(self.started).strftime("%H:%M") if self.started else "?"
        where = f"pid {self.pid}" if self.pid else "no process recorded yet"
        if self.host and self.host != socket.gethostname():
            where += f" on {self.host}"
        return f"run {self.run_id[:8]}… started {started} ({where})"


def _process_start(pid: int) -> float | None:
    """Start time (epoch seconds) of process `pid`, from /proc; None where /proc does not tell."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/stat", encoding="ascii") as proc_stat:
            boot = next(float(line.split()[1]) for line in proc_stat if line.startswith("btime "))
    except (OSError, StopIteration, IndexError, ValueError):
        return None
    if fields[0] == "Z":  # a zombie has exited; only its parent has not collected it
        return -1.0
    return boot + int(fields[19]) / _CLOCK_TICKS


def process_alive(pid: int, run_started: float | None) -> bool:
    """Whether `pid` is still the process of a run that started at `run_started`."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, another user's
    started = _process_start(pid)
    if started is not None and started < 0:
        return False
    # A process that started after the run did cannot be the run's: the pid was reused.
    return not (started is not None and run_started is not None and started > run_started + 5)


def _recorded_pid(instance: DagsterInstance, run_id: str) -> int | None:
    """The pid Dagster's executor logged for a run without our tag (runs of earlier releases, or a run whose
    resources were never set up)."""
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        event = record.dagster_event
        data = event.engine_event_data if event else None
        pid = getattr(data, "metadata", {}).get("pid") if data else None
        if pid is not None:
            return int(getattr(pid, "value", pid))
    return None


def in_flight_runs(instance: DagsterInstance, *, exclude: str | None = None) -> list[InFlight]:
    """Runs of this instance in flight, oldest first, each with whether its process is alive."""
    out = []
    for record in instance.get_run_records(filters=RunsFilter(statuses=IN_FLIGHT)):
        run = record.dagster_run
        if run.run_id == exclude:
            continue
        started = record.start_time or record.create_timestamp.timestamp()
        host = run.tags.get(HOST_TAG)
        raw_pid = run.tags.get(PID_TAG)
        pid = int(raw_pid) if raw_pid and raw_pid.isdigit() else _recorded_pid(instance, run.run_id)
        if host not in (None, socket.gethostname()):
            alive = None
        elif pid is None:
            # No process recorded yet: a run just starting. After a minute without one it never will.
            alive = None if time.time() - record.create_timestamp.timestamp() < 60 else False
        else:
            alive = process_alive(pid, started)
        out.append(InFlight(run.run_id, run.status, started, pid, host, alive))
    return sorted(out, key=lambda r: r.started or 0)


def recover_dead_runs(
    instance: DagsterInstance, *, exclude: str | None = None, log: Callable[[str], None] = print
) -> list[str]:
    """Mark runs whose process is gone as failed (or canceled) and free their pool slots, and free slots still
    held by finished runs. Returns the run ids recovered."""
    recovered = []
    for run in in_flight_runs(instance, exclude=exclude):
        if run.alive is not False:
            continue
        dagster_run = instance.get_run_by_id(run.run_id)
        if dagster_run is None or dagster_run.status not in IN_FLIGHT:
            continue
        reason = (
            f"salesperf: the process of this run ({'pid ' + str(run.pid) if run.pid else 'none recorded'} on "
            f"{run.host or socket.gethostname()}) is gone: it was killed (SIGKILL, out of memory, a reboot, a "
            f"stopped container) or crashed. Marked ended by process {os.getpid()}, which freed its pool slots."
        )
        if dagster_run.status == DagsterRunStatus.CANCELING:
            instance.report_run_canceled(dagster_run, reason)
        else:
            instance.report_run_failed(dagster_run, reason)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        log(f"recovered {run.describe()}: its process is gone; marked failed and its pool slots freed")
        recovered.append(run.run_id)
    _free_slots_of_finished_runs(instance, exclude=exclude)
    return recovered


def _free_slots_of_finished_runs(instance: DagsterInstance, *, exclude: str | None) -> None:
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return
    holders = [r for r in storage.get_concurrency_run_ids() if r != exclude]
    if holders:
        for record in instance.get_run_records(filters=RunsFilter(run_ids=holders, statuses=FINISHED)):
            storage.free_concurrency_slots_for_run(record.dagster_run.run_id)


def wait_for_runs(
    instance: DagsterInstance,
    *,
    run_id: str | None = None,
    timeout: float | None = None,
    log: Callable[[str], None] = print,
    poll_seconds: float = 2.0,
) -> float:
    """Recover dead runs, then wait while a live run that started before `run_id` (any, without one) is in flight.
    Says what it waits for when it starts waiting, when that changes and every minute; raises RunWaitTimeout after
    `timeout` seconds (default SALESPERF_WAIT_TIMEOUT). Returns the seconds waited."""
    timeout = wait_timeout() if timeout is None else timeout
    began = time.monotonic()
    mine = _start_of(instance, run_id)
    said, said_at = "", 0.0
    while True:
        recover_dead_runs(instance, exclude=run_id, log=log)
        earlier = [
            r
            for r in in_flight_runs(instance, exclude=run_id)
            if r.alive is not False and (mine is None or (r.started or 0, r.run_id) < (mine, run_id or ""))
        ]
        if not earlier:
            if said:
                log(f"done waiting after {time.monotonic() - began:.0f} s: no earlier run is in flight any more")
            return time.monotonic() - began
        waited = time.monotonic() - began
        message = f"waiting for {earlier[0].describe()} to finish" + (
            f" and {len(earlier) - 1} more" if len(earlier) > 1 else ""
        )
        if waited > timeout:
            raise RunWaitTimeout(
                f"gave up after {waited:.0f} s {message}; "
                f"{WAIT_TIMEOUT_ENV} sets how long to wait (now {timeout:.0f} s). If that run is stuck, stop its "
                "process or terminate it in the Dagster UI"
            )
        if message != said or time.monotonic() - said_at > 60:
            log(message + f" (waited {waited:.0f} s of at most {timeout:.0f} s)")
            said, said_at = message, time.monotonic()
        time.sleep(poll_seconds)


def _start_of(instance: DagsterInstance, run_id: str | None) -> float | None:
    if run_id is None:
        return None
    records = instance.get_run_records(filters=RunsFilter(run_ids=[run_id]), limit=1)
    if not records:
        return None
    return records[0].start_time or records[0].create_timestamp.timestamp()


def guard_run(
    instance: DagsterInstance, run_id: str, *, log: Callable[[str], None] = print, timeout: float | None = None
) -> None:
    """What every run does first: name its process in its tags, recover dead runs, wait for earlier live ones."""
    run = instance.get_run_by_id(run_id)
    if run is not None and PID_TAG not in run.tags:
        instance.add_run_tags(run_id, process_tags())
    wait_for_runs(instance, run_id=run_id, timeout=timeout, log=log)
