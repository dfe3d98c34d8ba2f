"""Hand-built inputs of the risk-alert rules (tests/test_alert_rules.py): the tables the alert models read, with
only the columns they use, and one case per rule that fires and cases that must stay silent. All days are
workdays, so workday counts are day counts.

As of 2025-11-15. Amounts that would disturb other cases are 0: the attainment rule's seasonal shape is the
company's sales in 2024-Q4, which come only from the SHAPE rows (100 a day in October and November, 300 a day in
December: 4,600 of 15,400 by 15 November, a share of 0.298701).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

AS_OF = dt.date(2025, 11, 15)
D = dt.date


def days(start: dt.date, end: dt.date, step: int = 1) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(0, (end - start).days + 1, step)]


DDL = """
create schema if not exists marts; create schema if not exists staging;
create table marts.fct_sales (order_id varchar, line_no integer, order_date date, rep_id varchar,
    customer_id varchar, region varchar, net_amount decimal(18, 4), status varchar, cancelled_date date,
    is_creditable boolean, team varchar, product_line varchar);
create table marts.dim_date as select cast(d as date) as date, true as is_workday
    from range(date '2023-01-01', date '2026-12-31', interval 1 day) t(d);
create table marts.dim_customer (customer_id varchar, customer_name varchar, region varchar, owner_rep_id varchar,
    created_date date);
create table marts.dim_rep (rep_id varchar, rep_name varchar, region varchar, team varchar, manager_id varchar,
    role varchar, hire_date date, termination_date date, is_active boolean);
create table marts.fct_attainment (period_type varchar, period_start date, period_end date, period_label varchar,
    level varchar, key varchar, target_amount decimal(38, 2), actual_amount decimal(18, 2),
    run_rate_amount decimal(18, 2), workdays_elapsed integer, workdays_in_period integer, period_status varchar);
create table marts.fct_sales_forecast (level varchar, key varchar, month date, forecast double, lower double,
    upper double, model varchar, horizon bigint);
create table staging.stg_raw__activities (activity_id varchar, rep_id varchar, customer_id varchar,
    activity_type varchar, activity_date date);
create table staging.stg_raw__opportunities (opportunity_id varchar, customer_id varchar, owner_rep_id varchar,
    stage varchar, amount decimal(18, 2), created_date date, expected_close_date date, closed_date date,
    status varchar);
-- the rules of issues 12, 13 and 17 (data quality, overdue receivables, stalled deals), built outside the alert
-- selection and tested with their own marts: empty here, so the union's other rules are what these cases test
create schema if not exists intermediate;
create table intermediate.int_alerts_overdue_receivables (alert_type varchar, entity_type varchar,
    entity_id varchar, entity_name varchar, region varchar, owner_rep_id varchar, severity varchar,
    period_type varchar, period_start date, overdue_amount decimal(18, 6), overdue_orders bigint,
    metric_value double, threshold_value double, details varchar);
create table marts.fct_stalled_deal_alerts (alert_type varchar, entity_type varchar, entity_id varchar,
    entity_name varchar, region varchar, severity varchar, detected_on date, period_type varchar,
    period_start date, metric_value double, threshold_value double, details varchar);
create table intermediate.int_alerts_data_quality (alert_type varchar, entity_type varchar, entity_id varchar,
    entity_name varchar, region varchar, severity varchar, detected_on date, period_type varchar,
    period_start date, metric_value double, threshold_value double, details varchar);
