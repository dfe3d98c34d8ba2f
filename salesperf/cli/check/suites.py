"""The great-expectations suites of a run's Dagster asset checks as a `salesperf check` checker."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from salesperf.cli.check.problems import ERROR, LANDING, CheckContext, Checker, Problem


def suite_checker(as_of: dt.date) -> Checker:
    """A checker running the pipeline's great-expectations suites (ingestion.validation) on the scratch
    database: what a run's Dagster asset checks would report - references between entities, keys, ranges -
    one problem per failing expectation, with its severity (ERROR: money would go to the wrong place; rows for an
    unknown rep are held), and one ERROR problem per systemic finding that would block the run (ingestion.quality,
    the thresholds of pipeline.yml; the shrink rule needs a published run and is not checked here)."""

    def check(context: CheckContext) -> Iterable[Problem]:
        if context.con is None:
            return []
        from ingestion import quality
        from ingestion.validation import validate_all  # great_expectations takes seconds to import
        from salesperf.config.files import load_config
        from salesperf.config.pipeline import PipelineConfig

        problems = []
        for entity, validation in validate_all(context.con, as_of=as_of).items():
            for result in validation.failed:
                count = "" if result.unexpected_count is None else f"{result.unexpected_count:,} row(s)"
                sample = ", ".join(_sample_text(v, result.rule.columns) for v in result.sample[:3])
                found = "; ".join(t for t in (count, f"e.g. {sample}" if sample else "") if t) or "failed to run"
                problems.append(
                    Problem(
                        result.rule.severity,
                        LANDING,
                        f"{entity}/",
                        None,
                        ", ".join(result.rule.columns),
                        f"{result.rule.why} (expectation {result.rule.name})",
                        found,
                    )
                )
        settings = load_config(context.config_dir / "pipeline.yml", PipelineConfig) or PipelineConfig()
        for finding in quality.assess(context.con, settings.data_quality).blocking:
            problems.append(
                Problem(
                    ERROR,
                    LANDING,
                    f"{finding.entity}/",
                    None,
                    "",
                    f"a run would block: {finding.message} (pipeline.yml data_quality)",
                    finding.where(),
                )
            )
        return problems

    return check


def _sample_text(value: Any, columns: Sequence[str]) -> str:
    """A sampled failing value; a sampled row (a dict, from row-query expectations) as its rule's columns."""
    if isinstance(value, dict):
        shown = [str(value[c]) for c in columns if c in value]
        return " / ".join(shown) if shown else json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
