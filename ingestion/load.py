"""Ingest an entity's landing folder into `raw.<entity>`, with lineage, audit and quarantine.

For each file (see DESIGN.md "raw.<entity>" and "audit"):
1. fingerprint it (sha256, and the encoding of a CSV, in one read); an identical file already ingested for
   this entity, under any name, is skipped;
2. stage it as an all-VARCHAR temp table (`readers.stage_file`); a CSV in the built-in layouts (no profile,
   not targets) is staged lazily instead: a view over the file (`readers.LazyCsv`), typed straight from the
   file in step 4 and numbered from its rowids; the table is made only if a row fails or a key repeats (see
   `_insert_rows`), or if typing from the file fails (then everything is redone through the table);
3. map its headers to canonical columns; a missing required column rejects the whole file (every data row
   goes to audit.rejected_rows with that reason, so rows_read = rows_accepted + rows_rejected holds);
4. in ONE transaction (a failure never leaves half a file): drop what an earlier version of the same path
   left; type every staged row with one INSERT ... SELECT into raw.<entity> (trim, value maps, defaults,
   parse macros), a failing row marked by a negative _source_row; give the marked rows a reason naming
   every failing column, move them to audit.rejected_rows, drop blank rows; record the file in
   audit.ingested_files (file_seq = max + 1, also the rows' _file_seq).
   Consecutive lazily staged CSVs of one header and one dialect are written together instead: typed in one
   multi-file read, in two transactions, with the same outcome (see "several files in one read" below).

Fully blank rows are not data: neither read, accepted nor rejected. Files are taken in (mtime, path) order.
Rows the reader finds above the header (titles, export dates) are not data either (readers.py; the loader
passes `header_scorer(entity)` so the header is the row naming most of the entity's columns). Two kinds of
rows are read but never loaded, each rejected with its own reason and counted in the file's audit message:
totals rows (合计/总计/小计/Total..., see "totals rows" below) and later exact copies of a row in the same file
(`exact duplicate of row N`, see "exact duplicates"). A workbook's rejected rows carry their worksheet in
audit.rejected_rows.sheet and their row number within it.
All row data stays inside DuckDB; Python only sees headers and counts.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from ingestion import readers
from ingestion.entities import ENTITIES, ENTITY_NAMES, LINEAGE_COLUMNS, SQL_TYPES, Column, Entity
from ingestion.profiles import ProfileError, SourceProfile, apply_profile, file_version, match_profile
from ingestion.profiles import stage as stage_profiled
from ingestion.readers import LandingFileError, quote_ident
from ingestion.sql_macros import install_macros

log = logging.getLogger(__name__)

LOADED, SKIPPED, REJECTED_FILE = "loaded", "skipped", "rejected_file"
_STAGE, _REJECTS, _DUPS = "__sp_stage", "__sp_rejects", "__sp_dups"
_SHOW_MAX = 80  # longest cell value quoted in a reason

AUDIT_DDL = [
    """CREATE TABLE IF NOT EXISTS audit.ingested_files (
        file_seq BIGINT NOT NULL, file VARCHAR NOT NULL, entity VARCHAR NOT NULL, sha256 VARCHAR,
        rows_read BIGINT NOT NULL, rows_accepted BIGINT NOT NULL, rows_rejected BIGINT NOT NULL,
        status VARCHAR NOT NULL, message VARCHAR, ingested_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS audit.rejected_rows (
        file VARCHAR NOT NULL, entity VARCHAR NOT NULL, row_number BIGINT, raw JSON, reason VARCHAR NOT NULL,
        sheet VARCHAR)""",
    # Migrations of databases made before a column existed (CREATE TABLE IF NOT EXISTS keeps an old table):
    # sheet = the worksheet of a row of a workbook (readers.StagedFile.sheets), NULL for CSV and Parquet.
    "ALTER TABLE audit.rejected_rows ADD COLUMN IF NOT EXISTS sheet VARCHAR",
]

# What a reason says a kind expects, e.g. `order_date: expected a date (...), found "soon"`.
EXPECTED: dict[str, str] = {
    "date": "a date (2025-03-05, 2025/3/5, 2025年3月5日 or an Excel serial)",
    "timestamp": "a date-time (2025-03-05 14:30, 2025/3/5 14:30, 2025年3月5日 14:30 or an Excel serial)",
    "money": "an amount (1234.5, 1,234.50, ¥1,234 or 1.2万) within ±10^16",
    "price": "a price (1234.5, 1,234.50, ¥1,234 or 1.2万) within ±10^14",
    "quantity": "a quantity (3 or 2.5) within ±10^14",
    "fraction": "a fraction (0.5 or 50%)",
    "number": "a number",
    "integer": "a whole number",
}


@dataclass
class FileResult:
    file: str  # path relative to the landing folder, POSIX style
    sha256: str | None
    status: str  # loaded | skipped | rejected_file
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    message: str = ""
    file_seq: int | None = None


@dataclass
class EntityReport:
    entity: str
    files: list[FileResult] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # files in the folder that are not landing files

    @property
    def rows_accepted(self) -> int:
        return sum(f.rows_accepted for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)


# -- schemas ------------------------------------------------------------------------------------------


def raw_columns(entity: Entity) -> list[tuple[str, str]]:
    """(name, DuckDB type) of raw.<entity>: canonical columns in spec order, then lineage."""
    return [(c.name, SQL_TYPES[c.kind]) for c in entity.columns] + list(LINEAGE_COLUMNS.items())


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Create schemas raw and audit, the audit tables and every raw.<entity> table (even for an empty
    landing folder, so dbt sources always exist). Idempotent. A raw table whose columns no longer match
    its spec is rebuilt, and its entity's audit rows dropped so that its files are ingested again."""
    _ensure(con, list(ENTITIES.values()))


def _ensure(con: duckdb.DuckDBPyConnection, entities: list[Entity]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    for ddl in AUDIT_DDL:
        con.execute(ddl)
    for entity in entities:
        _ensure_raw_table(con, entity)


def _ensure_raw_table(con: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    wanted = raw_columns(entity)
    found = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
        "current_database() AND schema_name = 'raw' AND table_name = $t ORDER BY column_index",
        {"t": entity.name},
    ).fetchall()
    if found and [(n, t) for n, t in found] == wanted:
        return
    table = f"raw.{quote_ident(entity.name)}"
    if found:
        warnings.warn(
            f"raw.{entity.name} does not match its spec; rebuilding it and re-ingesting its files", stacklevel=3
        )

        def rebuild() -> None:
            con.execute(f"DROP TABLE {table}")
            con.execute("DELETE FROM audit.ingested_files WHERE entity = $e", {"e": entity.name})
            con.execute("DELETE FROM audit.rejected_rows WHERE entity = $e", {"e": entity.name})
            con.execute(f"CREATE TABLE {table} ({_ddl_columns(wanted)})")

        _in_transaction(con, rebuild)
    else:
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({_ddl_columns(wanted)})")


def _ddl_columns(columns: list[tuple[str, str]]) -> str:
    return ", ".join(f"{quote_ident(n)} {t}" for n, t in columns)


# -- header mapping -----------------------------------------------------------------------------------


def normalise_header(header: str) -> str:
    """Canonical form for matching: NFKC (full-width letters, digits, parentheses and the ideographic
    space become ASCII), BOM removed, trimmed, case-folded, runs of spaces/hyphens -> `_`."""
    text = unicodedata.normalize("NFKC", header).replace("\ufeff", "").strip().casefold()
    return re.sub(r"[\s\-]+", "_", text)


def _alias_index(entity: Entity) -> dict[str, str]:
    """normalised header -> canonical column; raises on an alias claimed by two columns."""
    index: dict[str, str] = {}
    for col in entity.columns:
        for label in (col.name, *col.aliases):
            key = normalise_header(label)
            if index.setdefault(key, col.name) != col.name:
                raise ValueError(f"{entity.name}: header {label!r} means both {index[key]} and {col.name}")
    return index


ALIAS_INDEX: dict[str, dict[str, str]] = {name: _alias_index(e) for name, e in ENTITIES.items()}


def map_headers(entity: Entity, headers: list[str]) -> dict[str, str]:
    """canonical column -> the file header that holds it. A header spelled as the canonical name wins over
    an alias; otherwise the leftmost match wins. Unknown headers are left out (kept only in raw JSON)."""
    index = ALIAS_INDEX[entity.name]
    mapping: dict[str, str] = {}
    for exact in (True, False):
        for header in headers:
            key = normalise_header(header)
            col = index.get(key)
            if col and col not in mapping and (key == col) == exact:
                mapping[col] = header
    return mapping


def header_scorer(entity: Entity) -> Callable[[list[str]], float]:
    """readers.stage_file's header_score for this entity: how many distinct columns a candidate row's cells
    name (canonical names and aliases; for targets also month columns of the wide layout). A title row,
    an export-date line or a data row names none, so the header is found below any of them."""
    index = ALIAS_INDEX[entity.name]

    def score(cells: list[str]) -> float:
        named = {index[key] for cell in cells if (key := normalise_header(cell)) in index}
        months = {m for cell in cells if (m := month_of_header(cell))} if entity.name == "targets" else set()
        return float(len(named) + len(months))

    return score


def missing_columns_message(entity: Entity, headers: list[str], missing: list[str]) -> str:
    expected = ", ".join(c.name + ("*" if c.required else "") for c in entity.columns)
    return (
        f"missing required column(s) {', '.join(missing)}; expected columns {expected} (* = required; "
        f"Chinese labels accepted), found {', '.join(headers) or 'none'}"
    )


# -- typing SQL ---------------------------------------------------------------------------------------
#
# A file is typed by ONE statement that inserts every data row straight into raw.<entity>, with each
# column parsed once and a row that fails any check marked by a negative _source_row. Inside the same
# transaction the (usually zero) marked rows get their reasons from a join back to the staged cells, go
# to audit.rejected_rows and leave raw.<entity>. Two measured pitfalls shaped this:
# - DuckDB inlines a subquery's expressions into the outer query that references them, so a reason or a
#   filter built over a "typed" subquery would parse every cell again; within one SELECT list the
#   optimizer computes an expression written twice only once, so the failure flag sits beside the values.
# - materialising typed rows in a temp table first cost ~4 s per 10M rows, a third of a plain load.


def sql_str(text: str) -> str:
    """A SQL string literal for trusted spec text (column names, labels, messages)."""
    return "'" + text.replace("'", "''") + "'"


def _parse_expr(kind: str, raw: str) -> str:
    """Typed value of a non-text cell, NULL when blank or unparseable. Decimal kinds cast the text straight
    to the column type first: rescaling the macros' DECIMAL(38,6) to DECIMAL(18,2) costs ~15x the parse."""
    sql_type = SQL_TYPES[kind]
    if kind == "date":
        return f"sp_parse_date({raw})"
    if kind == "timestamp":
        return f"sp_parse_timestamp({raw})"
    if kind == "integer":
        return f"try_cast(sp_parse_integer({raw}) AS {sql_type})"
    macro = "sp_parse_fraction" if kind == "fraction" else "sp_parse_decimal"
    if sql_type.startswith("DECIMAL"):
        fast = f"try_cast({raw} AS {sql_type})"
    else:  # DOUBLE: through DECIMAL, so that 'NaN' and 'inf' are not numbers
        fast = f"try_cast(try_cast({raw} AS DECIMAL(18,6)) AS {sql_type})"
    return f"coalesce({fast}, try_cast({macro}({raw}) AS {sql_type}))"


def _text_expr(col: Column, value_map: dict[str, str], raw: str) -> str:
    """Trimmed text, mapped through the value map (case-insensitive); allowed-value columns are
    lower-cased so `Completed` passes. A cell already spelled as a canonical value skips all that."""
    text = f"sp_trim({raw})"
    folded = f"lower({text})" if col.allowed else text
    slow = folded
    if value_map:
        pairs = ", ".join(f"{sql_str(k.casefold())}: {sql_str(v)}" for k, v in value_map.items())
        slow = f"coalesce(MAP {{{pairs}}}[lower({text})], {folded})"
    if slow == text:
        return text
    canonical = ", ".join(sql_str(v) for v in sorted(set(value_map.values()) | set(col.allowed)))
    return f"CASE WHEN {raw} IN ({canonical}) THEN {raw} ELSE {slow} END"


def typed_expr(col: Column, value_map: dict[str, str], raw: str) -> str:
    """The column's value: parsed, or its default when the cell is blank (never when unparseable)."""
    if col.kind in ("id", "text"):
        value = _text_expr(col, value_map, raw)
        return f"coalesce({value}, {col.default})" if col.default is not None else value
    value = _parse_expr(col.kind, raw)
    if col.default is None:
        return value
    default = f"CAST({col.default} AS {col.sql_type})"
    return f"coalesce({value}, CASE WHEN sp_is_blank({raw}) THEN {default} END)"


def _parsed(col: Column) -> bool:
    return col.kind not in ("id", "text")


def fail_expr(col: Column, typed: str, raw: str, given: bool) -> str | None:
    """TRUE when the column fails: required but NULL, a given cell that did not parse, a value outside
    the allowed list. `given`: the file has this column. None when the column can never fail."""
    tests = []
    if col.required:
        tests.append(f"({typed}) IS NULL")
    elif _parsed(col) and given:
        tests.append(f"(({typed}) IS NULL AND {raw} IS NOT NULL)")  # whitespace-only: a false alarm
    if col.allowed:
        tests.append(f"coalesce(({typed}) NOT IN ({', '.join(sql_str(a) for a in col.allowed)}), false)")
    return " OR ".join(tests) or None


def reason_expr(col: Column, typed: str, raw: str) -> str | None:
    """The column's failure message, else NULL; None when the column can never fail."""
    shown = f"'\"' || left(sp_trim({raw}), {_SHOW_MAX}) || '\"'"
    branches = []
    if _parsed(col):
        branches.append(
            f"WHEN sp_trim({raw}) IS NOT NULL THEN "
            f"{sql_str(f'{col.name}: expected {EXPECTED[col.kind]}, found ')} || {shown}"
        )
    if col.required:
        branches.append(f"WHEN sp_trim({raw}) IS NULL THEN {sql_str(f'{col.name}: required but blank')}")
    checks = []
    if branches:
        checks.append(f"CASE WHEN {typed} IS NOT NULL THEN NULL {' '.join(branches)} END")
    if col.allowed:
        listed = ", ".join(sql_str(a) for a in col.allowed)
        message = sql_str(f"{col.name}: expected one of {', '.join(col.allowed)}, found ")
        checks.append(f"CASE WHEN {typed} NOT IN ({listed}) THEN {message} || {shown} END")
    return ", ".join(checks) if checks else None


def _raw_ref(mapping: dict[str, str], col: Column) -> str:
    header = mapping.get(col.name)
    return f"s.{quote_ident(header)}" if header is not None else "CAST(NULL AS VARCHAR)"


def nonblank_sql(headers: list[str]) -> str:
    """A row is data unless every cell (known header or not) is blank. COALESCE stops at the first
    non-blank cell, so this costs about one trim per row."""
    if not headers:
        return "false"
    return "coalesce(" + ", ".join(f"sp_trim(s.{quote_ident(h)})" for h in headers) + ") IS NOT NULL"


# -- totals rows ----------------------------------------------------------------------------------------
#
# Exports end with a totals line (合计 / 总计 / 小计 / Total / Grand Total / Sum), often merged across the id
# columns. It is never sales: a row whose first non-empty cell is such a label (after trimming, without
# spaces and a trailing colon, case-insensitive, full-width letters too) and whose key columns are blank or
# hold that same label (a merged label fills them) is rejected with the reason `totals row ("合计"): not a
# data row`, so that it is counted (rows read = accepted + rejected) and visible in audit.rejected_rows.

TOTALS_LABELS = ("合计", "总计", "小计", "总合计", "累计", "共计", "total", "totals", "grandtotal", "subtotal", "sum")
_TOTALS_TEXT = ", ".join(
    sql_str(v)
    for label in TOTALS_LABELS
    for v in {label, "".join(chr(ord(c) + 0xFEE0) if c.isascii() else c for c in label)}
)
_LABEL_IGNORED = " :：\t\u3000\u00a0"  # removed before comparing: 合 计：, Grand Total:


def _first_cell(headers: list[str]) -> str:
    """The row's first non-empty cell (trimmed), in file column order."""
    return "coalesce(" + ", ".join(f"sp_trim(s.{quote_ident(h)})" for h in headers) + ")" if headers else "NULL"


def _totals_key_columns(entity: Entity) -> list[str]:
    """Columns a totals row leaves blank or fills with its label: the key, else the required id columns."""
    return list(entity.key) or [c.name for c in entity.columns if c.required and c.kind == "id"]


def totals_expr(entity: Entity, mapping: dict[str, str], headers: list[str]) -> str:
    """TRUE for a totals row of the staged file (see above), else FALSE. The first cell is bound once
    through a one-element list_transform (see sql_macros.py, first trap): written out at each use, the
    optimizer would hoist it and trim every cell of every row, even behind totals_candidate_expr (~20% of
    typing a clean orders file, measured)."""
    if not headers:
        return "false"
    label = f"lower(translate(__sp_first, '{_LABEL_IGNORED}', ''))"
    keys = [
        f"coalesce(sp_trim({_raw_ref(mapping, entity.column(c))}) = __sp_first, true)"
        for c in _totals_key_columns(entity)
    ]
    test = f"coalesce({label} IN ({_TOTALS_TEXT}){''.join(f' AND {k}' for k in keys)}, false)"
    return f"list_transform([{_first_cell(headers)}], lambda __sp_first: {test})[1]"


def totals_candidate_expr(entity: Entity, mapping: dict[str, str]) -> str:
    """A cheap pre-test for typed_select_sql: could the first key column hold a totals label? The full test's
    lower/translate cost ~3 s per 10M rows when run on every row. The first key column is required in every
    entity, so a totals row that leaves it blank fails anyway and is classified in the reasons pass; only a
    row whose key holds the label (non-ASCII, or containing total/sum) needs the full test up front."""
    key = f"sp_trim({_raw_ref(mapping, entity.column(_totals_key_columns(entity)[0]))})"
    return f"coalesce({key} >= '\u0080' OR {key} ILIKE '%total%' OR {key} ILIKE '%sum%', false)"


def totals_reason_expr(headers: list[str]) -> str:
    return f"""'totals row ("' || left({_first_cell(headers)}, {_SHOW_MAX}) || '"): not a data row'"""


def typed_select_sql(
    entity: Entity,
    mapping: dict[str, str],
    headers: list[str],
    stage: str,
    row: str = "s._row",
    file: str = "$file",
    seq: str = "$seq",
) -> str:
    """SELECT <canonical columns typed>, $file, ±_row, $seq, $now: the rows of raw.<entity> for the staged
    file, a failing row's _source_row negated. Blank rows fail too (every entity has a required column);
    the reasons pass drops them, which is cheaper than testing every row for blankness here. `row`: the
    row number's SQL (a lazily staged CSV has none yet: 1, numbered after the insert); `file`, `seq`: the
    SQL of _source_file and _file_seq (several files read in one view: per row)."""
    values, fails = [], []
    for col in entity.columns:
        raw = _raw_ref(mapping, col)
        typed = typed_expr(col, entity.value_maps.get(col.name, {}), raw)
        values.append(typed)
        if fail := fail_expr(col, typed, raw, col.name in mapping):
            fails.append(fail)
    fails.append(f"({totals_candidate_expr(entity, mapping)} AND {totals_expr(entity, mapping, headers)})")
    row = f"CASE WHEN {' OR '.join(fails)} THEN -{row} ELSE {row} END"
    where = "" if entity.required else f" WHERE {nonblank_sql(headers)}"
    return f"SELECT {', '.join(values)}, {file}, {row}, {seq}, $now FROM {stage} s{where}"


def reasons_sql(entity: Entity, mapping: dict[str, str], headers: list[str], stage: str) -> str:
    """SELECT _row, _reason, _data for this file's marked rows in raw.<entity>: the reason lists every
    failing column (NULL for a false alarm); _data is false for a blank row."""
    reasons = [
        r for col in entity.columns if (r := reason_expr(col, f"t.{quote_ident(col.name)}", _raw_ref(mapping, col)))
    ]
    reason = f"nullif(concat_ws('; ', {', '.join(reasons)}), '')" if reasons else "CAST(NULL AS VARCHAR)"
    # a totals row gets that reason alone: its blank columns are not the user's mistake
    reason = f"CASE WHEN {totals_expr(entity, mapping, headers)} THEN {totals_reason_expr(headers)} ELSE {reason} END"
    return (
        f"SELECT s._row, {reason} AS _reason, {nonblank_sql(headers)} AS _data "
        f"FROM raw.{quote_ident(entity.name)} t JOIN {stage} s ON s._row = -t._source_row "
        "WHERE t._file_seq = $seq AND t._source_row < 0"
    )


def raw_json_expr(headers: list[str], alias: str = "s") -> str:
    """JSON object of a staged row's original cells, keyed by the file's own headers."""
    if not headers:
        return "CAST('{}' AS JSON)"
    fields = ", ".join(f"{quote_ident(h)} := {alias}.{quote_ident(h)}" for h in headers)
    return f"to_json(struct_pack({fields}))"


# -- wide targets -------------------------------------------------------------------------------------
#
# CRM target exports often come wide: one row per level/key and year, one column per month (一月 … 十二月,
# 1月 … 12月, Jan … Dec). Such a file is unpivoted while staged: every filled month cell becomes one row
# (period `<year>-MM`), so rows read / accepted / rejected count month cells, and all of them point to
# their spreadsheet row. The year comes from a 年度/年份/year column, or from a 期间/period column.

MONTH_SCALE = 16  # staged _row of a month cell = source row * 16 + month, unique and reversible
_CN_MONTHS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
_EN_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_YEAR_HEADERS = {"年度", "年份", "年", "year", "fiscal_year", "财年"}


def month_of_header(header: str) -> int | None:
    """1..12 for a month column header (一月, 1月, 01月, Jan, January, M1), else None."""
    key = normalise_header(header)
    for n in range(1, 13):
        english = _EN_MONTHS[n - 1]
        if key in (f"{_CN_MONTHS[n - 1]}月", f"{n}月", f"{n:02d}月", f"m{n}", f"m{n:02d}", english, english[:3]):
            return n
    return None


def _wide_targets(
    con: duckdb.DuckDBPyConnection, headers: list[str], mapping: dict[str, str], table: str
) -> dict[str, str] | None:
    """Unpivot a wide targets file in the staging table; the new header mapping, or None if not wide."""
    months = {h: m for h in headers if (m := month_of_header(h))}
    year = next((h for h in headers if normalise_header(h) in _YEAR_HEADERS), mapping.get("period"))
    if "target_amount" in mapping or not months or year is None:
        return None
    stage, q = _temp(table), quote_ident
    originals = ", ".join(f"s.{q(h)}" for h in headers)
    year_text = f"sp_trim(CAST(sp_parse_integer(s.{q(year)}) AS VARCHAR))"
    parts = [
        f"SELECT s._row * {MONTH_SCALE} + {m} AS _row, {originals}, {year_text} || '-{m:02d}' AS __period, "
        f"s.{q(h)} AS __amount FROM {stage} s WHERE sp_trim(s.{q(h)}) IS NOT NULL"
        for h, m in months.items()
    ]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {q(table + '_wide')} AS {' UNION ALL '.join(parts)} ORDER BY _row")
    con.execute(f"DROP TABLE {stage}")
    con.execute(f"ALTER TABLE {_temp(table + '_wide')} RENAME TO {q(table)}")
    kept = {c: h for c, h in mapping.items() if c not in ("period", "target_amount") and h not in months}
    return {**kept, "period": "__period", "target_amount": "__amount"}


# -- one file -----------------------------------------------------------------------------------------


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None) -> object:
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and refuses the next relation call.
    return con.execute(sql, params or {}).fetchall()[0][0]


def _temp(name: str) -> str:
    return f"temp.{quote_ident(name)}"


@dataclass
class _Prepared:
    """A staged file and its header mapping, ready to write; or a file-level rejection."""

    headers: list[str]
    status: str
    message: str = ""
    mapping: dict[str, str] = field(default_factory=dict)
    row_reason: str | None = None  # the reason given to every row of a rejected file
    row_scale: int = 1  # staged _row = source row * row_scale + n (wide targets: n = month)
    stage: str = _STAGE  # the TEMP staging table (a lazily staged CSV: its view is readers.view_name(stage))

    @property
    def lazy(self) -> readers.LazyCsv | None:
        """The CSV's view when it is staged lazily (readers.LazyCsv): no staging table yet."""
        return getattr(self.headers, "lazy", None)


def _stages_lazily(entity: Entity, profile: SourceProfile | None) -> bool:
    """Whether a CSV of this entity can be typed straight from the file (readers.LazyCsv): not through a
    profile or the wide-targets unpivot (both rewrite the staging table), and only for an entity with a
    required column, so that every blank row fails the typed insert (no filter that would skip row numbers)."""
    return profile is None and entity.name != "targets" and bool(entity.required)


def _prepare(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    path: Path,
    encoding: str | None,
    profile: SourceProfile | None = None,
    landing_dir: Path | None = None,
    stage: str = _STAGE,
) -> _Prepared:
    """Stage one file as temp.`stage` and map its headers (no writes to raw/audit yet); through `profile` if
    one applies (profiles and wide targets stage as _STAGE only)."""
    try:
        if profile is not None:
            headers = stage_profiled(con, profile, path, _STAGE, encoding)
        else:
            headers = readers.stage_file(
                con,
                path,
                stage,
                encoding=encoding,
                header_score=header_scorer(entity),
                lazy=_stages_lazily(entity, profile),
            )
    except LandingFileError as err:
        return _Prepared([], REJECTED_FILE, str(err), stage=stage)
    if profile is not None and (profiled := _prepare_profiled(con, entity, path, headers, profile, landing_dir)):
        return profiled
    mapping = map_headers(entity, headers)
    row_scale = 1
    if entity.name == "targets" and (wide := _wide_targets(con, headers, mapping, stage)):
        mapping, row_scale = wide, MONTH_SCALE
    if missing := [c for c in entity.required if c not in mapping]:
        message = missing_columns_message(entity, headers, missing)
        readers.materialise(con, headers, stage)  # every row is quarantined with its cells
        return _Prepared(
            headers, REJECTED_FILE, f"{path.name}: {message}", row_reason=f"file rejected: {message}", stage=stage
        )
    return _Prepared(headers, LOADED, mapping=mapping, row_scale=row_scale, stage=stage)


def _prepare_profiled(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    path: Path,
    headers: list[str],
    profile: SourceProfile,
    landing_dir: Path | None,
) -> _Prepared | None:
    """The staged file turned into the profile's derived staging table (canonical texts under private
    names, the file's own cells kept for raw JSON), mapped one to one; None for a profile that only sets
    reading options. A profile that cannot be applied rejects the file, every row carrying the reason."""
    try:
        applied = apply_profile(con, profile, entity, headers, _STAGE, landing_dir or path.parent.parent)
    except ProfileError as err:
        return _Prepared(headers, REJECTED_FILE, f"{path.name}: {err}", row_reason=f"file rejected: {err}")
    if applied is None:
        return None
    if missing := [c for c in entity.required if c not in applied.mapping]:
        message = missing_columns_message(entity, headers, missing)
        return _Prepared(
            applied.headers,
            REJECTED_FILE,
            f"{path.name}: profile {profile.id}: {message}",
            row_reason=f"file rejected: {message}",
        )
    return _Prepared(applied.headers, LOADED, applied.message, mapping=applied.mapping, row_scale=applied.row_scale)


@dataclass
class _Written:
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


def _next_seq(con: duckdb.DuckDBPyConnection) -> int:
    return int(_scalar(con, "SELECT coalesce(max(file_seq), 0) + 1 FROM audit.ingested_files"))


def _write(
    con: duckdb.DuckDBPyConnection, entity: Entity, result: FileResult, prep: _Prepared, now: datetime, replace: bool
) -> None:
    """Everything one file changes, in one transaction."""
    written: list[_Written] = []
    _in_transaction(
        con, lambda: written.append(_record(con, entity, result, prep, now, _next_seq(con), replace=replace))
    )
    written[0].fill(result)


def _record(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    result: FileResult,
    prep: _Prepared,
    now: datetime,
    seq: int,
    *,
    replace: bool,
    inserted: int | None = None,
    suspect: bool = True,
) -> _Written:
    """Everything one file changes, as file number `seq`, inside the caller's transaction: its earlier
    version's rows deleted (`replace`), its rows, its rejected rows, its audit row. `inserted`, `suspect`:
    see _insert_rows."""
    params: dict[str, object] = {"file": result.file, "entity": entity.name, "now": now}
    if replace:
        _delete_path(con, entity, result.file)
    read = accepted = rejected = 0
    message = prep.message
    if prep.status == LOADED:
        read, rejected = _insert_rows(con, entity, prep, {**params, "seq": seq}, inserted, suspect)
        accepted = read - rejected
        # how the file was read and what was set aside; a rejected file's message stays as _prepare
        # wrote it, since ingest_file compares it on the next run to see whether anything changed
        message = "; ".join(m for m in (prep.message, _read_notes(con, prep, params)) if m)
    elif prep.row_reason is not None:
        read = rejected = _insert_file_rejection(con, prep, {**params, "reason": prep.row_reason})
    con.execute(
        "INSERT INTO audit.ingested_files VALUES ($seq, $file, $entity, $sha, $read, $acc, $rej, "
        "$status, $message, $now)",
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
    return _Written(prep.status, seq, read, accepted, rejected, message)


def _in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], object]) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        work()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _delete_path(con: duckdb.DuckDBPyConnection, entity: Entity, file: str) -> None:
    con.execute(f"DELETE FROM raw.{quote_ident(entity.name)} WHERE _source_file = $f", {"f": file})
    for table in ("audit.rejected_rows", "audit.ingested_files"):
        con.execute(f"DELETE FROM {table} WHERE entity = $e AND file = $f", {"e": entity.name, "f": file})


