"""A file's rejected rows: reasons from the staged cells into audit.rejected_rows, exact duplicates, worksheets,
and the notes of the file's audit message.

A row whose every staged cell equals an earlier row's of the same file is an exact duplicate: a finance
user wants it counted once, so the first copy loads and each later one is rejected with the reason
`exact duplicate of row N` (and the file's audit message counts them). Candidates are found by a hash of
the cells (one GROUP BY on a BIGINT, ~0.3 s per million rows) and confirmed cell by cell, so a hash
collision never rejects a row. Rows differing in any cell (a correction with the same key) are left to the
keyed de-duplication in dbt staging.
"""

from __future__ import annotations

import duckdb

from ingestion import readers
from ingestion.db import in_transaction, params_for, scalar, temp
from ingestion.entities import Entity
from ingestion.readers import quote_ident
from ingestion.row_rules import ROW_RULES, reason_prefix
from ingestion.staging import DUPS, REJECTS, Prepared
from ingestion.typed_sql import nonblank_sql, raw_json_expr, reasons_sql, sql_str


def move_rejects(
    con: duckdb.DuckDBPyConnection, entity: Entity, prep: Prepared, params: dict[str, object]
) -> tuple[int, int]:
    """The marked rows of this file: reasons from the staged cells; failing rows to audit.rejected_rows,
    blank rows dropped, false alarms unmarked. Returns (blank rows, rejected rows)."""
    table, stage, rejects = f"raw.{quote_ident(entity.name)}", temp(prep.stage), temp(REJECTS)
    seq = {"seq": params["seq"]}
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {quote_ident(REJECTS)} AS "
        f"{reasons_sql(entity, prep.mapping, prep.headers, stage)}",
        seq,
    )
    sheets = staged_sheets(prep)
    if con.execute(f"SELECT 1 FROM duckdb_tables() WHERE temporary AND table_name = {sql_str(DUPS)}").fetchall():
        where = sheet_suffix_sql(prep, "d._first")
        con.execute(
            f"UPDATE {rejects} r SET _reason = concat_ws('; ', 'exact duplicate of row ' || "
            f"{row_number_sql(prep, 'd._first')}{where[0]}, r._reason) FROM {temp(DUPS)} d "
            "WHERE d._row = r._row",
            {"sheets": sheets} if where[1] else {},
        )
    sheet, sheet_params = sheet_sql(prep, "s._row")
    rejected = int(
        scalar(
            con,
            "INSERT INTO audit.rejected_rows (file, entity, row_number, raw, reason, sheet) SELECT $file, $entity, "
            f"{row_number_sql(prep, 's._row')}, {raw_json_expr(prep.headers)}, r._reason, {sheet} "
            f"FROM {rejects} r JOIN {stage} s ON s._row = r._row "
            "WHERE r._data AND r._reason IS NOT NULL ORDER BY s._row",
            {**params_for(params, "file", "entity"), **sheet_params},
        )
    )
    blank = int(scalar(con, f"SELECT count(*) FROM {rejects} WHERE NOT _data"))
    deleted = int(
        scalar(
            con,
            f"DELETE FROM {table} WHERE _file_seq = $seq AND _source_row < 0 AND -_source_row IN "
            f"(SELECT _row FROM {rejects} WHERE NOT _data OR _reason IS NOT NULL)",
            seq,
        )
    )
    if deleted != blank + rejected:  # never commit a breach of rows_read = accepted + rejected
        raise RuntimeError(f"row accounting broke: {deleted} rows left raw, {blank} blank + {rejected} rejected")
    # False alarms (a whitespace-only cell in an optional column) are data after all.
    con.execute(f"UPDATE {table} SET _source_row = -_source_row WHERE _file_seq = $seq AND _source_row < 0", seq)
    return blank, rejected


def insert_file_rejection(con: duckdb.DuckDBPyConnection, prep: Prepared, params: dict[str, object]) -> int:
    if not prep.headers:
        return 0
    sheet, sheet_params = sheet_sql(prep, "s._row")
    return int(
        scalar(
            con,
            "INSERT INTO audit.rejected_rows (file, entity, row_number, raw, reason, sheet) SELECT $file, $entity, "
            f"{row_number_sql(prep, 's._row')}, {raw_json_expr(prep.headers)}, $reason, {sheet} "
            f"FROM {temp(prep.stage)} s "
            f"WHERE {nonblank_sql(prep.headers)} ORDER BY s._row",
            {**params_for(params, "file", "entity", "reason"), **sheet_params},
        )
    )


def find_duplicates(con: duckdb.DuckDBPyConnection, prep: Prepared, key_headers: list[str]) -> int:
    """Create temp table __sp_dups(_row, _first): each later exact copy among the staged data rows and the
    staged row it repeats. Returns how many; with none, the table is dropped. `key_headers`: the staged
    columns of the entity's key; exact copies share their key, so rows are first grouped by a hash of the
    key alone (5x cheaper than hashing every cell: ~1.3 s per 10M rows) and only rows whose key repeats
    are compared cell by cell."""
    stage, dups = temp(prep.stage), temp(DUPS)
    con.execute(f"DROP TABLE IF EXISTS {dups}")
    if not prep.headers:
        return 0
    # every staged column, not only the headers: an unpivoted wide file repeats a row's cells per month
    cols = [quote_ident(r[0]) for r in con.execute(f"DESCRIBE {stage}").fetchall() if r[0] != "_row"]
    cells = ", ".join(cols)
    hashed_cols = [quote_ident(h) for h in key_headers] or cols
    con.execute(f"""CREATE TEMP TABLE {quote_ident(DUPS)} AS
        WITH hashed AS (SELECT s._row, hash({", ".join("s." + c for c in hashed_cols)}) AS _h FROM {stage} s
                        WHERE {nonblank_sql(prep.headers)}),
        repeated AS (SELECT _h FROM hashed GROUP BY _h HAVING count(*) > 1),
        candidates AS (SELECT s.* FROM {stage} s WHERE s._row IN
                       (SELECT _row FROM hashed WHERE _h IN (SELECT _h FROM repeated)))
        SELECT _row, _first FROM (SELECT _row, min(_row) OVER (PARTITION BY {cells}) AS _first FROM candidates)
        WHERE _row > _first""")
    found = int(scalar(con, f"SELECT count(*) FROM {dups}"))
    if not found:
        con.execute(f"DROP TABLE {dups}")
    return found


