"""Great Expectations suites for the raw entities, executed inside DuckDB (docs/data_quality.md).

Ingestion already types every row and quarantines what does not parse (required blank, bad date, value
outside an allowed list). The suites here are the second line: they look at the rows dbt staging will
actually use and check what a single row cannot show - keys, ranges, plausible dates and references
between entities. Each expectation carries a severity:

- ERROR: the warehouse would pay or credit the wrong money (an order credited to a rep who does not
  exist, a negative quantity, a split of 50 instead of 0.5). The Dagster check blocks the dbt build.
- WARN: a figure outside money is off, or the data is odd but the pipeline has a documented rule for it
  (a key repeated inside one extract: the later row wins). Reported, never blocking.

What is validated: per entity a scratch table holding the *current* rows of raw.<entity>, i.e. for
each key the rows with the latest `updated_at` (NULL counts as oldest) and then the latest `_file_seq` -
the rows staging chooses between - in an in-memory database attached as `sp_validation`. Rows superseded
by a later extract are not validated: a corrected row must not keep failing. Ties (the same key twice in
one file) are kept, so the uniqueness expectation can see them; staging breaks such a tie by
`_source_row`. The table is written in file and row order (`_create_scratch`), so with DuckDB's insertion-order
preservation GX's sampled failing values are the same on every run, and dropped again after validation.

GX runs against DuckDB through its SQL datasource (SQLAlchemy + duckdb_engine) over the caller's own
DuckDB connection; see `gx_engine` for the cursor fix that makes that return results at all.
Results go to `audit.validation_results` (one row per expectation, replaced per entity only when the
outcome changed, so an unchanged re-run writes nothing).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb
import sqlalchemy as sa
from duckdb_engine import ConnectionWrapper, CursorWrapper

from ingestion.entities import ENTITIES, ENTITY_NAMES
from ingestion.readers import InsertionOrder, quote_ident

# GX sends usage analytics unless told otherwise; a warehouse run must not phone home.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402  (after the analytics switch)
import great_expectations.expectations as gxe  # noqa: E402
from great_expectations.data_context.types.base import (  # noqa: E402
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.expectations.metadata_types import FailureSeverity  # noqa: E402

ERROR, WARN = "ERROR", "WARN"
# Scratch database of the current-row tables: in memory, attached to the build database's instance, so GX's
# cursors see it and the build file neither grows nor pays for compressing a copy (2.4 s instead of 5.3 s
# for a million order lines).
SCRATCH = "sp_validation"
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

# Plausible dates: nothing before this, nothing more than a year after the as-of date (a day and month
# swapped by a foreign date format, or an Excel serial read as a year, lands outside).
EARLIEST_DATE = dt.date(1990, 1, 1)
FUTURE_DAYS = {"expected_close_date": 5 * 366}  # default 366


@dataclass(frozen=True)
class Rule:
    """One expectation of an entity's suite, with the severity the Dagster check reports."""

    name: str  # stable within the entity, e.g. "rep_id_in_reps"; the result's `expectation`
    columns: tuple[str, ...]
    severity: str  # ERROR | WARN
    why: str  # one line for people reading the results
    expectation: gxe.Expectation = field(compare=False)


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
            _json(self.sample),
            _json(self.details),
        )


@dataclass
class EntityValidation:
    entity: str
    results: list[RuleResult]
    seconds: float = 0.0
    written: bool = False  # False when the stored outcome was already identical

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.results if not r.success]

    @property
    def severity(self) -> str | None:
        """The worst severity among failing expectations, None when everything passed."""
        levels = {r.rule.severity for r in self.failed}
        return ERROR if ERROR in levels else WARN if levels else None


# -- the suites ---------------------------------------------------------------------------------------