def _insert_rows(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    prep: _Prepared,
    params: dict[str, object],
    inserted: int | None = None,
    suspect: bool = True,
) -> tuple[int, int]:
    """Insert the staged file into raw.<entity>, then move its failing rows to audit.rejected_rows and
    drop its blank rows. Returns (rows read, rows rejected). A lazily staged CSV is typed straight from
    the file; its staging table is made only when a row failed or a key repeats (an exact copy is then
    possible), since only those need the cells again. `inserted`, `suspect`: a lazily staged CSV already
    typed into raw.<entity> and numbered (see _Batch): its rows there, and whether _suspect_files names it."""
    table = f"raw.{quote_ident(entity.name)}"
    seq = {"seq": params["seq"]}
    key_headers = [prep.mapping[c] for c in entity.key if c in prep.mapping]
    if (lazy := prep.lazy) is not None:
        if inserted is None:
            inserted = _insert_lazily(con, entity, prep, lazy, params)
            suspect = bool(_suspect_files(con, entity, [params["seq"]]))
        if not suspect:
            return inserted, 0
        readers.materialise(con, prep.headers, prep.stage)
        duplicates = _find_duplicates(con, prep, key_headers)
    else:
        duplicates = _find_duplicates(con, prep, key_headers)
        select = typed_select_sql(entity, prep.mapping, prep.headers, _temp(prep.stage))
        inserted = int(
            _scalar(
                con, f"INSERT INTO {table} ({_raw_names(entity)}) {select}", params_for(params, "file", "seq", "now")
            )
        )
    if duplicates:  # mark the later copies as failing rows; _move_rejects gives them their reason
        con.execute(
            f"UPDATE {table} SET _source_row = -_source_row WHERE _file_seq = $seq AND _source_row > 0 "
            f"AND _source_row IN (SELECT _row FROM {_temp(_DUPS)})",
            seq,
        )
    blank = rejected = 0
    if _scalar(con, f"SELECT count(*) FROM {table} WHERE _file_seq = $seq AND _source_row < 0", seq):
        blank, rejected = _move_rejects(con, entity, prep, params)
    if prep.row_scale > 1:  # from (row, month) keys back to the spreadsheet's row numbers
        con.execute(f"UPDATE {table} SET _source_row = _source_row // {prep.row_scale} WHERE _file_seq = $seq", seq)
    return inserted - blank, rejected


