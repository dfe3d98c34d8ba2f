"""`dbt <command>` on a test's own build database, as a subprocess with dbt's plain text output (tests read its
summary: PASS=… ERROR=…, the unit tests that ran). The product runs dbt through dagster-dbt's DbtCliResource
(orchestration/dbt_project.py), whose JSON log format would hide that summary."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from orchestration.dbt_project import dbt_executable
from salesperf.settings import DBT_PROJECT_DIR, PROJECT_ROOT


def run_dbt(
    db_path: Path,
    work: Path,
    command: str = "build",
    select: str | None = None,
    *,
    as_of: str,
    project_dir: Path = DBT_PROJECT_DIR,
    timeout: int = 600,
    select_models: str | None = None,
    exclude: str | None = None,
    extra_args: Sequence[str] = (),
) -> str:
    """Run dbt against `db_path` (targets and logs under `work`), assert it succeeded, return its output. With
    `select`, tests are selected cautiously (only those whose every parent is selected); `select_models`: a
    plain --select (for `dbt run`, which runs no tests); `exclude`: an --exclude; `extra_args` go after the
    command's own."""
    env = {
        **os.environ,
        "SALESPERF_BUILD_DB": str(db_path),
        "SALESPERF_AS_OF": as_of,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    args = [
        dbt_executable(),
        command,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    if select:
        args += ["--select", select, "--indirect-selection", "cautious"]
    elif select_models:
        args += ["--select", select_models]
    if exclude:
        args += ["--exclude", exclude]
    args += list(extra_args)
    result = subprocess.run(args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"dbt {command} failed:\n{output[-10000:]}"
    return output
