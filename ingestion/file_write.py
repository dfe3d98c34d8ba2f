"""Writing one prepared file into raw.<entity> and the audit tables, in one transaction (a failure never leaves half
a file): its earlier version deleted, its rows typed (a lazily staged CSV straight from the file, numbered from
its rowids), its failing rows moved to audit.rejected_rows, its audit row. A lazily staged CSV that DuckDB
cannot type from the file is staged and written again; a DuckDB error rejects the file with its reason.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from ingestion import readers
from ingestion.audit import INGESTED_FILES_COLUMNS, LOADED, REJECTED_FILE, FileResult, delete_path, next_seq, raw_names
from ingestion.db import in_transaction, params_for, scalar, temp
from ingestion.entities import Entity
from ingestion.readers import quote_ident
from ingestion.rejects import find_duplicates, insert_file_rejection, move_rejects, read_notes
from ingestion.staging import DUPS, REJECTS, STAGE, Prepared
from ingestion.typed_sql import typed_select_sql

log = logging.getLogger("ingestion.load")  # one logger for the loader's modules, as before they were split


@dataclass
class Written:
    """What one file's write recorded in audit.ingested_files (its FileResult takes it after the commit)."""

    status: str
    seq: int
    read: int
    accepted: int
    rejected: int
    message: str

    def fill(self, result: FileResult) -> None:
        result.status, result.message, result.file_seq = self.status, self.message, self.seq
        result.rows_read, result.rows_accepted, result.rows_rejected = self.read, self.accepted, self.rejected


def write_in_transaction(
    con: duckdb.DuckDBPyConnection, entity: Entity, result: FileResult, prep: Prepared, now: datetime, replace: bool
) -> None:
    """Everything one file changes, in one transaction."""
    written: list[Written] = []
    in_transaction(
        con, lambda: written.append(record_file(con, entity, result, prep, now, next_seq(con), replace=replace))
    )
    written[0].fill(result)


def record_file(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    result: FileResult,
    prep: Prepared,
    now: datetime,
    seq: int,
    *,
    replace: bool,
    inserted: int | None = None,
    suspect: bool = True,
) -> Written:
    """Everything one file changes, as file number `seq`, inside the caller's transaction: its earlier
    version's rows deleted (`replace`), its rows, its rejected rows, its audit row. `inserted`, `suspect`:
    see insert_rows."""
    params: dict[str, object] = {"file": result.file, "entity": entity.name, "now": now}
    if replace:
        delete_path(con, entity, result.file)
    read = accepted = rejected = 0
    message = prep.message
    if prep.status == LOADED:
        read, rejected = insert_rows(con, entity, prep, {**params, "seq": seq}, inserted, suspect)
        accepted = read - rejected
        # how the file was read and what was set aside; a rejected file's message stays as prepare
        # wrote it, since ingest_file compares it on the next run to see whether anything changed
        message = "; ".join(m for m in (prep.message, read_notes(con, prep, params)) if m)
    elif prep.row_reason is not None:
        read = rejected = insert_file_rejection(con, prep, {**params, "reason": prep.row_reason})
    con.execute(
        f"INSERT INTO audit.ingested_files ({INGESTED_FILES_COLUMNS}) "
        "VALUES ($seq, $file, $entity, $sha, $read, $acc, $rej, $status, $message, $now)",
        {
            **params,
            "seq": seq,
            "sha": result.sha256,
            "read": read,
            "acc": accepted,
            "rej": rejected,
            "status": prep.status,
            "message": message or None,
        },
    )
    return Written(prep.status, seq, read, accepted, rejected, message)


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    prep: Prepared,
    params: dict[str, object],
    inserted: int | None = None,
    suspect: bool = True,
) -> tuple[int, int]:
    """Insert the staged file into raw.<entity>, then move its failing rows to audit.rejected_rows and
    drop its blank rows. Returns (rows read, rows rejected). A lazily staged CSV is typed straight from
    the file; its staging table is made only when a row failed or a key repeats (an exact copy is then
    possible), since only those need the cells again. `inserted`, `suspect`: a lazily staged CSV already
    typed into raw.<entity> and numbered (see Batch): its rows there, and whether suspect_files names it."""
    table = f"raw.{quote_ident(entity.name)}"
    seq = {"seq": params["seq"]}
    key_headers = [prep.mapping[c] for c in entity.key if c in prep.mapping]
    if (lazy := prep.lazy) is not None:
        if inserted is None:
            inserted = _insert_lazily(con, entity, prep, lazy, params)
            suspect = bool(suspect_files(con, entity, [params["seq"]]))
        if not suspect:
            return inserted, 0
        readers.materialise(con, prep.headers, prep.stage)
        duplicates = find_duplicates(con, prep, key_headers)
    else:
        duplicates = find_duplicates(con, prep, key_headers)
        select = typed_select_sql(entity, prep.mapping, prep.headers, temp(prep.stage))
        inserted = int(
            scalar(con, f"INSERT INTO {table} ({raw_names(entity)}) {select}", params_for(params, "file", "seq", "now"))
        )
    if duplicates:  # mark the later copies as failing rows; move_rejects gives them their reason
        con.execute(
            f"UPDATE {table} SET _source_row = -_source_row WHERE _file_seq = $seq AND _source_row > 0 "
            f"AND _source_row IN (SELECT _row FROM {temp(DUPS)})",
            seq,
        )
    blank = rejected = 0
    if scalar(con, f"SELECT count(*) FROM {table} WHERE _file_seq = $seq AND _source_row < 0", seq):
        blank, rejected = move_rejects(con, entity, prep, params)
    if prep.row_scale > 1:  # from (row, month) keys back to the spreadsheet's row numbers
        con.execute(f"UPDATE {table} SET _source_row = _source_row // {prep.row_scale} WHERE _file_seq = $seq", seq)
    return inserted - blank, rejected


