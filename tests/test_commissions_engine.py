"""The commission engine (dbt) on the hand-written company of tests/helpers/commission_company.py.

Every expected number below is worked out by hand in the comment next to it, from the rows of the
fixture and the plan file; none is copied from the output.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.helpers.commission_company import statement

D = Decimal


@pytest.fixture(scope="module")
def built(commission_company):
    """The commission company built once for the session (conftest.py: build_raw_database + dbt build of the
    commission models, everything upstream, their data tests and the commission unit tests)."""
    return commission_company


@pytest.fixture(scope="module")
def db(built):
    con = duckdb.connect(str(built["db"]), read_only=True)
    yield con
    con.close()


def lines(db, rep, period_start, line_type) -> list[tuple]:
    return db.execute(
        "select order_id, amount, explanation from marts.fct_commission_lines where rep_id = ? "
        "and period_start = ? and line_type = ? order by source_id, order_id",
        [rep, period_start, line_type],
    ).fetchall()


def test_build_is_clean_and_commission_unit_tests_ran(built):
    summary = re.search(r"PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", built["output"])
    assert summary and summary.group(3) == "0" and summary.group(4) == "0", built["output"][-4000:]
    for name in (
        "test_commission_tiers_marginal_bands_and_bound_belongs_to_higher_tier",
        "test_commission_tiers_retroactive_whole_measure_at_highest_tier",
        "test_commission_cap_applies_to_the_exact_tier_plus_spif",
        "test_commission_clawback_at_the_rate_the_line_earned",
    ):
        assert re.search(rf"PASS \S+::{name}", built["output"]), name


def test_marginal_tiers_threshold_spif_adjustment(db):
    # A, Q1 2025: O1 80,000 + O2 20,000 + O3 10,000 (O4 cancelled: nothing) - RT1 5,000 (same quarter)
    #   = 105,000 against a target of 100,000 -> attainment 1.05.
    # Bands: 0-50,000 at 0% (threshold) = 0; 50,000-100,000 at 3% = 1,500; 100,000-105,000 at 5% = 250.
    # SPIF: O3 (新品, 2025-03-05, inside 03-01..06-30) 10 units x 50 = 500; O2 (02-10) is before the window.
    # Adjustment 2025-02 +300 lands on the Q1 statement. Payable 1,750 + 500 + 300 = 2,550.
    s = statement(db, "A", "q_marginal", "2025-01-01")
    assert (s["measure_amount"], s["target_amount"]) == (D("105000.00"), D("100000.00"))
    assert s["attainment_pct"] == pytest.approx(1.05)
    assert (s["tier_commission"], s["spif"], s["cap_reduction"], s["adjustments"], s["payable"]) == (
        D("1750.00"),
        D("500.00"),
        D("0.00"),
        D("300.00"),
        D("2550.00"),
    )
    assert s["statement_status"] == "provisional"
    tiers = {e: a for _, a, e in lines(db, "A", "2025-01-01", "tier")}
    assert tiers == {
        "2025-Q1 tier 0%–50% at 0% on ¥50,000.00": D("0.00"),
        "2025-Q1 tier 50%–100% at 3% on ¥50,000.00": D("1500.00"),
        "2025-Q1 tier 100%+ at 5% on ¥5,000.00": D("250.00"),
    }
    assert [(o, a) for o, a, _ in lines(db, "A", "2025-01-01", "spif")] == [("O3", D("500.00"))]


def test_ramp_overlay_split_and_cap(db):
    # B hired 2025-01-10, ramp [0.25, 0.5, 0.75]: Q1 target 90,000 x (31 x .25 + 28 x .5 + 31 x .75) / 90
    #   = 90,000 x 45 / 90 = 45,000.
    # Measure: O5 150,000 + 60% of O8 15,000 = 9,000 (overlay: C also gets 60%) = 159,000.
    # Bands: 0-22,500 at 0; 22,500-45,000 at 3% = 675; 114,000 at 5% = 5,700 -> 6,375.
    # Cap 5,000 on tier + SPIF: cap_reduction 1,375; payable 5,000.
    s = statement(db, "B", "q_marginal", "2025-01-01")
    assert (s["target_amount"], s["measure_amount"]) == (D("45000.00"), D("159000.00"))
    assert (s["tier_commission"], s["cap_reduction"], s["payable"]) == (D("6375.00"), D("1375.00"), D("5000.00"))
    [(_, cap, explanation)] = lines(db, "B", "2025-01-01", "cap")
    assert cap == D("-1375.00") and "cap ¥5,000.00" in explanation


def test_mid_period_plan_change_prorates_target_and_retroactive_bound(db):
    # C: q_marginal by role until 2025-02-14, m_retro (rep-specific) from 02-15. Q1 q_marginal covers
    # 31 + 14 = 45 of 90 days: target 60,000 x 45 / 90 = 30,000. O6 (01-20) 30,000 -> attainment exactly
    # 100%: bands 0-15,000 at 0, 15,000-30,000 at 3% = 450, and the 100% bound belongs to the 5% tier (on 0).
    s = statement(db, "C", "q_marginal", "2025-01-01")
    assert (s["target_amount"], s["measure_amount"], s["tier_commission"]) == (
        D("30000.00"),
        D("30000.00"),
        D("450.00"),
    )
    assert s["attainment_pct"] == pytest.approx(1.0)
    assert "2025-Q1 tier 100%+ at 5% on ¥0.00" in [e for _, _, e in lines(db, "C", "2025-01-01", "tier")]
    # March on m_retro: O7 11,000 + 60% of O8 15,000 = 9,000 -> 20,000, exactly the 20,000 bound:
    # the whole measure earns the higher tier's 4% -> 800 (not 2% -> 400).
    march = statement(db, "C", "m_retro", "2025-03-01")
    assert (march["measure_amount"], march["tier_commission"]) == (D("20000.00"), D("800.00"))


def test_gross_margin_and_collected_measures(db):
    # G, q_margin: O9 20,000 - cost 2 x 6,000 = margin 8,000; RT5 returns 5,000 of 20,000 (25%) in Q1:
    # margin measure 8,000 x 75% = 6,000 at 10% = 600.
    g = statement(db, "G", "q_margin", "2025-01-01")
    assert (g["measure"], g["measure_amount"], g["tier_commission"]) == ("gross_margin", D("6000.00"), D("600.00"))
    # H, q_collected: O10 (ordered 2024-12-20) paid 12,000 on 2025-01-15 and 18,000 on 2025-04-02; a
    # payment without an order (999) is not attributed. Q1 12,000 x 2% = 240; Q2 18,000 x 2% = 360.
    q1, q2 = statement(db, "H", "q_collected", "2025-01-01"), statement(db, "H", "q_collected", "2025-04-01")
    assert (q1["measure_amount"], q1["tier_commission"]) == (D("12000.00"), D("240.00"))
    assert (q2["measure_amount"], q2["tier_commission"]) == (D("18000.00"), D("360.00"))


def test_clawback_in_the_return_period_at_the_earned_rate(db):
    # A: RT2 returns 2,000 of O3 (10,000) on 2025-04-10, 36 days after the order (limit 90). O3 earned
    # 1,750 x 10,000 / 105,000 + its SPIF 500 = 666.67 in Q1; clawback -(2,000 / 10,000) x 666.6667 = -133.33,
    # booked in Q2. RT3 (O1, 166 days after the order) claws back nothing. Q1 stays at 105,000 / 1.05.
    q2 = statement(db, "A", "q_marginal", "2025-04-01")
    assert (q2["clawback"], q2["payable"], q2["measure_amount"]) == (D("-133.33"), D("-133.33"), D("0.00"))
    [(order_id, _, explanation)] = lines(db, "A", "2025-04-01", "clawback")
    assert order_id == "O3" and "return RT2" in explanation and "36 days" in explanation
    assert statement(db, "A", "q_marginal", "2025-01-01")["measure_amount"] == D("105000.00")
    # B: RT4 returns 15,000 of O5 (150,000) on 2025-04-20. B's Q1 was capped: O5 earned
    # 6,375 x 150,000 / 159,000 x (5,000 / 6,375) = 4,716.98; clawback -(15,000 / 150,000) x 4,716.98 = -471.70.
    assert statement(db, "B", "q_marginal", "2025-04-01")["clawback"] == D("-471.70")


def test_manager_override_on_direct_reports_measures(db):
    # M (mgr plan, 1%): Q1 measures of direct reports: A 105,000, B 159,000, C 30,000 (q_marginal) +
    # 20,000 (m_retro March) + 0 (February), G 6,000 (margin), H 12,000 (collected) -> 1% = 1,050 + 1,590 +
    # 300 + 200 + 60 + 120 = 3,320.
    m = statement(db, "M", "mgr", "2025-01-01")
    assert (m["override"], m["tier_commission"], m["payable"]) == (D("3320.00"), D("0.00"), D("3320.00"))
    explanations = [e for _, _, e in lines(db, "M", "2025-01-01", "override")]
    assert "override 1% on A's 2025-Q1 net_sales ¥105,000.00" in explanations


def test_every_statement_is_the_sum_of_its_lines(db):
    mismatches = db.execute("""
        select s.rep_id, s.plan_id, s.period_start, s.payable, coalesce(sum(l.amount), 0)
        from marts.fct_commission_statements s
        left join marts.fct_commission_lines l using (rep_id, plan_id, period_start)
        group by all having s.payable <> coalesce(sum(l.amount), 0)""").fetchall()
    assert mismatches == []
    assert (
        db.execute(
            "select count(*) from marts.fct_commission_lines where explanation is null or explanation = ''"
        ).fetchone()[0]
        == 0
    )


def test_no_statement_without_a_plan_assignment(db):
    # Reps are assigned from 2025-01-01: the 2024 order O10 earns nothing on a sales plan.
    assert (
        db.execute("select count(*) from marts.fct_commission_statements where period_start < '2025-01-01'").fetchone()[
            0
        ]
        == 0
    )


# --- properties of the tier SQL itself, run on synthetic measures --------------------------------------


def _tier_sql(built, measures: str, tiers: str) -> str:
    compiled = next(Path(built["work"] / "target" / "compiled").rglob("int_commission_tier_lines.sql")).read_text()
    compiled = re.sub(r'"[^"]+"\."intermediate"\."int_commission_period_measures"', measures, compiled)
    return re.sub(r'"[^"]+"\."staging"\."stg_config__commission_tiers"', tiers, compiled)


@pytest.mark.parametrize("tier_method", ["marginal", "retroactive"])
def test_payout_never_decreases_when_sales_increase_without_cap(built, tier_method):
    con = duckdb.connect()
    con.execute("""create table tiers as select * from (values
        ('p', 1, 0.0, 0.5, 0.0), ('p', 2, 0.5, 1.0, 0.03), ('p', 3, 1.0, null, 0.05)
    ) t(plan_id, tier_no, tier_from, tier_to, rate)""")
    con.execute("alter table tiers add column multiplier decimal(9, 6)")  # issue 18: rate tiers only here
    # measures from 0 to 300,000 in steps of 997 (plus every bound exactly), target 100,000
    con.execute(f"""create table measures as
        select 'R' as rep_id, 'p' as plan_id, 'quarter' as period_type,
               date '2025-01-01' + cast(i as integer) as period_start,
               '2025-Q1' as period_label, 'attainment' as tier_basis, '{tier_method}' as tier_method,
               cast(m as decimal(18, 4)) as measure_amount, cast(100000 as decimal(18, 2)) as target_amount,
               -- issue 18: no target incentive on this plan
               cast(null as double) as on_target_rate, cast(null as decimal(18, 2)) as target_incentive,
               cast(null as decimal(38, 10)) as full_target_amount
        from (select row_number() over (order by m) as i, m
              from (select unnest(range(0, 300000, 997)) as m union select 50000 union select 100000))""")
    payouts = con.execute(f"""
        select m.measure_amount, coalesce(sum(t.amount), 0)
        from measures m left join ({_tier_sql(built, "measures", "tiers")}) t using (period_start)
        group by all order by 1""").fetchall()
    assert len(payouts) > 300
    for (m1, p1), (m2, p2) in itertools.pairwise(payouts):
        assert p2 >= p1, f"{tier_method}: payout fell from {p1} at {m1} to {p2} at {m2}"
    if tier_method == "marginal":
        # marginal is continuous: at 100,000 it equals 50,000 x 3% = 1,500 exactly
        assert dict(payouts)[D("100000.0000")] == D("1500.00")