# Explicit ranges: entity -> [(column, min, max, strict_min, severity, why)]. None = unbounded.
RANGES: dict[str, list[tuple[str, float | None, float | None, bool, str, str]]] = {
    "orders": [
        (
            "quantity",
            0,
            None,
            True,
            ERROR,
            "a line with quantity <= 0 credits negative or no sales; returns are their own entity",
        ),
        ("unit_price", 0, None, False, ERROR, "a negative price turns a sale into a debit"),
        ("discount_amount", 0, None, False, WARN, "a negative discount raises the net amount"),
    ],
    "returns": [
        (
            "amount",
            0,
            None,
            True,
            ERROR,
            "amount is money credited back, so positive; a negative return would add sales",
        ),
        ("quantity", 0, None, True, WARN, "returned quantity should be positive"),
    ],
    "payments": [("amount", 0, None, True, WARN, "refunds and reversals should be rare")],
    "credit_splits": [
        ("split_pct", 0, 1, True, ERROR, "a split is a fraction; 50 instead of 0.5 would credit fifty times the order")
    ],
    "products": [
        ("list_price", 0, None, False, WARN, "prices are not negative"),
        ("unit_cost", 0, None, False, WARN, "costs are not negative (gross margin measure)"),
    ],
    "opportunities": [("amount", 0, None, False, WARN, "pipeline amounts are not negative")],
    "activities": [("duration_minutes", 0, 24 * 60, False, WARN, "an activity lasts between 0 and 24 hours")],
    "surveys": [("score", 1, 5, False, WARN, "satisfaction is scored 1 to 5")],
    "trainings": [("assessment_score", 0, 100, False, WARN, "assessments are scored 0 to 100")],
    "targets": [("target_amount", 0, None, False, WARN, "targets are not negative")],
}

# References: entity -> [(column(s), target entity, target column(s), severity, why)].
REFERENCES: dict[str, list[tuple[tuple[str, ...], str, tuple[str, ...], str, str]]] = {
    "orders": [
        (
            ("rep_id",),
            "reps",
            ("rep_id",),
            ERROR,
            "the line's credit would go to a rep with no plan, region "
            "or team: the seller is not paid and region/team attainment misses it",
        ),
        (
            ("product_id",),
            "products",
            ("product_id",),
            WARN,
            "the line still counts in full; only product-line "
            "figures (SPIFs, product-line targets, gross margin) miss it",
        ),
        (("customer_id",), "customers", ("customer_id",), WARN, "customer attributes are missing; no money effect"),
    ],
    "returns": [
        (
            ("order_id",),
            "orders",
            ("order_id",),
            WARN,
            "a return against an order outside the extracts reduces nobody's sales; usual for returns of older orders",
        ),
        (
            ("order_id", "line_no"),
            "orders",
            ("order_id", "line_no"),
            WARN,
            "the return names a line its order does not have",
        ),
    ],
    "credit_splits": [
        (("order_id",), "orders", ("order_id",), WARN, "a split for an unknown order does nothing"),
        (("rep_id",), "reps", ("rep_id",), ERROR, "the share of the order's credit would go to no one"),
    ],
    "payments": [
        (("order_id",), "orders", ("order_id",), WARN, "the payment cannot be tied to an order"),
        (("customer_id",), "customers", ("customer_id",), WARN, "unknown paying customer"),
    ],
    "adjustments": [
        (
            ("rep_id",),
            "reps",
            ("rep_id",),
            ERROR,
            "a manual commission adjustment for a rep who does not exist: someone is not paid",
        )
    ],
    "reps": [(("manager_id",), "reps", ("rep_id",), WARN, "the manager override has no recipient")],
    "customers": [(("owner_rep_id",), "reps", ("rep_id",), WARN, "the customer's owner is unknown")],
    "opportunities": [
        (("owner_rep_id",), "reps", ("rep_id",), WARN, "pipeline KPIs miss the owner"),
        (("customer_id",), "customers", ("customer_id",), WARN, "unknown customer"),
    ],
    "activities": [(("rep_id",), "reps", ("rep_id",), WARN, "activity KPIs miss the rep")],
    "surveys": [
        (("customer_id",), "customers", ("customer_id",), WARN, "unknown customer"),
        (("rep_id",), "reps", ("rep_id",), WARN, "satisfaction KPI misses the rep"),
    ],
    "trainings": [(("rep_id",), "reps", ("rep_id",), WARN, "training KPI misses the rep")],
}

