"""The dbt project as Dagster sees it, and the one way salesperf runs dbt: dagster-dbt's DbtCliResource.

- the pipeline's `dbt build` (assets/dbt.py) runs through the `dbt` resource (`dbt_resource()`);
- the manifest is prepared with the same resource (`prepare_manifest`): by `make dbt-manifest`
  (`python -m orchestration.dbt_project`), the test fixture, and `salesperf run/demo/ui` before they load the
  definitions; never by parsing at import;
- the commission commands (close-period, simulate) run dbt against the build database or a scratch copy of it
  through `run_dbt`, the same resource again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from salesperf.settings import DBT_PROJECT_DIR, load_settings, scoped_environ

# The pipeline builds models and runs their data tests; dbt's unit tests test the SQL, not the data, so they run
# in `make test` (tests/helpers/dbt.py builds with them) and not on every scheduled run (~a third of a small
# company's dbt time, docs/benchmarks.md).
# The data tests of the staging views are left out too: they restate, on the same current rows, what the blocking
# great-expectations suites checked just before (keys unique and not null, allowed values, references), and each
# re-runs its view (at 10M order lines the keyed de-duplication of the orders view, once per test). They run in
# `make test`. Tests of intermediate and mart tables, where the business rules are, run on every build.
PIPELINE_BUILD_ARGS = [
    "build",
    "--exclude-resource-type",
    "unit_test",
    "--exclude",
    "resource_type:test,path:models/staging",
]
# The layer whose tests PIPELINE_BUILD_ARGS leaves out (orchestration/dbt_checks.py declares no check for it).
UNTESTED_IN_PIPELINE = "staging"

# A run tagged with this (`salesperf run --full`, or a tag added when launching in the UI) rebuilds everything:
# dbt --full-refresh, every validation suite on every row, every forecast refitted.
FULL_REBUILD_TAG = "salesperf/full_rebuild"

salesperf_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """The dbt installed next to this Python (the venv's), even when the venv is not activated."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=salesperf_dbt_project, dbt_executable=dbt_executable())


def run_dbt(args: Sequence[str], *, env: Mapping[str, str], target_path: Path | None = None) -> None:
    """`dbt <args>` outside an asset, with `env` (SALESPERF_BUILD_DB, SALESPERF_AS_OF) set for its duration.
    Target and log files go to `target_path`, by default a temporary folder (concurrent runs never share
    dbt's target/). Raises RuntimeError with dbt's last error on failure."""
    with tempfile.TemporaryDirectory(prefix="salesperf-dbt-") as work, scoped_environ(env):
        invocation = (
            dbt_resource()
            .cli(list(args), target_path=target_path or Path(work) / "target", raise_on_error=False)
            .wait()
        )
        error = None if invocation.is_successful() else invocation.get_error()
    if error is not None:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        raise RuntimeError(f"dbt {args[0]} failed: {lines[-1] if lines else type(error).__name__}")


def dbt_code_hash(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """A hash of the dbt project's code (models, macros, tests, dbt_project.yml): an incremental build is only
    valid on tables the same code built, so a change forces a full one (ingestion/changes.py)."""
    digest = hashlib.sha256()
    files = [project_dir / "dbt_project.yml"]
    for folder in ("models", "macros", "tests"):
        files += sorted(p for p in (project_dir / folder).rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def prepare_manifest(*, force: bool = False) -> Path:
    """Write target/manifest.json with `dbt parse` (a build step, not an import side effect)."""
    manifest = salesperf_dbt_project.manifest_path
    if manifest.exists() and not force:
        return manifest
    # Parsing renders profiles.yml, which names the build database: the configured one will do, unless the
    # environment names one already.
    env = {key: value for key, value in load_settings().dbt_env().items() if key not in os.environ}
    run_dbt(["parse", "--quiet"], env=env, target_path=salesperf_dbt_project.target_path)
    return manifest


if __name__ == "__main__":  # `make dbt-manifest`
    print(prepare_manifest(force=True))
