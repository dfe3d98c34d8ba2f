"""Which landing files changed since the last sensor tick (pure functions, unit-tested).

The cursor maps a file's path (relative to the landing folder) to its (mtime_ns, size). A file counts
as settled once nothing has touched it for `settle_seconds`: an export still being copied or written
keeps changing its mtime, so it is neither reported nor remembered until it stops.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

LANDING_SUFFIXES = {".csv", ".xlsx", ".parquet"}
Snapshot = dict[str, tuple[int, int]]


def is_landing_candidate(path: Path) -> bool:
    """Data files only: skips hidden files, Excel lock files (~$x.xlsx) and partial downloads."""
    name = path.name
    return path.is_file() and not name.startswith((".", "~$")) and path.suffix.lower() in LANDING_SUFFIXES


def snapshot_landing(landing_dir: Path) -> Snapshot:
    if not landing_dir.is_dir():
        return {}
    snapshot: Snapshot = {}
    for path in sorted(landing_dir.rglob("*")):
        if is_landing_candidate(path):
            stat = path.stat()
            snapshot[path.relative_to(landing_dir).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return snapshot


def settled_changes(
    previous: Snapshot, current: Snapshot, now_ns: int, settle_seconds: float
) -> tuple[Snapshot, list[str]]:
    """Return (cursor to store, settled paths that are new or changed since `previous`).

    Unsettled files keep their previous cursor entry (if any), so they are picked up on a later tick once
    settled. Deleted files drop out of the cursor without triggering a run: exports are history.
    """
    settle_ns = int(settle_seconds * 1e9)
    cursor: Snapshot = {}
    changed: list[str] = []
    for path, (mtime_ns, size) in sorted(current.items()):
        if now_ns - mtime_ns < settle_ns:
            if path in previous:
                cursor[path] = previous[path]
            continue
        cursor[path] = (mtime_ns, size)
        if previous.get(path) != (mtime_ns, size):
            changed.append(path)
    return cursor, changed


def run_key_for(changes: list[str], cursor: Snapshot) -> str:
    """Same settled change set -> same run key, so Dagster never launches it twice."""
    payload = json.dumps([[p, *cursor[p]] for p in sorted(changes)])
    return "landing-" + hashlib.sha256(payload.encode()).hexdigest()[:20]


def encode_cursor(cursor: Snapshot) -> str:
    return json.dumps({p: list(v) for p, v in sorted(cursor.items())}, separators=(",", ":"))


def decode_cursor(text: str | None) -> Snapshot:
    if not text:
        return {}
    return {p: (int(v[0]), int(v[1])) for p, v in json.loads(text).items()}