# Date order within a row: entity -> [(earlier, later, severity)].
DATE_ORDER: dict[str, list[tuple[str, str, str]]] = {
    "reps": [("hire_date", "termination_date", WARN)],
    "orders": [("order_date", "cancelled_date", WARN)],
    "opportunities": [("created_date", "closed_date", WARN)],
}


def _severity(level: str) -> FailureSeverity:
    return FailureSeverity.CRITICAL if level == ERROR else FailureSeverity.WARNING


# Result formats, per kind of expectation (GX applies one per validate call, so the suite runs in two):
# SUMMARY gives counts and up to 20 failing values (SAMPLE_SIZE are kept); COMPLETE gives an
# UnexpectedRowsExpectation's failing rows themselves (GX fetches at most 200), where SUMMARY gives none.
COLUMN_FORMAT: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
ROWS_FORMAT: dict[str, Any] = {"result_format": "COMPLETE"}


def _column_expectation(cls: type[gxe.Expectation], level: str, **kwargs: Any) -> gxe.Expectation:
    return cls(severity=_severity(level), **kwargs)


def _rows_expectation(query: str, level: str, why: str) -> gxe.Expectation:
    return gxe.UnexpectedRowsExpectation(unexpected_rows_query=query, description=why, severity=_severity(level))


def _key_order(entity: str) -> list[str]:
    spec = ENTITIES[entity]
    return [quote_ident(c) for c in spec.key] or ["_file_seq", "_source_row"]


def _reference_query(
    entity: str, columns: tuple[str, ...], target: str, target_columns: tuple[str, ...], raw: str
) -> str:
    """Current rows whose reference is set but found in no row of raw.<target>. A key present in raw is
    present among the current rows too (de-duplication never drops a key), so raw is the cheaper side.

    Written as DuckDB's ANTI JOIN: GX substitutes a JOIN query's {batch} without an alias of its own, so
    the query can name it `b`; the hash anti-join needs no DISTINCT over the (possibly large) target."""
    q = quote_ident
    shown = ", ".join(dict.fromkeys([*(f"b.{c}" for c in _key_order(entity)), *(f"b.{q(c)}" for c in columns)]))
    set_ = " AND ".join(f"b.{q(c)} IS NOT NULL" for c in columns)
    match = " AND ".join(f"t.{q(tc)} = b.{q(c)}" for c, tc in zip(columns, target_columns, strict=True))
    order = ", ".join(f"b.{c}" for c in _key_order(entity))
    return (
        f"SELECT {shown} FROM {{batch}} AS b ANTI JOIN {raw}.{q(target)} AS t ON {match} WHERE {set_} ORDER BY {order}"
    )


def _repeated_key_query(entity: str) -> str:
    """Current rows whose key another current row has: every such row, as GX's uniqueness expectations
    count them, with where it came from. Rows are first narrowed by a hash of the key (one GROUP BY on a
    BIGINT; a collision only adds rows to the exact test), so the exact window runs on a handful of rows:
    ~1 s for 10M order lines, where ExpectCompoundColumnsToBeUnique took 5.5 s (and
    ExpectColumnValuesToBeUnique 3.4 s for 7.5M payments)."""
    keys = ", ".join(quote_ident(c) for c in ENTITIES[entity].key)
    given = " AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in ENTITIES[entity].key)
    return (
        f"SELECT {keys}, _file_seq, _source_row FROM {{batch}} WHERE {given} AND hash({keys}) IN "
        f"(SELECT hash({keys}) FROM {{batch}} GROUP BY 1 HAVING count(*) > 1) "
        f"QUALIFY count(*) OVER (PARTITION BY {keys}) > 1 ORDER BY {keys}, _file_seq, _source_row"
    )


