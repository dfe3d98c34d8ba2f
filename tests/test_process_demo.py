"""The process marts on the generated company: reconciliations on the shared pipeline run (conftest `company`,
20,000 lines), and the training effect the demo injects (salesperf/demo/trainings.py) recovered on a bigger
demo (150,000 lines: at 20,000 a rep sells ~4 lines a month, too few to see a 20% change)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from salesperf.demo.trainings import EFFECTIVE_COURSE, SALES_UPLIFT, WIN_RATE_UPLIFT

pytestmark = pytest.mark.slow  # runs the whole pipeline or builds a company with dbt: not in make test-fast

PROCESS_MARTS = (
    "fct_funnel",
    "fct_funnel_bottlenecks",
    "fct_pipeline",
    "fct_stalled_deal_alerts",
    "fct_activity_summary",
    "fct_product_affinity",
    "fct_cross_sell",
    "fct_satisfaction",
    "fct_training_effect",
)


@pytest.fixture(scope="module")
def build(company):
    con = duckdb.connect(str(company[0].build_db), read_only=True)
    yield con, company[0].as_of
    con.close()


def test_won_amount_in_the_funnel_reconciles_to_won_opportunities(build):
    con, as_of = build
    funnel = con.execute("""
        select sum(entered_amount), sum(entered_count) from marts.fct_funnel
        where period_type = 'month' and level = 'company' and breakdown = 'all' and stage_kind = 'won'
    """).fetchone()
    deals = con.execute(
        "select sum(amount), count(*) from staging.stg_raw__opportunities "
        "where status = 'won' and coalesce(closed_date, ?) <= ?",
        [as_of, as_of],
    ).fetchone()
    assert deals[1] > 100 and funnel == deals
    # the deal-level columns say the same: one stage-1 row per month holds the month's won deals
    per_month = con.execute("""
        select sum(won_amount), sum(deals_won) from marts.fct_funnel
        where period_type = 'month' and level = 'company' and breakdown = 'all' and stage_order = 1
    """).fetchone()
    assert per_month == deals


@pytest.mark.parametrize("level, breakdown", [("region", "all"), ("company", "source"), ("company", "product_line")])
def test_funnel_parts_add_up_to_the_company(build, level, breakdown):
    con, _ = build
    diff = con.execute(
        """
        with parts as (
            select period_type, period_start, stage_order, sum(entered_count) as entered, sum(advanced_count) as adv,
                   sum(lost_count) as lost, sum(deals_won) as won
            from marts.fct_funnel where level = ? and breakdown = ? group by 1, 2, 3
        ), whole as (
            select period_type, period_start, stage_order, entered_count as entered, advanced_count as adv,
                   lost_count as lost, deals_won as won
            from marts.fct_funnel where level = 'company' and breakdown = 'all'
        )
        select count(*) from whole w full join parts p using (period_type, period_start, stage_order)
        where w.entered is distinct from p.entered or w.adv is distinct from p.adv or w.lost is distinct from p.lost
           or w.won is distinct from p.won
        """,
        [level, breakdown],
    ).fetchone()[0]
    assert diff == 0


def test_pipeline_at_the_as_of_date_is_the_open_opportunities(build):
    con, as_of = build
    pipeline = con.execute(
        "select open_count, pipeline_amount from marts.fct_pipeline where level = 'company' and snapshot_date = ?",
        [as_of],
    ).fetchone()
    opportunities = con.execute(
        "select count(*), sum(amount) from staging.stg_raw__opportunities where status = 'open' and created_date <= ?",
        [as_of],
    ).fetchone()
    assert pipeline == opportunities and opportunities[0] > 10


def test_stalled_deals_are_in_the_risk_alerts(company):
    con = duckdb.connect(str(company[0].warehouse), read_only=True)
    try:
        # the columns the rule model and the union share (the union adds owner, manager, money at risk, history)
        columns = "entity_type, entity_id, entity_name, region, severity, metric_value, threshold_value, details"
        stalled = con.execute(f"select {columns} from marts.fct_stalled_deal_alerts order by entity_id").fetchall()
        in_alerts = con.execute(
            f"select {columns} from marts.fct_risk_alerts where alert_type = 'stalled_deal' order by entity_id"
        ).fetchall()
    finally:
        con.close()
    assert stalled and stalled == in_alerts


def test_every_process_mart_is_published_with_column_comments(company):
    con = duckdb.connect(str(company[0].warehouse), read_only=True)
    try:
        rows = con.execute(
            "select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts' "
            "and table_name in (select unnest(?::varchar[]))",
            [list(PROCESS_MARTS)],
        ).fetchall()
        counts = {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in PROCESS_MARTS}
    finally:
        con.close()
    assert {r[0] for r in rows} == set(PROCESS_MARTS)
    assert [r[:2] for r in rows if not r[2]] == []
    assert all(n > 0 for t, n in counts.items()), counts


@pytest.fixture(scope="module")
def bigger_demo(tmp_path_factory):
    """150,000 lines, through ingestion, config, the dbt models the training panel needs, and the training asset's
    function."""
    from forecasting.training_tables import write_training_effect
    from ingestion.calendar import load_calendar
    from ingestion.load import ensure_schemas, ingest_all
    from salesperf.config.specs import all_specs
    from salesperf.config.tables import load_config_tables
    from salesperf.demo import generate_demo_data
    from tests.helpers.company import PROJECT_ROOT
    from tests.helpers.dbt import run_dbt

    work = tmp_path_factory.mktemp("bigger_demo")
    as_of = dt.date(2025, 11, 15)
    generate_demo_data(work / "landing", scale=150_000, seed=7, as_of=as_of)
    db = work / "build.duckdb"
    con = duckdb.connect(str(db))
    try:
        ensure_schemas(con)
        ingest_all(con, work / "landing")
        load_calendar(con, dt.date(as_of.year - 3, 1, 1), dt.date(as_of.year, 12, 31))
        for spec in all_specs():
            load_config_tables(con, PROJECT_ROOT / "config", spec)
    finally:
        con.close()
    run_dbt(db, work, select="+int_training_panel +int_training_assessments", as_of=as_of.isoformat())
    con = duckdb.connect(str(db))
    try:
        write_training_effect(con, as_of)
        rows = con.execute("select * from marts.fct_training_effect where analysis = 'did'").df()
    finally:
        con.close()
    return rows


def test_the_injected_training_effect_is_recovered(bigger_demo):
    course = bigger_demo[(bigger_demo["group_type"] == "course") & (bigger_demo["group_id"] == EFFECTIVE_COURSE)]
    sales = course[course["metric"] == "net_sales"].iloc[0]
    # the course's graduates sell SALES_UPLIFT (1.2) times as much: +20% of their level before
    assert sales["relative_ci_lower"] <= SALES_UPLIFT - 1 <= sales["relative_ci_upper"]
    assert sales["verdict"] == "positive" and sales["treated_reps"] >= 30 and sales["control_reps"] >= 20
    # and win WIN_RATE_UPLIFT (0.10) more of their deals
    win = course[course["metric"] == "win_rate"].iloc[0]
    assert win["ci_lower"] <= WIN_RATE_UPLIFT <= win["ci_upper"]


def test_courses_without_an_effect_are_not_called_significant(bigger_demo):
    others = bigger_demo[(bigger_demo["group_type"] == "course") & (bigger_demo["group_id"] != EFFECTIVE_COURSE)]
    assert len(others) == 33
    assert set(others["verdict"]) <= {"no significant effect", "not enough data"}


def test_process_figures_reconcile_and_partition_the_deals(company):
    """bench/process_figures.py (the figures of docs/process_analytics.md) on the shared company: its funnel
    reconciliation holds, and its whole-history win rate, a sum of the year rows, counts every deal closed up to the
    as-of date exactly once (the year rows partition the closed deals)."""
    from bench.process_figures import figures

    settings = company[0]
    out = figures(settings.warehouse, settings.build_db)
    assert out["as_of"] == settings.as_of and out["reconciliation"]["reconciles"]
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        won, lost = con.execute(
            "select count(*) filter (where status = 'won'), count(*) filter (where status = 'lost') "
            "from staging.stg_raw__opportunities where closed_date <= ?",
            [settings.as_of],
        ).fetchone()
    finally:
        con.close()
    history = out["win_rates"]["all_years"]
    assert (history["deals_won"], history["deals_lost"]) == (won, lost) and won > 100
    assert history["win_rate_count"] == won / (won + lost)
    course = {row["metric"]: row for row in out["training"]["effective_course"]}
    assert set(course) == {"net_sales", "win_rate", "attainment"}