def staged_sheets(prep: Prepared) -> list[str]:
    """The worksheets staged (readers.StagedFile.sheets); [] for CSV, Parquet and derived staging tables."""
    return list(getattr(prep.headers, "sheets", None) or [])


def row_number_sql(prep: Prepared, row: str) -> str:
    """The row number a user sees for a staged _row: without the wide-targets month and the sheet offset."""
    return f"(({row}) // {prep.row_scale}) % {readers.SHEET_ROW_SCALE}"


def sheet_sql(prep: Prepared, row: str) -> tuple[str, dict[str, object]]:
    """(SQL of the sheet name of a staged _row, its parameters): NULL unless the file is a workbook."""
    if not staged_sheets(prep):
        return "CAST(NULL AS VARCHAR)", {}
    return f"$sheets[({row}) // {prep.row_scale} // {readers.SHEET_ROW_SCALE} + 1]", {"sheets": staged_sheets(prep)}


def sheet_suffix_sql(prep: Prepared, row: str) -> tuple[str, bool]:
    """` of sheet "x"` after a row number when the workbook had several sheets read; (SQL, uses $sheets)."""
    if len(staged_sheets(prep)) < 2:
        return "", False
    return f" || ' of sheet \"' || {sheet_sql(prep, row)[0]} || '\"'", True


def read_notes(con: duckdb.DuckDBPyConnection, prep: Prepared, params: dict[str, object]) -> str:
    """The reader's notes (header row, sheets) and the totals rows and exact duplicates set aside."""
    notes = [str(getattr(prep.headers, "notes", "") or "")]
    totals, copies = con.execute(
        "SELECT count(*) FILTER (WHERE reason LIKE '%totals row (\"%'), "
        "count(*) FILTER (WHERE reason LIKE 'exact duplicate of row %') FROM audit.rejected_rows "
        "WHERE entity = $entity AND file = $file",
        params_for(params, "entity", "file"),
    ).fetchall()[0]
    if totals:
        notes.append(f"{totals} totals row{'s' if totals > 1 else ''} (合计/总计/Total) rejected: not data")
    if copies:
        notes.append(f"{copies} exact duplicate row{'s' if copies > 1 else ''} rejected: loaded once")
    return "; ".join(n for n in notes if n)


def quarantine_loaded_rows(con: duckdb.DuckDBPyConnection, entity: Entity) -> int:
    """Rows already in raw.<entity> that break one of its row rules (row_rules.py), e.g. loaded by a release
    before the rule existed: moved to audit.rejected_rows with the rule's reason (found: the typed value) and
    their files' counts moved from accepted to rejected, in one transaction, so the rule applies to files ingested
    earlier without reading them again (their landing files may be gone). Returns the rows moved."""
    rules = [r for r in ROW_RULES if r.entity == entity.name]
    if not rules:
        return 0
    table = f"raw.{quote_ident(entity.name)}"
    failing = " OR ".join(f"coalesce(NOT ({r.passes_sql(quote_ident(r.column))}), false)" for r in rules)
    if not scalar(con, f"SELECT count(*) FROM {table} WHERE {failing}"):
        return 0
    reasons = ", ".join(
        f"CASE WHEN NOT ({r.passes_sql(quote_ident(r.column))}) THEN "
        f"{sql_str(reason_prefix(r))} || '\"' || CAST({quote_ident(r.column)} AS VARCHAR) || '\"' END"
        for r in rules
    )
    cells = ", ".join(f"{quote_ident(c)} := CAST({quote_ident(c)} AS VARCHAR)" for c in entity.column_names)
    moved = "__sp_requarantined"

    def move() -> None:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {moved} AS SELECT _source_file, _source_row, "
            f"concat_ws('; ', {reasons}) AS reason, to_json(struct_pack({cells})) AS raw FROM {table} WHERE {failing}"
        )
        con.execute(
            "INSERT INTO audit.rejected_rows (file, entity, row_number, raw, reason, sheet) SELECT _source_file, $e, "
            f"_source_row % {readers.SHEET_ROW_SCALE}, raw, reason, NULL FROM {moved} "
            "ORDER BY _source_file, _source_row",
            {"e": entity.name},
        )
        con.execute(
            "UPDATE audit.ingested_files f SET rows_accepted = f.rows_accepted - c.n, "
            "rows_rejected = f.rows_rejected + c.n "
            f"FROM (SELECT _source_file, count(*) AS n FROM {moved} GROUP BY 1) c "
            "WHERE f.entity = $e AND f.file = c._source_file",
            {"e": entity.name},
        )
        con.execute(f"DELETE FROM {table} WHERE {failing}")
        con.execute(f"DROP TABLE {moved}")

    count = int(scalar(con, f"SELECT count(*) FROM {table} WHERE {failing}"))
    in_transaction(con, move)
    return count
