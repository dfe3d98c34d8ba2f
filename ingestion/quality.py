"""What a run's data quality amounts to, and whether it is systemic enough to block (docs/data_quality.md).

Per run, after ingestion and the expectation suites, `assess` reads what they recorded in the build database -
audit.rejected_rows (rows quarantined at ingestion) and audit.validation_results (the suites, on current rows) -
and turns it into findings, one per entity and rule:

- `quarantine`: rows rejected at ingestion, by rule (a row rule such as quantity_positive, `<column>_required`,
  `<column>_unparseable`, `<column>_allowed`, totals_row, exact_duplicate, file_rejected);
- `hold`: current rows whose rep is unknown (orders, credit_splits, adjustments: rep_id_in_reps), which dbt holds
  out of credit and commission (int_rows_held, audit.held_rows);
- `warn`: any other failing expectation of WARN severity;
- `block`: a systemic failure, past a threshold of `pipeline.yml` (salesperf.config.pipeline): more than
  money_rule_max_share of an entity's current rows failing a money rule (quarantined on a money column, or
  held), a required entity without rows, an entity shrunk by more than max_shrink since the last published
  run; also any failing ERROR expectation other than a hold, which means ingestion let through a row it should
  have rejected. With `accept`, a block is recorded as `accepted` and does not block.

A run blocks when any finding blocks; the message names the rule, the count and one example row with its file
and row. `store` keeps the findings in audit.data_quality_findings (replaced each run) and the entities' current
row counts in audit.entity_row_counts; `mark_published` makes the counts of a run that published the baseline
the next run's shrink rule compares with, and `published_summary` is what audit.warehouse_info records.
Everything is SQL over small audit tables; no great-expectations import.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field

import duckdb

from ingestion.db import in_transaction
from ingestion.entities import ENTITY_NAMES
from ingestion.row_rules import ROW_RULES, reason_prefix
from ingestion.typed_sql import sql_str
from salesperf.config.pipeline import DataQualitySettings

QUARANTINE, HOLD, WARN, BLOCK, ACCEPTED = "quarantine", "hold", "warn", "block", "accepted"

# Columns whose failure puts money in the wrong place: a row quarantined on one of these (or a whole file
# rejected) counts towards the money-rule share of its entity.
MONEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "orders": ("quantity", "unit_price", "discount_amount", "rep_id"),
    "returns": ("amount", "order_id"),
    "credit_splits": ("split_pct", "rep_id", "order_id"),
    "adjustments": ("amount", "rep_id", "period"),
    "payments": ("amount",),
}
# Expectations whose failing rows dbt holds out of credit and commission (int_rows_held).
HOLD_RULES: dict[str, str] = {
    "orders": "rep_id_in_reps",
    "credit_splits": "rep_id_in_reps",
    "adjustments": "rep_id_in_reps",
}

FINDINGS_TABLE = "audit.data_quality_findings"
COUNTS_TABLE = "audit.entity_row_counts"
DDL = [
    f"""CREATE TABLE IF NOT EXISTS {FINDINGS_TABLE} (
        run_id VARCHAR, checked_at TIMESTAMP, entity VARCHAR NOT NULL, rule VARCHAR NOT NULL,
        severity VARCHAR NOT NULL, rows BIGINT, share DOUBLE, threshold DOUBLE, example_file VARCHAR,
        example_row BIGINT, example VARCHAR, message VARCHAR NOT NULL)""",
    f"""CREATE TABLE IF NOT EXISTS {COUNTS_TABLE} (
        entity VARCHAR NOT NULL, state VARCHAR NOT NULL, current_rows BIGINT NOT NULL, run_id VARCHAR,
        counted_at TIMESTAMP)""",
]


@dataclass(frozen=True)
class Finding:
    entity: str
    rule: str
    severity: str  # quarantine | hold | warn | block | accepted
    rows: int | None
    message: str
    share: float | None = None
    threshold: float | None = None
    example_file: str | None = None
    example_row: int | None = None
    example: str | None = None  # the example row's reason, key or values

    def where(self) -> str:
        if self.example_file is None:
            return ""
        row = f" row {self.example_row}" if self.example_row is not None else ""
        return f"{self.example_file}{row}" + (f": {self.example}" if self.example else "")


@dataclass
class Assessment:
    findings: list[Finding] = field(default_factory=list)
    current_rows: dict[str, int] = field(default_factory=dict)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCK]

    def block_message(self) -> str:
        """One paragraph: every blocking finding with its count and example row."""
        parts = [f"{f.message}, e.g. {f.where()}" if f.where() else f.message for f in self.blocking]
        return (
            "data quality blocks this run (systemic failure; the published warehouse keeps the last run that was "
            "not blocked): " + "; ".join(parts) + ". Thresholds: pipeline.yml data_quality (docs/data_quality.md); "
            "fix the export, or run with --accept-data-quality to publish anyway."
        )

    def counts(self) -> list[dict[str, object]]:
        """Rows by entity, rule and severity (what audit.warehouse_info records)."""
        return [
            {"entity": f.entity, "rule": f.rule, "severity": f.severity, "rows": f.rows}
            for f in sorted(self.findings, key=lambda f: (f.severity, f.entity, f.rule))
        ]


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    for ddl in DDL:
        con.execute(ddl)


# -- reading what ingestion and the suites recorded ------------------------------------------------------


def _rule_label_sql(part: str) -> str:
    """SQL naming the rule of one part of a rejected row's reason (see the module docstring)."""
    column = f"regexp_extract({part}, '^([a-z_]+): ', 1)"
    rules = " ".join(
        f"WHEN starts_with({part}, {sql_str(reason_prefix(r))}) AND entity = {sql_str(r.entity)} THEN {sql_str(r.name)}"
        for r in ROW_RULES
    )
    return (
        f"CASE WHEN {part} LIKE 'totals row (%' THEN 'totals_row' "
        f"WHEN {part} LIKE 'exact duplicate of row %' THEN 'exact_duplicate' "
        f"WHEN {part} LIKE 'file rejected%' THEN 'file_rejected' {rules} "
        f"WHEN {column} = '' THEN NULL "
        f"WHEN {part} LIKE '%: required but blank' THEN {column} || '_required' "
        f"WHEN {part} LIKE '%: expected one of %' THEN {column} || '_allowed' "
        f"WHEN {part} LIKE '%: expected %' THEN {column} || '_unparseable' END"
    )


