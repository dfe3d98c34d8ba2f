"""The great-expectations suites of a run's Dagster asset checks as a `salesperf check` checker."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from salesperf.cli.check.problems import LANDING, CheckContext, Checker, Problem


def suite_checker(as_of: dt.date) -> Checker:
    """A checker running the pipeline's great-expectations suites (ingestion.validation) on the scratch
    database: what a run's Dagster asset checks would report - references between entities, keys, ranges -
    one problem per failing expectation, with its severity (an ERROR would block the run's dbt build)."""

    def check(context: CheckContext) -> Iterable[Problem]:
        if context.con is None:
            return []
        from ingestion.validation import validate_all  # great_expectations takes seconds to import

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
        return problems

    return check


def _sample_text(value: Any, columns: Sequence[str]) -> str:
    """A sampled failing value; a sampled row (a dict, from row-query expectations) as its rule's columns."""
    if isinstance(value, dict):
        shown = [str(value[c]) for c in columns if c in value]
        return " / ".join(shown) if shown else json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
