"""The dbt project as Dagster sees it.

The manifest is prepared ahead of time (`make dbt-manifest`, the test fixture, or `salesperf run/demo`
before loading definitions), never by parsing at import in production.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from salesperf.settings import DBT_PROJECT_DIR, load_settings

salesperf_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """The dbt installed next to this Python (the venv's), even when the venv is not activated."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def prepare_manifest(*, force: bool = False) -> Path:
    """Write target/manifest.json with `dbt parse` (a build step, not an import side effect)."""
    manifest = salesperf_dbt_project.manifest_path
    if manifest.exists() and not force:
        return manifest
    # Parsing renders profiles.yml, which names the build database; the configured one will do.
    env = {**load_settings().dbt_env(), **os.environ}
    result = subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--quiet",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        detail = (result.stdout + result.stderr).strip().splitlines()
        raise RuntimeError(f"dbt parse failed: {detail[-1] if detail else 'no output'}")
    return manifest
