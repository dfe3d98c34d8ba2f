"""A small hand-made company for the process marts (tests/test_process_marts.py): one dbt build per session.

as of 2025-03-31. Stages (process.yml): 接洽 (p 0.1) -> 方案 (0.5) -> 谈判 (0.8) -> 赢单 / 输单.
    R1: 华东, team T1 (hired 2023);  R2: 华南, team T2 (hired 2023)
    C1 战略 / C3 战略 / C4 / C5 owned by R1 (华东); C2 owned by R2 (华南); C6 no owner (华南)
Ten deals of R1 created in January 2025 (D01-D10, landed history below), two deals of Q4 2024 from source 官网
(D11: an unassigned lead, lost; D12: R2's, won), and D13 (R2, created 2025-03-20) with no landed history: the
run's snapshot is its history. Basket of six 2024 orders (products P1 / P2 / P3 of lines LX / LY / LZ), three
2025 orders, activities, surveys and a training: tests/test_process_marts.py works each figure out by hand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from tests.helpers.dbt import run_dbt
from tests.helpers.raw import RawWriter, dbt_raw_ddl, load_config_dir

AS_OF = dt.date(2025, 3, 31)

PROCESS_YML = """\
stages:
  - {name: 接洽, probability: 0.1}
  - {name: 方案, probability: 0.5}
  - {name: 谈判, probability: 0.8}
