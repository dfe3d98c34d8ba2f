"""`salesperf check`: what a run would complain about, found without running the pipeline.

- The landing folder is ingested with the pipeline's own code (`ingestion.load.ingest_all`) into a scratch
  DuckDB file in a temporary folder: never the build database, never the published file, and without the
  writer lock, so a check can run while a pipeline runs and always judges files exactly as a run would.
  `audit.ingested_files` (whole-file rejections) and `audit.rejected_rows` (row rejections) then become
  `Problem`s, one per failing cell.
- Every config file registered in `salesperf.config.specs` and the source profiles of
  `config/sources/*.yml` is validated with the models a run uses;
  each failure becomes a `Problem` whose column is the key path (`plans[0].tiers[1].rate`) and whose row is
  the line in the YAML file.
- Extra checkers (e.g. a whole-file expectations suite) plug in through `CHECKERS` / `checkers=`: they get
  the scratch connection with `raw.*` loaded and return more problems.

Modules: `landing`, `config`, `suites` (the expectation suites as a checker), `problems` (what is reported),
`command` (the subcommand: table, CSV or JSON).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from salesperf.cli.check.config import check_config, config_error_problems
from salesperf.cli.check.landing import check_landing, inspect_landing
from salesperf.cli.check.problems import (
    CHECKERS,
    ERROR,
    ROWS_PER_FILE,
    WARN,
    CheckContext,
    Checker,
    CheckReport,
    EntitySummary,
    Problem,
    split_reason,
)
from salesperf.cli.check.suites import suite_checker

__all__ = [
    "CHECKERS",
    "CheckContext",
    "CheckReport",
    "Checker",
    "ERROR",
    "EntitySummary",
    "Problem",
    "WARN",
    "check_config",
    "check_landing",
    "config_error_problems",
    "inspect_landing",
    "run_check",
    "split_reason",
    "suite_checker",
]


def run_check(
    landing_dir: Path, config_dir: Path, *, checkers: Sequence[Checker] = (), rows_per_file: int | None = ROWS_PER_FILE
) -> CheckReport:
    """Config problems first (a run stops on them before any model runs), then the landing folder's."""
    report = inspect_landing(landing_dir, config_dir, checkers=checkers, rows_per_file=rows_per_file)
    report.problems = check_config(config_dir) + report.problems
    return report