def entity_rules(entity: str, as_of: dt.date, catalog: str | None = None) -> list[Rule]:
    """The suite of one entity: derived from its spec (required -> not null, key -> unique, allowed
    values, plausible dates) plus the explicit ranges, references and date orders above. `catalog`: the
    build database's name, which reference queries need because GX's cursors search the scratch database."""
    raw = f"{quote_ident(catalog)}.raw" if catalog else "raw"
    spec = ENTITIES[entity]
    rules: list[Rule] = []
    for col in spec.columns:
        if col.required:
            rules.append(
                Rule(
                    f"{col.name}_not_null",
                    (col.name,),
                    ERROR,
                    "required column",
                    _column_expectation(gxe.ExpectColumnValuesToNotBeNull, ERROR, column=col.name),
                )
            )
    if spec.key:
        why = "the key repeats within one extract; staging keeps the later row"
        rules.append(
            Rule(
                f"{'_'.join(spec.key)}_unique",
                spec.key,
                WARN,
                why,
                _rows_expectation(_repeated_key_query(entity), WARN, why),
            )
        )
    for col in spec.columns:
        if col.allowed:  # ingestion rejects anything else; a failure here means ingestion broke
            rules.append(
                Rule(
                    f"{col.name}_allowed",
                    (col.name,),
                    ERROR,
                    f"one of {', '.join(col.allowed)}",
                    _column_expectation(
                        gxe.ExpectColumnValuesToBeInSet, ERROR, column=col.name, value_set=list(col.allowed)
                    ),
                )
            )
    for name, low, high, strict, level, why in RANGES.get(entity, []):
        rules.append(
            Rule(
                f"{name}_range",
                (name,),
                level,
                why,
                _column_expectation(
                    gxe.ExpectColumnValuesToBeBetween,
                    level,
                    column=name,
                    min_value=low,
                    max_value=high,
                    strict_min=strict,
                ),
            )
        )
    for col in spec.columns:
        if col.kind == "date":
            latest = as_of + dt.timedelta(days=FUTURE_DAYS.get(col.name, 366))
            rules.append(
                Rule(
                    f"{col.name}_plausible",
                    (col.name,),
                    WARN,
                    f"between {EARLIEST_DATE} and {latest} (as-of date + {(latest - as_of).days} days)",
                    _column_expectation(
                        gxe.ExpectColumnValuesToBeBetween,
                        WARN,
                        column=col.name,
                        min_value=EARLIEST_DATE,
                        max_value=latest,
                    ),
                )
            )
    for earlier, later, level in DATE_ORDER.get(entity, []):
        order = ", ".join(_key_order(entity))
        why = f"{later} is not before {earlier}"
        query = (
            f"SELECT {order}, {quote_ident(earlier)}, {quote_ident(later)} FROM {{batch}} "
            f"WHERE {quote_ident(later)} < {quote_ident(earlier)} ORDER BY {order}"
        )
        rules.append(
            Rule(f"{later}_after_{earlier}", (earlier, later), level, why, _rows_expectation(query, level, why))
        )
    for columns, target, target_columns, level, why in REFERENCES.get(entity, []):
        name = f"{'_'.join(columns)}_in_{target}"
        query = _reference_query(entity, columns, target, target_columns, raw)
        rules.append(Rule(name, columns, level, why, _rows_expectation(query, level, why)))
    if entity == "targets":  # rep-level targets name a rep in `key`
        why = "a rep-level target for an unknown rep"
        rules.append(
            Rule(
                "rep_key_in_reps",
                ("level", "key"),
                WARN,
                why,
                _rows_expectation(
                    f"SELECT b.period, b.level, b.key FROM {{batch}} AS b "
                    f"ANTI JOIN {raw}.reps AS t ON t.rep_id = b.key "
                    "WHERE b.level = 'rep' AND b.key IS NOT NULL ORDER BY b.period, b.key",
                    WARN,
                    why,
                ),
            )
        )
    for rule in rules:
        rule.expectation.meta = {"rule": rule.name}
    return rules


# -- DuckDB through SQLAlchemy, with the cursor fix ---------------------------------------------------
#
# GX's SqlAlchemyExecutionEngine.execute_query runs a statement inside `with engine.connect()` and reads
# the rows only after that block has handed the connection back to the pool; the pool's reset-on-return
# issues a ROLLBACK on the DB-API connection. duckdb_engine's cursors all share their connection's one
# DuckDB connection, so that ROLLBACK (or any next statement) discards the pending result: GX then sees
# no rows (`list index out of range`, `'NoneType' object is not subscriptable`) and every expectation
# fails with an exception (great_expectations issue 11579). Giving each SQLAlchemy cursor its own DuckDB
# cursor (`connection.cursor()`: a new connection to the same database instance) keeps every result
# alive until it is read.


