"""Shared fixtures: an isolated environment per test session, the dbt manifest, a DuckDB 1.x client."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COMPAT_DUCKDB_VERSION = "1.1.3"  # the DuckDB that BI drivers (DBeaver, Metabase, Superset) bundle


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """dbt's manifest, prepared once per session (`dbt parse`), as `make dbt-manifest` does."""
    from orchestration.dbt_project import prepare_manifest, salesperf_dbt_project

    prepare_manifest(force=True)
    assert salesperf_dbt_project.manifest_path.exists()
    return salesperf_dbt_project.manifest_path


@pytest.fixture(scope="session")
def duckdb1_path() -> Path:
    """A DuckDB 1.x Python package in a folder of its own (installed once, cached under .venv)."""
    target = PROJECT_ROOT / ".venv" / "compat" / f"duckdb-{COMPAT_DUCKDB_VERSION}"
    if not (target / "duckdb").is_dir():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--target",
                str(target),
                f"duckdb=={COMPAT_DUCKDB_VERSION}",
            ],
            check=True,
        )
    return target


@pytest.fixture
def isolated_env(tmp_path, monkeypatch) -> Path:
    """SALESPERF_* and DAGSTER_HOME pointing into tmp_path, so tests never touch the developer's files."""
    monkeypatch.setenv("SALESPERF_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("SALESPERF_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SALESPERF_WAREHOUSE", str(tmp_path / "warehouse" / "salesperf.duckdb"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    for key in ("SALESPERF_BUILD_DB",):
        monkeypatch.delenv(key, raising=False)
    os.makedirs(tmp_path / "dagster_home", exist_ok=True)
    return tmp_path


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


@pytest.fixture(scope="session")
def company(tmp_path_factory, dbt_manifest):
    """(settings, build fingerprint after run 1, published fingerprint after run 1), after two full runs
    of every asset on a generated company with the repository's config/ files."""
    from dagster import DagsterInstance

    from salesperf.demo import generate_demo_data
    from salesperf.settings import Settings

    root = tmp_path_factory.mktemp("company")
    settings = Settings(
        landing_dir=root / "landing",
        config_dir=PROJECT_ROOT / "config",
        warehouse=root / "warehouse" / "salesperf.duckdb",
        dagster_home=root / "dagster_home",
        as_of=COMPANY_AS_OF,
    )
    generate_demo_data(settings.landing_dir, scale=COMPANY_SCALE, seed=7, as_of=COMPANY_AS_OF)
    instance = DagsterInstance.ephemeral()
    run_all_assets(settings, instance)
    first = fingerprint(settings.build_db)
    published_first = fingerprint(settings.warehouse)
    run_all_assets(settings, instance)
    return settings, first, published_first
