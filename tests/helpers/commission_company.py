"""A tiny hand-written company for the commission engine, with every result worked out by hand.

Used by tests/test_commissions_engine.py (dbt build on it) and tests/test_commissions_ops.py (close,
restate, export, simulate). as_of = 2025-07-15: Q1 and Q2 2025 have ended, Q3 is open.

Plans (commission_plans.yml below):
    q_marginal  quarter, net_sales, attainment, marginal: 0-50% at 0 (threshold), 50-100% at 3%, 100%+ at 5%;
                cap 5,000; clawback_days 90; SPIF 新品 ¥50/unit for orders 2025-03-01..06-30; ramp [.25, .5, .75]
    m_retro     month, net_sales, amount, retroactive: 0-10,000 at 1%, 10,000-20,000 at 2%, 20,000+ at 4%
    q_margin    quarter, gross_margin, amount, marginal: 10% from 0
    q_collected quarter, collected, amount, marginal: 2% from 0
    mgr         quarter, net_sales, amount, 0% (managers do not sell), manager_override_rate 1%
Assignments: role rep -> q_marginal, role manager -> mgr (from 2025-01-01);
    C -> m_retro from 2025-02-15 (mid-quarter change); G -> q_margin; H -> q_collected.
Reps: A, B, C, G, H report to manager M. B was hired 2025-01-10 (ramp).
Products: HW (Hardware, unit cost 6,000), NEW (新品, unit cost 500).
Targets (manual, quarterly): A 100,000 (Q1 and Q2), B 90,000 (Q1 and Q2), C 60,000 (Q1).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from tests.helpers import dbt
from tests.helpers.raw import write_raw_company

AS_OF = "2025-07-15"

PLANS_YML = """
currency: CNY
plans:
  - id: q_marginal
    period: quarter
    measure: net_sales
    tier_basis: attainment
    tier_method: marginal
    tiers:
      - {from: 0.0, to: 0.5, rate: 0.0}
      - {from: 0.5, to: 1.0, rate: 0.03}
      - {from: 1.0, rate: 0.05}
    cap: 5000
    clawback_days: 90
    spifs: [{product_line: 新品, per_unit: 50, from: 2025-03-01, to: 2025-06-30}]
    ramp: [0.25, 0.5, 0.75]
  - id: m_retro
    period: month
    measure: net_sales
    tier_basis: amount
    tier_method: retroactive
    tiers:
      - {from: 0, to: 10000, rate: 0.01}
      - {from: 10000, to: 20000, rate: 0.02}
      - {from: 20000, rate: 0.04}
  - id: q_margin
    period: quarter
    measure: gross_margin
    tier_basis: amount
    tier_method: marginal
    tiers: [{from: 0, rate: 0.1}]
  - id: q_collected
    period: quarter
    measure: collected
    tier_basis: amount
    tier_method: marginal
    tiers: [{from: 0, rate: 0.02}]
  - id: mgr
    period: quarter
    measure: net_sales
    tier_basis: amount
    tier_method: marginal
    tiers: [{from: 0, rate: 0}]
    manager_override_rate: 0.01
assignments:
  - {role: rep, plan: q_marginal, from: 2025-01-01}
  - {role: manager, plan: mgr, from: 2025-01-01}
  - {rep_id: C, plan: m_retro, from: 2025-02-15}
  - {rep_id: G, plan: q_margin, from: 2025-01-01}
  - {rep_id: H, plan: q_collected, from: 2025-01-01}