def _money_sql() -> str:
    pairs = ", ".join(f"{sql_str(e)}: {list(cols)!r}" for e, cols in MONEY_COLUMNS.items()).replace('"', "'")
    return f"MAP {{{pairs}}}"


LABELLED = "__sp_rejected_labelled"  # temp table: each part of each rejected row's reason, with its rule
_LABELLED_SQL = f"""
    WITH parts AS (
        SELECT entity, file, sheet, row_number, reason, unnest(string_split(reason, '; ')) AS part
        FROM audit.rejected_rows
    )
    SELECT entity, file, sheet, row_number, reason, {_rule_label_sql("part")} AS rule,
           regexp_extract(part, '^([a-z_]+): ', 1) AS column_name
    FROM parts
"""


def _quarantined(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    rows = con.execute(f"""
        WITH per_row AS (
            SELECT DISTINCT entity, rule, file, sheet, row_number, reason FROM {LABELLED} WHERE rule IS NOT NULL
        )
        SELECT entity, rule, count(*) AS n,
               arg_min(file, (file, coalesce(sheet, ''), row_number)),
               arg_min(row_number, (file, coalesce(sheet, ''), row_number)),
               arg_min(reason, (file, coalesce(sheet, ''), row_number))
        FROM per_row GROUP BY entity, rule ORDER BY entity, rule""").fetchall()
    return [
        Finding(
            entity,
            rule,
            QUARANTINE,
            int(n),
            f"{entity}: {n:,} row(s) quarantined at ingestion ({rule})",
            example_file=file,
            example_row=row,
            example=reason,
        )
        for entity, rule, n, file, row, reason in rows
    ]


def _money_failures(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str | None, int | None, str | None]]:
    """entity -> (rows quarantined on a money column or with their whole file, first such row's file, row,
    reason)."""
    rows = con.execute(f"""
        WITH money AS (
            SELECT DISTINCT entity, file, sheet, row_number, reason FROM {LABELLED}
            WHERE rule = 'file_rejected' OR list_contains(coalesce({_money_sql()}[entity], []), column_name)
        )
        SELECT entity, count(*), arg_min(file, (file, coalesce(sheet, ''), row_number)),
               arg_min(row_number, (file, coalesce(sheet, ''), row_number)),
               arg_min(reason, (file, coalesce(sheet, ''), row_number))
        FROM money GROUP BY entity""").fetchall()
    return {e: (int(n), f, r, why) for e, n, f, r, why in rows}


