"""Publish the build database's marts to the file BI tools open, atomically and 1.x-compatible.

Why a copy and a rename: DuckDB has one writer, and even a read-only reader in another process holds a
lock that would block a writer. We therefore never open the published file for writing. We write a new
file beside it and `os.replace` it over the old one: a reader that holds the old file keeps reading the
old inode, unblocked and consistent, and sees the new data when it reopens.

Why `STORAGE_VERSION 'v1.0.0'`: a file written by DuckDB 2.0 with default settings cannot be opened by the
DuckDB 1.x that BI drivers bundle ("version number 999"); this storage version can.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS: tuple[str, ...] = ("marts", "audit")
STORAGE_VERSION = "v1.0.0"


@dataclass(frozen=True)
class PublishReport:
    path: Path
    tables: dict[str, int]  # "schema.table" -> row count
    bytes: int


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _relations(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[tuple[str, str, str | None]]:
    rows = con.execute(
        """
        select schema_name, table_name, comment from duckdb_tables()
        where database_name = 'build' and schema_name in (select unnest(?::varchar[]))
        union all
        select schema_name, view_name, comment from duckdb_views()
        where database_name = 'build' and schema_name in (select unnest(?::varchar[])) and not internal
        order by 1, 2
        """,
        [list(schemas), list(schemas)],
    ).fetchall()
    return [(s, t, c) for s, t, c in rows]


def _copy_relation(con: duckdb.DuckDBPyConnection, schema: str, name: str, comment: str | None) -> int:
    """Copy one table (or view, materialized) with its table and column comments."""
    target = f"pub.{_ident(schema)}.{_ident(name)}"
    con.execute(f"create table {target} as select * from build.{_ident(schema)}.{_ident(name)}")
    if comment:
        con.execute(f"comment on table {target} is {_literal(comment)}")
    columns = con.execute(
        "select column_name, comment from duckdb_columns() "
        "where database_name = 'build' and schema_name = ? and table_name = ? and comment is not null",
        [schema, name],
    ).fetchall()
    for column, column_comment in columns:
        con.execute(f"comment on column {target}.{_ident(column)} is {_literal(column_comment)}")
    return con.execute(f"select count(*) from {target}").fetchone()[0]


def publish(
    build_db: Path,
    warehouse: Path,
    *,
    schemas: tuple[str, ...] = PUBLISHED_SCHEMAS,
    as_of: dt.date | None = None,
    run_id: str | None = None,
) -> PublishReport:
    """Copy `schemas` of `build_db` into a new file and atomically move it over `warehouse`. `run_id`: the run
    that publishes (recorded in audit.warehouse_info with its data-quality findings)."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(warehouse)
    # Unique per publish, even for two in one process; hidden so BI file pickers do not list it.
    staging = warehouse.with_name(f".{warehouse.name}.publishing-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    for leftover in (staging, staging.with_name(staging.name + ".wal")):
        leftover.unlink(missing_ok=True)
    tables: dict[str, int] = {}
    con = duckdb.connect()
    try:
        con.execute(f"attach {_literal(str(build_db))} as build (read_only)")
        con.execute(f"attach {_literal(str(staging))} as pub (storage_version '{STORAGE_VERSION}')")
        for schema in schemas:
            con.execute(f"create schema if not exists pub.{_ident(schema)}")
        for schema, name, comment in _relations(con, schemas):
            tables[f"{schema}.{name}"] = _copy_relation(con, schema, name, comment)
        if "audit" in schemas:
            _write_warehouse_info(con, build_db, as_of, run_id)
        con.execute("checkpoint pub")
        con.execute("detach pub")
        con.execute("detach build")
    finally:
        con.close()
    # A stale WAL beside the published file would be replayed onto the new file by the next writer.
    warehouse.with_name(warehouse.name + ".wal").unlink(missing_ok=True)
    os.replace(staging, warehouse)
    return PublishReport(path=warehouse, tables=tables, bytes=warehouse.stat().st_size)


def _has(con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str | None = None) -> bool:
    return bool(
        con.execute(
            "select 1 from duckdb_columns() where database_name = 'build' and schema_name = ? and table_name = ? "
            "and column_name = coalesce(?, column_name) limit 1",
            [schema, table, column],
        ).fetchall()
    )


# The data-quality findings of the run that published (docs/data_quality.md): audit.data_quality_findings, written
# by the run's expectation-suite step, as a JSON list of {entity, rule, severity, rows}.
_FINDINGS_JSON = """coalesce((select to_json(list(struct_pack(entity := entity, rule := rule, severity := severity,
    rows := "rows") order by severity, entity, rule)) from build.audit.data_quality_findings), '[]'::json)"""
_INFO_COMMENTS = {
    "published_at": "When this file was published.",
    "as_of": "The as-of date its run used (SALESPERF_AS_OF).",
    "storage_version": "DuckDB storage version of this file (readable by DuckDB 1.x clients).",
    "built_from": "The build database it was copied from.",
    "run_id": "The Dagster run that published it (the last run that was not blocked).",
    "rows_rejected": "Rows quarantined at ingestion over all current files (audit.rejected_rows).",
    "rows_held": "Rows held out of credit and commission for an unknown rep (audit.held_rows).",
    "data_quality": "The data-quality findings it was published with: [{entity, rule, severity, rows}], severity "
    "quarantine, hold, warn or accepted (audit.data_quality_findings has examples; docs/data_quality.md).",
}


def _remove_abandoned(warehouse: Path) -> None:
    """Delete the staging files of publishes whose process died before its os.replace (killed mid-publish): the
    published file itself was never touched, they are only litter."""
    for leftover in warehouse.parent.glob(f".{warehouse.name}.publishing-*"):
        pid = leftover.name.split(".publishing-", 1)[1].split("-", 1)[0]
        try:
            os.kill(int(pid), 0)
            continue  # its publish is still running
        except ProcessLookupError:
            leftover.unlink(missing_ok=True)
        except (ValueError, PermissionError):
            continue


def _write_warehouse_info(
    con: duckdb.DuckDBPyConnection, build_db: Path, as_of: dt.date | None, run_id: str | None
) -> None:
    files = "build.audit.ingested_files" if _has(con, "audit", "ingested_files", "rows_rejected") else None
    held = "rows_held" if _has(con, "audit", "ingested_files", "rows_held") else "0"
    rejected_sql = f"(select coalesce(sum(rows_rejected), 0) from {files})" if files else "0"
    held_sql = f"(select coalesce(sum({held}), 0) from {files})" if files else "0"
    findings = _FINDINGS_JSON if _has(con, "audit", "data_quality_findings") else "'[]'::json"
    con.execute(
        f"""
        create table pub.audit.warehouse_info as
        select now()::timestamp as published_at, ?::date as as_of, ? as storage_version, ? as built_from,
            ?::varchar as run_id, {rejected_sql}::bigint as rows_rejected, {held_sql}::bigint as rows_held,
            {findings} as data_quality
        """,
        [as_of, STORAGE_VERSION, build_db.name, run_id],
    )
    con.execute(
        "comment on table pub.audit.warehouse_info is "
        "'When this file was published, by which run, the as-of date, its storage version and the data-quality "
        "findings it was published with.'"
    )
    for column, text in _INFO_COMMENTS.items():
        con.execute(f"comment on column pub.audit.warehouse_info.{column} is {_literal(text)}")
