"""A hand-written company for the plan mechanics of issue 18 (docs/commissions.md "Plans as companies write
them"), every result worked out by hand in tests/test_commission_plans.py.

One rep (or a few) per mechanic, each on a plan of its own, so that the cases do not mix. as_of = 2026-01-15:
the whole of 2025 has ended.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.helpers.raw import write_raw_company

AS_OF = "2026-01-15"

PLANS_YML = """
currency: CNY
plans:
  # item 6: split types
  - id: split_plan
    period: quarter
    measure: net_sales
    tier_basis: amount
    tier_method: marginal
    tiers: [{from: 0, rate: 0.1}]
  # item 2: components: 70% net sales against the rep's target, 30% new customers against 4 a quarter
  - id: comp_plan
    period: quarter
    target_incentive: 10000
    components:
      - id: sales
        weight: 0.7
        measure: net_sales
        tiers: [{from: 0.0, to: 1.0, multiplier: 1.0}, {from: 1.0, multiplier: 2.0}]
      - id: logos
        weight: 0.3
        measure: new_customers
        quota: 4
        tiers: [{from: 0.0, to: 1.0, multiplier: 1.0}, {from: 1.0, multiplier: 1.5}]
        cap: 4000
  # item 2: a units component (one component: weight 1), 1,000 on 10 Hardware units a quarter
  - id: units_plan
    period: quarter
    target_incentive: 1000
    components:
      - {id: routers, weight: 1, measure: units, product_line: Hardware, quota: 10, tiers: [{from: 0, multiplier: 1}]}
  # item 7: cancellations clawed back in their own period, and an early-exit clawback
  - id: cancel_plan
    period: quarter
    measure: net_sales
    tier_basis: amount
    tier_method: marginal
    tiers: [{from: 0, rate: 0.1}]
    clawback_days: 90
    exit_clawback: {days: 30, share: 0.5}
  # item 4: a minimum commission per deal
  - id: deal_min_plan
    period: quarter
    measure: net_sales
    tier_basis: amount
    tier_method: marginal
    tiers: [{from: 0, rate: 0.05}]
    clawback_days: 120
    deal_minimum: 100
  # item 3: target incentive x multipliers (revopsmasters.com, "Accelerators and decelerators")
  - id: ote_accel
    period: year
    measure: net_sales
    tier_basis: attainment
    tier_method: marginal
    target_incentive: 100000
    tiers:
      - {from: 0.0, to: 1.0, multiplier: 1.0}
      - {from: 1.0, to: 1.3, multiplier: 1.5}
      - {from: 1.3, multiplier: 2.0}
  - id: ote_decel
    period: year
    measure: net_sales
    tier_basis: attainment
    tier_method: marginal
    target_incentive: 100000
    tiers:
      - {from: 0.0, to: 0.5, multiplier: 0.5}
      - {from: 0.5, to: 1.0, multiplier: 1.0}
      - {from: 1.0, multiplier: 1.5}
  # item 1: an annual quota paid monthly to date (Spiff's amount_from / Sales Cookie's "YTD with deductions")
  - id: ytd_monthly
    period: year
    pay_period: month
    measure: net_sales
    tier_basis: attainment
    tier_method: marginal
    tiers:
      - {from: 0.0, to: 0.5, rate: 0.02}
      - {from: 0.5, to: 1.0, rate: 0.04}
      - {from: 1.0, rate: 0.06}
  - id: ytd_capped
    period: year
    pay_period: month
    measure: net_sales
    tier_basis: attainment
    tier_method: marginal
    tiers:
      - {from: 0.0, to: 0.5, rate: 0.02}
      - {from: 0.5, to: 1.0, rate: 0.04}
      - {from: 1.0, rate: 0.06}
    cap: 40000
  - id: ytd_ote
    period: year
    pay_period: month
    measure: net_sales
    tier_basis: attainment
    tier_method: marginal
    target_incentive: 120000
    tiers: [{from: 0.0, multiplier: 1.0}]
  - id: ytd_trueup
    period: year
    pay_period: month
    true_up: period_end
    advance_rate: 0.03
    measure: net_sales
    tier_basis: attainment
    tier_method: marginal
    tiers:
      - {from: 0.0, to: 0.5, rate: 0.02}
      - {from: 0.5, to: 1.0, rate: 0.04}
      - {from: 1.0, rate: 0.06}
  # item 4: draws (Oracle Incentive Compensation, "Example of Incentive Compensation Draw and Recovery")
  - id: draw_plan
    period: month
    measure: net_sales
    tier_basis: amount
    tier_method: marginal
    tiers: [{from: 0, rate: 0.1}]
    draw: {amount: 1000, recoverable: true, from: 2025-01-01, to: 2025-06-30, recover_from: 2025-04-01}
  - id: guarantee_plan
    period: quarter
    measure: net_sales
    tier_basis: amount
    tier_method: marginal
    tiers: [{from: 0, rate: 0.05}]
    clawback_days: 120
    draw: {amount: 10000, recoverable: false, from: 2025-01-01, to: 2025-06-30}
  # item 5: per-deal lines; Oracle Incentive Compensation's step rate table (0-1,000 1%, 1,000-3,000 2%,
  # 3,000-8,000 3%, 8,000+ 5%)
  - id: deal_sequence
    period: quarter
    measure: net_sales
    tier_basis: amount
    tier_method: marginal
    tiers:
      - {from: 0, to: 1000, rate: 0.01}
      - {from: 1000, to: 3000, rate: 0.02}
      - {from: 3000, to: 8000, rate: 0.03}
      - {from: 8000, rate: 0.05}
    deal_allocation: sequence
  - id: deal_pro_rata
    period: quarter
    measure: net_sales
    tier_basis: amount
    tier_method: marginal
    tiers:
      - {from: 0, to: 1000, rate: 0.01}
      - {from: 1000, to: 3000, rate: 0.02}
      - {from: 3000, to: 8000, rate: 0.03}
      - {from: 8000, rate: 0.05}
  - id: deal_transaction
    period: quarter
    measure: net_sales
    tier_basis: amount
    tier_method: marginal
    tiers:
      - {from: 0, to: 1000, rate: 0.01}
      - {from: 1000, to: 3000, rate: 0.02}
      - {from: 3000, to: 8000, rate: 0.03}
      - {from: 8000, rate: 0.05}
    tier_scope: transaction
  # item 1: Oracle Incentive Compensation's step rate table (as item 5) on a quarter paid monthly to date
  - id: oracle_qtd
    period: quarter
    pay_period: month
    measure: net_sales
    tier_basis: amount
    tier_method: marginal
    tiers:
      - {from: 0, to: 1000, rate: 0.01}
      - {from: 1000, to: 3000, rate: 0.02}
      - {from: 3000, to: 8000, rate: 0.03}
      - {from: 8000, rate: 0.05}
  - id: deal_thirds
    period: quarter
    measure: net_sales
    tier_basis: amount
    tier_method: marginal
    tiers: [{from: 0, rate: 0.033333}]
