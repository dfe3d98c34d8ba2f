"""Small DuckDB helpers the loader's modules share: one value, a temp name, a transaction, bound parameters."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from ingestion.readers import quote_ident


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None) -> object:
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and refuses the next relation call.
    return con.execute(sql, params or {}).fetchall()[0][0]


def temp(name: str) -> str:
    return f"temp.{quote_ident(name)}"


def in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], object]) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        work()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def params_for(params: dict[str, object], *names: str) -> dict[str, object]:
    """DuckDB refuses named parameters a statement does not use."""
    return {n: params[n] for n in names}
