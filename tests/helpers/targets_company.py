"""A small hand-made company for the target, attainment and scorecard tests (one dbt build per module).

as_of 2025-10-15, plan year 2025 (targets.yml leaves plan_year out: the as-of year).
    East  team E1: R1 (2022), R2 (2023), R5 new hire 2025-03-10, M1 manager (no targets)
    West  team W1: R3 (2022, left 2025-06-15), R4 (2023-06);  R6 (2022-05) has no team
Sales: one line per rep and month from 2022-07 to 2025-10 on the 10th, amount = BASE[rep] x SEASON[month]
(R5 from its hire month). Calendar: weekends, plus 2025's official Spring Festival and National Day
holidays and adjusted working days.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb

from tests.helpers.dbt import run_dbt
from tests.helpers.raw import RawWriter, dbt_raw_ddl, load_config_dir

AS_OF = dt.date(2025, 10, 15)
REPS = [
    dict(rep_id="R1", region="East", team="E1", role="rep", hire_date="2022-01-01"),
    dict(rep_id="R2", region="East", team="E1", role="rep", hire_date="2023-01-01"),
    dict(rep_id="R5", region="East", team="E1", role="rep", hire_date="2025-03-10"),
    dict(rep_id="M1", region="East", team="E1", role="manager", hire_date="2020-01-01"),
    dict(rep_id="R3", region="West", team="W1", role="rep", hire_date="2022-01-01", termination_date="2025-06-15"),
    dict(rep_id="R4", region="West", team="W1", role="rep", hire_date="2023-06-01"),
    dict(rep_id="R6", region="West", team=None, role="rep", hire_date="2022-05-01"),
]
for _rep in REPS:
    _rep.setdefault("manager_id", "M1" if _rep["team"] == "E1" and _rep["role"] == "rep" else None)
BASE = {"R1": 30000, "R2": 20000, "R5": 8000, "R3": 25000, "R4": 15000, "R6": 10000}
SEASON = {1: 0.9, 2: 0.5, 3: 1.0, 4: 1.0, 5: 1.0, 6: 1.1, 7: 0.9, 8: 0.9, 9: 1.0, 10: 1.0, 11: 1.2, 12: 1.5}
PRODUCTS = [
    dict(product_id="P1", product_line="Hardware", unit_cost=50),
    dict(product_id="P2", product_line="Software", unit_cost=10),
    dict(product_id="P3", product_line="Services", unit_cost=30),
]

TARGETS_YML = """\
company_target: {growth: 0.10}
stretch: 0.05
allocation:
  region: {method: history, history_months: 12}
  team: {method: equal}
  rep: {method: history, history_months: 12}
  product_line: {method: weight, weights: {Hardware: 0.5, Software: 0.3, Services: 0.2}}
