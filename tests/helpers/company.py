"""The generated company the end-to-end tests share (the session fixture `company` in conftest.py builds it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# The small generated company every end-to-end test shares: one pipeline run per test session.
COMPANY_AS_OF = dt.date(2025, 11, 15)
COMPANY_SCALE = 20_000


def fingerprint(db: Path, schemas: tuple[str, ...] = ("raw", "audit", "config", "marts")) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent content hash of every table in `schemas`."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where schema_name in (select unnest(?::varchar[])) order by 1, 2",
            [list(schemas)],
        ).fetchall()
        return {
            f"{s}.{t}": con.execute(f'select count(*), coalesce(bit_xor(hash(x)), 0) from "{s}"."{t}" x').fetchone()
            for s, t in tables
        }
    finally:
        con.close()


def run_all_assets(settings, instance) -> None:
    from orchestration.definitions import build_definitions

    result = build_definitions(settings).resolve_job_def("salesperf_all").execute_in_process(instance=instance)
    assert result.success
