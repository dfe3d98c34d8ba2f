"""DuckDB through SQLAlchemy for GX, with the cursor fix.

GX's SqlAlchemyExecutionEngine.execute_query runs a statement inside `with engine.connect()` and reads
the rows only after that block has handed the connection back to the pool; the pool's reset-on-return
issues a ROLLBACK on the DB-API connection. duckdb_engine's cursors all share their connection's one
DuckDB connection, so that ROLLBACK (or any next statement) discards the pending result: GX then sees
no rows (`list index out of range`, `'NoneType' object is not subscriptable`) and every expectation
fails with an exception (great_expectations issue 11579). Giving each SQLAlchemy cursor its own DuckDB
cursor (`connection.cursor()`: a new connection to the same database instance) keeps every result
alive until it is read.
"""

from __future__ import annotations

from typing import Any

import duckdb
import sqlalchemy as sa
from duckdb_engine import ConnectionWrapper, CursorWrapper


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
