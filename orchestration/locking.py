"""The single serialized write path into the build database.

DuckDB allows one writing process per file; a second writer fails instead of waiting. Every step that
writes (ingestion, calendar, dbt, publish) takes this exclusive lock first, so a scheduled run, a sensor
run and a CLI run queue behind each other instead of failing.

The lock is an flock on `<build dir>/writer.lock`: the kernel releases it when its process dies, however it
dies, so a crashed run never leaves it held. The holder writes who it is into the file (pid, Dagster run, since
when), so a waiter can say what it waits for ("waiting for the writer lock on … held by pid 4242 (run 78e6a1b2…)
since 08:50"); the wait is bounded by SALESPERF_WAIT_TIMEOUT seconds (default 3600), then TimeoutError.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.run_guard import wait_timeout

# Dagster concurrency pool of every step that writes the build database (limit 1 in dagster.yaml).
BUILD_DB_POOL = "build_db"
_log = logging.getLogger("salesperf.locking")


def _holder(handle) -> str:
    try:
        handle.seek(0)
        who = json.loads(handle.read() or "{}")
    except (OSError, ValueError):
        return "another process"
    run = f" (run {who['run_id'][:8]}…)" if who.get("run_id") else ""
    return f"pid {who.get('pid', '?')}{run} since {who.get('since', '?')}"


@contextmanager
def writer_lock(
    build_dir: Path,
    *,
    timeout_seconds: float | None = None,
    log: Callable[[str], None] | None = None,
    run_id: str | None = None,
) -> Iterator[None]:
    """Hold the build database's writer lock for the block; wait (saying for whom, through `log`, every minute) up
    to `timeout_seconds` (default SALESPERF_WAIT_TIMEOUT). `run_id` is written for waiters to read."""
    build_dir.mkdir(parents=True, exist_ok=True)
    timeout = wait_timeout() if timeout_seconds is None else timeout_seconds
    say = log or _log.warning
    began = time.monotonic()
    said_at = None
    with open(build_dir / "writer.lock", "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - began
                if waited > timeout:
                    raise TimeoutError(
                        f"gave up after {waited:.0f} s waiting for the writer lock on {build_dir}, held by "
                        f"{_holder(handle)}; SALESPERF_WAIT_TIMEOUT sets how long to wait"
                    ) from None
                if said_at is None or time.monotonic() - said_at > 60:
                    say(f"waiting for the writer lock on {build_dir}, held by {_holder(handle)} (≤ {timeout:.0f} s)")
                    said_at = time.monotonic()
                time.sleep(0.5)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(
                json.dumps(
                    {"pid": os.getpid(), "run_id": run_id, "since": dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")}
                )
            )
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def step_lock(context, build_dir: Path):  # noqa: ANN001, ANN201 - any Dagster execution context
    """writer_lock for a Dagster step: waiting is logged to the run, and the run is named to other waiters."""
    return writer_lock(build_dir, log=context.log.warning, run_id=context.run.run_id)