"""


def _rep(rep_id, role="rep", hire_date="2020-01-01", manager_id="M"):
    return dict(
        rep_id=rep_id,
        rep_name=f"Rep {rep_id}",
        region="East",
        team="E1",
        role=role,
        hire_date=hire_date,
        manager_id=manager_id,
    )


REPS = [
    _rep("M", role="manager", manager_id=None),
    _rep("A"),
    _rep("B", hire_date="2025-01-10"),
    _rep("C"),
    _rep("G"),
    {**_rep("H"), "rep_name": '=HYPERLINK("http://x")'},
]  # a name a spreadsheet would run
PRODUCTS = [
    dict(product_id="HW", product_name="Router", product_line="Hardware", unit_cost=6000),
    dict(product_id="NEW", product_name="Gadget", product_line="新品", unit_cost=500),
]
CUSTOMERS = [dict(customer_id="K1", customer_name="Acme", region="East")]


def _line(order_id, order_date, rep_id, product_id, quantity, unit_price, status="completed", cancelled_date=None):
    return dict(
        order_id=order_id,
        line_no=1,
        order_date=order_date,
        customer_id="K1",
        rep_id=rep_id,
        product_id=product_id,
        quantity=quantity,
        unit_price=unit_price,
        discount_amount=0,
        currency="CNY",
        status=status,
        cancelled_date=cancelled_date,
    )


ORDERS = [
    _line("O1", "2025-01-15", "A", "HW", 10, 8000),  # 80,000
    _line("O2", "2025-02-10", "A", "NEW", 20, 1000),  # 20,000 (before the SPIF window)
    _line("O3", "2025-03-05", "A", "NEW", 10, 1000),  # 10,000, SPIF 10 x 50 = 500
    _line("O4", "2025-03-20", "A", "HW", 1, 5000, status="cancelled", cancelled_date="2025-03-21"),
    _line("O5", "2025-03-10", "B", "HW", 1, 150000),  # 150,000
    _line("O6", "2025-01-20", "C", "HW", 1, 30000),  # 30,000 on q_marginal (before 02-15)
    _line("O7", "2025-03-03", "C", "HW", 1, 11000),  # 11,000 on m_retro (March)
    _line("O8", "2025-03-15", "C", "HW", 1, 15000),  # split C 60% + B 60% (overlay 120%)
    _line("O9", "2025-02-01", "G", "HW", 2, 10000),  # 20,000, margin 20,000 - 2 x 6,000 = 8,000
    _line("O10", "2024-12-20", "H", "HW", 1, 30000),  # paid 12,000 in Q1 and 18,000 in Q2
]
RETURNS = [
    dict(return_id="RT1", order_id="O1", line_no=1, return_date="2025-03-25", amount=5000),  # same quarter
    dict(return_id="RT2", order_id="O3", line_no=1, return_date="2025-04-10", amount=2000),  # 36 days: clawback
    dict(return_id="RT3", order_id="O1", line_no=1, return_date="2025-06-30", amount=1000),  # 166 days: none
    dict(return_id="RT4", order_id="O5", line_no=1, return_date="2025-04-20", amount=15000),  # 41 days: clawback
    dict(return_id="RT5", order_id="O9", line_no=1, return_date="2025-03-01", amount=5000),  # same quarter
]
CREDIT_SPLITS = [dict(order_id="O8", rep_id="C", split_pct=0.6), dict(order_id="O8", rep_id="B", split_pct=0.6)]
PAYMENTS = [
    dict(payment_id="PM1", order_id="O10", customer_id="K1", payment_date="2025-01-15", amount=12000),
    dict(payment_id="PM2", order_id="O10", customer_id="K1", payment_date="2025-04-02", amount=18000),
    dict(payment_id="PM3", order_id=None, customer_id="K1", payment_date="2025-02-02", amount=999),  # no order
]
TARGETS = [
    dict(period=p, level="rep", key=k, target_amount=t)
    for p, k, t in [
        ("2025-Q1", "A", 100000),
        ("2025-Q2", "A", 100000),
        ("2025-Q1", "B", 90000),
        ("2025-Q2", "B", 90000),
        ("2025-Q1", "C", 60000),
    ]
]
ADJUSTMENTS = [dict(rep_id="A", period="2025-02", amount=300, reason='=HYPERLINK("x") 大客户奖励')]


def build_raw_database(
    path: Path, config_dir: Path, extra_orders: list[dict] | None = None, extra_returns: list[dict] | None = None
) -> None:
    files = {
        "reps/reps.csv": REPS,
        "customers/customers.csv": CUSTOMERS,
        "products/products.csv": PRODUCTS,
        "orders/orders.csv": ORDERS,
        **({"orders/orders-late.csv": extra_orders} if extra_orders else {}),
        "returns/returns.csv": RETURNS + (extra_returns or []),
        "credit_splits/splits.csv": CREDIT_SPLITS,
        "payments/payments.csv": PAYMENTS,
        "targets/targets.csv": TARGETS,
        "adjustments/adjustments.csv": ADJUSTMENTS,
    }
    write_raw_company(path, config_dir, files, (dt.date(2024, 1, 1), dt.date(2025, 12, 31)))


def run_dbt(db_path: Path, work: Path, command: str = "build", select: str | None = None, as_of: str = AS_OF) -> str:
    return dbt.run_dbt(db_path, work, command, select, as_of=as_of)


COMMISSION_SELECTION = "+path:models/marts/commissions +dim_rep"


def statement(db: duckdb.DuckDBPyConnection, rep: str, plan: str, period_start: str) -> dict:
    """The one marts.fct_commission_statements row of rep x plan x period, as a dict."""
    cursor = db.execute(
        "select * from marts.fct_commission_statements where rep_id = ? and plan_id = ? and period_start = ?",
        [rep, plan, period_start],
    )
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1, (rep, plan, period_start, rows)
    return dict(zip(names, rows[0], strict=True))