class _OwnCursor(CursorWrapper):
    """duckdb_engine's cursor over a DuckDB cursor of its own, closed with it."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection, connection: ConnectionWrapper) -> None:
        super().__init__(cursor, connection)
        self._cursor = cursor

    def close(self) -> None:
        self._cursor.close()


class CursorPerStatementConnection(ConnectionWrapper):
    """duckdb_engine's connection wrapper, except that each SQLAlchemy cursor gets its own DuckDB cursor.

    A new DuckDB cursor starts with default settings, so `search_path` is set on each: GX's column
    reflection falls back to an unqualified `SELECT * FROM <table>` for the table asset."""

    def __init__(self, con: duckdb.DuckDBPyConnection, search_path: str | None = None) -> None:
        super().__init__(con)
        self._con = con
        self._search_path = search_path

    def cursor(self) -> CursorWrapper:
        cursor = self._con.cursor()
        if self._search_path:
            cursor.execute(f"SET search_path = '{self._search_path}'")
        return _OwnCursor(cursor, self)


def gx_engine_kwargs(
    con: duckdb.DuckDBPyConnection, *, search_path: str | None = None, cursor_fix: bool = True
) -> dict[str, Any]:
    """create_engine() keyword arguments for an engine over `con`'s database.

    `creator` hands SQLAlchemy a cursor of the caller's connection rather than letting duckdb_engine open
    the file: in one process DuckDB shares a database only through one instance, and the caller may hold
    the file open for writing. One pooled connection (StaticPool) is enough; each statement gets its own
    DuckDB cursor anyway. `cursor_fix=False` is the stock duckdb_engine behaviour (for the regression test).
    """

    def creator() -> ConnectionWrapper:
        if cursor_fix:
            return CursorPerStatementConnection(con.cursor(), search_path)
        base = con.cursor()
        if search_path:
            base.execute(f"SET search_path = '{search_path}'")
        return ConnectionWrapper(base)

    return {"creator": creator, "poolclass": sa.pool.StaticPool}


# -- running the suites -------------------------------------------------------------------------------


def ensure_results_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(RESULTS_DDL)


def _latest_first(entity: str) -> str:
    """ORDER BY of one key's rows, the current one first: latest updated_at (NULL oldest), then latest file."""
    latest = [f"{quote_ident('updated_at')} DESC NULLS LAST"] if "updated_at" in ENTITIES[entity].column_names else []
    return ", ".join([*latest, "_file_seq DESC NULLS LAST"])


def current_rows_sql(entity: str) -> str:
    """SELECT the current rows of raw.<entity> (module docstring), in file and row order: the general form,
    which ranks every row and sorts them all (~9.5 s for 10M order lines); see `superseded_rowids` for the
    usual, cheaper way."""
    spec = ENTITIES[entity]
    q = quote_ident
    qualify = (
        (
            f" QUALIFY rank() OVER (PARTITION BY {', '.join(q(c) for c in spec.key)} "
            f"ORDER BY {_latest_first(entity)}) = 1"
        )
        if spec.key
        else ""
    )
    # Any total order makes GX's samples repeatable; (_file_seq, _source_row) identifies a row and sorts as
    # integers: 8.6 s instead of 13.2 s for 10M order lines when the key came first. Unpivoted wide targets
    # share one _source_row per month, so there the key breaks the tie.
    tie = [q(c) for c in spec.key] if entity == "targets" else []
    order = ", ".join(["_file_seq", "_source_row", *tie])
    return f"SELECT * FROM raw.{q(entity)}{qualify} ORDER BY {order}"


# At most this many superseded rows are filtered out by rowid list (each row is looked up in the list:
# 200 rowids cost ~1 s over 10M rows); beyond it the scratch table is built with current_rows_sql.
SUPERSEDED_LIST_MAX = 500


