"""What changed in raw since the last successful build: the input of an incremental refresh (issue 20).

Every successful dbt build records a watermark in `state.builds`: the highest file_seq ingested by then, the
as-of date, a fingerprint of every file it saw (file_seq, path, sha256) and a hash of the dbt project's code.
The next build compares the build database with it:
- nothing recorded, `--full`, the dbt code changed, or a file the last build saw was replaced, removed or
  re-ingested (its raw rows may be gone, so the months they fed cannot be found) -> a full rebuild;
- otherwise an incremental one: dbt gets the watermark and the previous as-of date as vars, and the incremental
  models rebuild only the months that rows newer than the watermark (and the as-of move) touch
  (dbt_project/macros/incremental.sql). Appended files are what a daily export brings.

`state` is a schema of the build database that is never published (it describes the build, not the business).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import duckdb

from ingestion.db import scalar

STATE_DDL = [
    "CREATE SCHEMA IF NOT EXISTS state",
    """CREATE TABLE IF NOT EXISTS state.builds (
        built_at TIMESTAMP NOT NULL, mode VARCHAR NOT NULL, reason VARCHAR NOT NULL, as_of DATE NOT NULL,
        max_file_seq BIGINT NOT NULL, files_fingerprint UBIGINT NOT NULL, code_hash VARCHAR NOT NULL,
        new_rows JSON)""",
    """CREATE TABLE IF NOT EXISTS state.validations (
        entity VARCHAR NOT NULL, validated_at TIMESTAMP NOT NULL, mode VARCHAR NOT NULL, as_of DATE NOT NULL,
        max_file_seq BIGINT NOT NULL, files_fingerprint UBIGINT NOT NULL, passed BOOLEAN NOT NULL)""",
]
FULL, INCREMENTAL = "full", "incremental"
NEW_ROWS, UNCHANGED = "new_rows", "unchanged"  # validation modes besides FULL


@dataclass(frozen=True)
class BuildPlan:
    """How this build runs and why; `dbt_env` goes into dbt's environment (dbt_project/macros/incremental.sql)."""

    mode: str  # full | incremental
    reason: str  # one sentence, shown in Dagster's metadata
    as_of: dt.date
    max_file_seq: int  # the watermark this build will record
    files_fingerprint: int
    code_hash: str
    since_file_seq: int = -1  # rows with a larger _file_seq are new (incremental only)
    previous_as_of: dt.date | None = None
    new_files: dict[str, int] = field(default_factory=dict)  # entity -> files ingested since the watermark
    new_rows: dict[str, int] = field(default_factory=dict)  # entity -> rows those files brought

    @property
    def full(self) -> bool:
        return self.mode == FULL

    def dbt_env(self) -> dict[str, str]:
        """The watermark for an incremental build; empty values for a full one (an inherited value must not
        make a full build incremental)."""
        if self.full:
            return {"SALESPERF_INCREMENTAL_SINCE_FILE_SEQ": "", "SALESPERF_INCREMENTAL_PREVIOUS_AS_OF": ""}
        return {
            "SALESPERF_INCREMENTAL_SINCE_FILE_SEQ": str(self.since_file_seq),
            "SALESPERF_INCREMENTAL_PREVIOUS_AS_OF": str(self.previous_as_of or self.as_of),
        }