assignments:
  - {rep_id: ES, plan: deal_sequence, from: 2025-01-01, to: 2025-03-31}
  - {rep_id: EP, plan: deal_pro_rata, from: 2025-01-01, to: 2025-03-31}
  - {rep_id: ET, plan: deal_transaction, from: 2025-01-01, to: 2025-03-31}
  - {rep_id: ER, plan: deal_thirds, from: 2025-01-01, to: 2025-03-31}
  - {rep_id: O1, plan: oracle_qtd, from: 2025-01-01, to: 2025-03-31}
  - {rep_id: O2, plan: deal_transaction, from: 2025-01-01, to: 2025-03-31}
  - {rep_id: D1, plan: draw_plan, from: 2025-01-01, to: 2025-12-31}
  - {rep_id: D2, plan: guarantee_plan, from: 2025-01-01, to: 2025-12-31}
  - {rep_id: Y1, plan: ytd_monthly, from: 2025-01-01, to: 2025-12-31}
  - {rep_id: Y2, plan: ytd_trueup, from: 2025-01-01, to: 2025-12-31}
  - {rep_id: Y3, plan: ytd_capped, from: 2025-01-01, to: 2025-12-31}
  - {rep_id: Y4, plan: ytd_trueup, from: 2025-01-01, to: 2025-06-30}
  - {rep_id: Y5, plan: ytd_ote, from: 2025-01-01, to: 2025-12-31}
  - {rep_id: T1, plan: ote_accel, from: 2025-01-01}
  - {rep_id: T2, plan: ote_decel, from: 2025-01-01}
  - {rep_id: T3, plan: ote_accel, from: 2025-01-01}
  - {rep_id: S1, plan: split_plan, from: 2025-01-01}
  - {rep_id: C1, plan: cancel_plan, from: 2025-01-01}
  - {rep_id: N1, plan: comp_plan, from: 2025-01-01}
  - {rep_id: N2, plan: units_plan, from: 2025-01-01}
  - {rep_id: X1, plan: cancel_plan, from: 2025-01-01}
  - {rep_id: M1, plan: deal_min_plan, from: 2025-01-01}
  - {rep_id: S2, plan: split_plan, from: 2025-01-01}
  - {rep_id: S3, plan: split_plan, from: 2025-01-01}
