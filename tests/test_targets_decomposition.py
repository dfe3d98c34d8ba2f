"""Target policy, decomposition and run-rate on the hand-made company of tests/helpers/targets_company.py.

Properties (every row of the plan year, not chosen examples): children add up to their parent to the
cent at every level and period; months add up to quarters and years; every manual target is kept as
given and the rest of its parent re-spread; leavers get nothing after termination; nobody outside the
configured roles gets a target. Examples: the company target from growth, the new hire's ramp, the
run-rate with China's official workdays (National Day week and an adjusted working Saturday).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from tests.helpers.targets_company import MANUAL_TARGETS, REPS, build_company, monthly_actual, months

pytestmark = pytest.mark.slow  # runs the whole pipeline or builds a whole company with dbt: not in make test-fast

SELECT = (
    "+fct_targets +fct_attainment +fct_target_gaps assert_target_children_sum_to_parent "
    "assert_rolled_up_targets_equal_sum_of_parts"
)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = build_company(tmp_path_factory.mktemp("targets"), select=SELECT)
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _plan(db, where: str = "true", params=()) -> list[tuple]:
    return db.execute(
        f"select period_type, period_start, level, key, target_amount, source, derivation "
        f"from marts.fct_targets where is_plan_year and {where}",
        list(params),
    ).fetchall()


def test_every_unit_has_month_quarter_and_year_targets(db):
    counts = dict(
        ((lvl, key), n)
        for lvl, key, n in db.execute("""
        select level, key, count(*) from marts.fct_targets where is_plan_year group by all""").fetchall()
    )
    reps = {r["rep_id"] for r in REPS if r["role"] == "rep"}
    assert {k for (lvl, k) in counts if lvl == "rep"} == reps  # M1 (manager) gets none
    assert all(n == 12 + 4 + 1 for n in counts.values())
    assert {k for (lvl, k) in counts if lvl == "product_line"} == {"Hardware", "Software", "Services"}


def test_children_sum_to_parent_to_the_cent_everywhere(db):
    """Property: for every suggested parent, period type and period, the children's targets add up to it
    exactly (regions -> company, product lines -> company, teams + teamless reps -> region, reps -> team)."""
    parents = db.execute("""
        with t as (select * from marts.fct_targets where is_plan_year),
        u as (select * from intermediate.int_target_units)
        select p.level, p.key, p.period_type, p.period_start, p.target_amount,
               (u.level = 'product_line') as is_product_split, sum(c.target_amount)
        from t p join u on u.parent_level = p.level and u.parent_key = p.key
        join t c on c.level = u.level and c.key = u.key and c.period_type = p.period_type
             and c.period_start = p.period_start
        group by all""").fetchall()
    assert len(parents) == (1 + 1 + 2 + 2) * 17  # company x 2 splits, 2 regions, 2 teams; 17 periods each
    bad = [p for p in parents if p[4] != p[6]]
    assert bad == []
    # ... and in time: months -> quarters -> year for every unit (no manual quarter/year contradicts here)
    bad_time = db.execute("""
        with t as (select * from marts.fct_targets where is_plan_year)
        select p.level, p.key, p.period_type, p.period_start from t p
        join t c on c.level = p.level and c.key = p.key and c.period_type = 'month'
             and c.period_start between p.period_start and p.period_end
        where p.period_type <> 'month' group by p.level, p.key, p.period_type, p.period_start, p.target_amount
        having p.target_amount <> sum(c.target_amount)""").fetchall()
    assert bad_time == []
    # amounts are whole cents
    assert (
        db.execute(
            "select count(*) from marts.fct_targets where target_amount * 100 <> round(target_amount * 100)"
        ).fetchone()[0]
        == 0
    )


def test_company_target_is_growth_over_the_trailing_year(db):
    trailing = sum(monthly_actual(m) for m in months(dt.date(2024, 1, 1), dt.date(2024, 12, 1)))
    expected = Decimal(str(round(trailing * 1.10, 2)))
    assert _plan(db, "level = 'company' and period_type = 'year'") == [
        ("year", dt.date(2025, 1, 1), "company", "", expected, "suggested", "rolled_up_time")
    ]
    stretch = db.execute(
        "select stretch_target_amount from marts.fct_targets where is_plan_year and "
        "level = 'company' and period_type = 'year'"
    ).fetchone()[0]
    assert stretch == (expected * Decimal("1.05")).quantize(Decimal("0.01"))


def test_manual_targets_win_and_the_remainder_is_re_spread(db):
    for target in MANUAL_TARGETS:
        if not target["period"].startswith("2025"):
            continue
        period_type = {4: "year", 7: "quarter" if "Q" in target["period"] else "month"}[len(target["period"])]
        rows = db.execute(
            """select target_amount, source from marts.fct_targets
                             where level = ? and key = ? and period_type = ? and period_label = ?""",
            [target["level"], target["key"], period_type, target["period"]],
        ).fetchall()
        assert rows == [(Decimal(target["target_amount"]), "manual")], target
    # E1's Q2 (300000) holds R2's May (50000) and the new hire R5's defaults (April 10000, May and June
    # 20000 each): R1 and the rest of R2 share 300000 - 50000 - 50000 = 200000.
    q2 = dict(
        db.execute("""select key, sum(target_amount)
                                       filter (where not (key = 'R2' and period_start = '2025-05-01'))
                            from marts.fct_targets where level = 'rep' and period_type = 'month'
                              and key in ('R1', 'R2', 'R5') and period_start between '2025-04-01' and '2025-06-01'
                            group by key""").fetchall()
    )
    assert q2["R5"] == Decimal("50000")
    assert q2["R1"] + q2["R2"] == Decimal("200000")
    # R4's manual year 240000 is spread over its months by seasonality: every month is split_time.
    r4 = _plan(db, "level = 'rep' and key = 'R4' and period_type = 'month'")
    assert {r[6] for r in r4} == {"split_time"} and sum(r[4] for r in r4) == Decimal("240000")
    # Software's March is given; Hardware and Services share the rest of March 5:2 (their weights).
    march = dict(
        db.execute("""select key, target_amount from marts.fct_targets where period_type = 'month'
                                 and period_start = '2025-03-01' and level in ('company', 'product_line')""").fetchall()
    )
    assert march["Hardware"] + march["Services"] == march[""] - Decimal("70000")
    assert float(march["Hardware"]) / float(march["Services"]) == pytest.approx(0.5 / 0.2, abs=1e-3)


def test_leavers_get_nothing_after_termination_and_new_hires_ramp(db):
    leavers = [r for r in REPS if r.get("termination_date")]
    for rep in leavers:
        after = db.execute(
            """select count(*), sum(target_amount) from marts.fct_targets
                              where level = 'rep' and key = ? and period_type = 'month' and period_start > ?""",
            [rep["rep_id"], rep["termination_date"]],
        ).fetchone()
        assert after[0] > 0 and after[1] == 0
    # R3 leaves 2025-06-15: June is still allocated (15 of 30 days), July onwards not_employed.
    r3 = {r[1].month: (r[4], r[6]) for r in _plan(db, "level = 'rep' and key = 'R3' and period_type = 'month'")}
    assert r3[6][0] > 0 and r3[6][1] == "allocated" and r3[7] == (Decimal("0"), "not_employed")
    # R5 is hired 2025-03-10: default 20000 x ramp 0.25 (March, month 1), 0.5 (April), then 1.0.
    r5 = {r[1].month: r[4] for r in _plan(db, "level = 'rep' and key = 'R5' and period_type = 'month'")}
    assert [r5[m] for m in (1, 2, 3, 4, 5, 12)] == [
        0,
        0,
        Decimal("5000"),
        Decimal("10000"),
        Decimal("20000"),
        Decimal("20000"),
    ]


def test_seasonality_pools_spring_festival_months(db):
    rows = db.execute(
        "select month_no, seasonality_index, workdays, seasonality_basis "
        "from intermediate.int_target_seasonality order by month_no"
    ).fetchall()
    assert sum(r[1] for r in rows) == pytest.approx(12)
    assert {r[3] for r in rows} == {"history"}
    # Jan and Feb share their pooled index by the plan year's workdays (19 and 19 in 2025).
    assert (rows[0][2], rows[1][2]) == (19, 19) and rows[0][1] == pytest.approx(rows[1][1])
    # The fixture's pattern: December (1.5) above November (1.2) above October (1.0); Jan+Feb (0.9+0.5) lowest.
    index = {r[0]: r[1] for r in rows}
    assert index[12] > index[11] > index[10] > index[1]


def test_bottom_up_gap_is_reported_per_level(db):
    rows = db.execute("""select level, key, target_amount, suggested_target_amount, bottom_up_amount,
                                bottom_up_gap_amount, reps_submitted, is_consistent
                         from marts.fct_target_gaps where period_type = 'year'""").fetchall()
    by_key = {(r[0], r[1]): r for r in rows}
    assert set(by_key) == {("company", ""), ("region", "East"), ("region", "West"), ("team", "E1"), ("team", "W1")}
    assert all(r[7] for r in rows)
    # Only R4 submitted a rep target (240000 for the year): W1, West and the company carry it.
    for unit in [("team", "W1"), ("region", "West"), ("company", "")]:
        assert by_key[unit][4] == Decimal("240000") and by_key[unit][6] == 1
        assert by_key[unit][5] == by_key[unit][4] - by_key[unit][3]
    assert by_key[("team", "E1")][4] == 0


def test_run_rate_counts_official_workdays(db):
    # October 2025: 23 weekdays - 6 holiday weekdays (10-01..03, 10-06..08) + Saturday 10-11 worked = 18;
    # up to the as-of date 10-15: 11 weekdays - 6 holidays + 10-11 = 6.
    row = db.execute("""select actual_amount, workdays_in_period, workdays_elapsed, run_rate_amount, target_amount,
                               projected_attainment_pct, period_status
                        from marts.fct_attainment where level = 'company' and period_type = 'month'
                          and period_start = '2025-10-01'""").fetchone()
    actual = Decimal(str(round(monthly_actual(dt.date(2025, 10, 1)), 2)))
    assert row[0] == actual and row[1:3] == (18, 6) and row[6] == "open"
    assert row[3] == (actual * 18 / 6).quantize(Decimal("0.01"))
    assert row[5] == pytest.approx(float(row[3]) / float(row[4]))
    # Q4: October 18 + November 20 + December 23 workdays = 61, 6 elapsed.
    q4 = db.execute("""select workdays_in_period, workdays_elapsed, run_rate_amount, actual_amount
                       from marts.fct_attainment where level = 'company' and period_type = 'quarter'
                         and period_start = '2025-10-01'""").fetchone()
    assert q4[:2] == (61, 6) and q4[2] == (q4[3] * 61 / 6).quantize(Decimal("0.01"))
    # Closed periods carry their actual, future ones nothing.
    sept, dec = db.execute("""select run_rate_amount = actual_amount from marts.fct_attainment
                              where level = 'company' and period_type = 'month'
                                and period_start in ('2025-09-01', '2025-12-01') order by period_start""").fetchall()
    assert sept == (True,) and dec == (None,)
