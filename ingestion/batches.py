"""Several CSVs typed in one read.

DuckDB types a list of CSVs in one read_csv far faster than one file at a time (readers.csv_batch_view).
So ingest_entity queues consecutive CSVs that are typed straight from the file (readers.LazyCsv) and share
one header and one dialect, and writes them in two transactions (write_batch): the files' earlier versions
are deleted and one INSERT ... SELECT types every row of every file from the multi-file view (a row's file
gives its _source_file and _file_seq); then each file's rows are numbered from their rowids (number_rows)
and each file is finished as on its own (record_file: failing rows, exact copies, audit row). If that fails,
the typed rows are deleted again and each file is written on its own (write_file). Either way the outcome
is the same: the same rows, row numbers, reasons, file_seq and audit rows (tests/test_csv_batches.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import duckdb

from ingestion import readers
from ingestion.audit import LOADED, FileResult, delete_path, next_seq, raw_names
from ingestion.db import in_transaction, scalar, temp
from ingestion.entities import Entity
from ingestion.file_write import LazyReadError, Written, drop_temp, number_rows, record_file, suspect_files, write_file
from ingestion.readers import quote_ident
from ingestion.staging import STAGE, Prepared
from ingestion.typed_sql import typed_select_sql

log = logging.getLogger("ingestion.load")  # one logger for the loader's modules, as before they were split


_BATCH_VIEW, _BATCH_INDEX = "__sp_batch_csv", "__sp_file"
BATCH_MAX_FILES = 64  # a failure redoes the whole batch file by file: keep it bounded
BATCH_MAX_BYTES = 4 * 1024**3


@dataclass
class _Queued:
    result: FileResult
    prep: Prepared
    replace: bool  # an earlier version of the same path is deleted first
    name: str  # the file's name, for messages
    size: int
    kind: tuple[tuple[str, ...], readers.CsvDialect]  # what the files of one batch share (Batch._kind)


class Batch:
    """CSVs queued to be written together (see above), in file order."""

    def __init__(self, con: duckdb.DuckDBPyConnection, entity: Entity, now: datetime) -> None:
        self.con, self.entity, self.now = con, entity, now
        self.queued: list[_Queued] = []
        self.stages = 0

    def stage_name(self) -> str:
        """A staging name no queued file holds."""
        self.stages += 1
        return f"{STAGE}_{self.stages}"

    def holds(self, sha: str) -> bool:
        return any(q.result.sha256 == sha for q in self.queued)

    def _kind(self, prep: Prepared) -> tuple[tuple[str, ...], readers.CsvDialect] | None:
        """What files must share to be read together (header, dialect); None: the file is written alone."""
        lazy = prep.lazy
        if lazy is None or prep.status != LOADED or prep.row_scale != 1:
            return None
        if {h.casefold() for h in prep.headers} & {_BATCH_INDEX, "file_index"}:  # would hide the file index
            return None
        try:
            return tuple(prep.headers), readers.csv_dialect(self.con, lazy)
        except duckdb.Error:  # the sniffer fails on it: left to the one-file path, which reports why
            return None

    def add(self, result: FileResult, prep: Prepared, *, replace: bool, name: str) -> bool:
        """Queue a prepared file; False (not queued) when it cannot be read with others. A file of another
        kind than the queued ones, or beyond the batch's limits, has the queued files written first."""
        kind = self._kind(prep)
        if kind is None or prep.lazy is None:
            return False
        size = prep.lazy.path.stat().st_size
        if self.queued and (
            kind != self.queued[0].kind
            or len(self.queued) >= BATCH_MAX_FILES
            or sum(q.size for q in self.queued) + size > BATCH_MAX_BYTES
        ):
            self.flush()
        self.queued.append(_Queued(result, prep, replace, name, size, kind))
        return True

    def flush(self) -> None:
        """Write the queued files together (write_batch); if that fails, one by one (write_file)."""
        queued, self.queued = self.queued, []
        try:
            if queued:
                try:
                    write_batch(self.con, self.entity, queued, self.now)
                    return
                except (duckdb.Error, LazyReadError) as err:
                    log.info(
                        "writing %s one by one (%s)", ", ".join(q.result.file for q in queued), readers.first_line(err)
                    )
            for q in queued:
                write_file(self.con, self.entity, q.result, q.prep, self.now, q.replace, q.name)
        finally:
            for q in queued:
                drop_temp(self.con, q.prep)
            self.con.execute(f"DROP VIEW IF EXISTS {temp(_BATCH_VIEW)}")