pipeline: {stalled_days: 30, high_stalled_days: 60, aged_days: 79}
activities: {key_account_segments: [战略]}
association: {min_pair_count: 1, min_support: 0, max_products_per_order: 2, cross_sell_min_lift: 1.1}
training: {min_reps: 2}
"""

REPS = [
    dict(rep_id="R1", rep_name="李一", region="华东", team="T1", role="rep", hire_date="2023-01-01"),
    dict(rep_id="R2", rep_name="王二", region="华南", team="T2", role="rep", hire_date="2023-01-01"),
]
CUSTOMERS = [
    dict(customer_id="C1", customer_name="甲公司", segment="战略", region="华东", owner_rep_id="R1"),
    dict(customer_id="C2", customer_name="乙公司", segment="普通", region="华南", owner_rep_id="R2"),
    dict(customer_id="C3", customer_name="丙公司", segment="战略", region="华东", owner_rep_id="R1"),
    dict(customer_id="C4", customer_name="丁公司", segment="普通", region="华东", owner_rep_id="R1"),
    dict(customer_id="C5", customer_name="戊公司", segment="普通", region="华东", owner_rep_id="R1"),
    dict(customer_id="C6", customer_name="己公司", segment="普通", region="华南", owner_rep_id=None),
]
PRODUCTS = [
    dict(product_id="P1", product_name="产品一", product_line="LX"),
    dict(product_id="P2", product_name="产品二", product_line="LY"),
    dict(product_id="P3", product_name="产品三", product_line="LZ"),
]

# (deal, amount, [(stage, day)], final status) - R1's January deals; days are 2025 dates "MM-DD".
DEALS = [
    ("D01", 100, [("接洽", "01-02"), ("方案", "01-10"), ("谈判", "01-20"), ("赢单", "02-05")], "won"),
    ("D02", 200, [("接洽", "01-03"), ("方案", "01-15"), ("谈判", "01-23"), ("赢单", "02-10")], "won"),
    ("D03", 300, [("接洽", "01-04"), ("方案", "01-18"), ("谈判", "01-28"), ("输单", "02-15")], "lost"),
    ("D04", 400, [("接洽", "01-05"), ("方案", "01-21"), ("输单", "02-20")], "lost"),
    ("D05", 500, [("接洽", "01-06"), ("方案", "01-24"), ("输单", "02-25")], "lost"),
    ("D06", 600, [("接洽", "01-07"), ("输单", "01-29")], "lost"),
    ("D07", 700, [("接洽", "01-08"), ("输单", "02-03")], "lost"),
    ("D08", 800, [("接洽", "01-09"), ("谈判", "02-08"), ("赢单", "02-12")], "won"),  # skips 方案
    ("D09", 900, [("接洽", "01-10"), ("方案", "02-13")], "open"),
    ("D10", 1000, [("接洽", "01-11")], "open"),
]


def _ts(day: str, hour: int = 10) -> str:
    return f"2025-{day} {hour:02d}:00:00"


def opportunity_rows() -> tuple[list[dict], list[dict]]:
    """(opportunities, opportunity_stages) rows."""
    opps, stages = [], []
    for n, (deal, amount, path, status) in enumerate(DEALS):
        expected = {"D09": "2025-04-30", "D10": "2025-06-30"}.get(deal, "2025-03-15")
        first_expected = "2025-02-20" if deal == "D09" else expected
        closed = f"2025-{path[-1][1]}" if status != "open" else None
        opps.append(
            dict(
                opportunity_id=deal,
                customer_id="C1",
                owner_rep_id="R1",
                stage=path[-1][0],
                amount=amount,
                created_date=f"2025-{path[0][1]}",
                expected_close_date=expected,
                closed_date=closed,
                status=status,
                updated_at=_ts(path[-1][1]),
                source="市场活动" if n < 5 else "转介绍",
                product_line="LX" if n % 2 == 0 else "LY",
            )
        )
        for stage, day in path:
            stages.append(
                dict(
                    opportunity_id=deal,
                    stage=stage,
                    entered_at=_ts(day),
                    amount=amount,
                    probability=None,
                    changed_by="R1",
                    expected_close_date=first_expected,
                )
            )
    # D09 moves its expected close out on 02-25 without changing stage (a slipped, pushed deal)
    stages.append(
        dict(
            opportunity_id="D09",
            stage="方案",
            entered_at=_ts("02-25"),
            amount=900,
            changed_by="R1",
            expected_close_date="2025-04-30",
        )
    )
    opps += [
        dict(
            opportunity_id="D11",
            customer_id="C6",
            owner_rep_id=None,  # an unassigned lead (issue 13: owner_rep_id blank = unassigned)
            stage="输单",
            amount=50,
            created_date="2024-11-01",
            expected_close_date="2024-12-31",
            closed_date="2024-12-01",
            status="lost",
            source="官网",
            product_line="LX",
        ),
        dict(
            opportunity_id="D12",
            customer_id="C2",
            owner_rep_id="R2",
            stage="赢单",
            amount=500,
            created_date="2024-11-02",
            expected_close_date="2024-12-31",
            closed_date="2024-12-05",
            status="won",
            source="官网",
            product_line="LY",
        ),
        dict(
            opportunity_id="D13",
            customer_id="C2",
            owner_rep_id="R2",
            stage="接洽",
            amount=70,
            created_date="2025-03-20",
            expected_close_date="2025-05-31",
            status="open",
            updated_at="2025-03-20 10:00:00",
            source="展会",
            product_line="LZ",
        ),
    ]
    stages += [
        dict(opportunity_id="D11", stage="接洽", entered_at="2024-11-01 10:00:00", amount=50),
        dict(opportunity_id="D11", stage="输单", entered_at="2024-12-01 10:00:00", amount=50),
        dict(opportunity_id="D12", stage="接洽", entered_at="2024-11-02 10:00:00", amount=500),
        dict(opportunity_id="D12", stage="方案", entered_at="2024-11-10 10:00:00", amount=500),
        dict(opportunity_id="D12", stage="赢单", entered_at="2024-12-05 10:00:00", amount=500),
    ]
    return opps, stages


def _line(order_id: str, line_no: int, day: str, customer: str, rep: str, product: str, price: float) -> dict:
    return dict(
        order_id=order_id,
        line_no=line_no,
        order_date=day,
        customer_id=customer,
        rep_id=rep,
        product_id=product,
        quantity=1,
        unit_price=price,
        discount_amount=0,
        status="completed",
    )


# The basket of six 2024 orders (lines of 100 each), then three 2025 orders.
BASKET = [
    ("O1", "2024-03-01", "C1", "R1", ["P1", "P2"]),
    ("O2", "2024-03-02", "C2", "R2", ["P1", "P2"]),
    ("O3", "2024-05-15", "C1", "R1", ["P1", "P3"]),
    ("O4", "2024-08-01", "C3", "R1", ["P2"]),
    ("O5", "2024-04-10", "C4", "R1", ["P1", "P2", "P3"]),
    ("O6", "2024-09-01", "C2", "R2", ["P3"]),
]


def order_rows() -> list[dict]:
    lines = [
        _line(order_id, i + 1, day, customer, rep, product, 100)
        for order_id, day, customer, rep, products in BASKET
        for i, product in enumerate(products)
    ]
    return lines + [
        _line("L1", 1, "2025-01-15", "C5", "R1", "P1", 300),
        _line("L2", 1, "2025-01-20", "C1", "R1", "P1", 700),
        _line("L3", 1, "2025-03-01", "C2", "R2", "P2", 250),
    ]


ACTIVITIES = [
    dict(activity_id="A1", rep_id="R1", customer_id="C1", activity_type="visit", activity_date="2025-01-05"),
    dict(activity_id="A2", rep_id="R1", customer_id="C2", activity_type="visit", activity_date="2025-01-06"),
    dict(
        activity_id="A3", rep_id="R1", customer_id="C1", opportunity_id="D01", activity_type="call",
        activity_date="2025-01-07",
    ),
    dict(
        activity_id="A4", rep_id="R1", customer_id="C1", opportunity_id="D01", activity_type="meeting",
        activity_date="2025-01-12",
    ),
    dict(
        activity_id="A5", rep_id="R1", customer_id="C1", opportunity_id="D02", activity_type="email",
        activity_date="2025-01-25",
    ),
    dict(activity_id="A6", rep_id="R1", customer_id="C1", activity_type="visit", activity_date="2025-03-10"),
    dict(
        activity_id="A7", rep_id="R1", customer_id="C1", opportunity_id="D09", activity_type="call",
        activity_date="2025-03-20",
    ),
]  # fmt: skip

SURVEYS = [
    dict(survey_id="S1", customer_id="C1", rep_id="R1", survey_date="2024-07-01", score=1),
    dict(survey_id="S2", customer_id="C2", rep_id="R2", survey_date="2024-07-10", score=2),
    dict(survey_id="S3", customer_id="C3", rep_id="R1", survey_date="2024-07-15", score=5),
    dict(survey_id="S4", customer_id="C4", rep_id="R1", survey_date="2024-08-01", score=4),
    dict(survey_id="S5", customer_id="C5", rep_id="R1", survey_date="2024-12-20", score=4),
]

TRAININGS = [
    dict(
        rep_id="R1", course_id="TR1", course_name="顾问式销售", topic="销售技巧", completed_date="2024-10-10",
        assessment_score=80,
    )
]  # fmt: skip

TARGETS = [dict(period="2025-Q1", level="team", key="T1", target_amount=5000)]

SELECT = "+path:models/marts/process +int_training_panel +int_training_assessments"


def write_raw(con: duckdb.DuckDBPyConnection, config_dir: Path) -> None:
    for statement in dbt_raw_ddl():
        con.execute(statement)
    load_config_dir(con, config_dir)
    raw = RawWriter(con)
    opps, stages = opportunity_rows()
    raw.file("reps", "reps/reps.csv", REPS)
    raw.file("customers", "customers/customers.csv", CUSTOMERS)
    raw.file("products", "products/products.csv", PRODUCTS)
    raw.file("orders", "orders/orders.csv", order_rows())
    raw.file("opportunities", "opportunities/opportunities.csv", opps)
    raw.file("opportunity_stages", "opportunity_stages/stages.csv", stages)
    raw.file("activities", "activities/activities.csv", ACTIVITIES)
    raw.file("surveys", "surveys/surveys.csv", SURVEYS)
    raw.file("trainings", "trainings/trainings.csv", TRAININGS)
    raw.file("targets", "targets/targets.csv", TARGETS)
    day = dt.date(2023, 1, 1)
    while day.year <= 2025:
        con.execute(
            "insert into raw.calendar_days values (?, ?, null, 'chinese_calendar')", [day, day.isoweekday() <= 5]
        )
        day += dt.timedelta(days=1)


def build_process_company(work: Path) -> tuple[Path, str]:
    """Raw tables, config (process.yml) and `dbt build` of the process marts and their parents: (db, output)."""
    config_dir = work / "config"
    config_dir.mkdir()
    (config_dir / "process.yml").write_text(PROCESS_YML, encoding="utf-8")
    db_path = work / "build.duckdb"
    con = duckdb.connect(str(db_path))
    try:
        write_raw(con, config_dir)
    finally:
        con.close()
    output = run_dbt(db_path, work, select=SELECT, as_of=AS_OF.isoformat())
    return db_path, output
