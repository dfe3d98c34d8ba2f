"""CSV: delimiter detection, titles cut off, staging as a table or lazily as a view (LazyCsv), several CSVs of one
dialect in one read_csv, line ends and late quoting handled.

DuckDB reads a list of files in one read_csv several times faster than it reads each file on its own
(measured: 4 files of 2.5M lines typed into one table in 13-16 s, against 18-21 s one file at a time; a
UNION ALL of per-file reads is no faster than the latter). A multi-file read applies ONE dialect to every
file, so files are read together only when DuckDB's sniffer finds the same dialect in each on its own
(`csv_dialect`), and that dialect is then passed explicitly: each file is read exactly as its own view
would read it.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb

from ingestion.readers.base import (
    CHUNK,
    SAMPLE,
    InsertionOrder,
    StagedFile,
    chunks,
    delete_files,
    quote_ident,
    sql_literal,
    unique_name,
)
from ingestion.readers.encoding import NATIVE_ENCODINGS, transcode_to_utf8
from ingestion.readers.header import HeaderSpec, find_header

DELIMITERS = (",", ";", "\t", "|")  # detection candidates, in the order ties are broken
# How every CSV is read, whichever way (staging table, lazy view, several files at once, sniffing): one
# string, so that a file read together with others is read exactly as it would be on its own. null_padding:
# see read_csv_into.
CSV_READ = "all_varchar = true, header = true, null_padding = true"


class LazyCsv:
    """A CSV staged lazily: the TEMP VIEW `view` reads it (all VARCHAR, no `_row`) every time it is queried.

    Staging a big file costs as much as reading it: DuckDB writes every cell as text into the staging table.
    A loader that types rows straight from the view (one read) and needs the cells again only for the rare
    failing row saves that: it numbers the rows itself (the record read k-th is row `first_row + k`, as in
    the staging table) and calls `materialise` only when it must look at cells. The view is queried in
    file order only with preserve_insertion_order on (`InsertionOrder`). `path` may be a temporary copy
    (transcoded, titles cut off): it lives until `release`."""

    def __init__(self, view: str, path: Path, delimiter: str, first_row: int, temps: list[Path]) -> None:
        self.view, self.path, self.delimiter, self.first_row, self.temps = view, path, delimiter, first_row, temps
        self.dialect: CsvDialect | None = None  # csv_dialect() caches it here


class CsvDialect(tuple[str, str, str, str, int, str]):
    """(delimiter, quote, escape, new_line, skip, comment) as DuckDB's sniffer reports them for one file, read
    with the options _csv_view uses; an empty string where it found none."""

    @property
    def quote(self) -> str:
        return self[1]

    def options(self) -> str:
        """The read_csv options that pin this dialect (string literals, quotes doubled)."""
        delimiter, quote, escape, new_line, skip, comment = self
        return (
            f"delim = {sql_literal(delimiter)}, quote = {sql_literal(quote)}, escape = {sql_literal(escape)}, "
            f"new_line = {sql_literal(new_line)}, skip = {int(skip)}, comment = {sql_literal(comment)}"
        )


def sniff_dialect(con: duckdb.DuckDBPyConnection, path: Path, delimiter: str) -> CsvDialect:
    """The dialect DuckDB's sniffer finds in a CSV read as the loader reads it (~0.06 s for a 250 MB file:
    it samples the first 20,480 lines)."""
    row = con.execute(
        "SELECT Delimiter, Quote, Escape, NewLineDelimiter, SkipRows, Comment FROM sniff_csv("
        f"$path, {CSV_READ}, delim = $delim)",
        {"path": str(path), "delim": delimiter},
    ).fetchall()[0]
    return CsvDialect("" if v == "(empty)" else v for v in row)


def csv_dialect(con: duckdb.DuckDBPyConnection, lazy: LazyCsv) -> CsvDialect:
    """sniff_dialect of a lazily staged CSV, sniffed once."""
    if lazy.dialect is None:
        lazy.dialect = sniff_dialect(con, lazy.path, lazy.delimiter)
    return lazy.dialect


def csv_batch_view(con: duckdb.DuckDBPyConnection, lazies: Sequence[LazyCsv], view: str, index: str) -> None:
    """The TEMP VIEW `view` reading the lazily staged CSVs `lazies` (one dialect, one header) in one read_csv:
    their columns plus `index`, the position in `lazies` of the file a row comes from. With insertion order
    preserved, the rows come file by file, each file's in its order, as its own view gives them."""
    dialects = {csv_dialect(con, lazy) for lazy in lazies}
    if len(dialects) != 1:
        raise ValueError(f"files of {len(dialects)} dialects cannot be read in one read_csv")
    paths = ", ".join(sql_literal(str(lazy.path)) for lazy in lazies)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {quote_ident(view)} AS SELECT *, file_index AS {quote_ident(index)} "
        f"FROM read_csv([{paths}], {CSV_READ}, "
        f"{dialects.pop().options()})"
    )


