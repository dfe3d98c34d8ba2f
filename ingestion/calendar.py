"""China's official working calendar into `raw.calendar_days` (feeds marts.dim_date).

The calendar facts (chinese-calendar, its weekends-only fallback, holiday names) are salesperf.calendar's;
this module only writes them into the build database.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa

from salesperf.calendar import calendar_days


def load_calendar(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> int:
    """Replace raw.calendar_days with calendar_days(start, end), atomically; returns the day count."""
    rows = calendar_days(start, end)
    table = pa.table(
        {
            "date": pa.array([r[0] for r in rows], pa.date32()),
            "is_workday": pa.array([r[1] for r in rows], pa.bool_()),
            "holiday_name": pa.array([r[2] for r in rows], pa.string()),
            "calendar_source": pa.array([r[3] for r in rows], pa.string()),
        }
    )
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.register("__sp_calendar", table)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                "CREATE OR REPLACE TABLE raw.calendar_days (date DATE PRIMARY KEY, is_workday BOOLEAN, "
                "holiday_name VARCHAR, calendar_source VARCHAR)"
            )
            con.execute("INSERT INTO raw.calendar_days SELECT * FROM __sp_calendar")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.unregister("__sp_calendar")
    return len(rows)
