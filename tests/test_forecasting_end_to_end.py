"""Forecasts, backtests, anomalies and alerts of the shared generated company (the `company` fixture run)."""

from __future__ import annotations

import duckdb
import pytest

from salesperf.config.forecasting import LEVELS
from tests.helpers.company import COMPANY_AS_OF as AS_OF

pytestmark = pytest.mark.slow  # runs the whole pipeline or builds a whole company with dbt: not in make test-fast

# The tables the forecasting asset writes (fct_risk_alerts is a dbt mart since issue 15: test_dbt_models checks it)
FORECASTING_TABLES = ["fct_sales_forecast", "fct_forecast_backtest", "fct_sales_anomalies"]


@pytest.fixture
def pub(company):
    con = duckdb.connect(str(company[0].warehouse), read_only=True)
    yield con
    con.close()


def test_every_level_is_forecast_with_ordered_intervals(pub):
    rows = pub.execute("""
        select level, count(distinct key), min(month), max(month),
               count(*) filter (where not (lower <= forecast and forecast <= upper)),
               count(*) filter (where forecast < 0 or not isfinite(upper))
        from marts.fct_sales_forecast group by level""").fetchall()
    by_level = {r[0]: r[1:] for r in rows}
    assert set(by_level) == set(LEVELS)
    for level, (keys, first, last, disordered, absurd) in by_level.items():
        assert keys >= 1 and disordered == 0 and absurd == 0, level
        assert first.isoformat() == "2025-11-01" and last.isoformat() == "2026-10-01", level
    assert by_level["company"][0] == 1 and by_level["region"][0] == 5 and by_level["rep"][0] > 50
    # every active rep with sales has a forecast; leavers have none
    assert (
        pub.execute("""select count(*) from marts.fct_sales_forecast f join marts.dim_rep r on r.rep_id = f.key
                          where f.level = 'rep' and not r.is_active""").fetchone()[0]
        == 0
    )
    assert {m for (m,) in pub.execute("select distinct model from marts.fct_sales_forecast").fetchall()} <= {
        "snaive",
        "recent_mean",
        "ets",
        "ets_mul",
        "ets_log",
        "sarimax",
        "sarimax_log",
        "combination",
    }


def test_backtest_is_populated_and_the_published_models_beat_seasonal_naive_overall(pub):
    statuses = dict(pub.execute("select status, count(*) from marts.fct_forecast_backtest group by 1").fetchall())
    assert statuses.get("ok", 0) > 100
    # Each series publishes exactly one model, its backtest winner unless that one fell back.
    assert (
        pub.execute("""select count(*) from (select level, key from marts.fct_forecast_backtest
                          group by all having count(*) filter (where is_published) <> 1)""").fetchone()[0]
        == 0
    )
    company = dict(
        pub.execute("""select model, mase from marts.fct_forecast_backtest
                                  where level = 'company' and status = 'ok'""").fetchall()
    )
    assert set(company) >= {"snaive", "ets", "ets_mul", "sarimax", "sarimax_log"}
    published, baseline = pub.execute("""
        select median(b.mase), median(b.snaive_mase) from marts.fct_forecast_backtest b
        where b.is_published and b.status = 'ok' and b.model <> 'snaive'""").fetchone()
    assert published < baseline
    # interval calibration of the published models on their backtest months, one row per series
    coverage, rows, series = pub.execute("""
        select sum(coverage * points) / sum(points), count(*), count(distinct level || '/' || key)
        from marts.fct_forecast_backtest where is_published and coverage is not null""").fetchone()
    assert rows == series and 0.6 <= coverage <= 0.95, coverage
    assert (
        pub.execute(
            "select count(*) from marts.fct_forecast_backtest where coverage is not null and not is_published"
        ).fetchone()[0]
        == 0
    )


def test_anomalies_and_alerts_are_well_formed(pub):
    bad = pub.execute("""select count(*) from marts.fct_sales_anomalies
                         where abs(score) < 3.5 or direction not in ('up', 'down')
                            or (direction = 'up') <> (actual > expected)""").fetchone()[0]
    assert bad == 0
    alerts = pub.execute("""select alert_type, count(*), min(detected_on), max(detected_on),
                                   count(*) filter (where severity not in ('high', 'medium') or details is null)
                            from marts.fct_risk_alerts group by 1""").fetchall()
    assert alerts, "no alerts at all on the demo company"
    for alert_type, _n, first, last, malformed in alerts:
        assert alert_type in {
            "customer_churn_risk",
            "cancellation_spike",
            "attainment_at_risk",
            "visit_drop",
            "thin_pipeline",
            "overdue_pipeline",
            "overdue_receivable",
            "stalled_deal",
            "data_quality",
        }
        assert first == last == AS_OF and malformed == 0


def test_forecasting_tables_are_documented_in_the_published_warehouse(pub):
    for table in FORECASTING_TABLES:
        assert pub.execute(
            "select comment from duckdb_tables() where schema_name = 'marts' and table_name = ?", [table]
        ).fetchone()[0]
        assert (
            pub.execute(
                """select count(*) from duckdb_columns() where schema_name = 'marts'
                              and table_name = ? and (comment is null or comment = '')""",
                [table],
            ).fetchone()[0]
            == 0
        )
        types = {
            t
            for (t,) in pub.execute(
                "select distinct data_type from duckdb_columns() where schema_name = 'marts' and table_name = ?",
                [table],
            ).fetchall()
        }
        assert types <= {"VARCHAR", "DATE", "DOUBLE", "BIGINT", "BOOLEAN"}, (table, types)
