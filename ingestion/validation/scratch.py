"""The scratch table of an entity's current rows (the rows dbt staging chooses between), in file and row order,
in an in-memory database attached as `sp_validation`."""

from __future__ import annotations

import duckdb

from ingestion.entities import ENTITIES
from ingestion.readers import InsertionOrder, quote_ident

# Scratch database of the current-row tables: in memory, attached to the build database's instance, so GX's
# cursors see it and the build file neither grows nor pays for compressing a copy (2.4 s instead of 5.3 s
# for a million order lines).
SCRATCH = "sp_validation"


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


def new_current_rows_sql(entity: str, since_file_seq: int) -> str:
    """SELECT the current rows of raw.<entity> that came in files after `since_file_seq` (an incremental
    validation, ingestion/changes.py): only the keys those files hold are ranked, among all their versions."""
    spec = ENTITIES[entity]
    q = quote_ident
    table, order = (
        f"raw.{q(entity)}",
        f"_file_seq, _source_row{', ' + ', '.join(q(c) for c in spec.key) if entity == 'targets' else ''}",
    )
    if not spec.key:
        return f"SELECT * FROM {table} WHERE _file_seq > {int(since_file_seq)} ORDER BY {order}"
    keys = ", ".join(q(c) for c in spec.key)
    # rows of the new files, and the earlier versions of their keys (a NULL key part matches nothing, so the
    # new rows are taken on their own as well)
    return f"""
        WITH versions AS (
            SELECT * FROM {table} WHERE _file_seq > {int(since_file_seq)}
            UNION ALL
            SELECT r.* FROM {table} r
            SEMI JOIN (SELECT DISTINCT {keys} FROM {table} WHERE _file_seq > {int(since_file_seq)}) n USING ({keys})
            WHERE r._file_seq <= {int(since_file_seq)}
        )
        SELECT * FROM versions
        QUALIFY rank() OVER (PARTITION BY {keys} ORDER BY {_latest_first(entity)}) = 1
            AND _file_seq > {int(since_file_seq)}
        ORDER BY {order}"""


def current_rows_change(con: duckdb.DuckDBPyConnection, entity: str, since_file_seq: int) -> int:
    """How many current rows raw.<entity> gained with the files after `since_file_seq`: their new current rows,
    less the earlier current rows they superseded. Only the keys those files hold are ranked, so an incremental
    validation can report the entity's current row count (last count + this) without counting every row (the
    data-quality assessment reads that count: ingestion/quality.py, the shrink and money-share thresholds)."""
    spec = ENTITIES[entity]
    table, since = f"raw.{quote_ident(entity)}", int(since_file_seq)
    if not spec.key:
        return int(con.execute(f"SELECT count(*) FROM {table} WHERE _file_seq > {since}").fetchall()[0][0])
    keys = ", ".join(quote_ident(c) for c in spec.key)
    rank = f"rank() OVER (PARTITION BY {keys} ORDER BY {_latest_first(entity)}) = 1"
    return int(
        con.execute(
            f"""
            WITH touched AS (
                SELECT r.* FROM {table} r
                SEMI JOIN (SELECT DISTINCT {keys} FROM {table} WHERE _file_seq > {since}) n USING ({keys})
            )
            SELECT (SELECT count(*) FROM (SELECT 1 FROM touched QUALIFY {rank}))
                 - (SELECT count(*) FROM (SELECT 1 FROM touched WHERE _file_seq <= {since} QUALIFY {rank}))"""
        ).fetchall()[0][0]
    )


def create_scratch(con: duckdb.DuckDBPyConnection, entity: str, table: str, since_file_seq: int | None = None) -> None:
    """The scratch table of raw.<entity>'s current rows, in raw's own order, which is file and row order
    (files are appended in ingestion order, each file's rows in row order). With few superseded rows that
    order comes from scanning raw with insertion order preserved (a plain copy: ~2.5 s for 10M order lines;
    filtering by a rowid list keeps the order, an anti-join would not); else from current_rows_sql's sort.
    With `since_file_seq`, only the current rows of later files (new_current_rows_sql)."""
    if since_file_seq is not None:
        with InsertionOrder(con):
            con.execute(f"CREATE OR REPLACE TABLE {table} AS {new_current_rows_sql(entity, since_file_seq)}")
        return
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