def _raw_names(entity: Entity) -> str:
    return ", ".join(quote_ident(n) for n, _ in raw_columns(entity))


class LazyReadError(RuntimeError):
    """Rows typed from a lazily staged CSV could not be numbered; the file is read again through a table."""


def _insert_lazily(
    con: duckdb.DuckDBPyConnection, entity: Entity, prep: _Prepared, lazy: readers.LazyCsv, params: dict[str, object]
) -> int:
    """Type a lazily staged CSV's rows straight from its view into raw.<entity>, in one read (a failing row
    gets _source_row -1, any other +1), then number them (_number_rows). Returns the rows inserted."""
    table = f"raw.{quote_ident(entity.name)}"
    select = typed_select_sql(entity, prep.mapping, prep.headers, _temp(lazy.view), row="1")
    with readers.InsertionOrder(con):
        inserted = int(
            _scalar(
                con, f"INSERT INTO {table} ({_raw_names(entity)}) {select}", params_for(params, "file", "seq", "now")
            )
        )
    seq = params["seq"]
    assert isinstance(seq, int)
    _number_rows(con, entity, {seq: lazy.first_row}, inserted)
    return inserted


def _number_rows(
    con: duckdb.DuckDBPyConnection, entity: Entity, first_rows: dict[int, int], inserted: int
) -> dict[int, int]:
    """Number the rows just typed into raw.<entity> from lazily staged CSVs (`first_rows`: file seq -> the
    CSV's first row number; `inserted`: how many rows the insert reported). With insertion order preserved,
    DuckDB appends rows in the order it reads them, with consecutive rowids, so the k-th record of a file
    (k = 0, 1, ...) is row first_row + k, exactly as the staging table would number it
    (readers._add_row_numbers). Returns the rows of each file; raises LazyReadError, never guessing, unless
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


def _suspect_files(con: duckdb.DuckDBPyConnection, entity: Entity, seqs: Sequence[object]) -> set[int]:
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


def _move_rejects(
    con: duckdb.DuckDBPyConnection, entity: Entity, prep: _Prepared, params: dict[str, object]
) -> tuple[int, int]:
    """The marked rows of this file: reasons from the staged cells; failing rows to audit.rejected_rows,
    blank rows dropped, false alarms unmarked. Returns (blank rows, rejected rows)."""
    table, stage, rejects = f"raw.{quote_ident(entity.name)}", _temp(prep.stage), _temp(_REJECTS)
    seq = {"seq": params["seq"]}
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {quote_ident(_REJECTS)} AS "
        f"{reasons_sql(entity, prep.mapping, prep.headers, stage)}",
        seq,
    )
    sheets = _sheets(prep)
    if con.execute(f"SELECT 1 FROM duckdb_tables() WHERE temporary AND table_name = {sql_str(_DUPS)}").fetchall():
        where = _where_sql(prep, "d._first")
        con.execute(
            f"UPDATE {rejects} r SET _reason = concat_ws('; ', 'exact duplicate of row ' || "
            f"{_row_number_sql(prep, 'd._first')}{where[0]}, r._reason) FROM {_temp(_DUPS)} d "
            "WHERE d._row = r._row",
            {"sheets": sheets} if where[1] else {},
        )
    sheet, sheet_params = _sheet_sql(prep, "s._row")
    rejected = int(
        _scalar(
            con,
            "INSERT INTO audit.rejected_rows (file, entity, row_number, raw, reason, sheet) SELECT $file, $entity, "
            f"{_row_number_sql(prep, 's._row')}, {raw_json_expr(prep.headers)}, r._reason, {sheet} "
            f"FROM {rejects} r JOIN {stage} s ON s._row = r._row "
            "WHERE r._data AND r._reason IS NOT NULL ORDER BY s._row",
            {**params_for(params, "file", "entity"), **sheet_params},
        )
    )
    blank = int(_scalar(con, f"SELECT count(*) FROM {rejects} WHERE NOT _data"))
    deleted = int(
        _scalar(
            con,
            f"DELETE FROM {table} WHERE _file_seq = $seq AND _source_row < 0 AND -_source_row IN "
            f"(SELECT _row FROM {rejects} WHERE NOT _data OR _reason IS NOT NULL)",
            seq,
        )
    )
    if deleted != blank + rejected:  # never commit a breach of rows_read = accepted + rejected
        raise RuntimeError(f"row accounting broke: {deleted} rows left raw, {blank} blank + {rejected} rejected")
    # False alarms (a whitespace-only cell in an optional column) are data after all.
    con.execute(f"UPDATE {table} SET _source_row = -_source_row WHERE _file_seq = $seq AND _source_row < 0", seq)
    return blank, rejected


def params_for(params: dict[str, object], *names: str) -> dict[str, object]:
    """DuckDB refuses named parameters a statement does not use."""
    return {n: params[n] for n in names}


def _insert_file_rejection(con: duckdb.DuckDBPyConnection, prep: _Prepared, params: dict[str, object]) -> int:
    if not prep.headers:
        return 0
    sheet, sheet_params = _sheet_sql(prep, "s._row")
    return int(
        _scalar(
            con,
            "INSERT INTO audit.rejected_rows (file, entity, row_number, raw, reason, sheet) SELECT $file, $entity, "
            f"{_row_number_sql(prep, 's._row')}, {raw_json_expr(prep.headers)}, $reason, {sheet} "
            f"FROM {_temp(prep.stage)} s "
            f"WHERE {nonblank_sql(prep.headers)} ORDER BY s._row",
            {**params_for(params, "file", "entity", "reason"), **sheet_params},
        )
    )


# -- exact duplicates, sheets, notes -------------------------------------------------------------------
#
# A row whose every staged cell equals an earlier row's of the same file is an exact duplicate: a finance
# user wants it counted once, so the first copy loads and each later one is rejected with the reason
# `exact duplicate of row N` (and the file's audit message counts them). Candidates are found by a hash of
# the cells (one GROUP BY on a BIGINT, ~0.3 s per million rows) and confirmed cell by cell, so a hash
# collision never rejects a row. Rows differing in any cell (a correction with the same key) are left to the
# keyed de-duplication in dbt staging.


def _find_duplicates(con: duckdb.DuckDBPyConnection, prep: _Prepared, key_headers: list[str]) -> int:
    """Create temp table __sp_dups(_row, _first): each later exact copy among the staged data rows and the
    staged row it repeats. Returns how many; with none, the table is dropped. `key_headers`: the staged
    columns of the entity's key; exact copies share their key, so rows are first grouped by a hash of the
    key alone (5x cheaper than hashing every cell: ~1.3 s per 10M rows) and only rows whose key repeats
    are compared cell by cell."""
    stage, dups = _temp(prep.stage), _temp(_DUPS)
    con.execute(f"DROP TABLE IF EXISTS {dups}")
    if not prep.headers:
        return 0
    # every staged column, not only the headers: an unpivoted wide file repeats a row's cells per month
    cols = [quote_ident(r[0]) for r in con.execute(f"DESCRIBE {stage}").fetchall() if r[0] != "_row"]
    cells = ", ".join(cols)
    hashed_cols = [quote_ident(h) for h in key_headers] or cols
    con.execute(f"""CREATE TEMP TABLE {quote_ident(_DUPS)} AS
        WITH hashed AS (SELECT s._row, hash({", ".join("s." + c for c in hashed_cols)}) AS _h FROM {stage} s
                        WHERE {nonblank_sql(prep.headers)}),
        repeated AS (SELECT _h FROM hashed GROUP BY _h HAVING count(*) > 1),
        candidates AS (SELECT s.* FROM {stage} s WHERE s._row IN
                       (SELECT _row FROM hashed WHERE _h IN (SELECT _h FROM repeated)))
        SELECT _row, _first FROM (SELECT _row, min(_row) OVER (PARTITION BY {cells}) AS _first FROM candidates)
        WHERE _row > _first""")
    found = int(_scalar(con, f"SELECT count(*) FROM {dups}"))
    if not found:
        con.execute(f"DROP TABLE {dups}")
    return found


def _sheets(prep: _Prepared) -> list[str]:
    """The worksheets staged (readers.StagedFile.sheets); [] for CSV, Parquet and derived staging tables."""
    return list(getattr(prep.headers, "sheets", None) or [])


def _row_number_sql(prep: _Prepared, row: str) -> str:
    """The row number a user sees for a staged _row: without the wide-targets month and the sheet offset."""
    return f"(({row}) // {prep.row_scale}) % {readers.SHEET_ROW_SCALE}"


def _sheet_sql(prep: _Prepared, row: str) -> tuple[str, dict[str, object]]:
    """(SQL of the sheet name of a staged _row, its parameters): NULL unless the file is a workbook."""
    if not _sheets(prep):
        return "CAST(NULL AS VARCHAR)", {}
    return f"$sheets[({row}) // {prep.row_scale} // {readers.SHEET_ROW_SCALE} + 1]", {"sheets": _sheets(prep)}


def _where_sql(prep: _Prepared, row: str) -> tuple[str, bool]:
    """` of sheet "x"` after a row number when the workbook had several sheets read; (SQL, uses $sheets)."""
    if len(_sheets(prep)) < 2:
        return "", False
    return f" || ' of sheet \"' || {_sheet_sql(prep, row)[0]} || '\"'", True


def _read_notes(con: duckdb.DuckDBPyConnection, prep: _Prepared, params: dict[str, object]) -> str:
    """The reader's notes (header row, sheets) and the totals rows and exact duplicates set aside."""
    notes = [str(getattr(prep.headers, "notes", "") or "")]
    totals, copies = con.execute(
        "SELECT count(*) FILTER (WHERE reason LIKE '%totals row (\"%'), "
        "count(*) FILTER (WHERE reason LIKE 'exact duplicate of row %') FROM audit.rejected_rows "
        "WHERE entity = $entity AND file = $file",
        params_for(params, "entity", "file"),
    ).fetchall()[0]
    if totals:
        notes.append(f"{totals} totals row{'s' if totals > 1 else ''} (合计/总计/Total) rejected: not data")
    if copies:
        notes.append(f"{copies} exact duplicate row{'s' if copies > 1 else ''} rejected: loaded once")
    return "; ".join(n for n in notes if n)


