"""Dagster's run history (DAGSTER_HOME, SQLite) without an fsync per event.

Dagster's SQLite storage writes every event of a run (a step's start, each dbt model's output and materialization,
each asset check's planned and final evaluation: ~1,200 for a small company's run) in its own transaction, in WAL
mode with SQLite's default `synchronous=FULL`, so each commit waits for the disk. `synchronous=NORMAL` is SQLite's
recommended setting for WAL: a commit no longer waits for the disk; a power cut can lose the last events of the
run history, never corrupt it, and never touches the warehouse (DuckDB, written elsewhere). Measured (bench
small stage, docs/benchmarks.md): 200 events 18.3 s -> 12.2 s wall on the build machine, the same CPU.
"""

from __future__ import annotations

import sqlite3
from typing import Any

_installed = False


def _relax(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def relax_sqlite_sync() -> None:
    """Every SQLite connection SQLAlchemy opens in this process (Dagster's storage) uses synchronous=NORMAL."""
    global _installed
    if _installed:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    event.listen(Engine, "connect", _relax)
    _installed = True
