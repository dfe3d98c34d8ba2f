"""Read one landing file (CSV, XLSX or Parquet) into an all-VARCHAR DuckDB staging table (or, for a CSV on
request, a view over the file that is staged only when needed: `LazyCsv`).

The staging table has the file's own header names, every cell as text (NULL when empty), and `_row`, the
spreadsheet-style row number of the record (the header's own row number + 1 for the first data row).
Typing and validation happen later, in SQL (see `load.py`); reading never interprets a value, so nothing
is lost before it can be reported. `stage_file` returns a `StagedFile`: the header names (a list) plus how
the file was read (header row, delimiter, worksheets read and skipped) for the file's audit message.

The header row: real exports put a title above the table (销售订单明细表, 导出时间：2025-03-01, a merged
banner). Unless the caller names the row (`header_row`), the header is searched among the first
HEADER_SEARCH_ROWS non-blank rows (`find_header`): with a `header_score` callback (the loader passes one
that counts the cells naming a column of the entity), the first row with the best positive score; else,
or when no row scores, the first row with at least 2 distinct non-empty cells and at least half as many
non-empty cells as the widest row (a lone title, even one merged across the sheet, has one distinct value).
Rows above the header are not data: they are neither loaded nor counted.

Row numbers:
- CSV: the header is on text line L (lines above it are cut off in a temporary copy, so titles never
  reach DuckDB's sniffer) and `_row` = L + 1 + the record's position among the records after it. DuckDB's
  reader skips empty lines, so after an empty line (or a quoted cell holding a line break) `_row` no
  longer equals the text line number. Fully blank rows (empty lines, or rows whose every cell is blank or
  whitespace) are not data rows: they are neither loaded nor counted (the loader drops blank-celled rows;
  empty lines never reach it). The delimiter (`,` `;` tab `|`) is the one that splits the first lines
  into the most records of one width > 1 (`detect_delimiter`), unless the caller names it. Quoting is
  DuckDB's sniffer's guess from the first 20,480 lines; a file guessed unquoted that then fails on a quoted
  cell is read again with double-quoted cells, and its audit message says so.
- XLSX: `_row` is the worksheet's own row number, so it matches what Excel shows. Blank rows are skipped
  at read time. Merged cells: openpyxl's read-only mode does not expose merged ranges, so they are read
  from the worksheet XML's `<mergeCell ref=...>` elements (`merged_ranges`) and every cell of a range
  gets the range's top-left value, as the reader of the printed sheet would (an order id merged down its
  lines belongs to each line). Several sheets: without `sheet`, the reference sheet is the one whose
  header scores best (the first with a table-like header without a score), and every worksheet whose
  header has the same column names (any order, any case) is read too; the others (cover, notes, pivot
  sheets) are skipped and named in `StagedFile.notes`. The k-th sheet read (k = 0, 1, ...) numbers its
  rows k * SHEET_ROW_SCALE + worksheet row, so `_row` stays unique in the file and the first sheet's rows
  keep their plain numbers; `StagedFile.sheets[k]` names the sheet.
- Parquet: `_row` = 2 + the row's position in the file.

File paths and header names only ever reach SQL as bound parameters or as quoted identifiers.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion.sql_macros import WHITESPACE

CHUNK = 4 * 1024 * 1024  # read size for hashing, UTF-8 validation and transcoding
SAMPLE = 1024 * 1024  # bytes charset-normalizer looks at when a file is not UTF-8
XLSX_BATCH = 50_000  # rows per Arrow batch when staging a worksheet
HEADER_SEARCH_ROWS = 20  # non-blank rows at the top of a file or sheet searched for the header
SHEET_ROW_SCALE = 10_000_000  # _row of the k-th sheet read = k * this + worksheet row (Excel: <= 1,048,576)
DELIMITERS = (",", ";", "\t", "|")  # detection candidates, in the order ties are broken

# Scores a candidate header row (its non-empty cells, trimmed); higher is more header-like, 0 = not one.
HeaderScore = Callable[[list[str]], float]

# Longest BOM first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
# Encodings DuckDB's CSV reader takes as they are (it drops a UTF-8 BOM itself).
_NATIVE = {"utf-8", "utf-8-sig"}
# charset-normalizer guesses in the GB family all become GB18030, their common superset.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
_CANDIDATES = ("gb18030", "big5")


class LandingFileError(Exception):
    """A landing file that cannot be read; the message is one sentence naming the file."""


# -- encoding & fingerprint ---------------------------------------------------------------------------


def _chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def _bom_encoding(head: bytes) -> str | None:
    return next((enc for bom, enc in _BOMS if head.startswith(bom)), None)


def _guess_encoding(sample: bytes) -> str:
    """charset-normalizer's guess for a non-UTF-8 sample; GB18030 when it has none or ties.

    The guess is limited to the Chinese legacy encodings: unrestricted, charset-normalizer calls a short
    GBK file cp949 (Korean) and a GBK file with one bad byte cp1251, and either would load as mojibake.
    A few GBK characters also decode as Big5 without "chaos"; on a tie the contract's GB18030 wins.
    Anything else then fails loudly in the strict GB18030 transcoding, naming the offending byte."""
    from charset_normalizer import from_bytes

    if sample.isascii():
        return "gb18030"
    # Cut at the last line break so a multi-byte character split by the sample edge is not held against
    # the right encoding.
    cut = sample.rfind(b"\n")
    matches = list(from_bytes(sample[: cut + 1] if cut > 0 else sample, cp_isolation=list(_CANDIDATES)))
    if not matches:
        return "gb18030"
    least = min(m.chaos for m in matches)
    names = [codecs.lookup(m.encoding).name for m in matches if m.chaos <= least]
    return "gb18030" if any(n in _GB_FAMILY for n in names) else names[0]


def _scan(path: Path, *, hash_it: bool) -> tuple[str | None, str]:
    """One streaming pass: (sha256 or None, encoding). The UTF-8 check stops at the first bad byte."""
    sha = hashlib.sha256() if hash_it else None
    decoder = codecs.getincrementaldecoder("utf-8")()
    head, sample = b"", b""  # the first bytes (BOM), and the text charset-normalizer looks at
    utf8_ok = True
    for chunk in _chunks(path):
        if sha is not None:
            sha.update(chunk)
        if not head:
            head = chunk[:4]
        # ASCII is valid UTF-8: bytes.isascii() checks it ~20x faster than decoding (when no multi-byte
        # character is left pending from the previous chunk).
        if utf8_ok and not (chunk.isascii() and not decoder.getstate()[0]):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                utf8_ok = False
                sample = _sample_at(chunk, err.start)
                if sha is None:
                    break  # nothing left to learn from the rest of the file
    if utf8_ok:
        try:
            decoder.decode(b"", final=True)  # a truncated multi-byte sequence at the very end
        except UnicodeDecodeError:
            utf8_ok = False
            sample = head
    encoding = _bom_encoding(head) or ("utf-8" if utf8_ok else _guess_encoding(sample))
    return (sha.hexdigest() if sha is not None else None), encoding


def _sample_at(chunk: bytes, bad: int) -> bytes:
    """~1 MB from the start of the line holding the first non-UTF-8 byte. Sampling the file's first MB
    instead would often show charset-normalizer plain ASCII, where GB18030 and Big5 tie."""
    start = chunk.rfind(b"\n", 0, bad) + 1
    return chunk[start : start + SAMPLE]


def detect_encoding(path: str | os.PathLike[str]) -> str:
    """'utf-8-sig' (or 'utf-16'/'utf-32') for a BOM, 'utf-8' when the whole file decodes as UTF-8,
    else charset-normalizer's guess on ~1 MB from the first non-UTF-8 line, defaulting to 'gb18030'
    (a superset of GBK)."""
    return _scan(Path(path), hash_it=False)[1]


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    for chunk in _chunks(Path(path)):
        digest.update(chunk)
    return digest.hexdigest()


def fingerprint(path: str | os.PathLike[str]) -> tuple[str, str | None]:
    """(sha256, encoding) in one read of the file; the encoding is None for XLSX and Parquet."""
    path = Path(path)
    if file_format(path) != "csv":
        return sha256_file(path), None
    sha, encoding = _scan(path, hash_it=True)
    assert sha is not None
    return sha, encoding


# -- staging ------------------------------------------------------------------------------------------


def quote_ident(name: str) -> str:
    """A DuckDB quoted identifier for any string (embedded double quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def file_format(path: Path) -> str | None:
    """'csv', 'xlsx' or 'parquet' from the extension (case-insensitive); None for anything else."""
    return {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}.get(path.suffix.lower())


class StagedFile(list[str]):
    """The staged file's header names in file order (a list, so callers that only want the names can treat
    it as one), and how the file was read."""

    def __init__(
        self,
        headers: Iterable[str],
        *,
        header_row: int = 1,
        delimiter: str | None = None,
        sheets: Sequence[str] = (),
        skipped_sheets: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(headers)
        self.header_row = header_row  # row (CSV: text line) of the header in the file or first sheet read
        self.delimiter = delimiter  # CSV only
        self.sheets = list(sheets)  # XLSX: worksheets read, in order; _row // SHEET_ROW_SCALE indexes it
        self.skipped_sheets = list(skipped_sheets)  # XLSX: (worksheet, why it was not read)
        self.extra_notes: list[str] = []  # anything else done to read the file
        self.lazy: LazyCsv | None = None  # stage_file(lazy=True): the CSV is a view; see LazyCsv

    @property
    def notes(self) -> str:
        """What a reader of the audit should know about how the file was read; '' for a plain file."""
        parts = []
        if self.header_row > 1:
            parts.append(f"header on row {self.header_row} (rows above it are titles, not data)")
        if len(self.sheets) > 1 or self.skipped_sheets:
            parts.append("sheets read: " + ", ".join(self.sheets))
        if self.skipped_sheets:
            parts.append("sheets skipped: " + ", ".join(f"{name} ({why})" for name, why in self.skipped_sheets))
        return "; ".join(parts + self.extra_notes)


def stage_file(
    con: duckdb.DuckDBPyConnection,
    path: str | os.PathLike[str],
    table: str,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    delimiter: str | None = None,
    header_score: HeaderScore | None = None,
    lazy: bool = False,
) -> StagedFile:
    """Load one landing file into the TEMP table `table` (all VARCHAR + `_row BIGINT`); return its
    header names in file order, as a StagedFile.

    `encoding` skips detection for a CSV already fingerprinted; `sheet` (XLSX: a worksheet name or 0-based
    index) reads that worksheet only; `header_row` (1-based; CSV: text line) skips header detection;
    `delimiter` (CSV, one character) skips delimiter detection; `header_score` ranks candidate header rows
    (see the module docstring). `lazy` (CSV only; ignored for other formats): create the TEMP VIEW
    `StagedFile.lazy.view` over the file instead of the table (see LazyCsv); the caller then owns
    `release(staged)`. Raises LandingFileError (one sentence naming the file) when the file cannot be
    read."""
    path = Path(path)
    fmt = file_format(path)
    if path.stat().st_size == 0:
        raise LandingFileError(f"{path.name} is empty (not even a header row).")
    if header_row is not None and header_row < 1:
        raise ValueError(f"header_row must be 1 or more, not {header_row}")
    if delimiter is not None and len(delimiter) != 1:
        raise ValueError(f"delimiter must be one character, not {delimiter!r}")
    try:
        if fmt == "csv":
            staged = _stage_csv(
                con,
                path,
                table,
                encoding or detect_encoding(path),
                _HeaderSpec(header_row, header_score),
                delimiter,
                lazy,
            )
        elif fmt == "xlsx":
            staged = _stage_xlsx(con, path, table, sheet, _HeaderSpec(header_row, header_score))
        elif fmt == "parquet":
            _stage_parquet(con, path, table)
            staged = StagedFile([])
        else:
            raise LandingFileError(f"{path.name} is not a .csv, .xlsx or .parquet file.")
    except LandingFileError:
        con.execute(f"DROP TABLE IF EXISTS temp.{quote_ident(table)}")
        raise
    except Exception as exc:  # any reader failure is reported as this file's, never raised further
        con.execute(f"DROP TABLE IF EXISTS temp.{quote_ident(table)}")
        raise LandingFileError(f"{path.name} could not be read as {fmt}: {first_line(exc)}.") from exc
    cols = _temp_columns(con, staged.lazy.view if staged.lazy else table)
    if staged.lazy is not None and "_row" in cols:  # that name is taken by the row number: stage it now
        materialise(con, staged, table)
        cols = _temp_columns(con, table)
    staged[:] = [c for c in cols if c != "_row"]
    return staged


def _temp_columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """Column names of a TEMP table or view, from the catalog: DESCRIBE would bind a CSV view again, and
    so run DuckDB's sniffer on the file again (~0.1 s for a large file)."""
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'temp' "
            "AND table_name = $t ORDER BY column_index",
            {"t": name},
        ).fetchall()
    ]


