"""Risk alert rules on hand-built marts: one case that fires and one that does not, per rule."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from forecasting.alerts import ALERT_COLUMNS, compute_alerts
from salesperf.config.files import ConfigError, load_config
from salesperf.config.forecasting import AlertSettings, ForecastingConfig

AS_OF = dt.date(2025, 11, 15)
D = dt.date


def _days(start: dt.date, end: dt.date, step: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(0, (end - start).days + 1, step)]


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("""
        create schema marts; create schema staging;
        create table marts.fct_sales (order_id varchar, line_no int, order_date date, order_month date,
            rep_id varchar, customer_id varchar, product_line varchar, region varchar, net_amount double,
            status varchar, is_creditable boolean);
        create table marts.dim_rep (rep_id varchar, rep_name varchar, region varchar, team varchar,
            hire_date date, is_active boolean);
        create table marts.dim_customer (customer_id varchar, customer_name varchar, region varchar,
            owner_rep_id varchar);
        create table marts.dim_date as select d::date as date, true as is_workday
            from range(date '2023-01-01', date '2026-12-31', interval 1 day) t(d);
        create table marts.fct_attainment (period_type varchar, period_start date, period_end date, level varchar,
            key varchar, actual_amount double, target_amount double, period_status varchar);
        create table marts.fct_sales_forecast (level varchar, key varchar, month date, forecast double);
        create table staging.stg_raw__opportunities (opportunity_id varchar, owner_rep_id varchar, status varchar,
            amount double, expected_close_date date);
        create table staging.stg_raw__activities (activity_id varchar, rep_id varchar, activity_type varchar,
            activity_date date);
        insert into marts.dim_rep values ('R1', '张三', 'East', 'T1', '2020-01-01', true),
                                         ('R2', '李四', 'East', 'T1', '2020-01-01', true),
                                         ('R9', '王五', 'West', 'T2', '2020-01-01', false);
    """)
    yield con
    con.close()


def _sale(
    con, n: int, day: dt.date, rep: str = "R2", customer: str = "CX", amount: float = 100.0, status: str = "completed"
) -> None:
    con.execute(
        "insert into marts.fct_sales values (?, 1, ?, date_trunc('month', ?::date), ?, ?, 'L', 'East', ?, "
        "?, ? and ? <= ?)",
        [f"O{n}", day, day, rep, customer, amount, status, status == "completed", day, AS_OF],
    )


def _alerts(con, settings: AlertSettings | None = None, alert_type: str | None = None) -> dict:
    frame = compute_alerts(con, settings or AlertSettings(), AS_OF)
    assert tuple(frame.columns) == ALERT_COLUMNS
    rows = frame[frame.alert_type == alert_type] if alert_type else frame
    return {(r.entity_type, r.entity_id, r.period_type): r for r in rows.itertuples()}


def test_churn_risk_silence_beyond_the_usual_gap_and_falling_trend(con):
    n = 0
    for customer, days, amount in [
        ("C_SILENT", _days(D(2025, 1, 1), D(2025, 8, 1), 10), 1000),  # every 10 days until 30 July: silent 108 days
        ("C_ACTIVE", _days(D(2025, 1, 1), D(2025, 11, 10), 10), 1000),  # still ordering
        ("C_LOST", _days(D(2022, 1, 1), D(2023, 6, 1), 10), 1000),  # silent > max_silence_days: lost, not at risk
    ]:
        for day in days:
            n += 1
            _sale(con, n, day, customer=customer, amount=amount)
    # Monthly orders: 100k a month a year ago, 30k a month in the last six months (-70%), not silent.
    for day in _days(D(2024, 5, 20), D(2024, 11, 14), 30):
        n += 1
        _sale(con, n, day, customer="C_FALLING", amount=100_000)
    for day in _days(D(2025, 5, 20), D(2025, 11, 14), 30):
        n += 1
        _sale(con, n, day, customer="C_FALLING", amount=30_000)
    con.execute(
        "insert into marts.dim_customer values ('C_SILENT', '华瑞', 'East', 'R2'), ('C_FALLING', '恒通', 'East', 'R2')"
    )
    alerts = _alerts(con, alert_type="customer_churn_risk")
    assert set(alerts) == {("customer", "C_SILENT", None), ("customer", "C_FALLING", None)}
    silent = alerts[("customer", "C_SILENT", None)]
    assert silent.severity == "high" and silent.metric_value == pytest.approx(10.8)
    assert silent.entity_name == "华瑞" and "108 days since the last order on 2025-07-30" in silent.details
    falling = alerts[("customer", "C_FALLING", None)]
    assert falling.severity == "medium" and falling.metric_value == pytest.approx(0.3)
    assert "-70%" in falling.details and silent.detected_on.date() == AS_OF
    # A stricter multiple silences the silent customer's alert.
    strict = AlertSettings.model_validate({"churn": {"gap_multiple": 12, "high_gap_multiple": 15}})
    assert ("customer", "C_SILENT", None) not in _alerts(con, strict, "customer_churn_risk")


def test_cancellation_spike_against_the_entitys_own_baseline(con):
    n = 0
    # Baseline year: R1 and R2 each 100 lines, 2 cancelled (2%).
    for rep in ("R1", "R2"):
        for i, day in enumerate(_days(D(2024, 11, 1), D(2025, 10, 1), 3)[:100]):
            n += 1
            _sale(con, n, day, rep=rep, status="cancelled" if i < 2 else "completed")
    # Last 30 days: R1 5 of 20 cancelled (25%, > 3 x 2%: high); R2 1 of 20 (below the minimum count).
    for rep, cancelled in (("R1", 5), ("R2", 1)):
        for i, day in enumerate(_days(D(2025, 10, 20), D(2025, 11, 14), 1)[:20]):
            n += 1
            _sale(con, n, day, rep=rep, status="cancelled" if i < cancelled else "completed")
    alerts = _alerts(con, alert_type="cancellation_spike")
    assert set(alerts) == {("rep", "R1", None), ("region", "East", None)}
    r1 = alerts[("rep", "R1", None)]
    assert r1.severity == "high" and r1.metric_value == pytest.approx(0.25)
    assert r1.threshold_value == pytest.approx(2 * 0.02) and r1.region == "East" and r1.entity_name == "张三"
    assert "5/20 order lines cancelled" in r1.details
    region = alerts[("region", "East", None)]
    assert region.metric_value == pytest.approx(6 / 40) and region.severity == "high"


def test_attainment_at_risk_by_forecast_and_by_run_rate(con):
    q = (D(2025, 10, 1), D(2025, 12, 31))
    con.execute(
        """insert into marts.fct_attainment values
        ('quarter', ?, ?, 'company', '', 300, 1000, 'open'),
        ('quarter', ?, ?, 'region', 'East', 150, 500, 'open'),
        ('quarter', ?, ?, 'team', 'T1', 100, 500, 'open'),
        ('month', '2025-10-01', '2025-10-31', 'company', '', 200, 330, 'closed'),
        ('month', '2025-11-01', '2025-11-30', 'company', '', 100, 330, 'open'),
        ('month', '2025-10-01', '2025-10-31', 'region', 'East', 100, 160, 'closed'),
        ('month', '2025-11-01', '2025-11-30', 'region', 'East', 50, 160, 'open')""",
        [*q, *q, *q],
    )
    con.execute("""insert into marts.fct_sales_forecast values
        ('company', '', '2025-11-01', 250), ('company', '', '2025-12-01', 300), ('company', '', '2026-01-01', 999),
        ('region', 'East', '2025-11-01', 200), ('region', 'East', '2025-12-01', 250)""")
    alerts = _alerts(con, alert_type="attainment_at_risk")
    # company: 200 (October) + max(250 forecast, 100 to date) (November) + 300 (December) = 750 = 75% < 90%
    # region East: 100 + 200 + 250 = 550 = 110%: no alert; team T1 has no forecast: run-rate 100 x 92/46 = 40%
    assert set(alerts) == {("company", "", "quarter"), ("team", "T1", "quarter")}
    company = alerts[("company", "", "quarter")]
    assert company.metric_value == pytest.approx(0.75) and company.severity == "medium"
    assert "(forecast)" in company.details and "¥750" in company.details
    team = alerts[("team", "T1", "quarter")]
    assert team.metric_value == pytest.approx(100 * 92 / 46 / 500) and team.severity == "high"
    assert "(run-rate)" in team.details


def test_visit_drop_against_the_trailing_average(con):
    rows = []
    for rep, recent_step in (("R1", 15), ("R2", 3)):  # R1: one visit every 15 days lately, R2 unchanged
        rows += [(rep, d) for d in _days(D(2025, 7, 18), D(2025, 10, 16), 3)]  # baseline: 1 per 3 days
        rows += [(rep, d) for d in _days(D(2025, 10, 17), AS_OF, recent_step)]
    rows += [("R1", d) for d in _days(D(2025, 10, 17), AS_OF, 1)]  # calls do not count as visits
    con.executemany(
        "insert into staging.stg_raw__activities values (?, ?, ?, ?)",
        [(f"A{i}", rep, "visit" if i < len(rows) - 30 else "call", d) for i, (rep, d) in enumerate(rows)],
    )
    alerts = _alerts(con, alert_type="visit_drop")
    assert set(alerts) == {("rep", "R1", None)}
    r1 = alerts[("rep", "R1", None)]
    assert r1.severity == "high" and r1.metric_value == pytest.approx((2 / 30) / (30 / 90))
    assert "2 visits in the last 30 days" in r1.details


def test_thin_pipeline_below_the_remaining_target(con):
    q = (D(2025, 10, 1), D(2025, 12, 31))
    con.execute(
        """insert into marts.fct_attainment values
        ('quarter', ?, ?, 'rep', 'R1', 400, 1000, 'open'), ('quarter', ?, ?, 'rep', 'R2', 400, 1000, 'open'),
        ('quarter', ?, ?, 'rep', 'R9', 0, 1000, 'open')""",
        [*q, *q, *q],
    )
    con.execute("""insert into staging.stg_raw__opportunities values
        ('O1', 'R1', 'open', 200, '2025-12-10'),
        ('O2', 'R1', 'open', 5000, '2025-10-01'),   -- overdue: stale, not coverage
        ('O3', 'R1', 'open', 5000, '2026-02-01'),   -- closes after the quarter
        ('O4', 'R1', 'won', 5000, '2025-12-01'),
        ('O5', 'R2', 'open', 700, '2025-12-20')""")
    settings = AlertSettings.model_validate({"pipeline": {"levels": ["rep"]}})
    alerts = _alerts(con, settings, "thin_pipeline")
    assert set(alerts) == {("rep", "R1", "quarter")}  # R2 covers 700/600; R9 has left
    r1 = alerts[("rep", "R1", "quarter")]
    assert r1.metric_value == pytest.approx(200 / 600) and r1.severity == "high"
    assert r1.period_start.date() == D(2025, 10, 1) and "0.33x the remaining target ¥600" in r1.details


def test_forecasting_config_defaults_and_key_path_errors(tmp_path):
    assert load_config(tmp_path / "forecasting.yml", ForecastingConfig) is None
    path = tmp_path / "forecasting.yml"
    path.write_text("alerts:\n  churn:\n    gap_multiple: 0.5\nforecast:\n  models: [ets]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, ForecastingConfig)
    assert "alerts.churn.gap_multiple" in str(error.value) and "snaive" in str(error.value)