def materialise(con: duckdb.DuckDBPyConnection, staged: StagedFile, table: str) -> None:
    """Stage a lazily staged CSV as the TEMP table `table` after all (the same rows, numbered the same)."""
    lazy = staged.lazy
    if lazy is None:
        return
    staged.lazy = None
    try:
        if note := read_csv_into(con, lazy.path, table, lazy.delimiter, lazy.first_row):
            staged.extra_notes.append(note)
        con.execute(f"DROP VIEW IF EXISTS temp.{quote_ident(lazy.view)}")
    finally:
        delete_files(lazy.temps)


def release(staged: Sequence[str] | None) -> None:
    """Delete a lazily staged CSV's temporary copies (the caller drops its view, `view_name(table)`)."""
    lazy = getattr(staged, "lazy", None)
    if lazy is not None:
        delete_files(lazy.temps)


def stage_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    encoding: str,
    header: HeaderSpec,
    delimiter: str | None,
    lazy: bool = False,
) -> StagedFile:
    temps: list[Path] = []

    def temp() -> Path:
        fd, name = tempfile.mkstemp(prefix="salesperf-", suffix=".csv")
        os.close(fd)
        temps.append(Path(name))
        return temps[-1]

    try:
        if encoding not in NATIVE_ENCODINGS:  # DuckDB has no GBK reader offline: detection and reading use UTF-8
            transcode_to_utf8(path, encoding, utf8 := temp())
            path = utf8
        lines = _head_lines(path)
        delimiter = delimiter or detect_delimiter(lines)
        header_line = header.row
        if header_line is None:
            records = _records(lines, delimiter)
            found = find_header([cells for _, cells in records], header.score)
            header_line = records[found][0] if found is not None else 1
        if header_line > 1:
            # Titles above the header are cut off in a copy rather than passed over with read_csv's `skip`:
            # with `skip` set, DuckDB's sniffer fails on a row wider than the header (null_padding), and
            # without it, it takes the title for the header.
            _copy_from_line(path, header_line, cut := temp())
            path = cut
        staged = StagedFile([], header_row=header_line, delimiter=delimiter)
        read = _csv_view if lazy else read_csv_into
        try:
            note = read(con, path, table, delimiter, header_line + 1)
        except duckdb.Error as err:
            # A file mixing CRLF and LF line ends (an export appended to by hand) defeats DuckDB's dialect
            # sniffer whatever the options; read a copy with every CRLF made LF, and say so in the audit.
            if "sniffing" not in str(err) or not mixed_line_ends(path):
                raise
            normalise_line_ends(path, lf := temp())
            path = lf
            note = read(con, path, table, delimiter, header_line + 1)
            staged.extra_notes.append("line ends normalised (the file mixes CRLF and LF)")
        if note:
            staged.extra_notes.append(note)
        if lazy:  # the view reads `path` (perhaps one of the temporary copies) until release()
            kept = [t for t in temps if t == path]
            temps[:] = [t for t in temps if t != path]
            staged.lazy = LazyCsv(view_name(table), path, delimiter, header_line + 1, kept)
        return staged
    finally:
        delete_files(temps)


def view_name(table: str) -> str:
    """The TEMP VIEW of a CSV staged lazily as `table`."""
    return table + "_csv"


def _csv_view(con: duckdb.DuckDBPyConnection, path: Path, table: str, delimiter: str, first_row: int) -> None:
    """The TEMP VIEW of a lazily staged CSV (read as read_csv_into reads it, without `_row`). A view's
    query cannot take parameters, so the path and delimiter are string literals (quotes doubled). Creating
    it runs DuckDB's sniffer, so a file the sniffer rejects fails here, as read_csv_into would."""
    del first_row  # numbered by the caller (LazyCsv)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {quote_ident(view_name(table))} AS SELECT * FROM read_csv("
        f"{sql_literal(str(path))}, {CSV_READ}, "
        f"delim = {sql_literal(delimiter)})"
    )


def mixed_line_ends(path: Path) -> bool:
    """True when the file has both CRLF and bare LF line ends (a CR ending one chunk is looked at with the
    next, so a CRLF split across chunks is not counted as a bare LF)."""
    crlf = bare_lf = False
    tail = b""
    for chunk in chunks(path):
        data = tail + chunk
        crlf = crlf or b"\r\n" in data
        bare_lf = bare_lf or data.count(b"\n") > data.count(b"\r\n")
        if crlf and bare_lf:
            return True
        tail = data[-1:] if data.endswith(b"\r") else b""  # counted with the next chunk's first byte
    return False


def normalise_line_ends(src: Path, dest: Path) -> None:
    """Copy `src` with every CRLF made LF (streamed; a CR at a chunk's end waits for the next chunk)."""
    with open(dest, "wb") as out:
        pending = b""
        for chunk in chunks(src):
            data = pending + chunk
            pending = b"\r" if data.endswith(b"\r") else b""
            out.write((data[:-1] if pending else data).replace(b"\r\n", b"\n"))
        out.write(pending)