def _drop_temp(con: duckdb.DuckDBPyConnection, prep: _Prepared | None = None, stage: str = _STAGE) -> None:
    """Drop a file's staging (table or view, and the loader's work tables) and delete its temporary copies."""
    stage = prep.stage if prep is not None else stage
    for table in (stage, _REJECTS, _DUPS):
        con.execute(f"DROP TABLE IF EXISTS {_temp(table)}")
    con.execute(f"DROP VIEW IF EXISTS {_temp(readers.view_name(stage))}")
    if prep is not None:
        readers.release(prep.headers)


def _previous(
    con: duckdb.DuckDBPyConnection, entity: str, file: str, sha: str
) -> tuple[tuple[str, str, str | None] | None, str | None]:
    """(this path's audit row as (sha256, status, message) or None, another path holding this sha)."""
    rows = con.execute(
        "SELECT sha256, status, message FROM audit.ingested_files WHERE entity = $e AND file = $f",
        {"e": entity, "f": file},
    ).fetchall()
    twin = _scalar(
        con,
        "SELECT min(file) FROM audit.ingested_files WHERE entity = $e AND sha256 = $s AND file <> $f",
        {"e": entity, "f": file, "s": sha},
    )
    return (rows[0] if rows else None), (str(twin) if twin is not None else None)


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    path: Path,
    rel: str,
    now: datetime,
    *,
    profile: SourceProfile | None = None,
    landing_dir: Path | None = None,
    fingerprint: Future[tuple[str, str | None]] | None = None,
    batch: _Batch | None = None,
) -> FileResult:
    """Ingest one landing file (already checked to lie inside the landing folder), through `profile` if
    one applies (`landing_dir` then locates its lookup files; by default the folder `rel` is relative to).
    `fingerprint`: readers.fingerprint(path) already under way (ingest_entity computes the next files'
    while DuckDB loads this one). `batch`: a CSV that can be read together with others is queued there and
    its FileResult is filled when the batch is written (_Batch.flush); any other file writes the batch
    first, so that files are always written in order."""
    landing_dir = landing_dir or Path(*path.parts[: len(path.parts) - len(Path(rel).parts)])
    try:
        sha, encoding = fingerprint.result() if fingerprint is not None else readers.fingerprint(path)
        if profile is not None:  # a changed profile or lookup file makes this a new version of the file
            sha = file_version(sha, profile, landing_dir)
    except OSError as err:
        return FileResult(rel, None, REJECTED_FILE, message=f"{path.name} could not be opened: {err.strerror}.")
    if batch is not None and batch.holds(sha):  # a copy of a queued file: decided once that one is written
        batch.flush()
    result = FileResult(rel, sha, SKIPPED)
    here, twin = _previous(con, entity.name, rel, sha)
    if here is not None and here[0] == sha and here[1] != REJECTED_FILE:
        result.message = "identical to the version already ingested"
        return result
    if twin is not None and (here is None or here[0] != sha):
        if here is not None:  # this path now holds a copy of another file: its earlier version goes
            _in_transaction(con, lambda: _delete_path(con, entity, rel))
        result.message = f"identical to {twin}, already ingested"
        return result
    queueable = batch is not None and readers.file_format(path) == "csv" and _stages_lazily(entity, profile)
    stage = batch.stage_name() if batch is not None and queueable else _STAGE
    if batch is not None and not queueable:
        batch.flush()
    prep: _Prepared | None = None
    queued = False
    try:
        prep = _prepare(con, entity, path, encoding, profile, landing_dir, stage)
        if here is not None and here[0] == sha and (prep.status, prep.message) == (here[1], here[2] or ""):
            # A rejected file is re-checked each run (the spec or its aliases may have changed since);
            # the same verdict again changes nothing.
            result.message = "identical to the version already ingested (still rejected)"
            return result
        if batch is not None and batch.add(result, prep, replace=here is not None, name=path.name):
            queued = True  # the batch owns its staging now
            return result
        if batch is not None:
            batch.flush()
        _write_file(con, entity, result, prep, now, here is not None, path.name)
    except duckdb.Error as err:
        if batch is not None:
            batch.flush()
        _write_unloadable(con, entity, result, now, here is not None, path.name, err)
    finally:
        if not queued:
            _drop_temp(con, prep, stage)
    return result


