"""Commission periods, written once: labels (`2025-Q1`, `2025-03`, `2025`) <-> (type, first day, last day), and the
SQL test "a plan period lies within this period" that closing, exporting and simulating share."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    label: str
    period_type: str  # month | quarter | year
    start: dt.date
    end: dt.date


def parse_period(label: str) -> Period:
    text = label.strip()
    if m := re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text):
        year, quarter = int(m[1]), int(m[2])
        start = dt.date(year, 3 * quarter - 2, 1)
        return Period(f"{year}-Q{quarter}", "quarter", start, _add_months(start, 3) - dt.timedelta(days=1))
    if m := re.fullmatch(r"(\d{4})-(0?[1-9]|1[0-2])", text):
        start = dt.date(int(m[1]), int(m[2]), 1)
        return Period(f"{start:%Y-%m}", "month", start, _add_months(start, 1) - dt.timedelta(days=1))
    if m := re.fullmatch(r"(\d{4})", text):
        year = int(m[1])
        return Period(str(year), "year", dt.date(year, 1, 1), dt.date(year, 12, 31))
    raise ValueError(f"period {label!r} is not a period label like 2025-Q1, 2025-03 or 2025")


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_label(period_type: str, start: dt.date) -> str:
    """The label of a plan period: 2025-Q1, 2025-03 or 2025."""
    if period_type == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start:%Y-%m}" if period_type == "month" else str(start.year)


def within_sql(alias: str = "") -> str:
    """SQL true when a row's plan period (period_type, period_start) lies within [?, ?], the two parameters
    being a Period's start and end."""
    p = f"{alias}." if alias else ""
    return (
        f"{p}period_start >= ? and "
        f"cast({p}period_start + case {p}period_type when 'month' then interval 1 month "
        f"when 'quarter' then interval 3 month else interval 1 year end - interval 1 day as date) <= ?"
    )
