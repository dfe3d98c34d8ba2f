"""Monthly net sales series at every forecast level, aggregated in DuckDB from `marts.fct_sales`.

Net sales = `net_amount` of creditable lines (completed, dated on or before the as-of date) by order month,
on the line's own rep / region / product line (credit splits and later returns are attainment rules, not
demand: returns trickle in for months after an order, so netting them would bias the latest months low).
A series runs from its first month with sales to the last complete month before the as-of date, with
empty months as 0. Rep series are built for reps active on the as-of date only (a leaver has no future).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np

from forecasting.calendar import last_complete_month, month_range, months_between

# level -> SQL expression of the series key over fct_sales `s` joined to dim_rep `r`.
LEVEL_KEYS: dict[str, str] = {
    "company": "''",
    "region": "s.region",
    "product_line": "s.product_line",
    "region_product_line": "s.region || ' / ' || s.product_line",
    "rep": "s.rep_id",
}


def series_sql(levels: list[str]) -> str:
    """One row per (level, key, month) with sales; `$last_month` is the last complete month."""
    parts = []
    for level in levels:
        key = LEVEL_KEYS[level]
        where = "s.is_creditable and s.order_month <= $last_month"
        if level == "rep":
            where += " and r.is_active"
        elif level != "company":
            where += f" and {key} is not null"
        parts.append(f"""
        select '{level}' as level, {key} as key, s.order_month as month, sum(s.net_amount)::double as amount
        from marts.fct_sales s left join marts.dim_rep r on r.rep_id = s.rep_id
        where {where}
        group by all""")
    return " union all ".join(parts) + " order by level, key, month"


@dataclass(frozen=True)
class Series:
    level: str
    key: str
    months: list[dt.date]
    values: np.ndarray


def load_series(con: duckdb.DuckDBPyConnection, as_of: dt.date, levels: list[str]) -> list[Series]:
    """Every series, gap-filled with zeros, ending at the last complete month."""
    last = last_complete_month(as_of)
    rows = con.execute(series_sql(levels), {"last_month": last}).fetchall()
    grouped: dict[tuple[str, str], dict[dt.date, float]] = {}
    for level, key, month, amount in rows:
        grouped.setdefault((level, key), {})[month] = amount
    out = []
    for (level, key), values in grouped.items():
        first = min(values)
        months = month_range(first, months_between(first, last))
        out.append(Series(level, key, months, np.array([values.get(m, 0.0) for m in months])))
    return out
