"""Running the suites: one GX batch per entity's scratch table, results stored."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import duckdb

from ingestion.entities import ENTITY_NAMES
from ingestion.readers import quote_ident
from ingestion.validation.engine import gx_engine_kwargs
from ingestion.validation.gx_setup import DataContextConfig, InMemoryStoreBackendDefaults, ProgressBarsConfig, gx, gxe
from ingestion.validation.results import (
    RESULTS_TABLE,
    EntityValidation,
    RuleResult,
    ensure_results_table,
    rule_result,
    store_results,
)
from ingestion.validation.rules import COLUMN_FORMAT, ROWS_FORMAT, entity_rules
from ingestion.validation.scratch import SCRATCH, create_scratch, current_rows_change


@contextmanager
def _gx_batch(con: duckdb.DuckDBPyConnection, entity: str) -> Iterator[Any]:
    """A GX batch over the entity's scratch table (whole table), through an ephemeral in-memory GX context."""
    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
            store_backend_defaults=InMemoryStoreBackendDefaults(),
        ),
    )
    # The URL only picks the dialect: `creator` supplies the connections.
    source = context.data_sources.add_sql(
        f"build_db_{entity}",
        connection_string="duckdb:///:memory:",
        kwargs=gx_engine_kwargs(con, search_path=f"{SCRATCH}.main"),
    )
    # No schema_name (deprecated in GX 1.x): the search path leads to the scratch table.
    asset = source.add_table_asset(entity, table_name=entity)
    try:
        yield asset.add_batch_definition_whole_table("current").get_batch()
    finally:
        source.get_execution_engine().engine.dispose()


def run_suite(
    con: duckdb.DuckDBPyConnection, entity: str, as_of: dt.date, since_file_seq: int | None = None
) -> list[RuleResult]:
    """Build the scratch table of current rows (of files after `since_file_seq` only, when given), run the
    entity's suite on it through GX, drop it again."""
    table = f"{SCRATCH}.main.{quote_ident(entity)}"
    progress = con.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0]
    con.execute("SET enable_progress_bar = false")  # DuckDB draws it even into Dagster's captured logs
    con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {SCRATCH}")
    create_scratch(con, entity, table, since_file_seq)
    try:
        rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
        rules = entity_rules(entity, as_of, catalog=str(con.execute("SELECT current_database()").fetchall()[0][0]))
        by_kind: dict[bool, list[gxe.Expectation]] = {False: [], True: []}
        for rule in rules:
            by_kind[isinstance(rule.expectation, gxe.UnexpectedRowsExpectation)].append(rule.expectation)
        outcomes = []
        with _gx_batch(con, entity) as batch:
            for rows_kind, expectations in by_kind.items():
                if expectations:
                    suite = gx.ExpectationSuite(name=f"raw.{entity}", expectations=expectations)
                    outcomes += batch.validate(suite, result_format=ROWS_FORMAT if rows_kind else COLUMN_FORMAT).results
        by_rule = {r.expectation_config.meta["rule"]: r for r in outcomes}
        return [rule_result(entity, rule, by_rule[rule.name], rows) for rule in rules]
    finally:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(f"SET enable_progress_bar = {'true' if progress else 'false'}")


def validate_entity(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    *,
    as_of: dt.date,
    run_id: str | None = None,
    now: dt.datetime | None = None,
    since_file_seq: int | None = None,
) -> EntityValidation:
    """Run one entity's suite and store its results. Writes the build database: hold the writer lock."""
    started = dt.datetime.now()
    results = run_suite(con, entity, as_of, since_file_seq)
    validated = max((r.element_count or 0 for r in results), default=0)
    if since_file_seq is not None:
        results = _as_whole_entity(con, entity, results, since_file_seq)
    written = store_results(con, entity, results, run_id=run_id or uuid.uuid4().hex, validated_at=now or started)
    return EntityValidation(entity, results, (dt.datetime.now() - started).total_seconds(), written, validated)


def _as_whole_entity(
    con: duckdb.DuckDBPyConnection, entity: str, results: list[RuleResult], since_file_seq: int
) -> list[RuleResult]:
    """Results of a validation of new rows only, restated for all current rows: an incremental validation runs
    only after one that passed on every row (ingestion/changes.py), so the unexpected rows are the new ones, and
    the element count is the last one plus the current rows the new files added. The stored results then read
    as a full validation's (the data-quality assessment takes the entity's current row count from them)."""
    ensure_results_table(con)
    before = con.execute(
        f"SELECT coalesce(max(element_count), 0) FROM {RESULTS_TABLE} WHERE entity = $e", {"e": entity}
    ).fetchall()[0][0]
    total = int(before) + current_rows_change(con, entity, since_file_seq)
    return [
        replace(
            r,
            element_count=total,
            unexpected_percent=None
            if r.unexpected_count is None
            else (100.0 * r.unexpected_count / total if total else 0.0),
        )
        for r in results
    ]


def validate_all(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.date,
    entities: Sequence[str] | None = None,
    run_id: str | None = None,
    now: dt.datetime | None = None,
    on_entity: Callable[[EntityValidation], None] | None = None,
    since_file_seq: dict[str, int] | None = None,
) -> dict[str, EntityValidation]:
    """validate_entity for each entity (all by default), one run id and timestamp for all; an entity in
    `since_file_seq` is validated on the current rows of its files after that file_seq only."""
    run_id = run_id or uuid.uuid4().hex
    now = now or dt.datetime.now()
    out: dict[str, EntityValidation] = {}
    since = since_file_seq or {}
    for entity in ENTITY_NAMES if entities is None else entities:
        out[entity] = validate_entity(
            con, entity, as_of=as_of, run_id=run_id, now=now, since_file_seq=since.get(entity)
        )
        if on_entity:
            on_entity(out[entity])
    return out
