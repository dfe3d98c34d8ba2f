"""The single serialized write path into the build database.

DuckDB allows one writing process per file; a second writer fails instead of waiting. Every step that
writes (ingestion, calendar, dbt, publish) takes this exclusive lock first, so a scheduled run, a sensor
run and a CLI run queue behind each other instead of failing.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Dagster concurrency pool of every step that writes the build database (limit 1 in dagster.yaml).
BUILD_DB_POOL = "build_db"


@contextmanager
def writer_lock(build_dir: Path, *, timeout_seconds: float = 3600.0) -> Iterator[None]:
    build_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_seconds
    with open(build_dir / "writer.lock", "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"another salesperf run has held the write lock on {build_dir} for over {timeout_seconds:.0f} s"
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