def _suite_results(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'audit' AND table_name = 'validation_results'"
    ).fetchall()[0][0]
    if not exists:
        return []
    return con.execute(
        "SELECT entity, expectation, severity, success, element_count, unexpected_count, unexpected_sample "
        "FROM audit.validation_results ORDER BY entity, expectation"
    ).fetchall()


def _example_from_sample(sample: object) -> tuple[str | None, int | None, str | None]:
    values = json.loads(sample) if isinstance(sample, str) else sample
    if not values:
        return None, None, None
    first = values[0]
    if isinstance(first, dict):
        file, row = first.get("_source_file"), first.get("_source_row")
        shown = ", ".join(f"{k} {v}" for k, v in first.items() if not k.startswith("_"))
        return file, row, shown
    return None, None, f"value {first}"


# -- the assessment --------------------------------------------------------------------------------------


def assess(
    con: duckdb.DuckDBPyConnection, settings: DataQualitySettings | None = None, *, accept: bool = False
) -> Assessment:
    """The findings of the build database's current state (see the module docstring)."""
    settings = settings or DataQualitySettings()
    unknown = sorted(set(settings.required_entities) - set(ENTITY_NAMES))
    if unknown:
        raise ValueError(
            f"pipeline.yml: data_quality.required_entities: unknown entity {', '.join(unknown)} "
            f"(entities: {', '.join(ENTITY_NAMES)})"
        )
    ensure_tables(con)
    progress = con.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0]
    con.execute("SET enable_progress_bar = false")  # DuckDB draws it even into Dagster's captured logs
    con.execute(f"CREATE OR REPLACE TEMP TABLE {LABELLED} AS {_LABELLED_SQL}")  # one pass over the reasons
    try:
        return _assess(con, settings, accept)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {LABELLED}")
        con.execute(f"SET enable_progress_bar = {'true' if progress else 'false'}")


def _assess(con: duckdb.DuckDBPyConnection, settings: DataQualitySettings, accept: bool) -> Assessment:
    out = Assessment(findings=_quarantined(con))
    held: dict[str, Finding] = {}
    for entity, rule, severity, success, elements, unexpected, sample in _suite_results(con):
        out.current_rows[entity] = max(out.current_rows.get(entity, 0), int(elements or 0))
        if success:
            continue
        file, row, shown = _example_from_sample(sample)
        count = "could not run" if unexpected is None else f"{unexpected:,} current row(s)"
        if HOLD_RULES.get(entity) == rule and unexpected is not None:
            kind, message = HOLD, f"{entity}: {count} held out of credit and commission ({rule})"
        elif severity == "ERROR":  # ingestion should have quarantined these: it broke, or the data bypassed it
            kind, message = BLOCK, f"{entity}: {count} break {rule}, which ingestion enforces (an ERROR expectation)"
        else:
            kind, message = WARN, f"{entity}: {count} fail {rule}"
        finding = Finding(entity, rule, kind, unexpected, message, example_file=file, example_row=row, example=shown)
        if kind == HOLD:
            held[entity] = finding
        else:
            out.findings.append(finding)
    out.findings.extend(held.values())
    out.findings.extend(_systemic(con, settings, out.current_rows, held))
    if accept:
        out.findings = [_accepted(f) if f.severity == BLOCK else f for f in out.findings]
    return out