def superseded_rowids(con: duckdb.DuckDBPyConnection, entity: str) -> list[int] | None:
    """The rowids of raw.<entity>'s superseded rows (a later version of their key exists), found among the
    rows whose key repeats (grouped by a hash of the key: a collision only adds rows to rank), so that only
    those are ranked: 1.6 s for 10M order lines, against ranking all of them. None when there are more
    than SUPERSEDED_LIST_MAX."""
    spec = ENTITIES[entity]
    if not spec.key:
        return []
    table, keys = f"raw.{quote_ident(entity)}", ", ".join(quote_ident(c) for c in spec.key)
    rowids = [
        int(r[0])
        for r in con.execute(
            f"SELECT rowid FROM {table} WHERE hash({keys}) IN (SELECT hash({keys}) FROM {table} GROUP BY 1 "
            f"HAVING count(*) > 1) QUALIFY rank() OVER (PARTITION BY {keys} ORDER BY {_latest_first(entity)}) > 1 "
            f"LIMIT {SUPERSEDED_LIST_MAX + 1}"
        ).fetchall()
    ]
    return sorted(rowids) if len(rowids) <= SUPERSEDED_LIST_MAX else None


def _create_scratch(con: duckdb.DuckDBPyConnection, entity: str, table: str) -> None:
    """The scratch table of raw.<entity>'s current rows, in raw's own order, which is file and row order
    (files are appended in ingestion order, each file's rows in row order). With few superseded rows that
    order comes from scanning raw with insertion order preserved (a plain copy: ~2.5 s for 10M order lines;
    filtering by a rowid list keeps the order, an anti-join would not); else from current_rows_sql's sort."""
    superseded = superseded_rowids(con, entity)
    with InsertionOrder(con):
        if superseded is None:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS {current_rows_sql(entity)}")
        elif superseded:
            con.execute(
                f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM raw.{quote_ident(entity)} "
                "WHERE NOT list_contains($rowids, rowid)",
                {"rowids": superseded},
            )
        else:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM raw.{quote_ident(entity)}")


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


def run_suite(con: duckdb.DuckDBPyConnection, entity: str, as_of: dt.date) -> list[RuleResult]:
    """Build the scratch table of current rows, run the entity's suite on it through GX, drop it again."""
    table = f"{SCRATCH}.main.{quote_ident(entity)}"
    progress = con.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0]
    con.execute("SET enable_progress_bar = false")  # DuckDB draws it even into Dagster's captured logs
    con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {SCRATCH}")
    _create_scratch(con, entity, table)
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
        return [_rule_result(entity, rule, by_rule[rule.name], rows) for rule in rules]
    finally:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(f"SET enable_progress_bar = {'true' if progress else 'false'}")


def _rule_result(entity: str, rule: Rule, result: Any, rows: int) -> RuleResult:
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
    sample = sorted({_json(v): v for v in values}.items())[:SAMPLE_SIZE]
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


def _json(value: Any) -> str:
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
            return _json(json.loads(value))
        except ValueError:
            return value
    return value


def validate_entity(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    *,
    as_of: dt.date,
    run_id: str | None = None,
    now: dt.datetime | None = None,
) -> EntityValidation:
    """Run one entity's suite and store its results. Writes the build database: hold the writer lock."""
    started = dt.datetime.now()
    results = run_suite(con, entity, as_of)
    written = store_results(con, entity, results, run_id=run_id or uuid.uuid4().hex, validated_at=now or started)
    return EntityValidation(entity, results, (dt.datetime.now() - started).total_seconds(), written)


def validate_all(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.date,
    entities: Sequence[str] | None = None,
    run_id: str | None = None,
    now: dt.datetime | None = None,
    on_entity: Callable[[EntityValidation], None] | None = None,
) -> dict[str, EntityValidation]:
    """validate_entity for each entity (all by default), one run id and timestamp for all."""
    run_id = run_id or uuid.uuid4().hex
    now = now or dt.datetime.now()
    out: dict[str, EntityValidation] = {}
    for entity in ENTITY_NAMES if entities is None else entities:
        out[entity] = validate_entity(con, entity, as_of=as_of, run_id=run_id, now=now)
        if on_entity:
            on_entity(out[entity])
    return out
