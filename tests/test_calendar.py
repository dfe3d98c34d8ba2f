"""China's official calendar: holidays, adjusted working weekends, and the flagged fallback."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from ingestion.calendar import load_calendar
from salesperf.calendar import FALLBACK, OFFICIAL, calendar_days


def _by_date(start: dt.date, end: dt.date) -> dict[dt.date, tuple]:
    return {d[0]: d[1:] for d in calendar_days(start, end)}


def test_2025_spring_festival_and_its_adjusted_working_weekends():
    days = _by_date(dt.date(2025, 1, 25), dt.date(2025, 2, 9))
    # State Council 2025: 春节 off 1月28日–2月4日 (8 days); work on Sunday 1月26日 and Saturday 2月8日.
    assert days[dt.date(2025, 1, 28)] == (False, "春节", OFFICIAL)
    assert days[dt.date(2025, 2, 4)] == (False, "春节", OFFICIAL)
    assert days[dt.date(2025, 1, 26)] == (True, None, OFFICIAL)
    assert days[dt.date(2025, 2, 8)] == (True, None, OFFICIAL)
    assert days[dt.date(2025, 2, 5)] == (True, None, OFFICIAL)  # back to work on Wednesday
    assert days[dt.date(2025, 2, 9)] == (False, None, OFFICIAL)  # an ordinary Sunday: no holiday name
    # Worked: 1/26 (Sun, adjusted), 1/27, 2/5, 2/6, 2/7, 2/8 (Sat, adjusted); 1/25 and 2/9 are plain weekend.
    assert sum(1 for workday, *_ in days.values() if workday) == 6


def test_october_2025_workdays_count_national_day():
    october = _by_date(dt.date(2025, 10, 1), dt.date(2025, 10, 31))
    # 23 weekdays in October 2025; 国庆+中秋 take 10/1–10/8 (6 weekdays off), 10/11 (Saturday) is worked.
    assert sum(workday for workday, *_ in october.values()) == 23 - 6 + 1
    assert october[dt.date(2025, 10, 6)][1] in {"中秋节", "国庆节"}


def test_years_beyond_the_library_fall_back_to_weekends_and_warn():
    with pytest.warns(UserWarning, match="2027"):
        days = _by_date(dt.date(2026, 12, 30), dt.date(2027, 1, 4))
    assert days[dt.date(2026, 12, 31)][2] == OFFICIAL
    assert days[dt.date(2027, 1, 1)] == (True, None, FALLBACK)  # a Friday: New Year unknown, so a workday
    assert days[dt.date(2027, 1, 2)] == (False, None, FALLBACK)  # Saturday


def test_load_calendar_replaces_the_table():
    con = duckdb.connect()
    assert load_calendar(con, dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == 365
    assert load_calendar(con, dt.date(2025, 1, 1), dt.date(2025, 1, 31)) == 31
    assert con.execute("select count(*), count(*) filter (where is_workday) from raw.calendar_days").fetchone() == (
        31,
        19,
    )  # January 2025: 23 weekdays, 元旦 1/1 and 春节 1/28–1/31 off, 1/26 (Sunday) worked