def ensure_state(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in STATE_DDL:
        con.execute(ddl)


def _files_fingerprint(con: duckdb.DuckDBPyConnection, up_to: int) -> int:
    """An order-independent hash of every ingested file up to file_seq `up_to` (which path, which content)."""
    return int(
        scalar(
            con,
            "SELECT coalesce(bit_xor(hash(file_seq, file, entity, coalesce(sha256, ''), status)), 0) "
            "FROM audit.ingested_files WHERE file_seq <= $s",
            {"s": up_to},
        )
    )


def plan_build(con: duckdb.DuckDBPyConnection, *, as_of: dt.date, code_hash: str, force_full: bool) -> BuildPlan:
    """Decide full or incremental for the build about to run (read-only apart from creating `state`)."""
    ensure_state(con)
    max_seq = int(scalar(con, "SELECT coalesce(max(file_seq), 0) FROM audit.ingested_files"))
    now_fp = _files_fingerprint(con, max_seq)
    last = con.execute(
        "SELECT max_file_seq, files_fingerprint, code_hash, as_of FROM state.builds ORDER BY built_at DESC LIMIT 1"
    ).fetchone()
    common = {"as_of": as_of, "max_file_seq": max_seq, "files_fingerprint": now_fp, "code_hash": code_hash}

    def full(reason: str) -> BuildPlan:
        return BuildPlan(mode=FULL, reason=reason, **common)

    if force_full:
        return full("full rebuild requested (salesperf run --full)")
    if last is None:
        return full("no earlier build recorded in this build database")
    since, last_fp, last_code, last_as_of = int(last[0]), int(last[1]), str(last[2]), last[3]
    if last_code != code_hash:
        return full("the dbt project's code changed since the last build")
    if _files_fingerprint(con, since) != last_fp:
        return full("a file the last build used was replaced, removed or re-ingested since")
    changed = con.execute(
        "SELECT entity, count(*), sum(rows_accepted) FROM audit.ingested_files WHERE file_seq > $s GROUP BY 1",
        {"s": since},
    ).fetchall()
    return BuildPlan(
        mode=INCREMENTAL,
        reason=(
            f"{sum(int(c[1]) for c in changed)} new file(s) since the last build"
            + (f"; as-of moved from {last_as_of} to {as_of}" if last_as_of != as_of else "")
        ),
        since_file_seq=since,
        previous_as_of=last_as_of,
        new_files={str(e): int(n) for e, n, _ in changed},
        new_rows={str(e): int(r or 0) for e, _, r in changed},
        **common,
    )


def record_build(con: duckdb.DuckDBPyConnection, plan: BuildPlan, built_at: dt.datetime | None = None) -> None:
    """Remember a successful build (call only after dbt succeeded): the next plan starts from here."""
    ensure_state(con)
    con.execute(
        "INSERT INTO state.builds VALUES ($t, $m, $r, $a, $s, $f, $c, $n)",
        {
            "t": built_at or dt.datetime.now(),
            "m": plan.mode,
            "r": plan.reason,
            "a": plan.as_of,
            "s": plan.max_file_seq,
            "f": plan.files_fingerprint,
            "c": plan.code_hash,
            "n": json.dumps(plan.new_rows),
        },
    )


@dataclass(frozen=True)
class ValidationPlan:
    """How one entity's expectation suite runs: on every current row (full), on the current rows of the files
    since its last validation (new_rows), or not at all (unchanged)."""

    entity: str
    mode: str  # full | new_rows | unchanged
    reason: str
    max_file_seq: int
    files_fingerprint: int
    since_file_seq: int | None = None


def plan_validation(
    con: duckdb.DuckDBPyConnection, entities: list[str], *, as_of: dt.date, force_full: bool
) -> dict[str, ValidationPlan]:
    """Every expectation is about single rows or keys (not null, allowed values, ranges, plausible dates, date
    order, unique key, references), so rows that passed stay valid while they are current, as long as no row
    they refer to disappears (a replaced or removed file: full) and the as-of date does not move back (the
    plausible-date limit). An entity whose last validation passed is therefore validated again on its new
    current rows only, or not at all when no file of it arrived; after any failure, fully (so a WARN keeps
    being reported until the data changes)."""
    ensure_state(con)
    max_seq = int(scalar(con, "SELECT coalesce(max(file_seq), 0) FROM audit.ingested_files"))
    now_fp = _files_fingerprint(con, max_seq)
    plans: dict[str, ValidationPlan] = {}
    for entity in entities:
        common = {"entity": entity, "max_file_seq": max_seq, "files_fingerprint": now_fp}
        last = con.execute(
            "SELECT max_file_seq, files_fingerprint, as_of, passed FROM state.validations WHERE entity = $e "
            "ORDER BY validated_at DESC LIMIT 1",
            {"e": entity},
        ).fetchone()
        if force_full or last is None:
            reason = "full validation requested" if force_full else "no earlier validation recorded"
            plans[entity] = ValidationPlan(mode=FULL, reason=reason, **common)
            continue
        since, last_fp, last_as_of, passed = int(last[0]), int(last[1]), last[2], bool(last[3])
        reason = (
            "the last validation found failures"
            if not passed
            else "the as-of date moved back"
            if as_of < last_as_of
            else "a file validated before was replaced, removed or re-ingested"
            if _files_fingerprint(con, since) != last_fp
            else None
        )
        if reason:
            plans[entity] = ValidationPlan(mode=FULL, reason=reason, **common)
            continue
        new = int(
            scalar(
                con,
                "SELECT count(*) FROM audit.ingested_files WHERE entity = $e AND file_seq > $s",
                {"e": entity, "s": since},
            )
        )
        plans[entity] = (
            ValidationPlan(
                mode=NEW_ROWS, reason=f"{new} new file(s) since the last validation", since_file_seq=since, **common
            )
            if new
            else ValidationPlan(
                mode=UNCHANGED,
                reason="no new file since the last validation, which passed",
                since_file_seq=since,
                **common,
            )
        )
    return plans


def record_validation(con: duckdb.DuckDBPyConnection, plan: ValidationPlan, *, as_of: dt.date, passed: bool) -> None:
    ensure_state(con)
    con.execute(
        "INSERT INTO state.validations VALUES ($e, $t, $m, $a, $s, $f, $p)",
        {
            "e": plan.entity,
            "t": dt.datetime.now(),
            "m": plan.mode,
            "a": as_of,
            "s": plan.max_file_seq,
            "f": plan.files_fingerprint,
            "p": passed,
        },
    )
