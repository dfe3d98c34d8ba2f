"""Shared fixtures: an isolated environment per test session, the dbt manifest, a DuckDB 1.x client."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--target", str(target), f"duckdb=={COMPAT_DUCKDB_VERSION}"],
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