"""

REPS = [
    # rep_id, name, region, team, manager, role, hired, left
    ("D1", "赵总", "East", None, None, "director", D(2015, 1, 1), None),
    ("D2", "孙总", "West", None, None, "director", D(2015, 1, 1), None),
    ("M1", "钱经理", "East", "T1", "D1", "manager", D(2016, 1, 1), None),
    ("R1", "张三", "East", "T1", "M1", "rep", D(2020, 1, 1), None),
    ("R2", "李四", "East", "T1", "M1", "rep", D(2020, 1, 1), None),
    ("R3", "王五", "East", "T1", "M1", "rep", D(2020, 1, 1), None),
    ("R4", "周六", "West", None, "D2", "rep", D(2020, 1, 1), None),
    ("R5", "吴七", "East", "T1", "M1", "rep", D(2020, 1, 1), None),
    ("R9", "郑九", "East", "T1", "M1", "rep", D(2020, 1, 1), D(2025, 9, 30)),
]


class Cases:
    """Rows for the hand-built cases, written into a DuckDB database by `write`."""

    def __init__(self) -> None:
        self.sales: list[tuple] = []
        self.customers: list[tuple] = []
        self.activities: list[tuple] = []
        self.opportunities: list[tuple] = []
        self.attainment: list[tuple] = []
        self.forecasts: list[tuple] = []
        self._n = 0

    def order(self, day, *, rep=None, customer=None, region=None, amount=0.0, lines=1, cancelled_on=None) -> None:
        self._n += 1
        for line_no in range(1, lines + 1):
            status = "cancelled" if cancelled_on else "completed"
            creditable = status == "completed" and day <= AS_OF
            team = next((r[3] for r in REPS if r[0] == rep), None)
            self.sales.append(
                (
                    f"O{self._n}",
                    line_no,
                    day,
                    rep,
                    customer,
                    region,
                    amount,
                    status,
                    cancelled_on,
                    creditable,
                    team,
                    None,
                )
            )

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(DDL)
        con.executemany("insert into marts.fct_sales values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.sales)
        con.executemany(
            "insert into marts.dim_rep values (?, ?, ?, ?, ?, ?, ?, ?, ? <= ? and (? is null or ? >= ?))",
            [(*r, r[6], AS_OF, r[7], r[7], AS_OF) for r in REPS],
        )
        con.executemany("insert into marts.dim_customer values (?, ?, ?, ?, ?)", self.customers)
        con.executemany("insert into staging.stg_raw__activities values (?, ?, ?, ?, ?)", self.activities)
        con.executemany(
            "insert into staging.stg_raw__opportunities values (?, ?, ?, ?, ?, ?, ?, ?, ?)", self.opportunities
        )
        con.executemany("insert into marts.fct_attainment values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.attainment)
        con.executemany(
            "insert into marts.fct_sales_forecast values (?, ?, ?, ?, null, null, 'ets', 1)", self.forecasts
        )


def churn_cases(c: Cases) -> None:
    """The company clock: ten customers ordering every day (amount 0). Orders here carry no rep or region (they
    would count in the cancellation cases). Then:
    C_SILENT orders every 10 days from 2024-11-20 to 2025-07-28 and is silent 110 days: fires (~10.9 expected);
    C_ACTIVE the same until 2025-11-05 (silent 10 days); C_SLOW every 60 days (silent 84 days, ~1.4 expected);
    C_LOST stopped in June 2024 (lost, not at risk); C_FEW has two orders (no rate to speak of).
    Regular buyers (the regular branch: regular_expected_orders 1.75, regular_gap_multiple 1.75): C_REGULAR orders
    every 30 days from 2024-11-20 to 2025-08-17 and is silent 90 days: ~3 expected, longest gap 1 x the mean,
    so its threshold is max(1.75, 1.75 x 1) = 1.75: fires (the Poisson threshold 4.4 would not). C_UNEVEN orders at
    gaps of 10 and 80 days (8 orders, 2024-11-20 to 2025-08-27) and is silent 80 days: ~2 expected, and its
    longest gap is 2 x its mean, so its threshold is max(1.75, 3.5) = 3.5: silent. The clock (expected orders per
    unit) is the company's order days per active customer: the ten BG customers ordering daily make it ~1 a day."""
    for i in range(10):
        c.customers.append((f"BG{i}", f"背景{i}", "East", "R5", D(2023, 1, 1)))
        for day in days(D(2024, 1, 1), AS_OF):
            c.order(day, customer=f"BG{i}")
    for customer, first, last, step, created in (
        ("C_SILENT", D(2024, 11, 20), D(2025, 7, 30), 10, D(2024, 11, 20)),
        ("C_ACTIVE", D(2024, 11, 20), D(2025, 11, 10), 10, D(2024, 11, 20)),
        ("C_SLOW", D(2024, 3, 1), D(2025, 8, 23), 60, D(2024, 3, 1)),
        ("C_LOST", D(2024, 1, 5), D(2024, 6, 30), 10, D(2024, 1, 1)),
        ("C_FEW", D(2025, 1, 1), D(2025, 3, 1), 59, D(2025, 1, 1)),
    ):
        c.customers.append((customer, {"C_SILENT": "华瑞"}.get(customer, customer), "East", "R1", created))
        for day in days(first, last, step):
            # 2024 orders are worth 0 so the 2024-Q4 shape stays the SHAPE rows' (module doc)
            c.order(day, customer=customer, amount=0 if day.year == 2024 else 1000)
    regular = days(D(2024, 11, 20), D(2025, 8, 17), 30)
    uneven = [D(2024, 11, 20) + dt.timedelta(days=n) for n in (0, 10, 90, 100, 180, 190, 270, 280)]
    for customer, order_days in (("C_REGULAR", regular), ("C_UNEVEN", uneven)):
        c.customers.append((customer, customer, "East", "R1", D(2024, 11, 20)))
        for day in order_days:
            c.order(day, customer=customer, amount=0 if day.year == 2024 else 1000)