class LazyReadError(RuntimeError):
    """Rows typed from a lazily staged CSV could not be numbered; the file is read again through a table."""


def _insert_lazily(
    con: duckdb.DuckDBPyConnection, entity: Entity, prep: Prepared, lazy: readers.LazyCsv, params: dict[str, object]
) -> int:
    """Type a lazily staged CSV's rows straight from its view into raw.<entity>, in one read (a failing row
    gets _source_row -1, any other +1), then number them (number_rows). Returns the rows inserted."""
    table = f"raw.{quote_ident(entity.name)}"
    select = typed_select_sql(entity, prep.mapping, prep.headers, temp(lazy.view), row="1")
    with readers.InsertionOrder(con):
        inserted = int(
            scalar(con, f"INSERT INTO {table} ({raw_names(entity)}) {select}", params_for(params, "file", "seq", "now"))
        )
    seq = params["seq"]
    assert isinstance(seq, int)
    number_rows(con, entity, {seq: lazy.first_row}, inserted)
    return inserted


def number_rows(
    con: duckdb.DuckDBPyConnection, entity: Entity, first_rows: dict[int, int], inserted: int
) -> dict[int, int]:
    """Number the rows just typed into raw.<entity> from lazily staged CSVs (`first_rows`: file seq -> the
    CSV's first row number; `inserted`: how many rows the insert reported). With insertion order preserved,
    DuckDB appends rows in the order it reads them, with consecutive rowids, so the k-th record of a file
    (k = 0, 1, ...) is row first_row + k, exactly as the staging table would number it
    (readers.csv_files.add_row_numbers). Returns the rows of each file; raises LazyReadError, never guessing, unless
    each file's rows hold consecutive rowids, the files follow one another in seq order, and they add up
    to `inserted`."""
    table = f"raw.{quote_ident(entity.name)}"
    ranges = con.execute(
        f"SELECT _file_seq, min(rowid), max(rowid), count(*) FROM {table} WHERE _file_seq "
        "BETWEEN $lo AND $hi GROUP BY _file_seq ORDER BY _file_seq",
        {"lo": min(first_rows), "hi": max(first_rows)},
    ).fetchall()
    last_rowid = -1
    for seq, first, last, count in ranges:
        if last - first + 1 != count or first <= last_rowid:
            raise LazyReadError(f"the {count} rows typed from file {seq} hold rowids {first}..{last}")
        last_rowid = last
    if sum(r[3] for r in ranges) != inserted:
        raise LazyReadError(f"{inserted} rows typed, {sum(r[3] for r in ranges)} found")
    for seq, first, _, _ in ranges:
        con.execute(
            f"UPDATE {table} SET _source_row = _source_row * (rowid - $first + $row) WHERE _file_seq = $seq",
            {"seq": seq, "first": first, "row": first_rows[seq]},
        )
    return {seq: count for seq, _, _, count in ranges}