# How every CSV is read, whichever way (staging table, lazy view, several files at once, sniffing): one
# string, so that a file read together with others is read exactly as it would be on its own. null_padding:
# see _read_csv_into.
_CSV_READ = "all_varchar = true, header = true, null_padding = true"


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


# -- several CSVs in one read ------------------------------------------------------------------------------
#
# DuckDB reads a list of files in one read_csv several times faster than it reads each file on its own
# (measured: 4 files of 2.5M lines typed into one table in 13-16 s, against 18-21 s one file at a time; a
# UNION ALL of per-file reads is no faster than the latter). A multi-file read applies ONE dialect to every
# file, so files are read together only when DuckDB's sniffer finds the same dialect in each on its own
# (`csv_dialect`), and that dialect is then passed explicitly: each file is read exactly as its own view
# would read it.


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
            f"delim = {_literal(delimiter)}, quote = {_literal(quote)}, escape = {_literal(escape)}, "
            f"new_line = {_literal(new_line)}, skip = {int(skip)}, comment = {_literal(comment)}"
        )


def sniff_dialect(con: duckdb.DuckDBPyConnection, path: Path, delimiter: str) -> CsvDialect:
    """The dialect DuckDB's sniffer finds in a CSV read as the loader reads it (~0.06 s for a 250 MB file:
    it samples the first 20,480 lines)."""
    row = con.execute(
        "SELECT Delimiter, Quote, Escape, NewLineDelimiter, SkipRows, Comment FROM sniff_csv("
        f"$path, {_CSV_READ}, delim = $delim)",
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
    paths = ", ".join(_literal(str(lazy.path)) for lazy in lazies)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {quote_ident(view)} AS SELECT *, file_index AS {quote_ident(index)} "
        f"FROM read_csv([{paths}], {_CSV_READ}, "
        f"{dialects.pop().options()})"
    )