def _copy_from_line(src: Path, line: int, dest: Path) -> None:
    """Copy a UTF-8 file from its `line`-th text line (1-based, counted as _head_lines counts) on."""
    with open(src, encoding="utf-8", errors="replace", newline="") as f:
        for _ in range(line - 1):
            f.readline()
        offset = f.tell()  # a byte offset: the UTF-8 decoder keeps no state between lines
    with open(src, "rb") as fin, open(dest, "wb") as out:
        fin.seek(offset)
        while chunk := fin.read(CHUNK):
            out.write(chunk)


def _head_lines(path: Path) -> list[str]:
    """The first lines of a UTF-8 file (at most 200 lines or ~SAMPLE characters), line ends kept."""
    lines: list[str] = []
    size = 0
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        while len(lines) < 200 and size < SAMPLE and (line := f.readline(SAMPLE)):
            lines.append(line)
            size += len(line)
    return lines


def _records(lines: list[str], delimiter: str) -> list[tuple[int, list[str]]]:
    """(first text line, cells) of each record in `lines`; an empty line is a record with no cells."""
    reader = csv.reader(iter(lines), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error:  # a sample cut inside a quoted cell, or a stray NUL: what was parsed is enough
        pass
    return records


def detect_delimiter(lines: list[str]) -> str:
    """The candidate that splits the most records into one common width > 1 (ties: the wider split, then
    DELIMITERS order). Title rows are one cell whatever the delimiter, so they do not sway it."""
    best, best_key = DELIMITERS[0], (0, 0)
    for delimiter in DELIMITERS:
        widths = [len(cells) for _, cells in _records(lines, delimiter) if len(cells) > 1]
        if not widths:
            continue
        mode = max(set(widths), key=lambda w: (widths.count(w), w))
        key = (widths.count(mode), mode)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def read_csv_into(con: duckdb.DuckDBPyConnection, path: Path, table: str, delimiter: str, first_row: int) -> str | None:
    """Stage a CSV as the TEMP table `table` (all VARCHAR, `_row` added); returns a note for the file's audit
    message when it had to be read in a way worth saying, else None."""
    # null_padding: a short row gets NULLs (reported per row later) and a long one extra columns, instead
    # of failing the whole file. The delimiter is set (detect_delimiter) because the sniffer, with
    # null_padding, can settle on no delimiter at all. The parallel reader refuses null_padding with quoted
    # line breaks; that case retries single-threaded.
    sql = (
        f"CREATE OR REPLACE TEMP TABLE {quote_ident(table)} AS SELECT * FROM read_csv($path, {CSV_READ}, delim = $delim"
    )
    params = {"path": str(path), "delim": delimiter}
    note = None
    with InsertionOrder(con):
        try:
            _create_from_csv(con, sql, params)
        except duckdb.Error as err:
            # DuckDB's sniffer decides quoting from a sample (20,480 lines): a file whose first quoted cell
            # ("Acme, Inc") comes later is read as unquoted and fails there. Such a file is read again with
            # RFC 4180 quoting; any other failure, or a second one, stands.
            try:
                unquoted = "CSV Error" in str(err) and sniff_dialect(con, path, delimiter).quote == ""
            except duckdb.Error:  # the sniffer fails on it too: DuckDB's first reason stands
                unquoted = False
            if not unquoted:
                raise err
            try:
                _create_from_csv(con, sql + ", quote = '\"', escape = '\"'", params)
            except duckdb.Error:
                raise err from None
            note = "read with double-quoted cells (the first one comes after the lines DuckDB samples)"
    add_row_numbers(con, table, first=first_row)
    return note


def _create_from_csv(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, str]) -> None:
    """Run read_csv_into's statement (`sql` without its closing parenthesis), single-threaded if DuckDB's
    parallel reader refuses the file."""
    try:
        con.execute(sql + ")", params)
    except duckdb.Error as err:
        if "parallel" not in str(err):
            raise
        con.execute(sql + ", parallel = false)", params)


def add_row_numbers(con: duckdb.DuckDBPyConnection, table: str, first: int = 2) -> None:
    q = quote_ident(table)
    cols = [r[0] for r in con.execute(f"DESCRIBE temp.{q}").fetchall()]
    if "_row" in cols:  # a header literally named _row keeps its data under another name
        con.execute(f"ALTER TABLE temp.{q} RENAME COLUMN _row TO {quote_ident(unique_name('_row', cols))}")
    con.execute(f"ALTER TABLE temp.{q} ADD COLUMN _row BIGINT")
    # rowids count from 0, except for a table made inside an open transaction (LazyCsv: in the loader's),
    # whose uncommitted rows count from a large base
    base = con.execute(f"SELECT coalesce(min(rowid), 0) FROM temp.{q}").fetchall()[0][0]
    con.execute(f"UPDATE temp.{q} SET _row = rowid - $base + $first", {"base": base, "first": int(first)})