def suspect_files(con: duckdb.DuckDBPyConnection, entity: Entity, seqs: Sequence[object]) -> set[int]:
    """The files (by seq, among `seqs`) whose rows in raw.<entity> hold a failing row, or two rows with one
    key (exact copies have equal keys, so the cell-by-cell search for them runs only then). Rows are grouped
    by one hash of file and key, counting only (~40% cheaper than grouping by file and key hash and keeping
    the file): a collision only ever sends a file down the exact path, never changes a result."""
    table = f"raw.{quote_ident(entity.name)}"
    where, span = f"FROM {table} WHERE _file_seq BETWEEN $lo AND $hi", {"lo": min(seqs), "hi": max(seqs)}
    hashed = "hash(_file_seq, " + ", ".join(quote_ident(c) for c in (entity.key or entity.column_names)) + ")"
    suspect = f"SELECT DISTINCT _file_seq {where} AND _source_row < 0"
    repeated = [r[0] for r in con.execute(f"SELECT {hashed} {where} GROUP BY 1 HAVING count(*) > 1", span).fetchall()]
    if repeated:
        suspect += f" UNION SELECT DISTINCT _file_seq {where} AND {hashed} IN (SELECT unnest($hashes))"
    return {int(r[0]) for r in con.execute(suspect, {**span, **({"hashes": repeated} if repeated else {})}).fetchall()}


def drop_temp(con: duckdb.DuckDBPyConnection, prep: Prepared | None = None, stage: str = STAGE) -> None:
    """Drop a file's staging (table or view, and the loader's work tables) and delete its temporary copies."""
    stage = prep.stage if prep is not None else stage
    for table in (stage, REJECTS, DUPS):
        con.execute(f"DROP TABLE IF EXISTS {temp(table)}")
    con.execute(f"DROP VIEW IF EXISTS {temp(readers.view_name(stage))}")
    if prep is not None:
        readers.release(prep.headers)


def write_file(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    result: FileResult,
    prep: Prepared,
    now: datetime,
    replace: bool,
    name: str,
) -> None:
    """Write one prepared file (write_in_transaction). If typing a lazily staged CSV straight from the file fails
    (rolled back; e.g. DuckDB's parallel reader refuses padding short rows once it meets a quoted line break),
    the file is staged and written again; a DuckDB error then rejects the file with DuckDB's reason."""
    try:
        try:
            write_in_transaction(con, entity, result, prep, now, replace)
        except (duckdb.Error, LazyReadError) as err:
            if prep.lazy is None:
                raise
            log.info("%s: reading it again through a staging table (%s)", result.file, readers.first_line(err))
            readers.materialise(con, prep.headers, prep.stage)
            write_in_transaction(con, entity, result, prep, now, replace)
    except duckdb.Error as err:
        write_unloadable(con, entity, result, now, replace, name, err)


def write_unloadable(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    result: FileResult,
    now: datetime,
    replace: bool,
    name: str,
    err: duckdb.Error,
) -> None:
    log.error("ingesting %s failed: %s", result.file, err)
    failed = Prepared([], REJECTED_FILE, f"{name} could not be loaded: {readers.first_line(err)}.")
    write_in_transaction(con, entity, result, failed, now, replace)
