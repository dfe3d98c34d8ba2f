"""China's official working calendar into `raw.calendar_days` (feeds marts.dim_date).

`chinese_calendar` knows the State Council's holiday schedule, including the adjusted working weekends
(调休), for the years it ships data for (1.11: 2004-2026). It raises NotImplementedError for any other year;
those years fall back to weekends-only (Mon-Fri workdays, no holiday names), every day flagged with
calendar_source `weekends_only_fallback` and one warning per run of consecutive uncovered years, so a
stale library shows up in the data and the logs instead of silently as "no holidays".
"""

from __future__ import annotations

import datetime as dt
import warnings
from itertools import groupby

import chinese_calendar
import duckdb
import pyarrow as pa

OFFICIAL = "chinese_calendar"
FALLBACK = "weekends_only_fallback"

# chinese_calendar's English names -> the names Chinese users know.
HOLIDAY_NAMES_ZH: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}

CalendarDay = tuple[dt.date, bool, str | None, str]


def _covered(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _official_day(day: dt.date) -> CalendarDay:
    is_holiday, name = chinese_calendar.get_holiday_detail(day)
    # On an adjusted working weekend the library names the holiday it makes up for; the day itself is
    # a workday, so it carries no holiday name.
    holiday = HOLIDAY_NAMES_ZH.get(name, name) if is_holiday and name else None
    return day, not is_holiday, holiday, OFFICIAL


def _fallback_day(day: dt.date) -> CalendarDay:
    return day, day.weekday() < 5, None, FALLBACK


def _year_ranges(years: list[int]) -> list[tuple[int, int]]:
    """[2027, 2028, 2030] -> [(2027, 2028), (2030, 2030)]"""
    runs = groupby(enumerate(years), key=lambda iy: iy[1] - iy[0])
    return [(group[0][1], group[-1][1]) for group in (list(g) for _, g in runs)]


def calendar_days(start: dt.date, end: dt.date) -> list[CalendarDay]:
    """(date, is_workday, holiday_name, calendar_source) for every day from start to end inclusive."""
    if end < start:
        return []
    covered = {y: _covered(y) for y in range(start.year, end.year + 1)}
    for first, last in _year_ranges([y for y, ok in covered.items() if not ok]):
        years = ", ".join(str(y) for y in range(first, last + 1))  # every year named, e.g. "2027, 2028"
        warnings.warn(
            f"chinese_calendar {chinese_calendar.__version__} has no official calendar for {years}; "
            "those days use a weekends-only fallback (no holidays, no adjusted workdays)",
            stacklevel=2,
        )
    days = (start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    return [_official_day(d) if covered[d.year] else _fallback_day(d) for d in days]


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
