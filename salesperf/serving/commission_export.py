"""Finance exports of commission periods (`salesperf export commissions --period 2025-Q1 --format xlsx|csv|parquet`,
and the exports/commissions asset).

Two tables per period: a summary (one row per rep x plan statement within the period) and the lines
behind it. Read from the published warehouse, as any BI reader would.
- CSV is UTF-8 with a BOM (Excel then shows Chinese correctly), one file per table.
- xlsx: one workbook, sheets `summary` and `lines`; parquet: one file per table.
- Text cells starting with =, +, -, @ (or a tab / carriage return) get a leading apostrophe so no
  spreadsheet evaluates them as formulas (OWASP "CSV injection"). Amount columns are numbers, not text,
  and are never altered.
- Amounts are decimals rounded half-up (ROUND_HALF_UP, away from zero on .5) to the cent; they already are
  cents in the warehouse, so the rounding here only fixes the representation (CSV: `1234.50`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

from salesperf.serving.periods import Period, parse_period, period_label, within_sql

FORMATS = ("xlsx", "csv", "parquet")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CENT = Decimal("0.01")

SUMMARY_SQL = """
    select s.rep_id, r.rep_name, s.plan_id, s.parent_plan_id, s.component_id, s.component_weight,
           s.period_label, s.period_start, s.period_end, s.statement_status,
           s.measure, s.measure_amount, s.target_amount, s.target_explanation,
           round(s.attainment_pct, 4) as attainment_pct, round(s.effective_rate, 6) as effective_rate,
           s.target_incentive,
           s.tier_commission, s.spif, s.cap_reduction, s.override, s.clawback, s.adjustments, s.restatement,
           s.draw, s.draw_recovery, s.draw_balance, s.deal_minimum,
           s.payable, s.line_count, s.note
    from marts.fct_commission_statements s
    left join marts.dim_rep r on r.rep_id = s.rep_id
    where {within}
    order by s.rep_id, s.plan_id, s.period_start"""
LINES_SQL = """
    select l.rep_id, l.plan_id, l.period_label, l.line_type, l.order_id, l.line_no, l.source_id,
           l.source_rep_id, l.amount, l.explanation, l.line_id
    from marts.fct_commission_lines l
    where {within}
    order by l.rep_id, l.plan_id, l.period_start, l.line_type, l.line_id"""
AMOUNT_COLUMNS = {
    "measure_amount",
    "target_amount",
    "target_incentive",
    "tier_commission",
    "spif",
    "cap_reduction",
    "override",
    "clawback",
    "adjustments",
    "restatement",
    "draw",
    "draw_recovery",
    "draw_balance",
    "deal_minimum",
    "payable",
    "amount",
}


@dataclass(frozen=True)
class ExportReport:
    period: Period
    files: list[Path]
    statements: int
    lines: int
    payable: Decimal


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would evaluate as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def cents(value: object) -> Decimal | None:
    """Decimal rounded half-up to the cent (the documented rounding rule)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, period: Period) -> tuple[list[str], list[list[object]]]:
    cursor = con.execute(sql, [period.start, period.end])
    names = [d[0] for d in cursor.description]
    rows = []
    for row in cursor.fetchall():
        rows.append([cents(v) if n in AMOUNT_COLUMNS else neutralise(v) for n, v in zip(names, row, strict=True)])
    return names, rows


def read_tables(warehouse: Path, period: Period) -> dict[str, tuple[list[str], list[list[object]]]]:
    if not warehouse.exists():
        raise FileNotFoundError(f"warehouse {warehouse} does not exist: run `salesperf run` first")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        present = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts' "
            "and table_name = 'fct_commission_statements'"
        ).fetchone()[0]
        if not present:
            raise ValueError(f"{warehouse} has no commission statements (is config/commission_plans.yml present?)")
        return {
            "summary": _rows(con, SUMMARY_SQL.format(within=within_sql("s")), period),
            "lines": _rows(con, LINES_SQL.format(within=within_sql("l")), period),
        }
    finally:
        con.close()


def _write_csv(path: Path, names: list[str], rows: list[list[object]]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if v is None else (f"{v:f}" if isinstance(v, Decimal) else v) for v in row])


def _write_xlsx(path: Path, tables: dict[str, tuple[list[str], list[list[object]]]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_name, (names, rows) in tables.items():
        sheet = workbook.create_sheet(sheet_name)
        sheet.append(names)
        amount_columns = [i + 1 for i, n in enumerate(names) if n in AMOUNT_COLUMNS]
        for row in rows:
            sheet.append(row)  # openpyxl writes Decimal as a number
        for column in amount_columns:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = "#,##0.00"
        sheet.freeze_panes = "A2"
    workbook.save(path)


def _write_parquet(path: Path, names: list[str], rows: list[list[object]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {}
    for i, name in enumerate(names):
        values = [row[i] for row in rows]
        if name in AMOUNT_COLUMNS:
            columns[name] = pa.array(values, type=pa.decimal128(18, 2))
        else:
            columns[name] = pa.array(values)
    pq.write_table(pa.table(columns) if rows else pa.table({n: pa.array([], type=pa.string()) for n in names}), path)


def export_commissions(warehouse: Path, export_dir: Path, label: str, fmt: str) -> ExportReport:
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    period = parse_period(label)
    tables = read_tables(warehouse, period)
    if not tables["summary"][1]:
        raise ValueError(f"no commission statements fall within {period.label}")
    export_dir.mkdir(parents=True, exist_ok=True)
    stem = f"commissions_{period.label}"
    files: list[Path] = []
    if fmt == "xlsx":
        files.append(export_dir / f"{stem}.xlsx")
        _write_xlsx(files[0], tables)
    else:
        for name, (columns, rows) in tables.items():
            path = export_dir / f"{stem}_{name}.{fmt}"
            (_write_csv if fmt == "csv" else _write_parquet)(path, columns, rows)
            files.append(path)
    names, rows = tables["summary"]
    payable = sum((row[names.index("payable")] for row in rows), Decimal("0.00"))
    return ExportReport(period, files, len(rows), len(tables["lines"][1]), payable)


def closed_periods(warehouse: Path) -> list[str]:
    """Labels of the closed (final) plan periods in the published warehouse, oldest first."""
    if not warehouse.exists():
        return []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if not con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts' "
            "and table_name = 'fct_commission_statements'"
        ).fetchone()[0]:
            return []
        rows = con.execute(
            "select distinct period_type, period_start from marts.fct_commission_statements "
            "where statement_status = 'final' order by 2, 1"
        ).fetchall()
    finally:
        con.close()
    return [period_label(t, s) for t, s in rows]
