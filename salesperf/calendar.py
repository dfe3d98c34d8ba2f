"""China's calendar facts, written once: official workdays and holidays, their fallback, Spring Festival dates.

`chinese_calendar` knows the State Council's holiday schedule, including the adjusted working weekends
(调休), for the years it ships data for (1.11: 2004-2026). It raises NotImplementedError for any other year;
those years fall back to weekends-only (Mon-Fri workdays, no holiday names), every day flagged with
calendar_source `weekends_only_fallback` and one warning per run of consecutive uncovered years, so a
stale library shows up in the data and the logs instead of silently as "no holidays".

Spring Festival (春节) moves every year between 21 January and 20 February; its dates 2015-2030 are a table
here, and a year outside it falls back to the festival's mean date (5 February).

Users: ingestion's `raw.calendar_days` builder (ingestion/calendar.py), the forecasting Spring Festival
regressor (forecasting/calendar.py) and the demo company generator (salesperf/demo). A leaf: no imports
from salesperf's other packages.
"""

from __future__ import annotations

import datetime as dt
import warnings
from itertools import groupby

import chinese_calendar

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

# The first day of the lunar new year (正月初一), 2015-2030.
SPRING_FESTIVAL: dict[int, dt.date] = {
    y: dt.date(y, m, d)
    for y, m, d in [
        (2015, 2, 19),
        (2016, 2, 8),
        (2017, 1, 28),
        (2018, 2, 16),
        (2019, 2, 5),
        (2020, 1, 25),
        (2021, 2, 12),
        (2022, 2, 1),
        (2023, 1, 22),
        (2024, 2, 10),
        (2025, 1, 29),
        (2026, 2, 17),
        (2027, 2, 6),
        (2028, 1, 26),
        (2029, 2, 13),
        (2030, 2, 3),
    ]
}
SPRING_FESTIVAL_MEAN = (2, 5)  # (month, day): the festival's mean date, for a year outside the table

CalendarDay = tuple[dt.date, bool, str | None, str]


def spring_festival_date(year: int) -> dt.date:
    """The Spring Festival of `year`: from the table, else the festival's mean date."""
    return SPRING_FESTIVAL.get(year) or dt.date(year, *SPRING_FESTIVAL_MEAN)


def is_covered(year: int) -> bool:
    """Whether chinese_calendar has the official schedule of `year`."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_workday(day: dt.date) -> bool:
    """China's official calendar (holidays and adjusted workdays) where chinese-calendar covers the year;
    the weekends-only fallback (Monday-Friday) otherwise."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return fallback_day(day)[1]


def official_day(day: dt.date) -> CalendarDay:
    is_holiday, name = chinese_calendar.get_holiday_detail(day)
    # On an adjusted working weekend the library names the holiday it makes up for; the day itself is
    # a workday, so it carries no holiday name.
    holiday = HOLIDAY_NAMES_ZH.get(name, name) if is_holiday and name else None
    return day, not is_holiday, holiday, OFFICIAL


def fallback_day(day: dt.date) -> CalendarDay:
    return day, day.weekday() < 5, None, FALLBACK


def _year_ranges(years: list[int]) -> list[tuple[int, int]]:
    """[2027, 2028, 2030] -> [(2027, 2028), (2030, 2030)]"""
    runs = groupby(enumerate(years), key=lambda iy: iy[1] - iy[0])
    return [(group[0][1], group[-1][1]) for group in (list(g) for _, g in runs)]


def calendar_days(start: dt.date, end: dt.date) -> list[CalendarDay]:
    """(date, is_workday, holiday_name, calendar_source) for every day from start to end inclusive."""
    if end < start:
        return []
    covered = {y: is_covered(y) for y in range(start.year, end.year + 1)}
    for first, last in _year_ranges([y for y, ok in covered.items() if not ok]):
        years = ", ".join(str(y) for y in range(first, last + 1))  # every year named, e.g. "2027, 2028"
        warnings.warn(
            f"chinese_calendar {chinese_calendar.__version__} has no official calendar for {years}; "
            "those days use a weekends-only fallback (no holidays, no adjusted workdays)",
            stacklevel=2,
        )
    days = (start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    return [official_day(d) if covered[d.year] else fallback_day(d) for d in days]
