"""The SQL that types a staged file into raw.<entity>: each column parsed once, failing rows marked, their reasons,
totals rows (合计/Total) recognised.

A file is typed by ONE statement that inserts every data row straight into raw.<entity>, with each
column parsed once and a row that fails any check marked by a negative _source_row. Inside the same
transaction the (usually zero) marked rows get their reasons from a join back to the staged cells, go
to audit.rejected_rows and leave raw.<entity>. Two measured pitfalls shaped this:
- DuckDB inlines a subquery's expressions into the outer query that references them, so a reason or a
  filter built over a "typed" subquery would parse every cell again; within one SELECT list the
  optimizer computes an expression written twice only once, so the failure flag sits beside the values.
- materialising typed rows in a temp table first cost ~4 s per 10M rows, a third of a plain load.

Exports end with a totals line (合计 / 总计 / 小计 / Total / Grand Total / Sum), often merged across the id
columns. It is never sales: a row whose first non-empty cell is such a label (after trimming, without
spaces and a trailing colon, case-insensitive, full-width letters too) and whose key columns are blank or
hold that same label (a merged label fills them) is rejected with the reason `totals row ("合计"): not a
data row`, so that it is counted (rows read = accepted + rejected) and visible in audit.rejected_rows.
"""

from __future__ import annotations

from ingestion.entities import SQL_TYPES, Column, Entity
from ingestion.readers import quote_ident
from ingestion.row_rules import RowRule, reason_prefix, rules_for

_SHOW_MAX = 80  # longest cell value quoted in a reason
# What a reason says a kind expects, e.g. `order_date: expected a date (...), found "soon"`.
EXPECTED: dict[str, str] = {
    "date": "a date (2025-03-05, 2025/3/5, 2025年3月5日 or an Excel serial)",
    "timestamp": "a date-time (2025-03-05 14:30, 2025/3/5 14:30, 2025年3月5日 14:30 or an Excel serial)",
    "money": "an amount (1234.5, 1,234.50, ¥1,234 or 1.2万) within ±10^12",
    "price": "a price (1234.5, 1,234.50, ¥1,234 or 1.2万) within ±10^12",
    "quantity": "a quantity (3 or 2.5) within ±10^14",
    "fraction": "a fraction (0.5 or 50%)",
    "number": "a number",
    "integer": "a whole number",
}


def sql_str(text: str) -> str:
    """A SQL string literal for trusted spec text (column names, labels, messages)."""
    return "'" + text.replace("'", "''") + "'"


def _parse_expr(kind: str, raw: str) -> str:
    """Typed value of a non-text cell, NULL when blank or unparseable. Decimal kinds cast the text straight
    to the column type first: rescaling the macros' DECIMAL(38,6) to a 64-bit DECIMAL costs ~15x the parse."""
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


def fail_expr(col: Column, typed: str, raw: str, given: bool, rules: list[RowRule] | None = None) -> str | None:
    """TRUE when the column fails: required but NULL, a given cell that did not parse, a value outside
    the allowed list, a value breaking one of the column's row rules (row_rules.py). `given`: the file has
    this column. None when the column can never fail."""
    tests = [f"coalesce(NOT ({rule.passes_sql(typed)}), false)" for rule in rules or []]
    if col.required:
        tests.append(f"({typed}) IS NULL")
    elif _parsed(col) and given:
        tests.append(f"(({typed}) IS NULL AND {raw} IS NOT NULL)")  # whitespace-only: a false alarm
    if col.allowed:
        tests.append(f"coalesce(({typed}) NOT IN ({', '.join(sql_str(a) for a in col.allowed)}), false)")
    return " OR ".join(tests) or None


def reason_expr(col: Column, typed: str, raw: str, rules: list[RowRule] | None = None) -> str | None:
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
    for rule in rules or []:
        checks.append(f"CASE WHEN NOT ({rule.passes_sql(typed)}) THEN {sql_str(reason_prefix(rule))} || {shown} END")
    return ", ".join(checks) if checks else None


def raw_ref(mapping: dict[str, str], col: Column) -> str:
    header = mapping.get(col.name)
    return f"s.{quote_ident(header)}" if header is not None else "CAST(NULL AS VARCHAR)"


def nonblank_sql(headers: list[str]) -> str:
    """A row is data unless every cell (known header or not) is blank. COALESCE stops at the first
    non-blank cell, so this costs about one trim per row."""
    if not headers:
        return "false"
    return "coalesce(" + ", ".join(f"sp_trim(s.{quote_ident(h)})" for h in headers) + ") IS NOT NULL"


# -- totals rows -----------------------------------------------------------------------------------------


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


def totals_key_columns(entity: Entity) -> list[str]:
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
        f"coalesce(sp_trim({raw_ref(mapping, entity.column(c))}) = __sp_first, true)"
        for c in totals_key_columns(entity)
    ]
    test = f"coalesce({label} IN ({_TOTALS_TEXT}){''.join(f' AND {k}' for k in keys)}, false)"
    return f"list_transform([{_first_cell(headers)}], lambda __sp_first: {test})[1]"


def totals_candidate_expr(entity: Entity, mapping: dict[str, str]) -> str:
    """A cheap pre-test for typed_select_sql: could the first key column hold a totals label? The full test's
    lower/translate cost ~3 s per 10M rows when run on every row. The first key column is required in every
    entity, so a totals row that leaves it blank fails anyway and is classified in the reasons pass; only a
    row whose key holds the label (non-ASCII, or containing total/sum) needs the full test up front."""
    key = f"sp_trim({raw_ref(mapping, entity.column(totals_key_columns(entity)[0]))})"
    return f"coalesce({key} >= '\u0080' OR {key} ILIKE '%total%' OR {key} ILIKE '%sum%', false)"


def totals_reason_expr(headers: list[str]) -> str:
    return f"""'totals row ("' || left({_first_cell(headers)}, {_SHOW_MAX}) || '"): not a data row'"""


# -- the statements --------------------------------------------------------------------------------------


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
        raw = raw_ref(mapping, col)
        typed = typed_expr(col, entity.value_maps.get(col.name, {}), raw)
        values.append(typed)
        if fail := fail_expr(col, typed, raw, col.name in mapping, rules_for(entity.name, col.name)):
            fails.append(fail)
    fails.append(f"({totals_candidate_expr(entity, mapping)} AND {totals_expr(entity, mapping, headers)})")
    row = f"CASE WHEN {' OR '.join(fails)} THEN -{row} ELSE {row} END"
    where = "" if entity.required else f" WHERE {nonblank_sql(headers)}"
    return f"SELECT {', '.join(values)}, {file}, {row}, {seq}, $now FROM {stage} s{where}"


def reasons_sql(entity: Entity, mapping: dict[str, str], headers: list[str], stage: str) -> str:
    """SELECT _row, _reason, _data for this file's marked rows in raw.<entity>: the reason lists every
    failing column (NULL for a false alarm); _data is false for a blank row."""
    reasons = []
    for col in entity.columns:
        typed = f"t.{quote_ident(col.name)}"
        if reason := reason_expr(col, typed, raw_ref(mapping, col), rules_for(entity.name, col.name)):
            reasons.append(reason)
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