"""


def _rep(rep_id: str, hire_date: str = "2020-01-01", termination_date: str | None = None) -> dict:
    return dict(
        rep_id=rep_id,
        rep_name=f"Rep {rep_id}",
        region="East",
        team="E1",
        role="rep",
        hire_date=hire_date,
        termination_date=termination_date,
        manager_id=None,
    )


def _line(order_id, order_date, rep_id, amount, product_id="HW", line_no=1, status="completed", cancelled_date=None):
    return dict(
        order_id=order_id,
        line_no=line_no,
        order_date=order_date,
        customer_id="K1",
        rep_id=rep_id,
        product_id=product_id,
        quantity=1,
        unit_price=amount,
        discount_amount=0,
        currency="CNY",
        status=status,
        cancelled_date=cancelled_date,
    )


REPS = [_rep("S1"), _rep("S2"), _rep("S3"), _rep("T1"), _rep("T2"), _rep("T3", hire_date="2025-07-01")]
REPS += [_rep(r) for r in ("Y1", "Y2", "Y3", "Y4", "Y5", "D1", "D2", "ES", "EP", "ET", "ER", "C1", "M1", "N1", "N2")]
REPS += [_rep("X1", termination_date="2025-05-31")]
REPS += [_rep("O1"), _rep("O2")]
PRODUCTS = [dict(product_id="HW", product_name="Router", product_line="Hardware", unit_cost=0)]
PRODUCTS += [dict(product_id="SW", product_name="Licence", product_line="Software", unit_cost=0)]
CUSTOMERS = [dict(customer_id="K1", customer_name="Acme", region="East")]
CUSTOMERS += [dict(customer_id=f"N-{c}", customer_name=f"New {c}", region="East") for c in "ABCDEFGHI"]

ORDERS = [
    # item 6: split types
    _line("P1", "2025-01-10", "S1", 10000),  # revenue S1 50% + S2 50%, overlay S2 20%
    _line("P2", "2025-02-10", "S1", 20000),  # overlay S3 10% only: S1 keeps 100%
    _line("P3", "2025-03-10", "S1", 1000),  # revenue S2 60% + S3 60% = 120% (warned)
]
ORDERS += [
    # item 3: target incentive x multipliers
    _line("T1-1", "2025-03-01", "T1", 650000),  # 130% of 500,000
    _line("T2-1", "2025-03-01", "T2", 200000),  # 40% of 500,000
    _line("T3-1", "2025-09-01", "T3", 330000),  # 110% of the H2 target 300,000
]
ORDERS += [
    # item 1: paid to date; Y1, Y2, Y3 sell 300,000 in January, 400,000 in February, 700,000 in April
    _line(f"{rep}-{n}", day, rep, amount)
    for rep in ("Y1", "Y2", "Y3")
    for n, (day, amount) in enumerate([("2025-01-20", 300000), ("2025-02-20", 400000), ("2025-04-20", 700000)])
] + [
    _line("Y4-0", "2025-01-20", "Y4", 300000),
    _line("Y4-1", "2025-04-20", "Y4", 700000),
    _line("Y5-0", "2025-01-20", "Y5", 300000),
]
ORDERS += [
    # item 4: D1 earns 10% of 5,000 / 7,000 / 4,000 (Oracle's earnings 500, 700, 400), then 15,000 / 9,000 /
    # 30,000 / 8,000 of our own
    _line(f"D1-{month:02d}", f"2025-{month:02d}-15", "D1", amount)
    for month, amount in enumerate([5000, 7000, 4000, 15000, 9000, 30000, 8000], start=1)
] + [
    _line("D2-1", "2025-02-15", "D2", 120000),  # 5%: 6,000 < the 10,000 guaranteed
    _line("D2-2", "2025-05-10", "D2", 300000),  # 5%: 15,000
]
ORDERS += [
    # item 5: the same three deals for ES, EP and ET; three equal deals for ER
    _line(f"E{n}-{rep}", day, rep, amount)
    for rep in ("ES", "EP", "ET")
    for n, (day, amount) in enumerate([("2025-01-10", 2500), ("2025-02-10", 4000), ("2025-03-10", 3500)], start=1)
] + [_line(f"E{n}-ER", f"2025-0{n}-10", "ER", 1000) for n in (1, 2, 3)]
ORDERS += [
    # item 1: Oracle's six transactions T1-T6 ("Examples of Calculating Earnings Using Step Rates", dated 2015 there),
    # for O1 (quarter paid monthly to date) and O2 (each transaction priced alone)
    _line(f"O{rep}-{t}", day, f"O{rep}", amount)
    for rep in (1, 2)
    for t, day, amount in [
        ("T1", "2025-01-01", 200),
        ("T2", "2025-01-02", 300),
        ("T3", "2025-01-15", 1500),
        ("T4", "2025-02-01", 1200),
        ("T5", "2025-02-15", 2000),
        ("T6", "2025-03-01", 4500),
    ]
]
ORDERS += [
    # item 7: C1 (10% of net sales a quarter, clawback 90 days)
    _line("C1-1", "2025-02-10", "C1", 10000, status="cancelled", cancelled_date="2025-04-15"),  # Q2, 64 days
    _line("C1-2", "2025-03-01", "C1", 5000, status="cancelled", cancelled_date="2025-03-20"),  # same quarter
    _line("C1-3", "2025-01-05", "C1", 8000, status="cancelled", cancelled_date="2025-05-10"),  # 125 days: kept
    _line("C1-4", "2025-04-20", "C1", 20000),
    # item 7: X1 leaves on 2025-05-31 (exit clawback: half of what the last 30 days' orders earned)
    _line("X1-1", "2025-04-10", "X1", 20000),  # 51 days before: outside the window
    _line("X1-2", "2025-05-10", "X1", 6000),  # 21 days before
    _line("X1-3", "2025-05-31", "X1", 4000),  # the termination day itself
    # item 4: M1 (5% of net sales, at least 100 a deal)
    _line("M1-1", "2025-01-10", "M1", 1000),
    _line("M1-2", "2025-02-10", "M1", 4000),
    _line("M1-3", "2025-03-10", "M1", 600),
    _line("M1-3", "2025-03-10", "M1", 800, line_no=2),
]
ORDERS += [
    # item 2: N1's new customers N-A, N-B, N-C in Q1 (and K1, a customer since 2025-01-05), six more in Q2
    dict(_line("N1-A", "2025-01-15", "N1", 150000), customer_id="N-A"),
    dict(_line("N1-B", "2025-02-15", "N1", 120000), customer_id="N-B"),
    dict(_line("N1-C", "2025-03-05", "N1", 90000), customer_id="N-C"),
    _line("N1-K", "2025-03-20", "N1", 30000),
    dict(_line("N1-A2", "2025-04-02", "N1", 1000), customer_id="N-A"),  # N-A again: not new
] + [
    dict(_line(f"N1-{c}", f"2025-0{4 + n % 2}-1{n}", "N1", 20000), customer_id=f"N-{c}") for n, c in enumerate("DEFGHI")
]
ORDERS += [
    # item 2: N2 sells 4 routers and 5 licences in Q1, one router comes back in Q1
    dict(_line("N2-1", "2025-02-01", "N2", 100), quantity=4),
    dict(_line("N2-2", "2025-02-01", "N2", 100, product_id="SW"), quantity=5),
]
CREDIT_SPLITS = [
    dict(order_id="P1", rep_id="S1", split_pct=0.5, split_type="revenue"),
    dict(order_id="P1", rep_id="S2", split_pct=0.5, split_type=None),  # blank: revenue
    dict(order_id="P1", rep_id="S2", split_pct=0.2, split_type="overlay"),
    dict(order_id="P2", rep_id="S3", split_pct=0.1, split_type="overlay"),
    dict(order_id="P3", rep_id="S2", split_pct=0.6, split_type="revenue"),
    dict(order_id="P3", rep_id="S3", split_pct=0.6, split_type="revenue"),
]
RETURNS: list[dict] = [
    # item 4: half of D2's guaranteed Q1 order comes back 64 days later
    dict(return_id="RD2", order_id="D2-1", line_no=1, return_date="2025-04-20", amount=60000),
    # item 7: 2,000 of X1's order X1-2 comes back 56 days after it (after X1 left)
    dict(return_id="RX1", order_id="X1-2", line_no=1, return_date="2025-07-05", amount=2000),
    # item 2: one of N2's four routers comes back in the same quarter
    dict(return_id="RN2", order_id="N2-1", line_no=1, return_date="2025-03-01", amount=100),
    # item 4: M1's first deal comes back whole 95 days later
    dict(return_id="RM1", order_id="M1-1", line_no=1, return_date="2025-04-15", amount=1000),
]
PAYMENTS: list[dict] = []
TARGETS: list[dict] = [
    dict(period="2025", level="rep", key="T1", target_amount=500000),
    dict(period="2025", level="rep", key="T2", target_amount=500000),
    dict(period="2025", level="rep", key="T3", target_amount=600000),  # 50,000 a month; hired 2025-07-01
] + [dict(period="2025", level="rep", key=r, target_amount=1200000) for r in ("Y1", "Y2", "Y3", "Y4", "Y5", "N1")]


def build_raw_database(path: Path, config_dir: Path) -> None:
    files = {
        "reps/reps.csv": REPS,
        "customers/customers.csv": CUSTOMERS,
        "products/products.csv": PRODUCTS,
        "orders/orders.csv": ORDERS,
        "returns/returns.csv": RETURNS,
        "credit_splits/splits.csv": CREDIT_SPLITS,
        "payments/payments.csv": PAYMENTS,
        "targets/targets.csv": TARGETS,
    }
    write_raw_company(path, config_dir, files, (dt.date(2024, 1, 1), dt.date(2026, 12, 31)))
