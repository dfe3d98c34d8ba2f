"""Comparison and fairness marts (fct_sales_comparison, fct_target_fairness, fct_target_difficulty), by hand
on the small company of tests/helpers/targets_company.py (as of 2025-10-15: October is the open month).

Added to the fixture's data:
  * one more order for R1 on 2025-09-25 of 6,000, so September is not a copy of every other September;
  * manual September 2025 rep targets R1 24,000, R2 20,000, R5 16,000, R4 15,000, R6 0: attainments
    36,000 / 24,000 = 1.5, 20,000 / 20,000 = 1.0, 8,000 / 16,000 = 0.5, 15,000 / 15,000 = 1.0;
  * manual region quarter targets for 2025 (last year both regions sold 120,000 / 155,000 / 140,000 in
    Q1 / Q2 / Q3: East = R1 + R2 = 50,000 x season, West = R3 + R4 + R6 = 50,000 x season):
        East 150,000 / 300,000 / 154,000      West 120,000 / 170,500 / 154,000
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import duckdb
import pytest

from tests.helpers.targets_company import build_company

pytestmark = pytest.mark.slow  # runs the whole pipeline or builds a whole company with dbt: not in make test-fast

EXTRA_ORDERS = [
    dict(
        order_id="OX1",
        line_no=1,
        order_date="2025-09-25",
        customer_id="C0",
        rep_id="R1",
        product_id="P1",
        quantity=1,
        unit_price=6000,
        discount_amount=0,
        status="completed",
    )
]
EXTRA_TARGETS = [
    dict(period="2025-09", level="rep", key=rep, target_amount=amount)
    for rep, amount in [("R1", 24000), ("R2", 20000), ("R5", 16000), ("R4", 15000), ("R6", 0)]
] + [
    dict(period=f"2025-Q{q}", level="region", key=region, target_amount=amount)
    for region, amounts in [("East", (150000, 300000, 154000)), ("West", (120000, 170500, 154000))]
    for q, amount in enumerate(amounts, start=1)
]
SELECT = "+fct_sales_comparison +fct_target_fairness +fct_target_difficulty"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = build_company(
        tmp_path_factory.mktemp("performance"),
        select=SELECT,
        extra_raw={"orders": EXTRA_ORDERS, "targets": EXTRA_TARGETS},
    )
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _row(db, table: str, where: str, params) -> dict:
    cursor = db.execute(f"select * from marts.{table} where {where}", list(params))
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1, (table, where, params, rows)
    return dict(zip(names, rows[0], strict=True))


def _comparison(db, period_type: str, period_start: str, level: str, key: str) -> dict:
    return _row(
        db,
        "fct_sales_comparison",
        "period_type = ? and period_start = ? and level = ? and key = ?",
        (period_type, period_start, level, key),
    )


def test_month_on_month_and_year_on_year_of_a_closed_month(db):
    r1 = _comparison(db, "month", "2025-09-01", "rep", "R1")
    # September 2025: 30,000 (BASE 30,000 x season 1.0) + 6,000 = 36,000; August 30,000 x 0.9 = 27,000;
    # September 2024: 30,000. MoM +9,000 = +33.3%; YoY +6,000 = +20%.
    assert (
        r1["actual_amount"],
        r1["pop_comparison"],
        r1["previous_period_amount"],
        r1["previous_period_base_amount"],
    ) == (Decimal("36000"), "MoM", Decimal("27000"), Decimal("27000"))
    assert r1["pop_change_amount"] == Decimal("9000") and r1["pop_change_pct"] == pytest.approx(9000 / 27000)
    assert (r1["last_year_amount"], r1["yoy_change_amount"]) == (Decimal("30000"), Decimal("6000"))
    assert r1["yoy_change_pct"] == pytest.approx(0.2)
    assert (r1["is_period_to_date"], r1["previous_period_base_end"], r1["last_year_base_end"]) == (
        False,
        dt.date(2025, 8, 31),
        dt.date(2024, 9, 30),
    )


def test_quarter_on_quarter(db):
    e1 = _comparison(db, "quarter", "2025-07-01", "team", "E1")
    # E1 = R1 + R2 + R5.  Q3 2025: R1 27,000 + 27,000 + 36,000 = 90,000; R2 18,000 + 18,000 + 20,000 = 56,000;
    # R5 7,200 + 7,200 + 8,000 = 22,400 -> 168,400.  Q2 2025: R1 30,000 + 30,000 + 33,000 = 93,000;
    # R2 20,000 + 20,000 + 22,000 = 62,000; R5 8,000 + 8,000 + 8,800 = 24,800 -> 179,800.
    # QoQ -11,400 / 179,800 = -6.34%.  Q3 2024 (R5 not hired yet): 84,000 + 56,000 = 140,000 -> YoY +20.3%.
    assert (e1["actual_amount"], e1["pop_comparison"], e1["previous_period_amount"]) == (
        Decimal("168400"),
        "QoQ",
        Decimal("179800"),
    )
    assert e1["pop_change_amount"] == Decimal("-11400")
    assert e1["pop_change_pct"] == pytest.approx(-11400 / 179800)
    assert e1["last_year_amount"] == Decimal("140000") and e1["yoy_change_pct"] == pytest.approx(28400 / 140000)


def test_open_month_is_compared_like_for_like(db):
    # As of 15 October: October's orders (the 10th) are in; September to the 15th holds the orders of the
    # 10th but not R1's extra 6,000 of the 25th. Company: 30,000 + 20,000 + 8,000 + 15,000 + 10,000 = 83,000
    # against 83,000 to the same day (0%), not against the whole September 89,000 (-6.7%).
    company = _comparison(db, "month", "2025-10-01", "company", "")
    assert (company["period_status"], company["is_period_to_date"], company["days_covered"]) == ("open", True, 15)
    assert company["actual_amount"] == Decimal("83000")
    assert company["previous_period_amount"] == Decimal("89000")
    assert (company["previous_period_base_amount"], company["previous_period_base_end"]) == (
        Decimal("83000"),
        dt.date(2025, 9, 15),
    )
    assert (company["pop_change_amount"], company["pop_change_pct"]) == (Decimal("0"), 0.0)
    # a year earlier to 15 October 2024: R1 + R2 + R3 + R4 + R6 = 100,000 (R3 has left since, R5 joined)
    assert (company["last_year_base_amount"], company["last_year_base_end"]) == (
        Decimal("100000"),
        dt.date(2024, 10, 15),
    )
    assert company["yoy_change_pct"] == pytest.approx(-0.17)


def test_zero_base_gives_no_percentage(db):
    # R5 is hired on 2025-03-10: March 2025 8,000 against nothing in February and nothing in March 2024.
    r5 = _comparison(db, "month", "2025-03-01", "rep", "R5")
    assert (r5["previous_period_base_amount"], r5["pop_change_amount"], r5["pop_change_pct"]) == (
        Decimal("0"),
        Decimal("8000"),
        None,
    )
    assert (r5["last_year_base_amount"], r5["yoy_change_amount"], r5["yoy_change_pct"]) == (
        Decimal("0"),
        Decimal("8000"),
        None,
    )
    # R3 leaves on 2025-06-15: July shows the drop to nothing (-100%), and R3 is no longer a peer.
    r3 = _comparison(db, "month", "2025-07-01", "rep", "R3")
    assert (r3["actual_amount"], r3["pop_change_pct"], r3["is_active"], r3["rank_in_peers"]) == (
        Decimal("0"),
        -1.0,
        False,
        None,
    )
    # the first month of data (July 2022) has no previous month: unknown, not zero
    first = _comparison(db, "month", "2022-07-01", "company", "")
    assert first["previous_period_amount"] is None and first["pop_change_pct"] is None


def test_rep_against_team_average_and_shares(db):
    rows = {
        r[0]: r[1:]
        for r in db.execute("""
        select key, actual_amount, peer_count, rank_in_peers, peer_average_amount, diff_to_peer_average_amount,
               pct_vs_peer_average, parent_key
        from marts.fct_sales_comparison
        where period_type = 'month' and period_start = '2025-09-01' and level = 'rep'""").fetchall()
    }
    # E1's reps in September: R1 36,000, R2 20,000, R5 8,000 -> team average 64,000 / 3 = 21,333.33.
    # R1: +14,666.67 = +68.75%; M1 (manager, no sales, no target) has no row.
    assert "M1" not in rows
    assert rows["R1"] == (
        Decimal("36000"),
        3,
        1,
        Decimal("21333.33"),
        Decimal("14666.67"),
        pytest.approx(36000 / (64000 / 3) - 1),
        "E1",
    )
    assert [rows[r][2] for r in ("R1", "R2", "R5")] == [1, 2, 3]
    # W1 = R4 alone (R3 has left); R6 has no team: its peers are the region's teamless reps (itself).
    assert rows["R4"][1:4] == (1, 1, Decimal("15000")) and rows["R6"][1:3] == (1, 1) and rows["R6"][6] == "West"
    # Company 89,000: East 64,000 = 71.9%; West 15,000 + 10,000 = 25,000.
    east = _comparison(db, "month", "2025-09-01", "region", "East")
    assert east["parent_actual_amount"] == Decimal("89000")
    assert east["share_of_parent"] == pytest.approx(64000 / 89000)
    assert (east["rank_in_peers"], east["peer_average_amount"]) == (1, Decimal("44500"))


def test_comparison_properties(db):
    # every line has a region and a product line: regions and product lines each share out the company
    bad_shares = db.execute("""
        select period_type, period_start, level, sum(share_of_parent) from marts.fct_sales_comparison
        where level in ('region', 'product_line') group by all having abs(sum(share_of_parent) - 1) > 1e-9
        """).fetchall()
    assert bad_shares == []
    # closed periods: the bases are the whole previous / last year's periods of fct_attainment
    mismatched = db.execute("""
        select c.period_type, c.period_start, c.level, c.key from marts.fct_sales_comparison c
        left join marts.fct_attainment p on p.period_type = c.period_type and p.level = c.level
             and p.key = c.key and p.period_start = c.previous_period_start
        where c.period_status = 'closed' and c.previous_period_base_amount is not null
          and c.previous_period_base_amount <> coalesce(p.actual_amount, 0)""").fetchall()
    assert mismatched == []
    # exactly one open period per period type, and nothing in the future
    open_periods = db.execute("""select period_type, min(period_start), count(distinct period_start)
                                 from marts.fct_sales_comparison where is_period_to_date group by all order by 1""")
    assert open_periods.fetchall() == [
        ("month", dt.date(2025, 10, 1), 1),
        ("quarter", dt.date(2025, 10, 1), 1),
        ("year", dt.date(2025, 1, 1), 1),
    ]
    assert db.execute("select max(period_start) from marts.fct_sales_comparison").fetchone()[0] == dt.date(2025, 10, 1)


def test_attainment_distribution_and_gini_by_hand(db):
    company = _row(
        db,
        "fct_target_fairness",
        "period_type = 'month' and period_start = '2025-09-01' and scope_level = 'company'",
        (),
    )
    # Reps with a positive September target: R1 1.5, R2 1.0, R5 0.5, R4 1.0 (R6's target is 0, R3 has left).
    # Sorted x = 0.5, 1.0, 1.0, 1.5; n = 4; mean 1.0.
    # Gini = sum_i sum_j |xi - xj| / (2 n^2 mean): the pairs differ by 0.5 (four pairs), 1.0 (one pair), 0
    # (one pair); over ordered pairs 2 x (4 x 0.5 + 1.0) = 6.0 -> 6.0 / (2 x 16 x 1.0) = 0.1875.
    # Same by the sorted formula: 2 (1 x 0.5 + 2 x 1 + 3 x 1 + 4 x 1.5) / (4 x 4) - 5 / 4 = 23 / 16 - 20 / 16.
    assert (company["reps_with_target"], company["reps_at_or_above_target"]) == (4, 3)
    assert company["share_at_or_above_target"] == 0.75 and company["attainment_basis"] == "final"
    assert company["gini_attainment"] == pytest.approx(0.1875)
    assert company["mean_attainment"] == pytest.approx(1.0) and company["median_attainment"] == pytest.approx(1.0)
    # continuous quantiles: position (n - 1) q -> p10 at 0.3: 0.5 + 0.3 x 0.5 = 0.65; p90 at 2.7: 1.35;
    # p25 at 0.75: 0.875, p75 at 2.25: 1.125, IQR 0.25
    assert (company["p10_attainment"], company["p90_attainment"]) == (pytest.approx(0.65), pytest.approx(1.35))
    assert company["iqr_attainment"] == pytest.approx(0.25)
    # population standard deviation: sqrt((0.25 + 0 + 0 + 0.25) / 4)
    assert company["stddev_attainment"] == pytest.approx(math.sqrt(0.125))
    # team E1: 0.5, 1.0, 1.5 -> 2 (0.5 + 2 + 4.5) / 9 - 4 / 3 = 2 / 9
    e1 = _row(
        db,
        "fct_target_fairness",
        "period_type = 'month' and period_start = '2025-09-01' and scope_level = 'team' and scope_key = 'E1'",
        (),
    )
    assert e1["gini_attainment"] == pytest.approx(2 / 9) and e1["reps_with_target"] == 3
    # region West: R4 alone -> no inequality
    west = _row(
        db,
        "fct_target_fairness",
        "period_type = 'month' and period_start = '2025-09-01' and scope_level = 'region' and scope_key = 'West'",
        (),
    )
    assert (west["reps_with_target"], west["gini_attainment"], west["stddev_attainment"]) == (1, 0.0, 0.0)
    # the open month is judged on the run-rate projection
    assert db.execute("""select distinct attainment_basis from marts.fct_target_fairness
                         where period_start = '2025-10-01'""").fetchall() == [("run_rate_projection",)]


def test_a_region_with_systematically_harder_targets_is_flagged(db):
    rows = {
        (r[0].month, r[1]): r[2:]
        for r in db.execute("""
        select period_start, key, difficulty_ratio, peer_median_ratio, relative_difficulty, period_assessment,
               difficulty_flag
        from marts.fct_target_difficulty
        where period_type = 'quarter' and level = 'region' and year(period_start) = 2025 and quarter(period_start) <= 3
        """).fetchall()
    }
    # Q1: East 150,000 / 120,000 = 1.25, West 120,000 / 120,000 = 1.0; median 1.125;
    #     East 1.25 / 1.125 = 1.111 (> 1.10: harder), West 0.889 (< 0.90: easier).
    assert rows[(1, "East")][:4] == (pytest.approx(1.25), pytest.approx(1.125), pytest.approx(1.25 / 1.125), "harder")
    assert rows[(1, "West")][3] == "easier"
    # Q2: East 300,000 / 155,000 = 1.935, West 170,500 / 155,000 = 1.1; East 1.275 x the median: harder again.
    assert rows[(4, "East")][0] == pytest.approx(300000 / 155000)
    assert rows[(4, "East")][2] == pytest.approx((300000 / 155000) / ((300000 / 155000 + 1.1) / 2))
    # Q3: both 154,000 / 140,000 = 1.1: in line this quarter ...
    assert rows[(7, "East")][3] == rows[(7, "West")][3] == "in_line"
    # ... but two of the last three quarters were harder (easier): a systematic pattern.
    assert [rows[(m, "East")][4] for m in (1, 4, 7)] == ["in_line", "harder", "harder"]
    assert [rows[(m, "West")][4] for m in (1, 4, 7)] == ["in_line", "easier", "easier"]
