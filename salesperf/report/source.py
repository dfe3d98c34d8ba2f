"""Reading the published DuckDB file: read-only, only the marts that exist, values made JSON-safe."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

PERIOD_RE = re.compile(r"^(\d{4})(?:-Q([1-4]))?$", re.IGNORECASE)


@dataclass(frozen=True)
class Table:
    """Rows of one dataset: column names and row arrays (compact in the page, ECharts' dataset form)."""

    columns: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Context:
    """What every section query needs: the connection, the as-of date and the years the report covers."""

    con: duckdb.DuckDBPyConnection
    path: Path
    as_of: dt.date
    published_at: str | None
    first_year: int
    last_year: int
    tables: frozenset[str]  # "fct_attainment", ... (schema marts)

    def has(self, *marts: str) -> bool:
        return all(m in self.tables for m in marts)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> Table:
        """Run `sql` with the standard parameters ($first_year, $last_year, $as_of) plus `params`."""
        standard = {"first_year": self.first_year, "last_year": self.last_year, "as_of": self.as_of}
        wanted = set(re.findall(r"\$([a-z_]+)", sql))
        bound = {k: v for k, v in {**standard, **(params or {})}.items() if k in wanted}
        cursor = self.con.execute(sql, bound)
        columns = [d[0] for d in cursor.description]
        return Table(columns, [[json_value(v) for v in row] for row in cursor.fetchall()])


def json_value(value: Any) -> Any:
    """DuckDB value -> JSON value. Money stays unrounded (DECIMAL -> float keeps the cents the mart holds);
    the page rounds once, where it shows a figure."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def parse_period(label: str) -> tuple[int, int | None]:
    """`2026` -> (2026, None); `2026-Q3` -> (2026, 3). The report's periods are quarters and years."""
    match = PERIOD_RE.match(label.strip())
    if not match:
        raise ValueError(f"report period must look like 2026 or 2026-Q3, found {label!r}")
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


def normalize_period(label: str) -> str:
    year, quarter = parse_period(label)
    return f"{year}-Q{quarter}" if quarter else str(year)


def period_label_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def open_context(path: Path, *, period: str | None = None, years: int = 2) -> Context:
    """Open the published file read-only. The report covers `years` calendar years up to the as-of year
    (widened to hold `period`); the as-of date is the one the publishing run used."""
    if not path.is_file():
        raise FileNotFoundError(f"no published warehouse at {path}; run `salesperf run` (or `make demo`) first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = frozenset(
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' "
                "union all select view_name from duckdb_views() where schema_name = 'marts'"
            ).fetchall()
        )
        if "fct_attainment" not in tables:
            raise ValueError(f"{path} has no marts.fct_attainment: is it a salesperf warehouse?")
        as_of, published_at = _as_of(con)
        last_year = as_of.year
        first_year = last_year - max(1, years) + 1
        if period:
            year, _ = parse_period(period)
            first_year, last_year = min(first_year, year), max(last_year, year)
        return Context(con, path, as_of, published_at, first_year, last_year, tables)
    except Exception:
        con.close()
        raise


def _as_of(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, str | None]:
    """audit.warehouse_info's as-of date (the run's SALESPERF_AS_OF), else the marts' own as-of date."""
    has_info = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'audit' and table_name = 'warehouse_info'"
    ).fetchone()[0]
    if has_info:
        row = con.execute("select as_of, published_at from audit.warehouse_info limit 1").fetchone()
        if row and row[0]:
            return row[0], json_value(row[1])
    row = con.execute("select max(as_of_date) from marts.dim_rep").fetchone()
    return (row[0] if row and row[0] else dt.date.today()), None