def write_batch(con: duckdb.DuckDBPyConnection, entity: Entity, queued: list[_Queued], now: datetime) -> None:
    """Write queued files, their rows typed in one read (see above), in two transactions: the first deletes
    their earlier versions and types their rows (_source_row ±1, _file_seq set); the second numbers the rows
    and finishes each file. Numbering rows in the transaction that appended them makes its COMMIT rewrite
    every column of them (measured: 2-5 s per 10M rows; 0.3 s on committed rows). Until the second commits,
    the files have no audit row: if it fails, their rows are deleted again; if the process dies in between,
    the next run deletes them first (drop_interrupted)."""
    table, index = f"raw.{quote_ident(entity.name)}", f"CAST(s.{quote_ident(_BATCH_INDEX)} AS BIGINT)"
    lazies = [q.prep.lazy for q in queued if q.prep.lazy is not None]
    assert len(lazies) == len(queued)
    first = queued[0].prep
    base = next_seq(con)
    seqs = [base + k for k in range(len(queued))]
    inserted: list[int] = []
    written: list[Written] = []

    def type_rows() -> None:
        for q in queued:
            if q.replace:
                delete_path(con, entity, q.result.file)
        readers.csv_batch_view(con, lazies, _BATCH_VIEW, _BATCH_INDEX)
        select = typed_select_sql(
            entity,
            first.mapping,
            first.headers,
            temp(_BATCH_VIEW),
            row="1",
            file=f"$files[{index} + 1]",
            seq=f"$seq + {index}",
        )
        with readers.InsertionOrder(con):
            inserted.append(
                int(
                    scalar(
                        con,
                        f"INSERT INTO {table} ({raw_names(entity)}) {select}",
                        {"files": [q.result.file for q in queued], "seq": base, "now": now},
                    )
                )
            )

    def finish() -> None:
        first_rows = {seq: lazy.first_row for seq, lazy in zip(seqs, lazies, strict=True)}
        rows = number_rows(con, entity, first_rows, inserted[0])
        suspects = suspect_files(con, entity, seqs)
        for seq, q in zip(seqs, queued, strict=True):
            written.append(
                record_file(
                    con,
                    entity,
                    q.result,
                    q.prep,
                    now,
                    seq,
                    replace=False,
                    inserted=rows.get(seq, 0),
                    suspect=seq in suspects,
                )
            )

    in_transaction(con, type_rows)
    try:
        in_transaction(con, finish)
    except BaseException:
        in_transaction(con, lambda: con.execute(f"DELETE FROM {table} WHERE _file_seq >= $base", {"base": base}))
        raise
    for q, w in zip(queued, written, strict=True):
        w.fill(q.result)


def drop_interrupted(con: duckdb.DuckDBPyConnection, entity: Entity) -> int:
    """Delete rows a batch typed but never finished (the process died between write_batch's transactions):
    rows of files beyond the last in audit.ingested_files, not yet numbered (_source_row ±1; a numbered row is
    2 or more, the header being row 1). Returns how many."""
    return int(
        scalar(
            con,
            f"DELETE FROM raw.{quote_ident(entity.name)} WHERE _source_row IN (-1, 1) AND "
            "_file_seq > (SELECT coalesce(max(file_seq), 0) FROM audit.ingested_files)",
        )
    )