seasonality: {source: history, years: 2}
new_hires: {default_monthly_target: 20000, ramp: [0.25, 0.5], min_history_months: 3}
"""
MANUAL_TARGETS = [
    dict(period="2025-Q2", level="team", key="E1", target_amount=300000),
    dict(period="2025-05", level="rep", key="R2", target_amount=50000),
    dict(period="2025", level="rep", key="R4", target_amount=240000),
    dict(period="2025-03", level="product_line", key="Software", target_amount=70000),
    dict(period="2024-01", level="rep", key="R1", target_amount=12345),  # not the plan year: manual only
]

# China 2025 (State Council notice): 春节 01-28..02-04 (+ 01-26 Sun, 02-08 Sat worked);
# 国庆+中秋 10-01..10-08 (+ 09-28 Sun, 10-11 Sat worked); New Year's Day 01-01.
HOLIDAYS_2025 = (
    {dt.date(2025, 1, 1)}
    | {dt.date(2025, 1, 28) + dt.timedelta(days=i) for i in range(8)}
    | {dt.date(2025, 10, 1) + dt.timedelta(days=i) for i in range(8)}
)
ADJUSTED_WORKDAYS_2025 = {dt.date(2025, 1, 26), dt.date(2025, 2, 8), dt.date(2025, 9, 28), dt.date(2025, 10, 11)}


def months(first: dt.date, last: dt.date):
    m = first
    while m <= last:
        yield m
        m = dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)


def employed(rep: dict, day: dt.date) -> bool:
    end = rep.get("termination_date")
    return dt.date.fromisoformat(rep["hire_date"]) <= day and (end is None or day <= dt.date.fromisoformat(end))


def order_lines() -> list[dict]:
    lines = []
    for month in months(dt.date(2022, 7, 1), dt.date(2025, 10, 1)):
        day = month.replace(day=10)
        for i, rep in enumerate(r for r in REPS if r["role"] == "rep"):
            if not employed(rep, day):
                continue
            amount = round(BASE[rep["rep_id"]] * SEASON[month.month], 2)
            lines.append(
                dict(
                    order_id=f"O{day:%Y%m}{rep['rep_id']}",
                    line_no=1,
                    order_date=day.isoformat(),
                    customer_id=f"C{i % 3}",
                    rep_id=rep["rep_id"],
                    product_id=PRODUCTS[(month.month + i) % 3]["product_id"],
                    quantity=1,
                    unit_price=amount,
                    discount_amount=0,
                    status="completed",
                )
            )
    # after as_of: never counted
    lines.append(
        dict(
            order_id="OLATE",
            line_no=1,
            order_date="2025-10-20",
            customer_id="C0",
            rep_id="R1",
            product_id="P1",
            quantity=1,
            unit_price=99999,
            discount_amount=0,
            status="completed",
        )
    )
    return lines


def monthly_actual(month: dt.date, rep_ids=None) -> float:
    return sum(
        float(x["unit_price"])
        for x in order_lines()
        if x["order_date"][:7] == f"{month:%Y-%m}"
        and x["order_date"] <= AS_OF.isoformat()
        and (rep_ids is None or x["rep_id"] in rep_ids)
    )


def build_company(
    work: Path,
    extra_raw=None,
    scorecard_yml: str | None = None,
    select: str | None = None,
    *,
    targets_yml: str = TARGETS_YML,
    reps: list[dict] | None = None,
    products: list[dict] | None = None,
    lines: list[dict] | None = None,
    manual_targets: list[dict] | None = None,
) -> Path:
    """Raw DB + config tables + `dbt build`; returns the build database path. The keyword arguments replace
    this module's company (another policy, other reps, products, order lines or manual targets)."""
    db_path = work / "build.duckdb"
    config_dir = work / "config"
    config_dir.mkdir()
    (config_dir / "targets.yml").write_text(targets_yml, encoding="utf-8")
    if scorecard_yml:
        (config_dir / "scorecard.yml").write_text(scorecard_yml, encoding="utf-8")
    con = duckdb.connect(str(db_path))
    try:
        for statement in dbt_raw_ddl():
            con.execute(statement)
        load_config_dir(con, config_dir)
        raw = RawWriter(con)
        raw.file("reps", "reps/reps.csv", REPS if reps is None else reps)
        raw.file(
            "customers",
            "customers/customers.csv",
            [dict(customer_id=f"C{i}", customer_name=f"Customer {i}", created_date="2022-01-01") for i in range(3)],
        )
        raw.file("products", "products/products.csv", PRODUCTS if products is None else products)
        raw.file("orders", "orders/orders.csv", order_lines() if lines is None else lines)
        raw.file("targets", "targets/targets.csv", MANUAL_TARGETS if manual_targets is None else manual_targets)
        for entity, rows in (extra_raw or {}).items():
            raw.file(entity, f"{entity}/{entity}.csv", rows)
        day = dt.date(2022, 1, 1)
        while day.year <= 2025:
            is_workday = (day.isoweekday() <= 5 and day not in HOLIDAYS_2025) or day in ADJUSTED_WORKDAYS_2025
            con.execute(
                "insert into raw.calendar_days values (?, ?, ?, 'chinese_calendar')",
                [day, is_workday, "holiday" if day in HOLIDAYS_2025 else None],
            )
            day += dt.timedelta(days=1)
    finally:
        con.close()
    started = time.monotonic()
    run_dbt(db_path, work, select=select, as_of=AS_OF.isoformat())
    print(f"dbt build took {time.monotonic() - started:.1f}s")
    return db_path
