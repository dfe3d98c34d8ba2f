"""The process marts by hand, on the company of tests/helpers/process_company.py (as of 2025-03-31).

Team T1 holds exactly R1's ten January deals, so its 2025-Q1 funnel is the "funnel of 10 deals":
    deal  amount  history (2025)                                 outcome
    D01    100    接洽 01-02, 方案 01-10, 谈判 01-20, 赢单 02-05      won
    D02    200    接洽 01-03, 方案 01-15, 谈判 01-23, 赢单 02-10      won
    D03    300    接洽 01-04, 方案 01-18, 谈判 01-28, 输单 02-15      lost in 谈判
    D04    400    接洽 01-05, 方案 01-21, 输单 02-20                  lost in 方案
    D05    500    接洽 01-06, 方案 01-24, 输单 02-25                  lost in 方案
    D06    600    接洽 01-07, 输单 01-29                              lost in 接洽
    D07    700    接洽 01-08, 输单 02-03                              lost in 接洽
    D08    800    接洽 01-09, 谈判 02-08 (skips 方案), 赢单 02-12      won
    D09    900    接洽 01-10, 方案 02-13 (close date moved 02-25)     open
    D10   1000    接洽 01-11                                          open
"""

from __future__ import annotations

import json
import random
import shutil

import duckdb
import numpy as np
import pytest

from tests.helpers.dbt import run_dbt
from tests.helpers.process_company import AS_OF, build_process_company

pytestmark = pytest.mark.slow  # builds a company with dbt: not in make test-fast


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = tmp_path_factory.mktemp("process")
    db, output = build_process_company(work)
    return work, db, output


@pytest.fixture(scope="module")
def con(built):
    con = duckdb.connect(str(built[1]), read_only=True)
    yield con
    con.close()


