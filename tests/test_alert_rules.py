"""The risk-alert rules (dbt models, docs/alerts.md) on hand-built cases: each rule fires where it should and stays
silent where it should (tests/helpers/alert_cases.py describes every case and its arithmetic); the exact tests
agree with scipy and statsmodels; the history (new / ongoing / resolved) survives re-runs and --full-refresh."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil

import duckdb
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from forecasting.tables import TABLES
from salesperf.config.alerts import AlertSettings
from salesperf.config.files import ConfigError, load_config
from salesperf.config.forecasting import FORECASTING_SPEC, ForecastingConfig
from salesperf.config.tables import load_config_tables
from salesperf.settings import PROJECT_ROOT
from tests.helpers import alert_cases
from tests.helpers.alert_cases import AS_OF, D
from tests.helpers.dbt import run_dbt

SELECT = "stg_config__alert_settings tag:risk_alerts"


def _load_defaults(db, work) -> None:
    (work / "config").mkdir(exist_ok=True)  # no forecasting.yml: the defaults
    con = duckdb.connect(str(db))
    try:
        load_config_tables(con, work / "config", FORECASTING_SPEC)
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory, dbt_manifest):
    work = tmp_path_factory.mktemp("alert_rules")
    db = work / "build.duckdb"
    cases = alert_cases.build(db)
    _load_defaults(db, work)
    run_dbt(db, work, "run", select_models=SELECT, as_of=AS_OF.isoformat())
    return db, cases, work


def _rows(db, sql: str, params=None) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()


def _alerts(db, alert_type: str) -> dict[tuple[str, str], dict]:
    rows = _rows(db, "select * from marts.fct_risk_alerts where alert_type = ? and status <> 'resolved'", [alert_type])
    return {(r["entity_type"], r["entity_id"]): r for r in rows}


def test_churn_fires_on_a_silence_its_own_rate_makes_unlikely(built):
    db, cases, _ = built
    alerts = _alerts(db, "customer_churn_risk")
    # not C_ACTIVE, C_SLOW, C_LOST, C_FEW, C_UNEVEN, nor the BG customers
    assert set(alerts) == {("customer", "C_SILENT"), ("customer", "C_REGULAR")}
    silent = alerts[("customer", "C_SILENT")]
    # Independent arithmetic: C_SILENT's order days in [created 2024-11-20, last order 2025-07-28) against the
    # company's clock then, times the clock's advance after 2025-07-28. The clock ticks each day by the company's
    # order days (distinct customer x day) / its active customers (those with an order day in the 365 days up to
    # and including that day).
    order_days = {(r[4], r[2]) for r in cases.sales if r[4] and r[9]}
    by_day: dict = {}
    for c, d in order_days:
        by_day.setdefault(d, set()).add(c)

    def active(day):
        return len({c for c, d in order_days if day - dt.timedelta(days=365) < d <= day})

    def clock(lo, hi):
        return sum(len(by_day[d]) / active(d) for d in by_day if lo <= d <= hi)

    own = sum(1 for c, d in order_days if c == "C_SILENT" and d < D(2025, 7, 28))
    expected = own / clock(D(2024, 11, 20), D(2025, 7, 27)) * clock(D(2025, 7, 29), AS_OF)
    assert own == 25 and silent["metric_value"] == pytest.approx(expected, rel=1e-9)
    assert 10.7 < expected < 11.5  # ~ 110 silent days / a 10-day rhythm (11.29)
    assert silent["p_value"] == pytest.approx(math.exp(-expected))
    assert silent["severity"] == "high" and silent["threshold_value"] == pytest.approx(4.4)
    # money at risk: the 2025 orders (1,000 each) in the 12 months to the last order: 2025-01-09 .. 2025-07-28
    assert float(silent["money_at_risk"]) == 1000 * sum(1 for c, d in order_days if c == "C_SILENT" and d.year == 2025)
    assert "a silence this long happens 0.00% of the time if nothing changed" in silent["reason_en"]
    assert silent["entity_name"] == "华瑞" and silent["owner_id"] == "R1" and silent["manager_id"] == "M1"
    assert "No order for 110 days (last on 2025-07-28)" in silent["reason_en"]
    assert "已 110 天未下单（最后一次 2025-07-28）" in silent["reason_zh"]


def test_churn_flags_a_regular_buyer_sooner_and_an_uneven_one_not(built):
    db, cases, _ = built
    regular = _alerts(db, "customer_churn_risk")[("customer", "C_REGULAR")]
    # 9 orders 30 days apart in 2024-11-20 .. 2025-08-17, silent 90 days: ~3 expected orders (company clock: the
    # BG customers' daily orders dominate it, so it runs ~ in days); its longest gap is its mean gap, so the
    # threshold is max(regular_expected_orders 1.75, regular_gap_multiple 1.75 x 1.0) = 1.75
    assert 2.7 < regular["metric_value"] < 3.3 and regular["threshold_value"] == pytest.approx(1.75)
    assert regular["severity"] == "medium" and float(regular["money_at_risk"]) == 1000 * 8  # 8 orders in 2025
    assert (
        "it has ordered regularly: this silence is over 1.75 times its longest gap of the year (30 days)"
        in (regular["reason_en"])
    )
    assert "最长间隔（30 天）的 1.75 倍" in regular["reason_zh"]
    uneven = _rows(db, "select * from intermediate.int_alert_customer_churn where entity_id = 'C_UNEVEN'")
    assert uneven == []  # ~2 expected, and its longest gap (80 days) is twice its mean: threshold max(2.5, 3.5)


def test_cancellation_spike_counts_orders_and_corrects_for_many_tests(built):
    db, _, _ = built
    alerts = _alerts(db, "cancellation_spike")
    # (recent orders, recent cancelled, baseline orders, baseline cancelled) per tested entity (alert_cases)
    counts = {
        ("rep", "R1"): (40, 10, 200, 4),
        ("rep", "R2"): (40, 2, 200, 4),
        ("rep", "R3"): (40, 1, 200, 4),  # one 3-line order: one cancellation
        ("rep", "R4"): (40, 0, 200, 4),  # cancelled only after the as-of date
        ("region", "East"): (120, 13, 600, 12),
        ("region", "West"): (40, 0, 200, 4),
    }
    p = {
        k: stats.fisher_exact([[k1, n1 - k1], [k0, n0 - k0]], alternative="greater").pvalue
        for k, (n1, k1, n0, k0) in counts.items()
    }
    q = dict(zip(p, multipletests(list(p.values()), method="fdr_bh")[1], strict=True))
    fires = {
        k
        for k, (n1, k1, n0, k0) in counts.items()
        if q[k] <= AlertSettings().cancellation.false_discovery_rate and k1 >= 3 and k1 / n1 >= 2 * k0 / n0
    }
    assert fires == set(alerts) == {("rep", "R1"), ("region", "East")}
    r1 = alerts[("rep", "R1")]
    assert r1["p_value"] == pytest.approx(p[("rep", "R1")], rel=1e-9)
    assert r1["metric_value"] == pytest.approx(0.25) and r1["threshold_value"] == pytest.approx(2 * 0.02)
    assert r1["severity"] == "high" and float(r1["money_at_risk"]) == 10_000  # ten cancelled lines of 1,000
    assert "10 of 40 orders cancelled in the last 30 days (25.0%) against 2.0%" in r1["reason_en"]
    assert "after testing 6 reps and regions together" in r1["reason_en"]
    east = alerts[("region", "East")]
    assert east["p_value"] == pytest.approx(p[("region", "East")], rel=1e-9)
    assert east["owner_id"] == "D1" and east["manager_id"] == "D1" and east["owner_name"] == "赵总"


def test_visit_drop_is_an_exact_rate_test_with_a_minimum_volume(built):
    db, _, _ = built
    alerts = _alerts(db, "visit_drop")
    assert set(alerts) == {("rep", "R1")}  # R2 kept visiting; R5 had 10 visits, too few to test
    r1 = alerts[("rep", "R1")]
    # 1 visit in 30 workdays against 60 in the 180 before: given 61 visits, the recent window's share is 30/210
    p = stats.binomtest(1, 61, 30 / 210, alternative="less").pvalue
    assert r1["p_value"] == pytest.approx(p, rel=1e-9)
    q = multipletests([p, stats.binomtest(10, 70, 30 / 210, alternative="less").pvalue], method="fdr_bh")[1][0]
    assert q <= 0.01
    assert r1["metric_value"] == pytest.approx((1 / 30) / (60 / 180)) and r1["severity"] == "high"
    assert "1 visits in the last 30 days (0.03 a workday) against 0.33 a workday" in r1["reason_en"]


def test_attainment_at_risk_on_the_seasonal_run_rate(built):
    db, _, _ = built
    alerts = _alerts(db, "attainment_at_risk")
    assert set(alerts) == {("rep", "R1"), ("region", "East")}
    share = 4600 / 15400  # last year's Q4 sold by 15 November
    r1 = alerts[("rep", "R1")]
    assert r1["metric_value"] == pytest.approx(2000 / share / 10_000) and r1["severity"] == "high"
    assert float(r1["money_at_risk"]) == pytest.approx(10_000 - 2000 / share, abs=0.005)
    assert r1["period_type"] == "quarter" and r1["period_start"] == D(2025, 10, 1)
    assert "2025-Q4: projected ¥6,696 by 2025-12-31, 67% of the target ¥10,000 (seasonal run-rate)" in r1["reason_en"]
    projected = {
        r["key"]: r
        for r in _rows(db, "select * from intermediate.int_attainment_projected where period_type = 'quarter'")
    }
    assert projected["R2"]["projected_pct"] == pytest.approx(3500 / share / 10_000)  # 117 %: no alert
    assert projected["R2"]["plain_run_rate_pct"] == pytest.approx(0.7)  # the plain run-rate would have alerted
    assert projected["T1"]["projected_pct"] == pytest.approx(5500 / share / 20_000)  # 92 %
    assert projected["R1"]["forecast_pct"] == pytest.approx(0.65)  # 1,000 + max(1,500, 1,000) + 4,000
    assert projected["T1"]["forecast_pct"] is None  # teams have no forecast
    assert alerts[("region", "East")]["owner_id"] == "D1"


def test_thin_and_overdue_pipeline(built):
    db, _, _ = built
    thin = _alerts(db, "thin_pipeline")
    assert set(thin) == {("rep", "R1"), ("region", "East")}
    r1 = thin[("rep", "R1")]
    assert r1["metric_value"] == pytest.approx(1600 / 8000) and r1["severity"] == "medium"
    assert float(r1["money_at_risk"]) == 8000 - 1600
    assert "another ¥7,800 in 3 open deals is past its expected close date" in r1["reason_en"]
    assert thin[("region", "East")]["metric_value"] == pytest.approx((1600 + 1800) / 16000)
    # R2 at 1,800 / 6,500 = 0.277x is just over the default 0.25x: silent
    overdue = _alerts(db, "overdue_pipeline")
    assert set(overdue) == {("rep", "R1")}
    o = overdue[("rep", "R1")]
    # P2 (due 1 Sept) and P3 (due 1 Oct, won only on 20 Nov: open on the as-of date); P6 is 5 days late (grace 14)
    assert float(o["money_at_risk"]) == 7000 and o["metric_value"] == 75 and o["severity"] == "medium"
    assert o["reason_en"].startswith("2 open deals worth ¥7,000 are past their expected close date")


def test_digest_lists_each_managers_open_alerts_by_money(built):
    db, _, _ = built
    digest = _rows(db, "select * from marts.fct_risk_alert_digest order by manager_id nulls last, digest_rank")
    by_manager: dict = {}
    for row in digest:
        by_manager.setdefault(row["manager_id"], []).append(row)
    m1 = by_manager["M1"]
    assert [r["digest_rank"] for r in m1] == list(range(1, len(m1) + 1)) and len(m1) <= 10
    money = [float(r["money_at_risk"]) for r in m1]
    assert money == sorted(money, reverse=True)
    # M1 owns the alerts of its reps (R1 cancellations, visits, attainment, pipeline) and their customers (C_SILENT)
    assert {r["alert_type"] for r in m1} >= {"customer_churn_risk", "cancellation_spike", "visit_drop"}
    assert m1[0]["manager_open_alerts"] == len(m1)
    assert {r["alert_type"] for r in by_manager["D1"]} == {"cancellation_spike", "attainment_at_risk", "thin_pipeline"}


def test_history_new_ongoing_resolved_survives_reruns_and_full_refresh(built, tmp_path):
    db, _, work = built
    copy = tmp_path / "build.duckdb"
    shutil.copy(db, copy)

    def run(as_of: dt.date, *extra: str) -> dict[tuple[str, str], dict]:
        run_dbt(copy, tmp_path, "run", select_models=SELECT, as_of=as_of.isoformat(), extra_args=extra)
        return {(r["alert_type"], r["entity_id"]): r for r in _rows(copy, "select * from marts.fct_risk_alerts")}

    first = run(AS_OF)
    assert {r["status"] for r in first.values()} == {"new"}
    # The same day again changes nothing, and --full-refresh rebuilds the models but not the log
    # (full_refresh=false): the history stays.
    assert run(AS_OF, "--full-refresh") == first
    # The next day C_SILENT orders again (its alert resolves); everything else is found again (ongoing).
    con = duckdb.connect(str(copy))
    con.execute("""insert into marts.fct_sales values ('O_BACK', 1, date '2025-11-16', null, 'C_SILENT', null,
                   1000, 'completed', null, true, null, null)""")
    con.close()
    second = run(AS_OF + dt.timedelta(days=1))
    churn = second[("customer_churn_risk", "C_SILENT")]
    assert churn["status"] == "resolved" and churn["resolved_on"] == D(2025, 11, 16)
    assert churn["first_detected_on"] == churn["last_detected_on"] == AS_OF
    cancel = second[("cancellation_spike", "R1")]
    assert cancel["status"] == "ongoing" and cancel["first_detected_on"] == AS_OF
    assert cancel["last_detected_on"] == AS_OF + dt.timedelta(days=1) and cancel["runs_detected"] == 2
    # every alert of the first day is either found again (ongoing) or resolved on the second (the 30-day windows
    # moved a day: East's cancellations of 17 October are now in its baseline)
    for r in second.values():
        assert r["first_detected_on"] == AS_OF
        assert (r["status"], r["resolved_on"]) in (("ongoing", None), ("resolved", D(2025, 11, 16))), r
    # A replay at the earlier date (with the data as it was then) sees only the runs up to it: the first picture
    con = duckdb.connect(str(copy))
    con.execute("delete from marts.fct_sales where order_id = 'O_BACK'")
    con.close()
    assert run(AS_OF) == first
    digest_ids = {r["alert_id"] for r in _rows(copy, "select alert_id from marts.fct_risk_alert_digest")}
    assert digest_ids <= {r["alert_id"] for r in first.values()}


def _show(work, sql: str) -> list[dict]:
    """Rows of `dbt show --inline` (macros rendered) on an empty database."""
    output = run_dbt(
        work / "show.duckdb",
        work,
        "show",
        as_of=AS_OF.isoformat(),
        timeout=300,
        extra_args=["--inline", sql, "--output", "json", "--limit", "-1"],
    )
    return json.loads(output[output.index('{\n  "show"') : output.rindex("}") + 1])["show"]


def test_ln_factorial_benjamini_hochberg_and_normal_cdf_macros(tmp_path, dbt_manifest):
    ns = [0, 1, 2, 3, 5, 7, 8, 9, 10, 20, 50, 171, 1000, 123_456]
    p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04]
    values = ", ".join(f"({i}, {x})" for i, x in enumerate(p))
    factorials = " union all ".join(f"select 'lnf' as kind, {n} as i, {{{{ ln_factorial('{n}') }}}} as v" for n in ns)
    sql = (
        f"with t as (select * from (values {values}) as v(i, p_value)) {factorials} union all "
        "select 'bh', i, q_value from ({{ with_bh_q_value('t', 'p_value', 'tested.i') }}) as adjusted"
    )
    zs = [-6.0, -2.5, -1.0, -0.3, 0.0, 0.25, 1.2816, 3.0, 8.0]
    sql += "".join(f" union all select 'phi', {i}, {{{{ normal_cdf('({z})') }}}}" for i, z in enumerate(zs))
    rows = _show(tmp_path, sql)
    for row in (r for r in rows if r["kind"] == "lnf"):
        assert row["v"] == pytest.approx(math.lgamma(row["i"] + 1), abs=1e-9), row
    got = {r["i"]: r["v"] for r in rows if r["kind"] == "bh"}
    assert [got[i] for i in range(len(p))] == pytest.approx(list(multipletests(p, method="fdr_bh")[1]))
    # the attainment rule's normal distribution function (Abramowitz & Stegun 7.1.26) against scipy's
    phi = {r["i"]: r["v"] for r in rows if r["kind"] == "phi"}
    assert [phi[i] for i in range(len(zs))] == pytest.approx(list(stats.norm.cdf(zs)), abs=2e-7)


def test_forecast_source_tables_are_created_with_the_forecasting_columns(tmp_path, dbt_manifest):
    db = tmp_path / "fresh.duckdb"  # nothing in it: the on-run-start hook creates the forecasting tables
    run_dbt(db, tmp_path, "run", select_models="stg_forecasting__sales_forecast", as_of=AS_OF.isoformat())
    for table, (_, columns) in TABLES.items():
        got = [r["column_name"] for r in _rows(db, f"describe marts.{table}")]
        assert got == list(columns), table


def test_alert_settings_defaults_validation_and_the_shipped_file(tmp_path):
    shipped = load_config(PROJECT_ROOT / "config" / "forecasting.yml", ForecastingConfig)
    assert shipped.alerts == AlertSettings()  # the file in the repository lists the defaults
    path = tmp_path / "forecasting.yml"
    path.write_text("alerts:\n  churn:\n    expected_orders: 6\n    high_expected_orders: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, ForecastingConfig)
    assert "alerts.churn" in str(error.value) and "high_expected_orders" in str(error.value)
    path.write_text("alerts:\n  visits:\n    drop: 0.3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="alerts.visits.drop"):
        load_config(path, ForecastingConfig)
