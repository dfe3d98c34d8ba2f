"""Per-day demand weights and event counts: seasonality, the moving Spring Festival dip, quarter- and
year-end pushes, growth; CRM activity follows working days. Other generators draw their rows per day from
the `days` table made here."""

from __future__ import annotations

import calendar
import datetime

import pyarrow as pa

from salesperf.calendar import is_workday, spring_festival_date
from salesperf.demo.company import LINES_PER_ORDER, MONTH_FACTOR, ORDER_GROWTH, Run, allocate, uniform
from salesperf.demo.writers import load_table


def _spring_festival_factor(day: datetime.date) -> float:
    festival = spring_festival_date(day.year)
    if day.month >= 6:  # late in the year the next festival is the relevant one (never within reach)
        return 1.0
    offset = (day - festival).days
    if -10 <= offset <= -2:
        return 0.5  # customers and reps leave early for the holiday
    if -1 <= offset <= 6:
        return 0.1  # the holiday itself
    if 7 <= offset <= 15:
        return 0.45  # slow restart (元宵 week)
    return 1.0


def _demand_weight(run: Run, day: datetime.date, workday: bool) -> float:
    growth = ORDER_GROWTH ** ((day - run.start).days / 365.25)
    weight = growth * (1.0 if workday else 0.2) * MONTH_FACTOR[day.month] * _spring_festival_factor(day)
    last = calendar.monthrange(day.year, day.month)[1]
    if day.month in (3, 6, 9, 12) and day.day > last - 10:
        weight *= 1.35  # quarter-end push
    if day.month == 12 and day.day >= 15:
        weight *= 1.15  # year-end push on top
    return weight * (0.85 + 0.3 * uniform(run.seed, "day", day.isoformat()))


def create_days(run: Run) -> None:
    days = [run.start + datetime.timedelta(days=i) for i in range((run.as_of - run.start).days + 1)]
    workdays = [is_workday(d) for d in days]
    orders_w = [_demand_weight(run, d, w) for d, w in zip(days, workdays, strict=True)]
    # CRM activity follows headcount growth and working days, not order seasonality.
    flat_w = [
        ORDER_GROWTH ** ((d - run.start).days / 365.25) * (1.0 if w else 0.1)
        for d, w in zip(days, workdays, strict=True)
    ]
    n_orders = round(run.scale / sum(k * p for k, p in LINES_PER_ORDER))
    load_table(
        run,
        "days_raw",
        {
            "d": days,
            "n_orders": allocate(orders_w, n_orders),
            "n_opps": allocate(flat_w, max(200, run.scale // 20)),
            "n_activities": allocate(flat_w, max(500, run.scale // 8)),
            "n_surveys": allocate(flat_w, max(200, run.scale // 100)),
        },
        {"d": pa.date32()},
    )
    run.con.execute("""CREATE TABLE days AS
        SELECT d, date_trunc('month', d)::DATE AS month_start, n_orders, n_opps, n_activities, n_surveys
        FROM days_raw ORDER BY d""")
    run.con.execute("CREATE TABLE months AS SELECT DISTINCT month_start FROM days ORDER BY month_start")