def rows(con, sql, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def funnel(con, level="team", key="T1", period_type="quarter", start="2025-01-01", breakdown="all", value=""):
    return {
        r["stage"]: r
        for r in rows(
            con,
            "select * from marts.fct_funnel where level = ? and key = ? and period_type = ? and period_start = ? "
            "and breakdown = ? and breakdown_value = ? order by stage_order",
            [level, key, period_type, start, breakdown, value],
        )
    }


def test_dbt_tests_passed(built):
    assert "ERROR=0" in built[2] and "WARN=0" in built[2]


def test_funnel_of_ten_deals(con):
    f = funnel(con)
    assert [(s, r["stage_order"], r["stage_kind"]) for s, r in f.items()] == [
        ("接洽", 1, "open"),
        ("方案", 2, "open"),
        ("谈判", 3, "open"),
        ("赢单", 4, "won"),
    ]
    a, b, c, won = f["接洽"], f["方案"], f["谈判"], f["赢单"]
    # 接洽: all 10 entered; left forward D01-D05, D08, D09 = 7, lost D06, D07 = 2; D10 still there.
    # conversion 7 / (7 + 2); of the 8 closed deals that reached it 3 won (D01, D02, D08): 3 / 8.
    assert (a["entered_count"], a["advanced_count"], a["lost_count"], a["won_count"]) == (10, 7, 2, 3)
    assert a["stage_conversion_rate"] == pytest.approx(7 / 9)
    assert a["stage_to_win_rate"] == pytest.approx(3 / 8)
    assert float(a["entered_amount"]) == 5500  # 100 + 200 + ... + 1000
    # days in 接洽 of the 9 that left: 8, 12, 14, 16, 18, 22, 26, 30, 34 -> median the 5th = 18;
    # p80 at position 0.8 x 8 = 6.4: 26 + 0.4 x (30 - 26) = 27.6
    assert (a["median_days_in_stage"], a["p80_days_in_stage"]) == (18, pytest.approx(27.6))
    # 方案: D01-D05 and D09 entered it, D08 skipped it on its way to 谈判: 7 reached, 1 skipped.
    # left forward D01, D02, D03 (to 谈判) and D08 = 4, lost D04, D05 = 2 -> 4 / 6; won 3 of 6 closed.
    assert (b["entered_count"], b["skipped_count"], b["advanced_count"], b["lost_count"]) == (7, 1, 4, 2)
    assert b["stage_conversion_rate"] == pytest.approx(4 / 6)
    assert b["stage_to_win_rate"] == pytest.approx(3 / 6)
    # days of the explicit entries that left: D01 10, D02 8, D03 10, D04 30, D05 32 -> median 10;
    # p80 at 0.8 x 4 = 3.2: 30 + 0.2 x (32 - 30) = 30.4
    assert (b["median_days_in_stage"], b["p80_days_in_stage"]) == (10, pytest.approx(30.4))
    # 谈判: D01, D02, D03, D08 reached; won D01, D02, D08, lost D03: 3 / 4 both ways.
    # days D01 16, D02 18, D03 18, D08 4 -> median (16 + 18) / 2 = 17
    assert (c["entered_count"], c["advanced_count"], c["lost_count"]) == (4, 3, 1)
    assert c["stage_conversion_rate"] == pytest.approx(0.75) and c["stage_to_win_rate"] == pytest.approx(0.75)
    assert c["median_days_in_stage"] == 17
    # the won row: D01 + D02 + D08 = 100 + 200 + 800 = 1,100
    assert (won["entered_count"], float(won["entered_amount"])) == (3, 1100)
    # deal level, the same on every row: 3 won, 5 lost: 3 / 8 = 0.375; 1,100 / (1,100 + 2,500) by amount;
    # average won deal 1,100 / 3; cycles D01 34, D02 38, D08 34 days -> median 34, mean 35.3
    for r in f.values():
        assert (r["deals_won"], r["deals_lost"]) == (3, 5)
        assert r["win_rate_count"] == pytest.approx(0.375)
        assert r["win_rate_amount"] == pytest.approx(1100 / 3600)
        assert r["avg_won_amount"] == pytest.approx(1100 / 3)
        assert (r["median_sales_cycle_days"], r["avg_sales_cycle_days"]) == (34, 35.3)


def test_funnel_months_count_events_when_they_happen(con):
    jan, feb = (funnel(con, period_type="month", start=m) for m in ("2025-01-01", "2025-02-01"))
    # 接洽 left in January by D01-D05 (forward) and D06 (lost 01-29); in February by D07 (lost), D08, D09
    assert (jan["接洽"]["advanced_count"], jan["接洽"]["lost_count"]) == (5, 1)
    assert (feb["接洽"]["entered_count"], feb["接洽"]["advanced_count"], feb["接洽"]["lost_count"]) == (0, 2, 1)
    assert "赢单" not in jan and feb["赢单"]["entered_count"] == 3


def test_unassigned_lead_counts_for_its_source_not_for_a_rep(con):
    # 2024-Q4, source 官网: D11 (no owner, lost) and D12 (R2, won): the source converts 1 of 2
    src = funnel(con, level="company", key="", start="2024-10-01", breakdown="source", value="官网")
    assert (src["接洽"]["deals_won"], src["接洽"]["deals_lost"], src["接洽"]["win_rate_count"]) == (1, 1, 0.5)
    unassigned = funnel(con, level="unassigned", key="", start="2024-10-01")
    assert (unassigned["接洽"]["deals_won"], unassigned["接洽"]["deals_lost"]) == (0, 1)
    r2 = funnel(con, level="rep", key="R2", start="2024-10-01")
    assert (r2["接洽"]["deals_won"], r2["接洽"]["deals_lost"]) == (1, 0)
    # the lead's region is its customer's (C6, 华南), where R2 sells too
    south = funnel(con, level="region", key="华南", start="2024-10-01")
    assert (south["接洽"]["deals_won"], south["接洽"]["deals_lost"]) == (1, 1)
    assert not rows(con, "select * from marts.fct_funnel where level = 'rep' and key is null")


def test_snapshot_history_is_said_in_the_data(con):
    # D13 has no landed history: its 接洽 entry is the run's snapshot (observed at its updated_at, 03-20)
    q1 = funnel(con, level="team", key="T2", start="2025-01-01")
    assert (q1["接洽"]["entered_count"], q1["接洽"]["snapshot_entered_count"]) == (1, 1)
    hist = rows(con, "select * from intermediate.int_opportunity_stage_history where opportunity_id = 'D13'")
    assert [(h["stage"], h["history_source"], h["is_exact"], str(h["entered_at"])) for h in hist] == [
        ("接洽", "snapshot", False, "2025-03-20 10:00:00")
    ]


def test_pipeline_at_month_ends(con):
    p = {
        r["period_label"]: r for r in rows(con, "select * from marts.fct_pipeline where level = 'team' and key = 'T1'")
    }
    jan, feb, mar = p["2025-01"], p["2025-02"], p["2025-03"]
    # 01-31: open D01-D05, D07-D10 (D06 lost 01-29) = 9, amount 4,900; weighted by the stage then:
    # 谈判 0.8 x (100 + 200 + 300) + 方案 0.5 x (400 + 500) + 接洽 0.1 x (700 + 800 + 900 + 1000) = 1,270
    assert (jan["open_count"], float(jan["pipeline_amount"]), jan["weighted_pipeline_amount"]) == (9, 4900, 1270)
    # coverage: Q1 target 5,000 less January's actual (L1 300 + L2 700) = 4,000 remaining; the weighted pipeline
    # expected to close by 03-31 leaves out D10 (06-30): 1,270 - 100 = 1,170 -> 1,170 / 4,000
    assert (jan["coverage_period_label"], float(jan["remaining_target_amount"])) == ("2025-Q1", 4000)
    assert jan["weighted_pipeline_in_period_amount"] == pytest.approx(1170)
    assert jan["coverage_ratio"] == pytest.approx(1170 / 4000)
    assert (jan["created_count"], float(jan["created_amount"])) == (10, 5500)
    # 02-28: D09 and D10 open; D09 was expected (as of 01-31) to close 02-20: slipped, and on 02-25 its close
    # moved to 04-30: pushed. Nothing is expected by 03-31 any more: coverage 0 / 4,000.
    assert (feb["open_count"], feb["slipped_count"], float(feb["slipped_amount"]), feb["pushed_count"]) == (
        2,
        1,
        900,
        1,
    )
    assert feb["weighted_pipeline_amount"] == pytest.approx(0.5 * 900 + 0.1 * 1000)
    assert feb["coverage_ratio"] == 0
    # 03-31: D10 untouched since 01-11 = 79 days >= 30: stalled; D09 had a call on 03-20: not. Aged (> 79 days):
    # D09 (01-10 -> 03-31 = 80 days), not D10 (79). The coverage period is Q2, which has no target.
    assert (mar["stalled_count"], float(mar["stalled_amount"]), mar["aged_count"], float(mar["aged_amount"])) == (
        1,
        1000,
        1,
        900,
    )
    assert mar["coverage_period_label"] == "2025-Q2" and mar["coverage_ratio"] is None


def test_stalled_deal_alert(con):
    alerts = rows(con, "select * from marts.fct_stalled_deal_alerts")
    assert [(a["entity_id"], a["severity"], a["metric_value"], a["threshold_value"]) for a in alerts] == [
        ("D10", "high", 79.0, 30.0)  # 79 days >= high_stalled_days 60
    ]
    assert alerts[0]["entity_name"] == "甲公司" and alerts[0]["detected_on"] == AS_OF
    assert "79 days without a stage change or activity" in alerts[0]["details"]


def test_activity_summary(con):
    a = {
        r["period_label"]: r
        for r in rows(con, "select * from marts.fct_activity_summary where rep_id = 'R1' and period_type = 'month'")
    }
    jan, feb, mar = a["2025-01"], a["2025-02"], a["2025-03"]
    # January: A1 visit C1, A2 visit C2, A3 call, A4 meeting, A5 email -> 5 activities, 2 customers
    assert (jan["activity_count"], jan["visit_count"], jan["call_count"], jan["meeting_count"]) == (5, 2, 1, 1)
    assert (jan["email_count"], jan["customers_touched"]) == (1, 2)
    # key accounts of R1 (segment 战略): C1, C3; touched 01-02..01-31: C1 -> 1 / 2
    assert (jan["key_accounts"], jan["key_accounts_touched"], jan["key_account_coverage"]) == (2, 1, 0.5)
    # visits: C1 on 01-05 then C1 orders 01-20 (15 days: converted); C2 on 01-06, next order 03-01 (54 days)
    assert (jan["visits_with_window"], jan["visits_converted"], jan["visit_to_order_rate"]) == (2, 1, 0.5)
    # February: won D01, D02, D08; activities on them A3, A4 (D01), A5 (D02) -> 3 / 3
    assert (feb["won_deals"], feb["activities_on_won_deals"], feb["activities_per_won_deal"]) == (3, 3, 1.0)
    assert (feb["activity_count"], feb["key_account_coverage"]) == (0, 0.0)
    # March: the visit of 03-10 has not had its 30 days by 03-31
    assert (mar["visit_count"], mar["visits_with_window"], mar["visit_to_order_rate"]) == (1, 0, None)


def test_basket_of_six_orders(con):
    pairs = {
        (r["scope"], r["item_level"], r["item_a"], r["item_b"]): r
        for r in rows(con, "select * from marts.fct_product_affinity where year = 2024")
    }
    # Orders: O1 {X, Y}, O2 {X, Y}, O3 {X, Z}, O4 {Y}, O5 {X, Y, Z}, O6 {Z}: N = 6, X 4, Y 4, Z 3
    xy, xz, yz = (pairs[("order", "product_line", a, b)] for a, b in (("LX", "LY"), ("LX", "LZ"), ("LY", "LZ")))
    # XY in O1, O2, O5: support 3/6, confidence 3/4 both ways, lift 3 x 6 / (4 x 4) = 1.125
    assert (xy["baskets"], xy["count_a"], xy["count_b"], xy["pair_count"]) == (6, 4, 4, 3)
    assert (xy["support"], xy["confidence_a_to_b"], xy["confidence_b_to_a"]) == (0.5, 0.75, 0.75)
    assert xy["lift"] == pytest.approx(1.125)
    # XZ in O3, O5: lift 2 x 6 / (4 x 3) = 1.0, confidence X->Z 2/4, Z->X 2/3; YZ in O5: 1 x 6 / 12 = 0.5
    assert (xz["pair_count"], xz["lift"], xz["confidence_b_to_a"]) == (2, pytest.approx(1.0), pytest.approx(2 / 3))
    assert (yz["pair_count"], yz["lift"]) == (1, pytest.approx(0.5))
    # products, bounded to orders of at most 2 products: O5 is left out, N = 5, P1 3, P2 3, P3 2;
    # P1P2 in O1, O2: 2 x 5 / (3 x 3); P1P3 in O3: 1 x 5 / (3 x 2); P2P3 never
    p12, p13 = pairs[("order", "product", "P1", "P2")], pairs[("order", "product", "P1", "P3")]
    assert (p12["baskets"], p12["pair_count"], p12["lift"]) == (5, 2, pytest.approx(10 / 9))
    assert p13["lift"] == pytest.approx(5 / 6) and ("order", "product", "P2", "P3") not in pairs
    assert p12["item_a_name"] == "产品一" and p12["product_line_b"] == "LY"
    # within 90 days, by customer: C1 (X, Y on 03-01; X, Z on 05-15: 75 days), C2 (X, Y on 03-02; Z 183 days
    # later), C3 (Y), C4 (X, Y, Z): N = 4, X 3, Y 4, Z 3; XY C1, C2, C4; XZ C1, C4; YZ C1, C4
    w = {k[2:]: r for k, r in pairs.items() if k[:2] == ("window", "product_line")}
    assert (w[("LX", "LY")]["baskets"], w[("LX", "LY")]["pair_count"], w[("LX", "LY")]["lift"]) == (4, 3, 1.0)
    assert w[("LX", "LZ")]["lift"] == pytest.approx(2 * 4 / 9) and w[("LY", "LZ")]["lift"] == pytest.approx(8 / 12)
    assert w[("LX", "LY")]["window_days"] == 90


def test_cross_sell(con):
    got = {
        r["customer_id"]: (r["suggestion_rank"], r["suggested_product_line"], r["because_of_product_line"])
        for r in rows(con, "select * from marts.fct_cross_sell")
    }
    # basis 2024 (as of March), same-order pairs with lift >= 1.1: only X-Y (1.125, confidence 0.75 both ways).
    # Lines bought since 2024-03-31: C1 X, Z (O3, L2) -> Y; C2 Z, Y (O6, L3) -> X; C3 Y (O4) -> X; C4 all three
    # (O5) -> nothing; C5 X (L1) -> Y
    assert got == {"C1": (1, "LY", "LX"), "C2": (1, "LX", "LY"), "C3": (1, "LX", "LY"), "C5": (1, "LY", "LX")}
    assert {r["confidence"] for r in rows(con, "select confidence from marts.fct_cross_sell")} == {0.75}


def test_satisfaction(con):
    s = {
        (r["period_type"], r["level"], r["key"], r["period_label"]): r
        for r in rows(con, "select * from marts.fct_satisfaction")
    }
    y = s[("year", "company", "", "2024")]
    # scores 1, 2, 5, 4, 4: mean 3.2; satisfied (>= 4) 3, dissatisfied (<= 2) 2
    assert (y["response_count"], y["avg_score"], y["satisfied_count"], y["dissatisfied_count"]) == (5, 3.2, 3, 2)
    # with their 180 days passed (S5 of 12-20 has not): dissatisfied S1 (C1: next order 203 days later) and S2
    # (C2: 53 days) -> 1 / 2; satisfied S3 (C3: 17 days) and S4 (C4: none) -> 1 / 2
    assert (y["dissatisfied_with_window"], y["dissatisfied_reordered"], y["dissatisfied_reorder_rate"]) == (2, 1, 0.5)
    assert (y["satisfied_with_window"], y["satisfied_reordered"], y["satisfied_reorder_rate"]) == (2, 1, 0.5)
    # trend: Q3 = (1 + 2 + 5 + 4) / 4 = 3.0, Q4 = 4.0 -> +1.0
    q4 = s[("quarter", "company", "", "2024-Q4")]
    assert (q4["previous_avg_score"], q4["avg_score_change"]) == (3.0, 1.0)
    # by region (the rep's): 华东 S1, S3, S4, S5 -> (1 + 5 + 4 + 4) / 4
    assert s[("year", "region", "华东", "2024")]["avg_score"] == 3.5


def test_training_panel_and_the_training_asset(built, tmp_path):
    con = duckdb.connect(str(built[1]), read_only=True)
    panel = rows(con, "select * from intermediate.int_training_panel where group_type = 'course' order by rep_id, 6")
    con.close()
    trained = [r for r in panel if r["trained"]]
    assert trained and {r["rep_id"] for r in trained} == {"R1"}
    # completed 2024-10-10: October is left out; after it is_post
    assert all(str(r["month_start"]) != "2024-10-01" for r in trained)
    assert all(r["is_post"] == (str(r["month_start"]) > "2024-10-01") for r in trained)
    months = [r["month_start"] for r in trained]
    assert all(min(months) <= r["month_start"] <= max(months) for r in panel if not r["trained"])
    # one trained rep against one untrained one: estimated, but fewer than min_reps (2) on each side? the
    # verdict rule says so
    from forecasting.training_tables import write_training_effect

    copy = tmp_path / "build.duckdb"
    shutil.copy(built[1], copy)
    con = duckdb.connect(str(copy))
    result = write_training_effect(con, AS_OF)
    verdicts = {r[0] for r in con.execute("select verdict from marts.fct_training_effect").fetchall()}
    comment = con.execute(
        "select comment from duckdb_columns() where table_name = 'fct_training_effect' and column_name = 'verdict'"
    ).fetchone()[0]
    con.close()
    assert result.rows > 0 and verdicts == {"not enough data"}
    assert comment.startswith("positive / negative")


def test_snapshots_accumulate_across_runs(built, tmp_path):
    """A company without stage history: each run appends the opportunities whose stage changed."""
    work, db, _ = built
    copy = tmp_path / "build.duckdb"
    shutil.copy(db, copy)
    select = "+int_opportunity_stage_history"

    def change_d13(stage: str, updated_at: str, seq: int) -> None:
        con = duckdb.connect(str(copy))
        con.execute(
            f"""insert into raw.opportunities (opportunity_id, customer_id, owner_rep_id, stage, amount, created_date,
                status, updated_at, _source_file, _source_row, _file_seq, _ingested_at)
            values ('D13', 'C2', 'R2', '{stage}', 70, '2025-03-20', 'open', '{updated_at}', 'opportunities/later.csv',
                    2, {seq}, now())"""
        )
        con.close()

    def snapshots() -> list[tuple]:
        con = duckdb.connect(str(copy), read_only=True)
        out = con.execute(
            "select stage, snapshot_date::varchar, snapshot_seq, observed_at::varchar from "
            "intermediate.int_opportunity_stage_snapshots where opportunity_id = 'D13' order by snapshot_seq"
        ).fetchall()
        con.close()
        return out

    first = [("接洽", "2025-03-31", 1, "2025-03-20 10:00:00")]
    assert snapshots() == first
    change_d13("方案", "2025-04-10 09:00:00", 100)
    run_dbt(copy, tmp_path, select=select, as_of="2025-04-15")
    second = [*first, ("方案", "2025-04-15", 2, "2025-04-10 09:00:00")]
    assert snapshots() == second
    run_dbt(copy, tmp_path, select=select, as_of="2025-04-15")  # the same run again: nothing new
    assert snapshots() == second
    change_d13("谈判", "2025-04-12 09:00:00", 101)
    run_dbt(copy, tmp_path, select=select, as_of="2025-04-01")  # an older as-of date never rewrites history
    assert snapshots() == second
    con = duckdb.connect(str(copy), read_only=True)
    history = con.execute(
        "select stage, history_source from intermediate.int_opportunity_stage_history "
        "where opportunity_id = 'D13' order by event_seq"
    ).fetchall()
    con.close()
    assert history == [("接洽", "snapshot"), ("方案", "snapshot")]


def test_histogram_quantiles_equal_quantile_cont_on_raw_values(tmp_path, dbt_manifest):
    """fct_funnel's medians come from histograms of days fanned out to many groups (macros/cross_db/
    histogram_quantile.sql); they must equal the continuous quantile of the raw values. Random groups of 1 to 40
    integer values with repeats, p = 0.5 and 0.8, against numpy's linear interpolation (the same definition as
    quantile_cont), e.g. [3, 5, 5, 9] at 0.8: h = 3 x 0.8 = 2.4, 5 + 0.4 x (9 - 5) = 6.6."""
    rng = random.Random(20261203)
    groups = {g: [rng.randint(0, 12) for _ in range(rng.randint(1, 40))] for g in range(60)}
    groups[60] = [3, 5, 5, 9]
    histogram = ", ".join(
        f"({g}, {value}, {values.count(value)})" for g, values in groups.items() for value in sorted(set(values))
    )
    sql = (
        f"with h as (select * from (values {histogram}) as v(g, x, n)) "
        "{{ histogram_quantiles('h', ['g'], 'x', 'n', [('q50', '0.5'), ('q80', '0.8')]) }}"
    )
    output = run_dbt(
        tmp_path / "show.duckdb",
        tmp_path,
        "show",
        as_of=AS_OF.isoformat(),
        timeout=300,
        extra_args=["--inline", sql, "--output", "json", "--limit", "-1"],
    )
    rows = json.loads(output[output.index('{\n  "show"') : output.rindex("}") + 1])["show"]
    assert len(rows) == len(groups)
    for row in rows:
        values = groups[row["g"]]
        assert row["q50"] == pytest.approx(np.quantile(values, 0.5), abs=1e-12), (row, values)
        assert row["q80"] == pytest.approx(np.quantile(values, 0.8), abs=1e-12), (row, values)
    assert next(r["q80"] for r in rows if r["g"] == 60) == pytest.approx(6.6)
