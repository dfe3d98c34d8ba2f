"""The landing sensor's cursor logic: settled files only, no double runs, deletions don't trigger."""

from __future__ import annotations

import os
import time

from ingestion.landing_watch import (
    decode_cursor,
    encode_cursor,
    run_key_for,
    settled_changes,
    snapshot_landing,
)

SEC = 1_000_000_000


def test_new_settled_file_triggers_once_and_cursor_round_trips():
    now = 1_000 * SEC
    current = {"orders/a.csv": (now - 60 * SEC, 100)}
    cursor, changed = settled_changes({}, current, now, settle_seconds=30)
    assert changed == ["orders/a.csv"]
    assert decode_cursor(encode_cursor(cursor)) == cursor
    # The next tick sees the same file: nothing to do, so no second run.
    _, changed_again = settled_changes(cursor, current, now + 60 * SEC, settle_seconds=30)
    assert changed_again == []


def test_file_still_being_written_is_ignored_until_it_settles():
    now = 1_000 * SEC
    writing = {"orders/big.csv": (now - 2 * SEC, 5_000)}
    cursor, changed = settled_changes({}, writing, now, settle_seconds=30)
    assert changed == [] and cursor == {}
    # It grew and was touched again: still unsettled.
    writing = {"orders/big.csv": (now + 10 * SEC, 9_000)}
    cursor, changed = settled_changes(cursor, writing, now + 20 * SEC, settle_seconds=30)
    assert changed == [] and cursor == {}
    # Quiet for longer than the settle time: reported once, with its final size.
    cursor, changed = settled_changes(cursor, writing, now + 60 * SEC, settle_seconds=30)
    assert changed == ["orders/big.csv"] and cursor["orders/big.csv"] == (now + 10 * SEC, 9_000)


def test_changed_file_retriggers_but_deleted_file_does_not():
    now = 1_000 * SEC
    previous = {"orders/a.csv": (now - 600 * SEC, 100), "reps/r.csv": (now - 600 * SEC, 10)}
    current = {"orders/a.csv": (now - 100 * SEC, 120)}  # rewritten; reps/r.csv deleted
    cursor, changed = settled_changes(previous, current, now, settle_seconds=30)
    assert changed == ["orders/a.csv"]
    assert "reps/r.csv" not in cursor


def test_unsettled_rewrite_keeps_previous_cursor_entry():
    now = 1_000 * SEC
    previous = {"orders/a.csv": (now - 600 * SEC, 100)}
    cursor, changed = settled_changes(previous, {"orders/a.csv": (now - 1 * SEC, 50)}, now, settle_seconds=30)
    assert changed == [] and cursor == previous


def test_run_key_is_stable_for_the_same_change_and_differs_otherwise():
    cursor = {"a.csv": (1, 2), "b.csv": (3, 4)}
    assert run_key_for(["b.csv", "a.csv"], cursor) == run_key_for(["a.csv", "b.csv"], cursor)
    assert run_key_for(["a.csv"], cursor) != run_key_for(["a.csv"], {"a.csv": (1, 3)})


def test_snapshot_skips_hidden_lock_and_foreign_files(tmp_path):
    (tmp_path / "orders").mkdir()
    for name in ["a.csv", "b.XLSX", "c.parquet", ".hidden.csv", "~$b.xlsx", "notes.txt", "d.csv.part"]:
        (tmp_path / "orders" / name).write_text("x")
    old = time.time() - 3600
    os.utime(tmp_path / "orders" / "a.csv", (old, old))
    snap = snapshot_landing(tmp_path)
    assert sorted(snap) == ["orders/a.csv", "orders/b.XLSX", "orders/c.parquet"]
    mtime_ns, size = snap["orders/a.csv"]
    assert size == 1 and abs(mtime_ns - old * 1e9) < 1e6
    assert snapshot_landing(tmp_path / "missing") == {}