def cancellation_cases(c: Cases) -> None:
    """Baseline (2024-10-17..2025-10-16): R1-R4 200 orders each, 4 cancelled (2 %). Last 30 days: 40 orders each;
    R1 10 cancelled (25 %): fires; R2 2 cancelled: silent; R3 one 3-line order cancelled (one order, not three);
    R4 (West) 10 orders cancelled only after the as-of date (not known then): silent. Completed orders are worth
    0, cancelled lines 1,000; no customer (the churn clock stays the BG customers')."""
    baseline = days(D(2024, 10, 17), D(2025, 10, 16))
    recent = days(D(2025, 10, 17), AS_OF)
    for rep, region in (("R1", "East"), ("R2", "East"), ("R3", "East"), ("R4", "West")):
        for i in range(200):
            day = baseline[i * len(baseline) // 200]
            cancelled = day + dt.timedelta(days=2) if i % 50 == 0 else None
            c.order(day, rep=rep, region=region, amount=1000 if cancelled else 0, cancelled_on=cancelled)
        recent_cancelled = {"R1": 10, "R2": 2, "R3": 0, "R4": 10}[rep]
        for i in range(40):
            day = recent[i * len(recent) // 40]
            if i < recent_cancelled:
                on = D(2025, 11, 20) if rep == "R4" else min(day + dt.timedelta(days=1), AS_OF)
                c.order(day, rep=rep, region=region, amount=1000, cancelled_on=on)
            elif rep == "R3" and i == 39:
                c.order(day, rep=rep, region=region, amount=1000, lines=3, cancelled_on=AS_OF)
            else:
                c.order(day, rep=rep, region=region)


def visit_cases(c: Cases) -> None:
    """Baseline (2025-04-20..2025-10-16, 180 days): R1 and R2 visit every 3 days (60 visits). Last 30 days: R1
    visits once (90 % down; calls every day do not count): fires; R2 keeps visiting: silent; R5 had only 10 visits
    in the baseline (too few to test): silent."""
    n = 0
    for rep in ("R1", "R2"):
        for day in days(D(2025, 4, 20), D(2025, 10, 16), 3):
            n += 1
            c.activities.append((f"A{n}", rep, f"CV{n % 5}", "visit", day))
    for day in days(D(2025, 10, 17), AS_OF, 3):
        n += 1
        c.activities.append((f"A{n}", "R2", "CV1", "visit", day))
    n += 1
    c.activities.append((f"A{n}", "R1", "CV1", "visit", D(2025, 11, 1)))
    for day in days(D(2025, 10, 17), AS_OF):
        n += 1
        c.activities.append((f"A{n}", "R1", "CV1", "call", day))
    for day in days(D(2025, 5, 1), D(2025, 10, 1), 16):
        n += 1
        c.activities.append((f"A{n}", "R5", "CV2", "visit", day))


def attainment_cases(c: Cases) -> None:
    """2025-Q4 (92 workdays, 46 gone by 15 November; last year's share by then 0.298701). R1: 2,000 of 10,000 ->
    projected 6,696 (67 %): fires, high. R2: 3,500 -> 11,717 (117 %): silent, though the plain run-rate (7,000, 70 %)
    would have fired. Team T1: 5,500 of 20,000 -> 18,413 (92 %): silent. Region East: 4,000 of 20,000 -> 13,391
    (67 %): fires. R9 left in September: silent. R1 also has a forecast: October's 1,000 + max(1,500, November's
    1,000 so far) + December's 4,000 = 6,500 (65 %)."""
    for day in days(D(2024, 10, 1), D(2024, 12, 31)):
        c.order(day, amount=300 if day.month == 12 else 100)  # SHAPE: no rep, no customer
    q4 = ("quarter", D(2025, 10, 1), D(2025, 12, 31), "2025-Q4")
    for level, key, target, actual in (
        ("rep", "R1", 10_000, 2_000),
        ("rep", "R2", 10_000, 3_500),
        ("team", "T1", 20_000, 5_500),
        ("region", "East", 20_000, 4_000),
        ("rep", "R9", 10_000, 0),
    ):
        c.attainment.append((*q4, level, key, target, actual, actual * 2, 46, 92, "open"))
    for start, end, label, actual, status in (
        (D(2025, 10, 1), D(2025, 10, 31), "2025-10", 1000, "closed"),
        (D(2025, 11, 1), D(2025, 11, 30), "2025-11", 1000, "open"),
        (D(2025, 12, 1), D(2025, 12, 31), "2025-12", 0, "future"),
    ):
        c.attainment.append(("month", start, end, label, "rep", "R1", 3000, actual, None, 0, 30, status))
    c.forecasts += [("rep", "R1", D(2025, 11, 1), 1500.0), ("rep", "R1", D(2025, 12, 1), 4000.0)]


def pipeline_cases(c: Cases) -> None:
    """2025-Q4, R1 has 8,000 still to win (the attainment rows), R2 6,500. R1's open deals closing by 31 December:
    1,600 (0.2x, under the default 0.25x: fires, medium; high is under 0.1x); R2's 1,800 (0.277x: just over 0.25x,
    silent, though the old default 0.5x fired on it). Region East: 3,400 for 16,000 (0.2125x): fires.
    R1's overdue deals (open on the as-of date, past their close date by more than 14 days): 5,000 due 1 September
    and 2,000 due 1 October that was won only on 20 November: 2 deals, 7,000, the oldest 75 days late."""
    c.opportunities += [
        ("P1", None, "R1", "方案报价", 1600, D(2025, 9, 1), D(2025, 12, 10), None, "open"),
        ("P2", None, "R1", "商务谈判", 5000, D(2025, 6, 1), D(2025, 9, 1), None, "open"),
        ("P3", None, "R1", "赢单", 2000, D(2025, 6, 1), D(2025, 10, 1), D(2025, 11, 20), "won"),
        ("P4", None, "R1", "输单", 9000, D(2025, 6, 1), D(2025, 12, 1), D(2025, 11, 1), "lost"),
        ("P5", None, "R1", "初步接洽", 9000, D(2025, 11, 20), D(2025, 12, 15), None, "open"),
        ("P6", None, "R1", "需求确认", 800, D(2025, 10, 1), D(2025, 11, 10), None, "open"),
        ("P7", None, "R2", "方案报价", 1800, D(2025, 10, 1), D(2025, 12, 20), None, "open"),
    ]


def build(db: Path) -> Cases:
    cases = Cases()
    churn_cases(cases)
    cancellation_cases(cases)
    visit_cases(cases)
    attainment_cases(cases)
    pipeline_cases(cases)
    con = duckdb.connect(str(db))
    try:
        cases.write(con)
    finally:
        con.close()
    return cases
