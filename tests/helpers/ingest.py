"""Landing files written by hand and what the ingestion tests look at: row accounting, snapshots, reports."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb

from ingestion.load import EntityReport

NOW = dt.datetime(2025, 4, 1, 9, 30)
ORDERS_HEADER = "order_id,line_no,order_date,customer_id,rep_id,product_id,quantity,unit_price,currency,status"


_clock = [1_700_000_000]


def last_mtime() -> int:
    """The modification time `land` gave the last file it wrote (seconds since the epoch)."""
    return _clock[0]


def land(landing: Path, entity: str, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    """Write a landing file; each new file is one minute newer than the last, so order is by creation."""
    path = landing / entity / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    _clock[0] += 60
    os.utime(path, (_clock[0], _clock[0]))
    return path


def q(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def snapshot(con: duckdb.DuckDBPyConnection) -> str:
    """Every raw and audit table, fully ordered, as text: equal snapshots mean nothing changed."""
    tables = q(
        con, "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ('raw', 'audit') ORDER BY ALL"
    )
    return repr([(t, q(con, f'SELECT * FROM {t[0]}."{t[1]}" ORDER BY ALL')) for t in tables])


def by_file(report: EntityReport) -> dict[str, tuple]:
    return {f.file: (f.status, f.rows_read, f.rows_accepted, f.rows_rejected) for f in report.files}


def assert_row_accounting(con: duckdb.DuckDBPyConnection) -> None:
    """rows_read = rows_accepted + rows_rejected + rows_held, and they match what raw and rejected_rows hold (held
    rows are in raw too: dbt holds them out of credit, audit.held_rows)."""
    for file, entity, read, accepted, rejected, held in q(
        con, "SELECT file, entity, rows_read, rows_accepted, rows_rejected, rows_held FROM audit.ingested_files"
    ):
        assert read == accepted + rejected + held, file
        assert q(con, f'SELECT count(*) FROM raw."{entity}" WHERE _source_file = ?', [file])[0][0] == accepted + held
        assert q(con, "SELECT count(*) FROM audit.rejected_rows WHERE file = ?", [file])[0][0] == rejected