def _write_file(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    result: FileResult,
    prep: _Prepared,
    now: datetime,
    replace: bool,
    name: str,
) -> None:
    """_write one prepared file. If typing a lazily staged CSV straight from the file fails (rolled back; e.g.
    DuckDB's parallel reader refuses padding short rows once it meets a quoted line break), the file is
    staged and written again; a DuckDB error then rejects the file with DuckDB's reason."""
    try:
        try:
            _write(con, entity, result, prep, now, replace)
        except (duckdb.Error, LazyReadError) as err:
            if prep.lazy is None:
                raise
            log.info("%s: reading it again through a staging table (%s)", result.file, readers.first_line(err))
            readers.materialise(con, prep.headers, prep.stage)
            _write(con, entity, result, prep, now, replace)
    except duckdb.Error as err:
        _write_unloadable(con, entity, result, now, replace, name, err)


def _write_unloadable(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    result: FileResult,
    now: datetime,
    replace: bool,
    name: str,
    err: duckdb.Error,
) -> None:
    log.error("ingesting %s failed: %s", result.file, err)
    failed = _Prepared([], REJECTED_FILE, f"{name} could not be loaded: {readers.first_line(err)}.")
    _write(con, entity, result, failed, now, replace)


# -- several files in one read ------------------------------------------------------------------------
#
# DuckDB types a list of CSVs in one read_csv far faster than one file at a time (readers.csv_batch_view).
# So ingest_entity queues consecutive CSVs that are typed straight from the file (readers.LazyCsv) and share
# one header and one dialect, and writes them in two transactions (_write_batch): the files' earlier versions
# are deleted and one INSERT ... SELECT types every row of every file from the multi-file view (a row's file
# gives its _source_file and _file_seq); then each file's rows are numbered from their rowids (_number_rows)
# and each file is finished as on its own (_record: failing rows, exact copies, audit row). If that fails,
# the typed rows are deleted again and each file is written on its own (_write_file). Either way the outcome
# is the same: the same rows, row numbers, reasons, file_seq and audit rows (tests/test_csv_batches.py).

