"""Expectation results and audit.validation_results (one row per expectation, replaced per entity only when the
outcome changed, so an unchanged re-run writes nothing)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from ingestion.validation.gx_setup import gxe
from ingestion.validation.rules import ERROR, WARN, Rule

RESULTS_TABLE = "audit.validation_results"
SAMPLE_SIZE = 10  # failing values / rows kept per expectation
RESULTS_DDL = f"""CREATE TABLE IF NOT EXISTS {RESULTS_TABLE} (
    run_id VARCHAR NOT NULL, validated_at TIMESTAMP NOT NULL, entity VARCHAR NOT NULL,
    expectation VARCHAR NOT NULL, expectation_type VARCHAR NOT NULL, columns VARCHAR,
    severity VARCHAR NOT NULL, success BOOLEAN NOT NULL, element_count BIGINT, unexpected_count BIGINT,
    unexpected_percent DOUBLE, unexpected_sample JSON, details JSON)"""


# The columns that say what was found; run_id and validated_at only say when.
_OUTCOME = (
    "entity",
    "expectation",
    "expectation_type",
    "columns",
    "severity",
    "success",
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "unexpected_sample",
    "details",
)


@dataclass
class RuleResult:
    entity: str
    rule: Rule
    success: bool
    element_count: int | None
    unexpected_count: int | None
    unexpected_percent: float | None
    sample: list[Any]
    details: dict[str, Any]

    def row(self) -> tuple[Any, ...]:
        """The outcome columns (_OUTCOME order), JSON as canonical text so equal outcomes compare equal."""
        return (
            self.entity,
            self.rule.name,
            self.rule.expectation.expectation_type,
            ",".join(self.rule.columns),
            self.rule.severity,
            self.success,
            self.element_count,
            self.unexpected_count,
            None if self.unexpected_percent is None else round(self.unexpected_percent, 6),
            json_text(self.sample),
            json_text(self.details),
        )


@dataclass
class EntityValidation:
    entity: str
    results: list[RuleResult]
    seconds: float = 0.0
    written: bool = False  # False when the stored outcome was already identical
    rows_validated: int | None = None  # rows the suite ran on (fewer than element_count after new rows only)

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.results if not r.success]

    @property
    def severity(self) -> str | None:
        """The worst severity among failing expectations, None when everything passed."""
        levels = {r.rule.severity for r in self.failed}
        return ERROR if ERROR in levels else WARN if levels else None


def ensure_results_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(RESULTS_DDL)


def rule_result(entity: str, rule: Rule, result: Any, rows: int) -> RuleResult:
    info = result.exception_info or {}
    # Metric failures are reported per metric: {metric id: {raised_exception, exception_message, ...}}.
    failures = [info] if "raised_exception" in info else list(info.values())
    errors = sorted(
        {str(f.get("exception_message")) for f in failures if isinstance(f, dict) and f.get("raised_exception")}
    )
    details: dict[str, Any] = {"why": rule.why}
    if errors:  # an expectation that could not run fails (at its severity): never pass unchecked data
        details["exception"] = errors
        return RuleResult(entity, rule, False, rows, None, None, [], details)
    res = result.result or {}
    if isinstance(rule.expectation, gxe.UnexpectedRowsExpectation):
        count = int(res.get("observed_value") or 0)
        sample = list(res.get("details", {}).get("unexpected_rows") or [])[:SAMPLE_SIZE]
        percent = 100.0 * count / rows if rows else 0.0
        return RuleResult(entity, rule, bool(result.success), rows, count, percent, sample, details)
    values = res.get("partial_unexpected_list") or []
    # Distinct values in a stable order: the same failures give the same sample.
    sample = sorted({json_text(v): v for v in values}.items())[:SAMPLE_SIZE]
    return RuleResult(
        entity,
        rule,
        bool(result.success),
        int(res.get("element_count", rows)),
        int(res.get("unexpected_count") or 0),
        float(res.get("unexpected_percent") or 0.0),
        [v for _, v in sample],
        details,
    )


def json_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def store_results(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    results: Sequence[RuleResult],
    *,
    run_id: str,
    validated_at: dt.datetime,
) -> bool:
    """Replace the entity's rows in audit.validation_results, unless the stored outcome is already the
    same (then nothing is written, and run_id/validated_at keep naming the run that first found it).
    Returns whether anything was written."""
    ensure_results_table(con)
    cols = ", ".join(_OUTCOME)
    stored = con.execute(
        f"SELECT {cols} FROM {RESULTS_TABLE} WHERE entity = $e ORDER BY expectation", {"e": entity}
    ).fetchall()
    new = sorted((r.row() for r in results), key=lambda row: row[1])
    if [tuple(_canonical(v) for v in row) for row in stored] == [tuple(_canonical(v) for v in row) for row in new]:
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {RESULTS_TABLE} WHERE entity = $e", {"e": entity})
        marks = ", ".join(["?"] * (len(_OUTCOME) + 2))
        con.executemany(
            f"INSERT INTO {RESULTS_TABLE} (run_id, validated_at, {cols}) VALUES ({marks})",
            [[run_id, validated_at, *row] for row in new],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True


def _canonical(value: Any) -> Any:
    """Stored JSON comes back as text with DuckDB's own spacing; compare parsed."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json_text(json.loads(value))
        except ValueError:
            return value
    return value
