"""XLSX: every worksheet whose header matches the reference sheet, merged ranges filled from their top-left cell
(read from the sheet XML), cells as the text a CSV export would hold."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion.readers.base import CHUNK, SHEET_ROW_SCALE, LandingFileError, StagedFile, quote_ident, unique_name
from ingestion.readers.header import HEADER_SEARCH_ROWS, HeaderSpec, filled_cells, find_header

XLSX_BATCH = 50_000  # rows per Arrow batch when staging a worksheet


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
            name = unique_name(name, taken)
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


def _merges_of(path: Path, ws: object, member: str | None) -> list[tuple[int, int, int, int]]:
    """A worksheet's merged ranges: its own (`merges`, an .xls sheet read by calamine), else from the XML."""
    own = getattr(ws, "merges", None)
    if own is not None:
        return list(own)
    return merged_ranges(path, member) if member else []


def _read_sheet_header(path: Path, ws: object, index: int, header: HeaderSpec) -> _Sheet:
    member = getattr(ws, "_worksheet_path", None)  # openpyxl's read-only worksheet knows its zip member
    merges = _merges_of(path, ws, member)
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
    score = header.score(filled_cells(cells)) if header.score is not None else 0.0
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


def stage_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, sheet: str | int | None, header: HeaderSpec
) -> StagedFile:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return stage_workbook(con, path, table, sheet, header, list(wb.worksheets))
    finally:
        wb.close()


def stage_workbook(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    sheet: str | int | None,
    header: HeaderSpec,
    worksheets: list[object],
) -> StagedFile:
    """Stage a workbook's worksheets (objects with `title` and `iter_rows(values_only=True)`: openpyxl's, or
    readers/xls.py's for Excel 97 files)."""
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
        merges = _merges_of(path, ws, s.member)
        rows = ((n, t) for n, t in _sheet_rows(ws, merges) if n > s.header_row)
        for batch in _xlsx_batches(rows, order, k * SHEET_ROW_SCALE):
            con.register("__sp_xlsx_batch", batch)
            try:
                con.execute(f"INSERT INTO temp.{q} SELECT * FROM __sp_xlsx_batch")
            finally:
                con.unregister("__sp_xlsx_batch")
    return StagedFile([], header_row=ref.header_row, sheets=[s.name for s in chosen], skipped_sheets=skipped)


def _xlsx_batches(rows: Iterable[tuple[int, list[str | None]]], order: list[int], offset: int) -> Iterator[pa.Table]:
    """Non-blank (not all cells empty or whitespace) worksheet rows as Arrow tables of strings plus their
    row numbers (+ offset). Cells right of the last header are dropped (they have no column name)."""
    width = len(order)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    row_numbers: list[int] = []
    for row_no, texts in rows:
        picked = [texts[j] if j < len(texts) else None for j in order]
        if not filled_cells(picked):
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
