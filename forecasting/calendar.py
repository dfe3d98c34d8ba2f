"""Month arithmetic and the Spring Festival regressor.

Spring Festival (春节) falls between 21 January and 20 February, so a fixed 12-month seasonality smears its
dip over January and February. The regressor gives each month the share of its days lost to the festival
under a generic profile (people leave early, the holiday itself, a slow restart through 元宵), using the
festival's real date each year (salesperf.calendar); the model fits how deep the dip is.
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache

import numpy as np

from salesperf.calendar import spring_festival_date

# Days relative to the festival -> share of normal business lost that day.
_PROFILE: tuple[tuple[int, int, float], ...] = ((-10, -2, 0.5), (-1, 6, 0.9), (7, 15, 0.55))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(first: dt.date, count: int) -> list[dt.date]:
    return [add_months(first, i) for i in range(count)]


def months_between(first: dt.date, last: dt.date) -> int:
    """Number of months from `first` to `last` inclusive (both month starts)."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def last_complete_month(as_of: dt.date) -> dt.date:
    """The last month wholly on or before `as_of`."""
    if (as_of + dt.timedelta(days=1)).month != as_of.month:
        return month_start(as_of)
    return add_months(month_start(as_of), -1)


@lru_cache(maxsize=1024)  # called for every month of every fit: a few hundred distinct months in all
def spring_festival_share(month: dt.date) -> float:
    """Share of `month`'s days lost to the Spring Festival (0 outside January-March)."""
    if month.month > 3:
        return 0.0
    festival = spring_festival_date(month.year)
    days = calendar.monthrange(month.year, month.month)[1]
    lost = 0.0
    for lo, hi, share in _PROFILE:
        for offset in range(lo, hi + 1):
            day = festival + dt.timedelta(days=offset)
            if day.year == month.year and day.month == month.month:
                lost += share
    return lost / days


def spring_festival_regressor(months: list[dt.date]) -> np.ndarray:
    return np.array([spring_festival_share(m) for m in months], dtype=float)