def materialise(con: duckdb.DuckDBPyConnection, staged: StagedFile, table: str) -> None:
    """Stage a lazily staged CSV as the TEMP table `table` after all (the same rows, numbered the same)."""
    lazy = staged.lazy
    if lazy is None:
        return
    staged.lazy = None
    try:
        if note := _read_csv_into(con, lazy.path, table, lazy.delimiter, lazy.first_row):
            staged.extra_notes.append(note)
        con.execute(f"DROP VIEW IF EXISTS temp.{quote_ident(lazy.view)}")
    finally:
        _delete(lazy.temps)


def release(staged: Sequence[str] | None) -> None:
    """Delete a lazily staged CSV's temporary copies (the caller drops its view, `view_name(table)`)."""
    lazy = getattr(staged, "lazy", None)
    if lazy is not None:
        _delete(lazy.temps)


def _delete(paths: list[Path]) -> None:
    for p in paths:
        p.unlink(missing_ok=True)
    paths.clear()


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__).rstrip(".")


class InsertionOrder:
    """Force preserve_insertion_order on while staging: `rowid` is the row number only if CREATE TABLE AS
    keeps the file's order (it does, with this setting, even with the parallel CSV reader)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.before = True

    def __enter__(self) -> None:
        setting = self.con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()
        self.before = bool(setting[0][0])
        if not self.before:
            self.con.execute("SET preserve_insertion_order = true")

    def __exit__(self, *exc: object) -> None:
        if not self.before:
            self.con.execute("SET preserve_insertion_order = false")


# -- header row -----------------------------------------------------------------------------------


class _HeaderSpec:
    """How to find the header: a given row number, or detection with an optional score."""

    def __init__(self, row: int | None, score: HeaderScore | None) -> None:
        self.row, self.score = row, score


def _filled(cells: Sequence[str | None]) -> list[str]:
    return [t for c in cells if c is not None and (t := c.strip(WHITESPACE))]


def find_header(rows: Sequence[Sequence[str | None]], score: HeaderScore | None = None) -> int | None:
    """Index in `rows` (the top of a file or sheet) of the header row; None when every row is blank.

    With `score`, the first row with the best positive score wins. Otherwise (or when nothing scores) the
    first row with at least 2 distinct non-empty cells and at least half as many non-empty cells as the
    widest row: a title (销售订单明细表), an export-date line or a banner merged across the sheet has one
    distinct value, a key/value line (导出人：张三) is narrower than the table. A one-column file's header is
    its first non-blank row."""
    cells = [_filled(r) for r in rows]
    candidates = [i for i, c in enumerate(cells) if c][:HEADER_SEARCH_ROWS]
    if not candidates:
        return None
    if score is not None:
        scores = [score(cells[i]) for i in candidates]
        best = max(scores)
        if best > 0:
            return candidates[scores.index(best)]
    widest = max(len(cells[i]) for i in candidates)
    if max(len(set(cells[i])) for i in candidates) < 2:
        return candidates[0]
    need = max(2, (widest + 1) // 2)
    return next((i for i in candidates if len(set(cells[i])) >= 2 and len(cells[i]) >= need), candidates[0])


# -- csv ----------------------------------------------------------------------------------------------


def _stage_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    encoding: str,
    header: _HeaderSpec,
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
        if encoding not in _NATIVE:  # DuckDB has no GBK reader offline: detection and reading use UTF-8
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
        read = _csv_view if lazy else _read_csv_into
        try:
            note = read(con, path, table, delimiter, header_line + 1)
        except duckdb.Error as err:
            # A file mixing CRLF and LF line ends (an export appended to by hand) defeats DuckDB's dialect
            # sniffer whatever the options; read a copy with every CRLF made LF, and say so in the audit.
            if "sniffing" not in str(err) or not _mixed_line_ends(path):
                raise
            _normalise_line_ends(path, lf := temp())
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
        _delete(temps)


def view_name(table: str) -> str:
    """The TEMP VIEW of a CSV staged lazily as `table`."""
    return table + "_csv"


def _csv_view(con: duckdb.DuckDBPyConnection, path: Path, table: str, delimiter: str, first_row: int) -> None:
    """The TEMP VIEW of a lazily staged CSV (read as _read_csv_into reads it, without `_row`). A view's
    query cannot take parameters, so the path and delimiter are string literals (quotes doubled). Creating
    it runs DuckDB's sniffer, so a file the sniffer rejects fails here, as _read_csv_into would."""
    del first_row  # numbered by the caller (LazyCsv)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {quote_ident(view_name(table))} AS SELECT * FROM read_csv("
        f"{_literal(str(path))}, {_CSV_READ}, "
        f"delim = {_literal(delimiter)})"
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _mixed_line_ends(path: Path) -> bool:
    """True when the file has both CRLF and bare LF line ends (a CR ending one chunk is looked at with the
    next, so a CRLF split across chunks is not counted as a bare LF)."""
    crlf = bare_lf = False
    tail = b""
    for chunk in _chunks(path):
        data = tail + chunk
        crlf = crlf or b"\r\n" in data
        bare_lf = bare_lf or data.count(b"\n") > data.count(b"\r\n")
        if crlf and bare_lf:
            return True
        tail = data[-1:] if data.endswith(b"\r") else b""  # counted with the next chunk's first byte
    return False


