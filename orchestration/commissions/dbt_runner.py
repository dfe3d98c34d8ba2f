"""Running dbt from the commission commands (close-period, simulate) as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from salesperf.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings


def _dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


def run_dbt(settings: Settings, args: list[str], *, build_db: Path | None = None) -> str:
    """Run `dbt <args>` against `build_db` (default: the settings' build database); raise on failure.

    Target and log paths go to a temporary folder so concurrent runs never share dbt's target/."""
    env = {**os.environ, **settings.dbt_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_USE_COLORS": "false"}
    if build_db is not None:
        env["SALESPERF_BUILD_DB"] = str(build_db)
    with tempfile.TemporaryDirectory(prefix="salesperf-dbt-") as work:
        command = [
            _dbt_executable(),
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(Path(work) / "target"),
            "--log-path",
            str(Path(work) / "logs"),
        ]
        result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        errors = [line.strip() for line in output.splitlines() if "Error" in line or "error" in line]
        raise RuntimeError(f"dbt {args[0]} failed: {errors[-1] if errors else output[-300:]}")
    return output
