"""XLS (Excel 97-2003 workbooks, still what many Chinese ERPs export) through python-calamine, staged exactly like
an XLSX (xlsx.stage_workbook): header detection, every sheet with the reference sheet's columns, merged cells
filled from their top-left value, cells as the text a CSV export would hold.

Why python-calamine: it is maintained (Rust's calamine, releases through 2026), reads .xls (BIFF8, dates as
dates), .xlsx, .xlsb and .ods alike, and is a single wheel with no dependencies; xlrd 2.x reads .xls only and is
in maintenance-only mode (its own README says so)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb

from ingestion.readers.base import StagedFile
from ingestion.readers.header import HeaderSpec
from ingestion.readers.xlsx import stage_workbook


class CalamineSheet:
    """A calamine worksheet with the face of openpyxl's read-only one: `title`, `iter_rows(values_only=True)`
    from row 1 (empty cells None), and `merges` as 1-based (min_row, min_col, max_row, max_col)."""

    def __init__(self, sheet: object) -> None:
        self._sheet = sheet
        self.title = str(sheet.name)  # type: ignore[attr-defined]
        ranges = getattr(sheet, "merged_cell_ranges", None) or []
        self.merges = [(r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in ranges]

    def iter_rows(self, values_only: bool = True) -> Iterator[tuple[object, ...]]:
        start = getattr(self._sheet, "start", None) or (0, 0)
        for _ in range(start[0]):  # rows above the used range: blank, but they keep Excel's row numbers
            yield ()
        for row in self._sheet.iter_rows():  # type: ignore[attr-defined]
            yield tuple([None] * start[1] + [None if cell == "" else cell for cell in row])


def stage_xls(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, sheet: str | int | None, header: HeaderSpec
) -> StagedFile:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    try:
        sheets: list[object] = [CalamineSheet(book.get_sheet_by_name(name)) for name in book.sheet_names]
        return stage_workbook(con, path, table, sheet, header, sheets)
    finally:
        close = getattr(book, "close", None)
        if close is not None:
            close()
