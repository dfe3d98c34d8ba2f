"""The generated company the end-to-end tests share (the session fixture `company` in conftest.py builds it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# The small generated company every end-to-end test shares: one pipeline run per test session.
COMPANY_AS_OF = dt.date(2025, 11, 15)
COMPANY_SCALE = 20_000


def generated_company(root: Path):
    """Settings of a warehouse under `root` whose landing folder holds the generated company (the repository's
    config/ files, COMPANY_AS_OF)."""
    from salesperf.demo import generate_demo_data
    from salesperf.settings import Settings

    settings = Settings(
        landing_dir=root / "landing",
        config_dir=PROJECT_ROOT / "config",
        warehouse=root / "warehouse" / "salesperf.duckdb",
        dagster_home=root / "dagster_home",
        as_of=COMPANY_AS_OF,
    )
    generate_demo_data(settings.landing_dir, scale=COMPANY_SCALE, seed=7, as_of=COMPANY_AS_OF)
    return settings


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
