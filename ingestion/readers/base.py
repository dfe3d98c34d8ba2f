"""What every reader shares: the staged file's description (StagedFile), the one error a reader raises, quoting,
chunked reading, and insertion order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:  # a lazily staged CSV (csv_files.py) is described by a StagedFile
    from ingestion.readers.csv_files import LazyCsv


CHUNK = 4 * 1024 * 1024  # read size for hashing, UTF-8 validation and transcoding
SAMPLE = 1024 * 1024  # bytes charset-normalizer looks at when a file is not UTF-8
SHEET_ROW_SCALE = 10_000_000  # _row of the k-th sheet read = k * this + worksheet row (Excel: <= 1,048,576)


class LandingFileError(Exception):
    """A landing file that cannot be read; the message is one sentence naming the file."""


def chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def quote_ident(name: str) -> str:
    """A DuckDB quoted identifier for any string (embedded double quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def file_format(path: Path) -> str | None:
    """'csv', 'xlsx', 'xls' or 'parquet' from the extension (case-insensitive); None for anything else."""
    return {".csv": "csv", ".xlsx": "xlsx", ".xls": "xls", ".parquet": "parquet"}.get(path.suffix.lower())


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


def temp_columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
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


def delete_files(paths: list[Path]) -> None:
    for p in paths:
        p.unlink(missing_ok=True)
    paths.clear()


def unique_name(name: str, taken: Iterable[str]) -> str:
    """`name_1`, `name_2`, ...: the first not in `taken` (compared case-insensitively)."""
    folded = {t.casefold() for t in taken}
    n = 1
    while f"{name}_{n}".casefold() in folded:
        n += 1
    return f"{name}_{n}"