def _normalise_line_ends(src: Path, dest: Path) -> None:
    """Copy `src` with every CRLF made LF (streamed; a CR at a chunk's end waits for the next chunk)."""
    with open(dest, "wb") as out:
        pending = b""
        for chunk in _chunks(src):
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


def transcode_to_utf8(src: Path, encoding: str, dest: Path) -> None:
    """Stream `src` from `encoding` to UTF-8 (DuckDB has no GBK reader offline). A byte the encoding
    cannot decode fails the file: guessing a replacement would silently change data."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with open(dest, "w", encoding="utf-8", newline="") as out:
        for chunk in _chunks(src):
            try:
                out.write(decoder.decode(chunk))
            except UnicodeDecodeError as err:
                raise LandingFileError(
                    f"{src.name} is not valid {encoding}: undecodable byte at offset {offset + err.start}."
                ) from err
            offset += len(chunk)
        try:
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as err:
            raise LandingFileError(f"{src.name} is not valid {encoding}: it ends mid-character.") from err


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


def _read_csv_into(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, delimiter: str, first_row: int
) -> str | None:
    """Stage a CSV as the TEMP table `table` (all VARCHAR, `_row` added); returns a note for the file's audit
    message when it had to be read in a way worth saying, else None."""
    # null_padding: a short row gets NULLs (reported per row later) and a long one extra columns, instead
    # of failing the whole file. The delimiter is set (detect_delimiter) because the sniffer, with
    # null_padding, can settle on no delimiter at all. The parallel reader refuses null_padding with quoted
    # line breaks; that case retries single-threaded.
    sql = (
        f"CREATE OR REPLACE TEMP TABLE {quote_ident(table)} AS SELECT * FROM read_csv($path, "
        f"{_CSV_READ}, delim = $delim"
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
    _add_row_numbers(con, table, first=first_row)
    return note


def _create_from_csv(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, str]) -> None:
    """Run _read_csv_into's statement (`sql` without its closing parenthesis), single-threaded if DuckDB's
    parallel reader refuses the file."""
    try:
        con.execute(sql + ")", params)
    except duckdb.Error as err:
        if "parallel" not in str(err):
            raise
        con.execute(sql + ", parallel = false)", params)


def _add_row_numbers(con: duckdb.DuckDBPyConnection, table: str, first: int = 2) -> None:
    q = quote_ident(table)
    cols = [r[0] for r in con.execute(f"DESCRIBE temp.{q}").fetchall()]
    if "_row" in cols:  # a header literally named _row keeps its data under another name
        con.execute(f"ALTER TABLE temp.{q} RENAME COLUMN _row TO {quote_ident(_unique('_row', cols))}")
    con.execute(f"ALTER TABLE temp.{q} ADD COLUMN _row BIGINT")
    # rowids count from 0, except for a table made inside an open transaction (LazyCsv: in the loader's),
    # whose uncommitted rows count from a large base
    base = con.execute(f"SELECT coalesce(min(rowid), 0) FROM temp.{q}").fetchall()[0][0]
    con.execute(f"UPDATE temp.{q} SET _row = rowid - $base + $first", {"base": base, "first": int(first)})


def _unique(name: str, taken: Iterable[str]) -> str:
    """`name_1`, `name_2`, ...: the first not in `taken` (compared case-insensitively)."""
    folded = {t.casefold() for t in taken}
    n = 1
    while f"{name}_{n}".casefold() in folded:
        n += 1
    return f"{name}_{n}"


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    names = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet($path)", {"path": str(path)}).fetchall()]
    row_col = "_row" if "_row" not in names else _unique("_row", names)
    select = ", ".join(
        f"CAST({quote_ident(n)} AS VARCHAR) AS {quote_ident(n if n != '_row' else row_col)}" for n in names
    )
    with InsertionOrder(con):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_ident(table)} AS SELECT {select}, "
            "file_row_number + 2 AS _row FROM read_parquet($path, file_row_number = true)",
            {"path": str(path)},
        )


# -- xlsx ---------------------------------------------------------------------------------------------


def cell_text(value: object) -> str | None:
    """An Excel cell as the text a CSV export would hold: ISO dates, integers without `.0`."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value)
    return text if text != "" else None


