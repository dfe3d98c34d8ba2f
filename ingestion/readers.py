"""Read one landing file (CSV, XLSX or Parquet) into an all-VARCHAR DuckDB staging table.

The staging table has the file's own header names, every cell as text (NULL when empty), and `_row`, the
spreadsheet-style row number (header = row 1, first data row = row 2). Typing and validation happen later,
in SQL (see `load.py`); reading never interprets a value, so nothing is lost before it can be reported.

Row numbers:
- CSV: `_row` = 1 + the record's position among the file's records. DuckDB's reader skips empty lines, so
  after an empty line (or a quoted cell holding a line break) `_row` no longer equals the text line number.
  Fully blank rows (empty lines, or rows whose every cell is blank) are not data rows: they are neither
  loaded nor counted (the loader drops blank-celled rows; empty lines never reach it).
- XLSX: `_row` is the worksheet's own row number, so it matches what Excel shows. Blank rows are skipped
  at read time. Rows above the header (the first non-empty row) are ignored.
- Parquet: `_row` = 2 + the row's position in the file.

File paths and header names only ever reach SQL as bound parameters or as quoted identifiers.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

CHUNK = 4 * 1024 * 1024  # read size for hashing, UTF-8 validation and transcoding
SAMPLE = 1024 * 1024  # bytes charset-normalizer looks at when a file is not UTF-8
XLSX_BATCH = 50_000  # rows per Arrow batch when staging a worksheet

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
    return chunk[start:start + SAMPLE]


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


def stage_file(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str], table: str, *,
               encoding: str | None = None) -> list[str]:
    """Load one landing file into the TEMP table `table` (all VARCHAR + `_row BIGINT`); return its
    header names in file order. `encoding` skips detection for a CSV already fingerprinted.

    Raises LandingFileError (one sentence naming the file) when the file cannot be read."""
    path = Path(path)
    fmt = file_format(path)
    if path.stat().st_size == 0:
        raise LandingFileError(f"{path.name} is empty (not even a header row).")
    try:
        if fmt == "csv":
            _stage_csv(con, path, table, encoding or detect_encoding(path))
        elif fmt == "xlsx":
            _stage_xlsx(con, path, table)
        elif fmt == "parquet":
            _stage_parquet(con, path, table)
        else:
            raise LandingFileError(f"{path.name} is not a .csv, .xlsx or .parquet file.")
    except LandingFileError:
        raise
    except Exception as exc:  # any reader failure is reported as this file's, never raised further
        con.execute(f"DROP TABLE IF EXISTS temp.{quote_ident(table)}")
        raise LandingFileError(f"{path.name} could not be read as {fmt}: {first_line(exc)}.") from exc
    cols = [r[0] for r in con.execute(f"DESCRIBE temp.{quote_ident(table)}").fetchall()]
    return [c for c in cols if c != "_row"]


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__).rstrip(".")


class _InsertionOrder:
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


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, table: str, encoding: str) -> None:
    if encoding in _NATIVE:
        _read_csv_into(con, path, table)
        return
    fd, tmp = tempfile.mkstemp(prefix="salesperf-", suffix=".csv")
    os.close(fd)
    try:
        transcode_to_utf8(path, encoding, Path(tmp))
        _read_csv_into(con, Path(tmp), table)
    finally:
        os.unlink(tmp)


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
                raise LandingFileError(f"{src.name} is not valid {encoding}: undecodable byte at offset "
                                       f"{offset + err.start}.") from err
            offset += len(chunk)
        try:
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as err:
            raise LandingFileError(f"{src.name} is not valid {encoding}: it ends mid-character.") from err


def _read_csv_into(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    # null_padding: a short row gets NULLs (reported per row later) and a long one extra columns, instead
    # of failing the whole file or mis-sniffing the delimiter. The parallel reader refuses null_padding
    # with quoted line breaks; that case retries single-threaded.
    sql = (f"CREATE OR REPLACE TEMP TABLE {quote_ident(table)} AS SELECT * FROM read_csv($path, "
           "all_varchar = true, header = true, null_padding = true")
    with _InsertionOrder(con):
        try:
            con.execute(sql + ")", {"path": str(path)})
        except duckdb.Error as err:
            if "parallel" not in str(err):
                raise
            con.execute(sql + ", parallel = false)", {"path": str(path)})
    _add_row_numbers(con, table)


def _add_row_numbers(con: duckdb.DuckDBPyConnection, table: str) -> None:
    q = quote_ident(table)
    cols = [r[0] for r in con.execute(f"DESCRIBE temp.{q}").fetchall()]
    if "_row" in cols:  # a header literally named _row keeps its data under another name
        con.execute(f"ALTER TABLE temp.{q} RENAME COLUMN _row TO {quote_ident(_unique('_row', cols))}")
    con.execute(f"ALTER TABLE temp.{q} ADD COLUMN _row BIGINT")
    con.execute(f"UPDATE temp.{q} SET _row = rowid + 2")  # ~0.4 s per 10M rows


def _unique(name: str, taken: Iterable[str]) -> str:
    """`name_1`, `name_2`, ...: the first not in `taken` (compared case-insensitively)."""
    folded = {t.casefold() for t in taken}
    n = 1
    while f"{name}_{n}".casefold() in folded:
        n += 1
    return f"{name}_{n}"


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    names = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet($path)", {"path": str(path)})
             .fetchall()]
    row_col = "_row" if "_row" not in names else _unique("_row", names)
    select = ", ".join(
        f"CAST({quote_ident(n)} AS VARCHAR) AS {quote_ident(n if n != '_row' else row_col)}" for n in names)
    with _InsertionOrder(con):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {quote_ident(table)} AS SELECT {select}, "
                    "file_row_number + 2 AS _row FROM read_parquet($path, file_row_number = true)",
                    {"path": str(path)})


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


def _stage_xlsx(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header, header_row = _find_header(rows)
        if not header:
            raise LandingFileError(f"{path.name} has no header row in its first worksheet.")
        q = quote_ident(table)
        cols = ", ".join(f"{quote_ident(h)} VARCHAR" for h in header)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {q} ({cols}, _row BIGINT)")
        for batch in _xlsx_batches(rows, len(header), first_row=header_row + 1):
            con.register("__sp_xlsx_batch", batch)
            try:
                con.execute(f"INSERT INTO temp.{q} SELECT * FROM __sp_xlsx_batch")
            finally:
                con.unregister("__sp_xlsx_batch")
    finally:
        wb.close()


def _find_header(rows: Iterator[tuple[object, ...]]) -> tuple[list[str], int]:
    """The first non-empty row's names and row number; the iterator is left just after it."""
    for row_no, cells in enumerate(rows, start=1):
        if any(cell_text(c) is not None for c in cells):
            return _header_names(cells), row_no
    return [], 0


def _xlsx_batches(rows: Iterable[tuple[object, ...]], width: int, first_row: int) -> Iterator[pa.Table]:
    """Non-blank worksheet rows as Arrow tables of strings plus their row numbers. Cells right of the
    last header are dropped (they have no column name)."""
    columns: list[list[str | None]] = [[] for _ in range(width)]
    row_numbers: list[int] = []
    for row_no, cells in enumerate(rows, start=first_row):
        texts = [cell_text(c) for c in cells[:width]]
        if all(t is None for t in texts):
            continue
        texts += [None] * (width - len(texts))
        for col, text in zip(columns, texts, strict=True):
            col.append(text)
        row_numbers.append(row_no)
        if len(row_numbers) >= XLSX_BATCH:
            yield _arrow_batch(columns, row_numbers)
            columns, row_numbers = [[] for _ in range(width)], []
    if row_numbers:
        yield _arrow_batch(columns, row_numbers)


def _arrow_batch(columns: list[list[str | None]], row_numbers: list[int]) -> pa.Table:
    arrays = [pa.array(col, type=pa.string()) for col in columns] + [pa.array(row_numbers, type=pa.int64())]
    return pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(columns))] + ["_row"])
