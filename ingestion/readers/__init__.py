"""Read one landing file (CSV, XLSX or Parquet) into an all-VARCHAR DuckDB staging table (or, for a CSV on
request, a view over the file that is staged only when needed: `LazyCsv`).

The staging table has the file's own header names, every cell as text (NULL when empty), and `_row`, the
spreadsheet-style row number of the record (the header's own row number + 1 for the first data row).
Typing and validation happen later, in SQL (see ingestion/load.py); reading never interprets a value, so nothing
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

Modules: `stage` (stage_file, Parquet), `csv_files`, `xlsx`, `header` (the header row), `encoding` (encodings and
fingerprints), `base` (what they share).
"""

from ingestion.readers.base import (
    SHEET_ROW_SCALE,
    InsertionOrder,
    LandingFileError,
    StagedFile,
    file_format,
    first_line,
    quote_ident,
)
from ingestion.readers.csv_files import (
    CsvDialect,
    LazyCsv,
    csv_batch_view,
    csv_dialect,
    detect_delimiter,
    materialise,
    release,
    sniff_dialect,
    view_name,
)
from ingestion.readers.encoding import detect_encoding, fingerprint, sha256_file
from ingestion.readers.header import find_header
from ingestion.readers.stage import stage_file
from ingestion.readers.xlsx import cell_text

__all__ = [
    "CsvDialect",
    "InsertionOrder",
    "LandingFileError",
    "LazyCsv",
    "SHEET_ROW_SCALE",
    "StagedFile",
    "cell_text",
    "csv_batch_view",
    "csv_dialect",
    "detect_delimiter",
    "detect_encoding",
    "file_format",
    "find_header",
    "fingerprint",
    "first_line",
    "materialise",
    "quote_ident",
    "release",
    "sha256_file",
    "sniff_dialect",
    "stage_file",
    "view_name",
]
