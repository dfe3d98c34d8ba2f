"""The target policy and scorecards on the generated company (session fixture `company`, repo config/)."""

from __future__ import annotations

import duckdb
import pytest

from tests.helpers.company import COMPANY_AS_OF

pytestmark = pytest.mark.slow  # runs the whole pipeline or builds a whole company with dbt: not in make test-fast


@pytest.fixture
def pub(company):
    con = duckdb.connect(str(company[0].warehouse), read_only=True)
    yield con
    con.close()


def test_every_rep_has_plan_year_targets_at_month_quarter_and_year(pub):
    missing = pub.execute("""
        select r.rep_id, count(t.key) from marts.dim_rep r
        left join marts.fct_targets t on t.level = 'rep' and t.key = r.rep_id and t.is_plan_year
        where r.role = 'rep' group by r.rep_id having count(t.key) <> 12 + 4 + 1""").fetchall()
    assert missing == []
    assert pub.execute(
        "select min(year(period_start)), max(year(period_start)) from marts.fct_targets where is_plan_year"
    ).fetchone() == (COMPANY_AS_OF.year, COMPANY_AS_OF.year)
    # leavers: nothing after the termination month
    assert (
        pub.execute("""select count(*) from marts.fct_targets t join marts.dim_rep r on r.rep_id = t.key
                          where t.level = 'rep' and t.period_type = 'month' and t.is_plan_year
                            and t.period_start > r.termination_date and t.target_amount <> 0""").fetchone()[0]
        == 0
    )


def test_plan_year_org_levels_add_up_and_marts_are_populated(pub):
    inconsistent = pub.execute("""select count(*), count(*) filter (where not is_consistent
                                       and children_sum_amount <> target_amount)
                                  from marts.fct_target_gaps""").fetchone()
    assert inconsistent[0] > 0 and inconsistent[1] == 0
    stretch = pub.execute("""select count(*) from marts.fct_targets where is_plan_year
                             and abs(stretch_target_amount - target_amount * 1.10) > 0.006""").fetchone()[0]
    assert stretch == 0
    for table in ("fct_kpi_scorecard", "fct_leaderboard", "fct_target_gaps"):
        assert pub.execute(f"select count(*) from marts.{table}").fetchone()[0] > 0, table
    open_month = pub.execute("""select run_rate_amount, actual_amount, workdays_in_period, workdays_elapsed
                                from marts.fct_attainment where level = 'company' and period_type = 'month'
                                  and period_status = 'open'""").fetchone()
    assert float(open_month[0]) == pytest.approx(float(open_month[1]) * open_month[2] / open_month[3], abs=0.01)
    # every rep of the scorecard roles has a rank in the open month
    unranked = pub.execute(
        """select count(*) from marts.fct_leaderboard where period_type = 'month'
                              and period_start = date_trunc('month', ?::date) and rank_in_team is null""",
        [COMPANY_AS_OF],
    ).fetchone()[0]
    assert unranked == 0


def test_comparison_and_fairness_marts_cover_history_and_the_plan_year(pub):
    year = COMPANY_AS_OF.year
    # comparisons: every period type x level, in the plan year and the year before; one open period per type
    grid = {
        (p, lvl, y): n
        for p, lvl, y, n in pub.execute("""
        select period_type, level, year(period_start), count(*)
        from marts.fct_sales_comparison group by all""").fetchall()
    }
    for period_type in ("month", "quarter", "year"):
        for level in ("company", "region", "team", "rep", "product_line"):
            assert grid.get((period_type, level, year), 0) > 0 and grid.get((period_type, level, year - 1), 0) > 0, (
                period_type,
                level,
            )
    assert pub.execute("""select count(distinct period_type), count(distinct (period_type, period_start))
                          from marts.fct_sales_comparison where is_period_to_date""").fetchone() == (3, 3)
    # three years of history: every plan-year company month has a YoY change, every rep a team average
    assert (
        pub.execute(
            """select count(*) from marts.fct_sales_comparison where level = 'company'
                            and year(period_start) = ? and yoy_change_pct is null""",
            [year],
        ).fetchone()[0]
        == 0
    )
    assert (
        pub.execute("""select count(*) from marts.fct_sales_comparison where level = 'rep' and is_active
                            and peer_average_amount is null""").fetchone()[0]
        == 0
    )
    # fairness: every closed plan-year month has the company, every region and every team
    scopes = pub.execute(
        """
        select count(distinct period_start), count(distinct scope_key) filter (where scope_level = 'region'),
               count(distinct scope_key) filter (where scope_level = 'team'), min(reps_with_target)
        from marts.fct_target_fairness where period_type = 'month' and year(period_start) = ?
          and period_status = 'closed'""",
        [year],
    ).fetchone()
    org = pub.execute("""select count(distinct region), count(distinct team) from marts.dim_rep
                         where role = 'rep' and team is not null and team <> ''""").fetchone()
    assert scopes[0] == COMPANY_AS_OF.month - 1 and scopes[1:3] == org and scopes[3] > 0
    assert (
        pub.execute(
            "select count(*) from marts.fct_target_fairness where year(period_start) = ?", [year - 1]
        ).fetchone()[0]
        > 0
    )
    # difficulty: every region and team has a ratio and a flag for the plan year's quarters
    difficulty = pub.execute(
        """
        select level, count(distinct key), count(*) filter (where difficulty_flag is null)
        from marts.fct_target_difficulty where period_type = 'quarter' and year(period_start) = ? group by level
        order by level""",
        [year],
    ).fetchall()
    assert difficulty == [("region", org[0], 0), ("team", org[1], 0)]