def _accepted(finding: Finding) -> Finding:
    accepted = {"severity": ACCEPTED, "message": finding.message + " (accepted for this run)"}
    return Finding(**{**finding.__dict__, **accepted})


def _systemic(
    con: duckdb.DuckDBPyConnection, settings: DataQualitySettings, current: dict[str, int], held: dict[str, Finding]
) -> list[Finding]:
    found: list[Finding] = []
    money = _money_failures(con)
    for entity in sorted(set(money) | set(held)):
        quarantined, file, row, reason = money.get(entity, (0, None, None, None))
        hold = held.get(entity)
        failing = quarantined + (hold.rows or 0 if hold else 0)
        base = current.get(entity, 0) + quarantined
        share = failing / base if base else 1.0
        if share > settings.money_rule_max_share and failing >= settings.money_rule_min_rows:
            if file is None and hold is not None:
                file, row, reason = hold.example_file, hold.example_row, hold.example
            message = (
                f"{entity}: {failing:,} of {base:,} current rows ({share:.1%}) fail a money rule ({quarantined:,} "
                f"quarantined, {failing - quarantined:,} held; threshold {settings.money_rule_max_share:.1%})"
            )
            example = (file, row, reason)
            found.append(
                _block(entity, "money_rule_share", failing, message, example, share, settings.money_rule_max_share)
            )
    for entity in settings.required_entities:
        if current.get(entity, 0) == 0:
            found.append(_empty_entity(con, entity))
    if settings.max_shrink < 1:
        baseline = dict(
            con.execute(f"SELECT entity, current_rows FROM {COUNTS_TABLE} WHERE state = 'published'").fetchall()
        )
        for entity, before in sorted(baseline.items()):
            now = current.get(entity)
            if now is None or before < settings.shrink_min_rows or now >= (1 - settings.max_shrink) * before:
                continue
            message = (
                f"{entity}: {now:,} current rows against {before:,} at the last published run "
                f"(-{1 - now / before:.0%}; threshold -{settings.max_shrink:.0%})"
            )
            shrink = 1 - now / before
            found.append(
                _block(
                    entity,
                    "entity_shrank",
                    before - now,
                    message,
                    _latest_file(con, entity),
                    shrink,
                    settings.max_shrink,
                )
            )
    return found


def _latest_file(con: duckdb.DuckDBPyConnection, entity: str) -> tuple[str | None, int | None, str | None]:
    """The entity's most recently ingested file, as the example of a whole-entity finding."""
    rows = con.execute(
        "SELECT file, status, rows_read, rows_rejected, message FROM audit.ingested_files WHERE entity = ? "
        "ORDER BY file_seq DESC LIMIT 1",
        [entity],
    ).fetchall()
    if not rows:
        return None, None, None
    file, status, read, rejected, message = rows[0]
    text = f"latest file, {status}, {read:,} rows read, {rejected:,} rejected" + (f" ({message})" if message else "")
    return file, None, text


def _empty_entity(con: duckdb.DuckDBPyConnection, entity: str) -> Finding:
    example = _latest_file(con, entity)
    never = "" if example[0] else f" (no file was ever ingested from the landing folder {entity}/)"
    message = f"{entity}: no current rows, and {entity} is a required entity{never}"
    return _block(entity, "required_entity_empty", 0, message, example)


