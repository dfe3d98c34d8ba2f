"""The dbt project as Dagster sees it.

The manifest is prepared ahead of time (`make dbt-manifest`, the test fixture, or `salesperf run/demo`
before loading definitions), never by parsing at import in production. Under `dagster dev`
`prepare_if_dev` re-parses so edits to models show up.
"""

from __future__ import annotations

import os

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR, load_settings

salesperf_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def prepare_manifest(*, force: bool = False) -> None:
    """Write target/manifest.json with `dbt parse` (a build step, not an import side effect)."""
    if salesperf_dbt_project.manifest_path.exists() and not force:
        return
    # Parsing renders profiles.yml, which names the build database; any path will do for a parse.
    for key, value in load_settings().dbt_env().items():
        os.environ.setdefault(key, value)
    salesperf_dbt_project.preparer.prepare(salesperf_dbt_project)
