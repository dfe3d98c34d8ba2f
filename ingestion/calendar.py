"""China's official working calendar for dim_date, from the maintained `chinese-calendar` library.

The State Council publishes each year's holidays and adjusted working weekends (调休) late in the previous
year, and chinese-calendar 1.11 knows 2004–2026. For years it does not cover (e.g. the 2027 plan year) we
fall back to weekends only, mark every such day `calendar_source = 'weekends_only_fallback'`, and warn once
naming the years, so nobody mistakes a guess for the official calendar.
"""

from __future__ import annotations

import datetime as dt
import warnings

import chinese_calendar
import duckdb

OFFICIAL = "chinese_calendar"
FALLBACK = "weekends_only_fallback"

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

CalendarDay = tuple[dt.date, bool, str | None, str]


def _official_day(day: dt.date) -> CalendarDay:
    is_holiday, name = chinese_calendar.get_holiday_detail(day)
    # An adjusted working weekend carries its festival's name in the library; it is a workday, not a holiday.
    holiday_name = HOLIDAY_NAMES_ZH.get(name, name) if is_holiday and name else None
    return day, not is_holiday, holiday_name, OFFICIAL


def calendar_days(start: dt.date, end: dt.date) -> list[CalendarDay]:
    """(date, is_workday, holiday_name, calendar_source) for every day from start to end inclusive."""
    days: list[CalendarDay] = []
    uncovered: set[int] = set()
    day = start
    while day <= end:
        try:
            days.append(_official_day(day))
        except NotImplementedError:
            uncovered.add(day.year)
            days.append((day, day.weekday() < 5, None, FALLBACK))
        day += dt.timedelta(days=1)
    if uncovered:
        years = ", ".join(str(y) for y in sorted(uncovered))
        warnings.warn(f"chinese-calendar {getattr(chinese_calendar, '__version__', '')} has no official "
                      f"holidays for {years}: those days use a weekends-only fallback "
                      f"(calendar_source = '{FALLBACK}')", stacklevel=2)
    return days


def load_calendar(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> int:
    """Replace raw.calendar_days with start..end; returns the number of days written."""
    days = calendar_days(start, end)
    con.execute("create schema if not exists raw")
    con.execute("begin transaction")
    try:
        con.execute("""create or replace table raw.calendar_days (
            date DATE PRIMARY KEY, is_workday BOOLEAN NOT NULL, holiday_name VARCHAR,
            calendar_source VARCHAR NOT NULL)""")
        con.executemany("insert into raw.calendar_days values (?, ?, ?, ?)", days)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return len(days)