_BATCH_VIEW, _BATCH_INDEX = "__sp_batch_csv", "__sp_file"
BATCH_MAX_FILES = 64  # a failure redoes the whole batch file by file: keep it bounded
BATCH_MAX_BYTES = 4 * 1024**3


@dataclass
class _Queued:
    result: FileResult
    prep: _Prepared
    replace: bool  # an earlier version of the same path is deleted first
    name: str  # the file's name, for messages
    size: int
    kind: tuple[tuple[str, ...], readers.CsvDialect]  # what the files of one batch share (_Batch._kind)


class _Batch:
    """CSVs queued to be written together (see above), in file order."""

    def __init__(self, con: duckdb.DuckDBPyConnection, entity: Entity, now: datetime) -> None:
        self.con, self.entity, self.now = con, entity, now
        self.queued: list[_Queued] = []
        self.stages = 0

    def stage_name(self) -> str:
        """A staging name no queued file holds."""
        self.stages += 1
        return f"{_STAGE}_{self.stages}"

    def holds(self, sha: str) -> bool:
        return any(q.result.sha256 == sha for q in self.queued)

    def _kind(self, prep: _Prepared) -> tuple[tuple[str, ...], readers.CsvDialect] | None:
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

    def add(self, result: FileResult, prep: _Prepared, *, replace: bool, name: str) -> bool:
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
        """Write the queued files together (_write_batch); if that fails, one by one (_write_file)."""
        queued, self.queued = self.queued, []
        try:
            if queued:
                try:
                    _write_batch(self.con, self.entity, queued, self.now)
                    return
                except (duckdb.Error, LazyReadError) as err:
                    log.info(
                        "writing %s one by one (%s)", ", ".join(q.result.file for q in queued), readers.first_line(err)
                    )
            for q in queued:
                _write_file(self.con, self.entity, q.result, q.prep, self.now, q.replace, q.name)
        finally:
            for q in queued:
                _drop_temp(self.con, q.prep)
            self.con.execute(f"DROP VIEW IF EXISTS {_temp(_BATCH_VIEW)}")


