"""stage_file: one landing file of any format into a TEMP table (or a lazy CSV view); Parquet read here."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from ingestion.readers.base import (
    InsertionOrder,
    LandingFileError,
    StagedFile,
    file_format,
    first_line,
    quote_ident,
    temp_columns,
    unique_name,
)
from ingestion.readers.csv_files import materialise, stage_csv
from ingestion.readers.encoding import detect_encoding
from ingestion.readers.header import HeaderScore, HeaderSpec
from ingestion.readers.xls import stage_xls
from ingestion.readers.xlsx import stage_xlsx


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
            staged = stage_csv(
                con,
                path,
                table,
                encoding or detect_encoding(path),
                HeaderSpec(header_row, header_score),
                delimiter,
                lazy,
            )
        elif fmt == "xlsx":
            staged = stage_xlsx(con, path, table, sheet, HeaderSpec(header_row, header_score))
        elif fmt == "xls":
            staged = stage_xls(con, path, table, sheet, HeaderSpec(header_row, header_score))
        elif fmt == "parquet":
            _stage_parquet(con, path, table)
            staged = StagedFile([])
        else:
            raise LandingFileError(f"{path.name} is not a .csv, .xlsx, .xls or .parquet file.")
    except LandingFileError:
        con.execute(f"DROP TABLE IF EXISTS temp.{quote_ident(table)}")
        raise
    except Exception as exc:  # any reader failure is reported as this file's, never raised further
        con.execute(f"DROP TABLE IF EXISTS temp.{quote_ident(table)}")
        raise LandingFileError(f"{path.name} could not be read as {fmt}: {first_line(exc)}.") from exc
    cols = temp_columns(con, staged.lazy.view if staged.lazy else table)
    if staged.lazy is not None and "_row" in cols:  # that name is taken by the row number: stage it now
        materialise(con, staged, table)
        cols = temp_columns(con, table)
    staged[:] = [c for c in cols if c != "_row"]
    return staged


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    names = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet($path)", {"path": str(path)}).fetchall()]
    row_col = "_row" if "_row" not in names else unique_name("_row", names)
    select = ", ".join(
        f"CAST({quote_ident(n)} AS VARCHAR) AS {quote_ident(n if n != '_row' else row_col)}" for n in names
    )
    with InsertionOrder(con):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_ident(table)} AS SELECT {select}, "
            "file_row_number + 2 AS _row FROM read_parquet($path, file_row_number = true)",
            {"path": str(path)},
        )
