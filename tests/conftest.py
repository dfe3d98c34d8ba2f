"""Shared fixtures: an isolated environment per test, the dbt manifest, a DuckDB 1.x client, and the companies
several modules build on (each built once per session: the generated company run through every asset, the
hand-written commission company built by dbt)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.company import PROJECT_ROOT, fingerprint, generated_company, run_all_assets


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """dbt's manifest, prepared once per session (`dbt parse`), as `make dbt-manifest` does."""
    from orchestration.dbt_project import prepare_manifest, salesperf_dbt_project

    prepare_manifest(force=True)
    assert salesperf_dbt_project.manifest_path.exists()
    return salesperf_dbt_project.manifest_path


@pytest.fixture(scope="session")
def compat_python() -> Path:
    """A Python whose duckdb is the 1.x that BI drivers (DBeaver, Metabase, Superset) bundle: the small venv
    `make compat` makes (.venv-compat, duckdb==1.1.3; `make test` and `make test-fast` depend on it), or the
    interpreter named by SALESPERF_COMPAT_PYTHON. The suite never installs packages itself."""
    python = Path(os.environ.get("SALESPERF_COMPAT_PYTHON") or PROJECT_ROOT / ".venv-compat" / "bin" / "python")
    if not python.exists():
        pytest.fail(f"no DuckDB 1.x client at {python}: run `make compat` (or set SALESPERF_COMPAT_PYTHON)")
    return python


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


@pytest.fixture(scope="session")
def company(tmp_path_factory, dbt_manifest):
    """(settings, build fingerprint after run 1, published fingerprint after run 1), after two full runs
    of every asset on a generated company with the repository's config/ files."""
    from dagster import DagsterInstance

    settings = generated_company(tmp_path_factory.mktemp("company"))
    instance = DagsterInstance.ephemeral()
    run_all_assets(settings, instance)
    first = fingerprint(settings.build_db)
    published_first = fingerprint(settings.warehouse)
    run_all_assets(settings, instance)
    return settings, first, published_first


@pytest.fixture(scope="session")
def commission_company(tmp_path_factory) -> dict:
    """The hand-written commission company (tests/helpers/commission_company.py) built once by dbt: the
    commission models, everything upstream, their data tests and the commission unit tests. Read-only: a test
    that changes it works on a copy."""
    from tests.helpers.commission_company import COMMISSION_SELECTION, PLANS_YML, build_raw_database, run_dbt

    work = tmp_path_factory.mktemp("commission_company")
    (work / "config").mkdir()
    (work / "config" / "commission_plans.yml").write_text(PLANS_YML, encoding="utf-8")
    db = work / "build.duckdb"
    build_raw_database(db, work / "config")
    output = run_dbt(db, work, select=f"{COMMISSION_SELECTION} test_type:unit,path:models/intermediate/commissions")
    return {"db": db, "work": work, "output": output}