def _write_batch(con: duckdb.DuckDBPyConnection, entity: Entity, queued: list[_Queued], now: datetime) -> None:
    """Write queued files, their rows typed in one read (see above), in two transactions: the first deletes
    their earlier versions and types their rows (_source_row ±1, _file_seq set); the second numbers the rows
    and finishes each file. Numbering rows in the transaction that appended them makes its COMMIT rewrite
    every column of them (measured: 2-5 s per 10M rows; 0.3 s on committed rows). Until the second commits,
    the files have no audit row: if it fails, their rows are deleted again; if the process dies in between,
    the next run deletes them first (_drop_interrupted)."""
    table, index = f"raw.{quote_ident(entity.name)}", f"CAST(s.{quote_ident(_BATCH_INDEX)} AS BIGINT)"
    lazies = [q.prep.lazy for q in queued if q.prep.lazy is not None]
    assert len(lazies) == len(queued)
    first = queued[0].prep
    base = _next_seq(con)
    seqs = [base + k for k in range(len(queued))]
    inserted: list[int] = []
    written: list[_Written] = []

    def type_rows() -> None:
        for q in queued:
            if q.replace:
                _delete_path(con, entity, q.result.file)
        readers.csv_batch_view(con, lazies, _BATCH_VIEW, _BATCH_INDEX)
        select = typed_select_sql(
            entity,
            first.mapping,
            first.headers,
            _temp(_BATCH_VIEW),
            row="1",
            file=f"$files[{index} + 1]",
            seq=f"$seq + {index}",
        )
        with readers.InsertionOrder(con):
            inserted.append(
                int(
                    _scalar(
                        con,
                        f"INSERT INTO {table} ({_raw_names(entity)}) {select}",
                        {"files": [q.result.file for q in queued], "seq": base, "now": now},
                    )
                )
            )

    def finish() -> None:
        first_rows = {seq: lazy.first_row for seq, lazy in zip(seqs, lazies, strict=True)}
        rows = _number_rows(con, entity, first_rows, inserted[0])
        suspects = _suspect_files(con, entity, seqs)
        for seq, q in zip(seqs, queued, strict=True):
            written.append(
                _record(
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

    _in_transaction(con, type_rows)
    try:
        _in_transaction(con, finish)
    except BaseException:
        _in_transaction(con, lambda: con.execute(f"DELETE FROM {table} WHERE _file_seq >= $base", {"base": base}))
        raise
    for q, w in zip(queued, written, strict=True):
        w.fill(q.result)


def _drop_interrupted(con: duckdb.DuckDBPyConnection, entity: Entity) -> int:
    """Delete rows a batch typed but never finished (the process died between _write_batch's transactions):
    rows of files beyond the last in audit.ingested_files, not yet numbered (_source_row ±1; a numbered row is
    2 or more, the header being row 1). Returns how many."""
    return int(
        _scalar(
            con,
            f"DELETE FROM raw.{quote_ident(entity.name)} WHERE _source_row IN (-1, 1) AND "
            "_file_seq > (SELECT coalesce(max(file_seq), 0) FROM audit.ingested_files)",
        )
    )


# -- folders ------------------------------------------------------------------------------------------


def _walk(folder: Path) -> list[Path]:
    """Every file under `folder`, following symlinked folders once each (a link loop ends the descent)."""
    found: list[Path] = []
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:
            dirnames[:] = []
            continue
        seen.add(real)
        found.extend(Path(dirpath, f) for f in filenames)
    return found


def _landing_files(landing_dir: Path, entity: str) -> tuple[list[tuple[Path, str]], list[str]]:
    """(landing files as (path, relative name) sorted by (mtime, name), ignored relative names)."""
    files, ignored = [], []
    for path in _walk(landing_dir / entity):
        rel = path.relative_to(landing_dir).as_posix()
        if readers.file_format(path) is None or path.name.startswith(("~$", ".")):  # Office lock files
            ignored.append(rel)
        else:
            files.append((path, rel))
    files.sort(key=lambda pr: (_mtime(pr[0]), pr[1]))
    return files, sorted(ignored)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # a dangling symlink: sorts first, then fails to open with a clear message
        return 0.0


@contextmanager
def _quiet(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """No progress bar while ingesting: DuckDB draws it even when stdout is not a terminal, which fills
    Dagster's captured logs. The connection's own setting is restored afterwards."""
    before = con.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0]
    con.execute("SET enable_progress_bar = false")
    try:
        yield
    finally:
        con.execute(f"SET enable_progress_bar = {'true' if before else 'false'}")


def _naive(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now()
    return now.astimezone().replace(tzinfo=None) if now.tzinfo else now


def ingest_entity(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    landing_dir: Path,
    *,
    now: datetime | None = None,
    profiles: Sequence[SourceProfile] = (),
) -> EntityReport:
    """Ingest every *.csv, *.xlsx and *.parquet under landing_dir/<entity>/ (each file in one
    transaction); other files are ignored and listed in the report. `now` stamps _ingested_at. `profiles`
    (ingestion.profiles.load_profiles) map vendor layouts; a file no profile matches loads as built in."""
    spec = ENTITIES[entity]
    landing_dir = Path(landing_dir)
    install_macros(con)
    _ensure(con, [spec])
    stamp = _naive(now)
    files, ignored = _landing_files(landing_dir, entity)
    report = EntityReport(entity, ignored=ignored)
    root = landing_dir.resolve()
    inside = {path for path, _ in files if path.resolve().is_relative_to(root)}
    # Hashing a file (sha256 and the UTF-8 check) is Python's one pass over its bytes; a thread does it for
    # the next files while DuckDB loads this one (hashlib releases the GIL), so it costs no wall time.
    if dropped := _drop_interrupted(con, spec):
        log.warning("%s: deleted %d rows of an interrupted earlier run (typed, never finished)", entity, dropped)
    batch = _Batch(con, spec, stamp)
    with _quiet(con), ThreadPoolExecutor(max_workers=1, thread_name_prefix="salesperf-hash") as hasher:
        hashes = {path: hasher.submit(readers.fingerprint, path) for path, _ in files if path in inside}
        for path, rel in files:
            if path not in inside:
                report.files.append(
                    FileResult(
                        rel, None, REJECTED_FILE, message=f"{rel} was refused: it resolves outside the landing folder."
                    )
                )
                continue
            try:
                profile = match_profile(list(profiles), entity, rel)
            except ProfileError as err:
                report.files.append(FileResult(rel, None, REJECTED_FILE, message=str(err)))
                continue
            report.files.append(
                ingest_file(
                    con,
                    spec,
                    path,
                    rel,
                    stamp,
                    profile=profile,
                    landing_dir=landing_dir,
                    fingerprint=hashes[path],
                    batch=batch,
                )
            )
        batch.flush()
    for r in report.files:
        log.info(
            "%s %s: %s (%d read, %d accepted, %d rejected) %s",
            entity,
            r.file,
            r.status,
            r.rows_read,
            r.rows_accepted,
            r.rows_rejected,
            r.message,
        )
    return report


def ingest_all(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    *,
    entities: list[str] | None = None,
    now: datetime | None = None,
    profiles: Sequence[SourceProfile] = (),
) -> dict[str, EntityReport]:
    """ingest_entity for each entity (all by default); the same `now` stamps every file."""
    stamp = _naive(now)
    return {e: ingest_entity(con, e, landing_dir, now=stamp, profiles=profiles) for e in (entities or ENTITY_NAMES)}