def _header_names(cells: tuple[object, ...]) -> list[str]:
    texts = [cell_text(c) for c in cells]
    while texts and texts[-1] is None:  # a worksheet's used range often runs past the last header
        texts.pop()
    names: list[str] = []
    taken = {"_row"}  # DuckDB identifiers are case-insensitive, so are duplicates
    for i, text in enumerate(texts):
        name = text if text is not None else f"column{i}"
        if name.casefold() in taken:
            name = _unique(name, taken)
        names.append(name)
        taken.add(name.casefold())
    return names


# A merged range as written in the worksheet XML: <mergeCell ref="A2:A5"/> (any namespace prefix).
_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?\"")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def merged_ranges(xlsx: Path, member: str) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col), 1-based, of every merged range of one worksheet, read from
    its XML inside the workbook zip (openpyxl's read-only mode does not expose them). The XML is streamed
    and scanned as bytes: the <mergeCells> block sits after <sheetData>, so this costs one decompression
    of the sheet, small next to openpyxl parsing it."""
    ranges: list[tuple[int, int, int, int]] = []
    with zipfile.ZipFile(xlsx) as zf, zf.open(member) as xml:
        tail = b""
        while chunk := xml.read(CHUNK):
            buf = tail + chunk
            last = 0
            for m in _MERGE_REF.finditer(buf):
                c1, r1 = _column_number(m.group(1)), int(m.group(2))
                c2 = _column_number(m.group(3)) if m.group(3) else c1
                r2 = int(m.group(4)) if m.group(4) else r1
                ranges.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
                last = m.end()
            # keep an unfinished tag for the next chunk, never a range already taken
            tail = buf[max(last, len(buf) - 512) :]
    return [r for r in ranges if (r[2] - r[0]) + (r[3] - r[1]) > 0]


def _sheet_rows(ws: object, merges: list[tuple[int, int, int, int]]) -> Iterator[tuple[int, list[str | None]]]:
    """(worksheet row number, cell texts) for every row from row 1, blank ones included, with each merged
    range's cells filled with its top-left value."""
    starts: dict[int, list[tuple[int, int, int, int]]] = {}
    for rng in merges:
        starts.setdefault(rng[0], []).append(rng)
    active: list[tuple[int, int, int, str | None]] = []  # (last row, first col, last col, value)
    for row_no, cells in enumerate(ws.iter_rows(values_only=True), start=1):  # type: ignore[attr-defined]
        texts = [cell_text(c) for c in cells]
        if starts or active:
            for _r1, c1, r2, c2 in starts.pop(row_no, ()):
                active.append((r2, c1, c2, texts[c1 - 1] if c1 <= len(texts) else None))
            active = [a for a in active if a[0] >= row_no]
            for _, c1, c2, value in active:
                if len(texts) < c2:
                    texts += [None] * (c2 - len(texts))
                texts[c1 - 1 : c2] = [value] * (c2 - c1 + 1)
        yield row_no, texts


class _Sheet:
    """One worksheet's header, found from its first rows."""

    def __init__(
        self, index: int, name: str, member: str | None, header: list[str], header_row: int, score: float
    ) -> None:
        self.index, self.name, self.member = index, name, member
        self.header, self.header_row, self.score = header, header_row, score

    @property
    def names(self) -> list[str]:
        return sorted(h.strip().casefold() for h in self.header)


def _read_sheet_header(path: Path, ws: object, index: int, header: _HeaderSpec) -> _Sheet:
    member = getattr(ws, "_worksheet_path", None)  # openpyxl's read-only worksheet knows its zip member
    merges = merged_ranges(path, member) if member else []
    top: list[list[str | None]] = []
    numbers: list[int] = []
    seen = 0
    for row_no, texts in _sheet_rows(ws, merges):
        top.append(texts)
        numbers.append(row_no)
        seen += any(t is not None for t in texts)
        if (header.row is not None and row_no >= header.row) or seen >= HEADER_SEARCH_ROWS:
            break
    name = str(getattr(ws, "title", index))
    if header.row is not None:
        found: int | None = header.row - 1 if len(top) >= header.row else None
    else:
        found = find_header(top, header.score)
    if found is None:
        return _Sheet(index, name, member, [], 0, 0.0)
    cells = top[found]
    score = header.score(_filled(cells)) if header.score is not None else 0.0
    return _Sheet(index, name, member, _header_names(cells), numbers[found], score)


def _choose_sheets(path: Path, sheets: list[_Sheet]) -> tuple[list[_Sheet], list[tuple[str, str]]]:
    """The sheets to read (the reference sheet and every sheet with its column names) and the skipped ones.
    Reference: the best positive header score, else the first sheet with a table-like header (2+ columns
    and rows below it), else the first sheet with any header."""
    tables = [s for s in sheets if s.header]
    if not tables:
        raise LandingFileError(f"{path.name} has no header row in any worksheet.")
    scored = [s for s in tables if s.score > 0]
    if scored:
        ref = max(scored, key=lambda s: (s.score, -s.index))
    else:
        ref = next((s for s in tables if len({h.casefold() for h in s.header}) >= 2), tables[0])
    chosen, skipped = [], []
    for s in sheets:
        if s is ref or (s.header and s.names == ref.names):
            chosen.append(s)
        else:
            skipped.append((s.name, "no header row" if not s.header else f"its columns differ from {ref.name}'s"))
    return chosen, skipped


def _stage_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, sheet: str | int | None, header: _HeaderSpec
) -> StagedFile:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        worksheets = list(wb.worksheets)
        if sheet is not None:
            names = [ws.title for ws in worksheets]
            index = sheet if isinstance(sheet, int) else names.index(sheet) if sheet in names else -1
            if not 0 <= index < len(worksheets):
                raise LandingFileError(f"{path.name} has no worksheet {sheet!r} (it has {', '.join(names)}).")
            found = _read_sheet_header(path, worksheets[index], index, header)
            if not found.header:
                raise LandingFileError(f"{path.name} has no header row in worksheet {found.name}.")
            chosen, skipped = [found], []
        else:
            sheets = [_read_sheet_header(path, ws, i, header) for i, ws in enumerate(worksheets)]
            chosen, skipped = _choose_sheets(path, sheets)
        ref = chosen[0]
        q = quote_ident(table)
        cols = ", ".join(f"{quote_ident(h)} VARCHAR" for h in ref.header)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {q} ({cols}, _row BIGINT)")
        for k, s in enumerate(chosen):
            # a later sheet may order its columns differently: take them in the reference sheet's order
            where = {h.strip().casefold(): j for j, h in enumerate(s.header)}
            order = [where[h.strip().casefold()] for h in ref.header]
            ws = worksheets[s.index]
            merges = merged_ranges(path, s.member) if s.member else []
            rows = ((n, t) for n, t in _sheet_rows(ws, merges) if n > s.header_row)
            for batch in _xlsx_batches(rows, order, k * SHEET_ROW_SCALE):
                con.register("__sp_xlsx_batch", batch)
                try:
                    con.execute(f"INSERT INTO temp.{q} SELECT * FROM __sp_xlsx_batch")
                finally:
                    con.unregister("__sp_xlsx_batch")
        return StagedFile([], header_row=ref.header_row, sheets=[s.name for s in chosen], skipped_sheets=skipped)
    finally:
        wb.close()


def _xlsx_batches(rows: Iterable[tuple[int, list[str | None]]], order: list[int], offset: int) -> Iterator[pa.Table]:
    """Non-blank (not all cells empty or whitespace) worksheet rows as Arrow tables of strings plus their
    row numbers (+ offset). Cells right of the last header are dropped (they have no column name)."""
    width = len(order)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    row_numbers: list[int] = []
    for row_no, texts in rows:
        picked = [texts[j] if j < len(texts) else None for j in order]
        if not _filled(picked):
            continue
        for col, text in zip(columns, picked, strict=True):
            col.append(text)
        row_numbers.append(offset + row_no)
        if len(row_numbers) >= XLSX_BATCH:
            yield _arrow_batch(columns, row_numbers)
            columns, row_numbers = [[] for _ in range(width)], []
    if row_numbers:
        yield _arrow_batch(columns, row_numbers)


def _arrow_batch(columns: list[list[str | None]], row_numbers: list[int]) -> pa.Table:
    arrays = [pa.array(col, type=pa.string()) for col in columns] + [pa.array(row_numbers, type=pa.int64())]
    return pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(columns))] + ["_row"])
