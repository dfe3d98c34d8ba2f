"""The raw and audit schemas and what the loader reports: file statuses, FileResult, EntityReport.

raw.<entity> holds the canonical columns in spec order then the lineage columns; audit.ingested_files one row per
file version, audit.rejected_rows every rejected row with its reasons (DESIGN.md "raw.<entity>" and "audit").
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import duckdb

from ingestion.db import in_transaction, scalar
from ingestion.entities import ENTITIES, LINEAGE_COLUMNS, SQL_TYPES, Entity
from ingestion.readers import quote_ident

LOADED, SKIPPED, REJECTED_FILE = "loaded", "skipped", "rejected_file"

AUDIT_DDL = [
    """CREATE TABLE IF NOT EXISTS audit.ingested_files (
        file_seq BIGINT NOT NULL, file VARCHAR NOT NULL, entity VARCHAR NOT NULL, sha256 VARCHAR,
        rows_read BIGINT NOT NULL, rows_accepted BIGINT NOT NULL, rows_rejected BIGINT NOT NULL,
        status VARCHAR NOT NULL, message VARCHAR, ingested_at TIMESTAMP NOT NULL, rows_held BIGINT DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS audit.rejected_rows (
        file VARCHAR NOT NULL, entity VARCHAR NOT NULL, row_number BIGINT, raw JSON, reason VARCHAR NOT NULL,
        sheet VARCHAR)""",
    # Migrations of databases made before a column existed (CREATE TABLE IF NOT EXISTS keeps an old table):
    # sheet = the worksheet of a row of a workbook (readers.StagedFile.sheets), NULL for CSV and Parquet.
    "ALTER TABLE audit.rejected_rows ADD COLUMN IF NOT EXISTS sheet VARCHAR",
    # When the pipeline first saw a key (FIRST_SEEN_KEYS): kept across runs and re-ingestion (a replaced
    # file deletes its raw rows, never these), so a default such as opportunities.created_date stays put.
    """CREATE TABLE IF NOT EXISTS audit.first_seen (
        entity VARCHAR NOT NULL, key VARCHAR NOT NULL, first_seen_at TIMESTAMP NOT NULL, file VARCHAR)""",
    # rows_held = the file's current rows dbt holds out of credit and commission (audit.held_rows): rows read =
    # accepted + rejected + held. Written by record_held_rows after each dbt build; 0 until then.
    "ALTER TABLE audit.ingested_files ADD COLUMN IF NOT EXISTS rows_held BIGINT DEFAULT 0",
]
INGESTED_FILES_COLUMNS = (
    "file_seq, file, entity, sha256, rows_read, rows_accepted, rows_rejected, status, message, ingested_at"
)

# Entities whose keys are remembered in audit.first_seen, and their key column: the documented default of a
# blank opportunities.created_date is the day the pipeline first saw the opportunity (docs/contract.md).
FIRST_SEEN_KEYS: dict[str, str] = {"opportunities": "opportunity_id"}


@dataclass
class FileResult:
    file: str  # path relative to the landing folder, POSIX style
    sha256: str | None
    status: str  # loaded | skipped | rejected_file
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    message: str = ""
    file_seq: int | None = None


@dataclass
class EntityReport:
    entity: str
    files: list[FileResult] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # files in the folder that are not landing files

    @property
    def rows_accepted(self) -> int:
        return sum(f.rows_accepted for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)


def raw_columns(entity: Entity) -> list[tuple[str, str]]:
    """(name, DuckDB type) of raw.<entity>: canonical columns in spec order, then lineage."""
    return [(c.name, SQL_TYPES[c.kind]) for c in entity.columns] + list(LINEAGE_COLUMNS.items())


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Create schemas raw and audit, the audit tables and every raw.<entity> table (even for an empty
    landing folder, so dbt sources always exist). Idempotent. A raw table whose columns no longer match
    its spec is rebuilt, and its entity's audit rows dropped so that its files are ingested again."""
    ensure_tables(con, list(ENTITIES.values()))


def ensure_tables(con: duckdb.DuckDBPyConnection, entities: list[Entity]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    for ddl in AUDIT_DDL:
        con.execute(ddl)
    for entity in entities:
        _ensure_raw_table(con, entity)


def _ensure_raw_table(con: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    wanted = raw_columns(entity)
    found = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
        "current_database() AND schema_name = 'raw' AND table_name = $t ORDER BY column_index",
        {"t": entity.name},
    ).fetchall()
    if found and [(n, t) for n, t in found] == wanted:
        return
    table = f"raw.{quote_ident(entity.name)}"
    if found:
        warnings.warn(
            f"raw.{entity.name} does not match its spec; rebuilding it and re-ingesting its files", stacklevel=3
        )

        def rebuild() -> None:
            con.execute(f"DROP TABLE {table}")
            con.execute("DELETE FROM audit.ingested_files WHERE entity = $e", {"e": entity.name})
            con.execute("DELETE FROM audit.rejected_rows WHERE entity = $e", {"e": entity.name})
            con.execute(f"CREATE TABLE {table} ({_ddl_columns(wanted)})")

        in_transaction(con, rebuild)
    else:
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({_ddl_columns(wanted)})")


def _ddl_columns(columns: list[tuple[str, str]]) -> str:
    return ", ".join(f"{quote_ident(n)} {t}" for n, t in columns)


def raw_names(entity: Entity) -> str:
    return ", ".join(quote_ident(n) for n, _ in raw_columns(entity))


def next_seq(con: duckdb.DuckDBPyConnection) -> int:
    return int(scalar(con, "SELECT coalesce(max(file_seq), 0) + 1 FROM audit.ingested_files"))


def record_first_seen(con: duckdb.DuckDBPyConnection, entity: Entity) -> int:
    """Remember the keys of raw.<entity> not seen before (FIRST_SEEN_KEYS), with the time they were first
    ingested; returns how many were new. Idempotent: a key already remembered keeps its first time."""
    key = FIRST_SEEN_KEYS.get(entity.name)
    if key is None:
        return 0
    k = quote_ident(key)
    return int(
        scalar(
            con,
            f"""INSERT INTO audit.first_seen
            SELECT $e, r.{k}, min(r._ingested_at), arg_min(r._source_file, r._ingested_at)
            FROM raw.{quote_ident(entity.name)} r
            WHERE r.{k} IS NOT NULL AND r._source_row > 0
              AND NOT EXISTS (SELECT 1 FROM audit.first_seen f WHERE f.entity = $e AND f.key = r.{k})
            GROUP BY r.{k}""",
            {"e": entity.name},
        )
        or 0
    )


def record_held_rows(con: duckdb.DuckDBPyConnection) -> int:
    """Count audit.held_rows (built by dbt) into audit.ingested_files: rows_held per file and rows_accepted =
    rows_read - rows_rejected - rows_held, so that rows read = accepted + rejected + held. Files whose counts did
    not change are not written (an unchanged re-run writes nothing). Returns the rows held."""
    held_table = scalar(
        con,
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'audit' AND table_name = 'held_rows'",
    )
    held = (
        "SELECT entity, file, count(*) AS n FROM audit.held_rows GROUP BY ALL"
        if held_table
        else ("SELECT NULL::VARCHAR AS entity, NULL::VARCHAR AS file, 0 AS n WHERE false")
    )
    in_transaction(
        con,
        lambda: con.execute(
            f"""UPDATE audit.ingested_files f
            SET rows_held = c.held, rows_accepted = f.rows_read - f.rows_rejected - c.held
            FROM (SELECT i.entity, i.file, coalesce(h.n, 0) AS held FROM audit.ingested_files i
                  LEFT JOIN ({held}) h ON h.entity = i.entity AND h.file = i.file) c
            WHERE c.entity = f.entity AND c.file = f.file AND f.rows_held IS DISTINCT FROM c.held"""
        ),
    )
    return int(scalar(con, "SELECT coalesce(sum(rows_held), 0) FROM audit.ingested_files"))


def delete_path(con: duckdb.DuckDBPyConnection, entity: Entity, file: str) -> None:
    con.execute(f"DELETE FROM raw.{quote_ident(entity.name)} WHERE _source_file = $f", {"f": file})
    for table in ("audit.rejected_rows", "audit.ingested_files"):
        con.execute(f"DELETE FROM {table} WHERE entity = $e AND file = $f", {"e": entity.name, "f": file})