def _block(
    entity: str,
    rule: str,
    rows: int,
    message: str,
    example: tuple[str | None, int | None, str | None],
    share: float | None = None,
    threshold: float | None = None,
) -> Finding:
    return Finding(entity, rule, BLOCK, rows, message, share, threshold, *example)


# -- what is kept ------------------------------------------------------------------------------------------


_OUTCOME = "entity, rule, severity, rows, share, threshold, example_file, example_row, example, message"


def store(con: duckdb.DuckDBPyConnection, assessment: Assessment, *, run_id: str, checked_at: dt.datetime) -> bool:
    """Replace audit.data_quality_findings with this assessment, and the entities' 'checked' row counts - only when
    they changed, so a re-run over unchanged data writes nothing (run_id and checked_at then name the run that first
    found the current outcome, as in audit.validation_results). Returns whether anything was written."""
    ensure_tables(con)
    findings = [
        (f.entity, f.rule, f.severity, f.rows, f.share, f.threshold, f.example_file, f.example_row, f.example)
        + (f.message,)
        for f in assessment.findings
    ]
    counts = sorted(assessment.current_rows.items())
    stored = con.execute(f"SELECT {_OUTCOME} FROM {FINDINGS_TABLE}").fetchall()
    stored_counts = con.execute(f"SELECT entity, current_rows FROM {COUNTS_TABLE} WHERE state = 'checked'").fetchall()
    if Counter(stored) == Counter(findings) and Counter(stored_counts) == Counter(counts):
        return False

    def write() -> None:
        con.execute(f"DELETE FROM {FINDINGS_TABLE}")
        if findings:  # executemany refuses an empty list
            con.executemany(
                f"INSERT INTO {FINDINGS_TABLE} (run_id, checked_at, {_OUTCOME}) VALUES ({', '.join(['?'] * 12)})",
                [[run_id, checked_at, *f] for f in findings],
            )
        con.execute(f"DELETE FROM {COUNTS_TABLE} WHERE state = 'checked'")
        if counts:
            con.executemany(
                f"INSERT INTO {COUNTS_TABLE} VALUES (?, 'checked', ?, ?, ?)",
                [[e, n, run_id, checked_at] for e, n in counts],
            )

    in_transaction(con, write)
    return True


def mark_published(con: duckdb.DuckDBPyConnection) -> None:
    """The last checked counts become the baseline of the shrink rule (called once the run has published); nothing
    is written when they already are."""
    ensure_tables(con)
    same = con.execute(
        f"SELECT count(*) = 0 FROM ((SELECT entity, current_rows FROM {COUNTS_TABLE} WHERE state = 'checked' "
        f"EXCEPT SELECT entity, current_rows FROM {COUNTS_TABLE} WHERE state = 'published') UNION ALL "
        f"(SELECT entity, current_rows FROM {COUNTS_TABLE} WHERE state = 'published' "
        f"EXCEPT SELECT entity, current_rows FROM {COUNTS_TABLE} WHERE state = 'checked'))"
    ).fetchone()[0]
    if same:
        return

    def write() -> None:
        con.execute(f"DELETE FROM {COUNTS_TABLE} WHERE state = 'published'")
        con.execute(
            f"INSERT INTO {COUNTS_TABLE} SELECT entity, 'published', current_rows, run_id, counted_at "
            f"FROM {COUNTS_TABLE} WHERE state = 'checked'"
        )

    in_transaction(con, write)


def published_summary(con: duckdb.DuckDBPyConnection) -> tuple[str | None, list[dict[str, object]]]:
    """(run id, rows by entity, rule and severity) of the stored findings, for audit.warehouse_info."""
    ensure_tables(con)
    rows = con.execute(
        f"SELECT run_id, entity, rule, severity, rows FROM {FINDINGS_TABLE} ORDER BY severity, entity, rule"
    ).fetchall()
    run_id = rows[0][0] if rows else None
    return run_id, [{"entity": e, "rule": r, "severity": s, "rows": n} for _, e, r, s, n in rows]
