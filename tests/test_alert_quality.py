"""The risk alerts' measured quality on the demo company: the floors of issue 15 (docs/alerts.md).

The demo company at its default size (seed 42, as of 2025-11-15) with the truth its generator writes beside the
landing folder (churn dates, injected cancellation spikes and visit drops, how each quarter ended), replayed at the
middle of 2025's first three quarters the lean way (bench/alert_replay.py: the alert models and their ancestors
with `dbt run`, no forecast: none of the scored rules reads one) and scored by bench/alert_quality.py. `make bench`
runs the same replays through Dagster at seven dates (docs/alerts.md has those figures).
"""

from __future__ import annotations

import datetime as dt

import pytest

from bench.alert_quality import score
from bench.alert_replay import build_company, replay
from bench.alerts_bench import FINAL_AS_OF
from salesperf.demo import DEFAULT_SCALE

pytestmark = pytest.mark.slow  # generates, ingests and builds the demo company four times: not in make test-fast

REPLAY_DATES = (dt.date(2025, 2, 15), dt.date(2025, 5, 15), dt.date(2025, 8, 15))


@pytest.fixture(scope="module")
def quality(tmp_path_factory, dbt_manifest) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("alert_quality")
    company = build_company(root, scale=DEFAULT_SCALE, seed=42, as_of=FINAL_AS_OF, lean=True, log=lambda _: None)
    replay(company, REPLAY_DATES, lean=True, log=lambda _: None)
    return score(company.results_db)


def test_churn_alerts_are_mostly_real_churners_and_find_most_of_them(quality):
    churn = quality["customer_churn_risk"]
    assert churn["positives"] >= 50  # enough churners to measure on
    # Issue 15's goal: precision >= 40 % at recall >= 70 %. Measured here (docs/alerts.md, "Churn and thin pipeline
    # retuned"): 223 alerts, precision 44.8 %, recall 72.5 % (100 of 138 churned customers worth winning back);
    # the merged rule before it (raw company clock, 5 expected orders) 45.3 % / 69.6 %.
    assert churn["precision"] >= 0.40 and churn["recall"] >= 0.70, churn


def test_no_cancellation_or_visit_alert_where_none_was_injected(quality):
    for rule in ("cancellation_spike", "visit_drop"):
        figures = quality[rule]
        assert figures["false_alerts"] == 0, (rule, figures)
        assert figures["recall_cases"] >= 3, (rule, figures)  # episodes overlapping a replay window: measurable
    # and the cancellation spikes are found (docs/alerts.md: 4 of 9 over 7 replays). Visits are not: at ~9 visits a
    # month no test separates an injected drop from chance among ~90 reps (docs/alerts.md), so no recall floor.
    assert quality["cancellation_spike"]["recall"] > 0, quality["cancellation_spike"]


def test_attainment_at_risk_finds_the_quarters_that_end_short(quality):
    reps = quality["attainment_at_risk"]
    assert reps["population"] >= 200
    assert reps["recall"] >= 0.80 and reps["precision"] >= 0.60, reps
    # Within one as-of date the seasonal run-rate ranks reps exactly as the plain run-rate does (both are actual /
    # target times one factor of the date); across dates it is calibrated: its mean error is smaller
    assert abs(reps["bias_points"]) < abs(reps["bias_points_plain_run_rate"]), reps
    assert reps["auc_projection"] >= 0.8, reps


def test_thin_pipeline_fires_for_a_minority_of_reps(quality):
    # Issue 15: the rule fired for 73 of 86 reps before it, and at coverage 0.5x still for 50-59 of 86-90 reps
    # (docs/alerts.md); at the default 0.25x for fewer than half the reps employed on every replay date.
    replays = quality["thin_pipeline"]["reps_alerted_per_replay"]
    assert len(replays) == len(REPLAY_DATES)
    for r in replays:
        assert r["reps"] >= 50 and 0 < r["reps_alerted"] < 0.5 * r["reps"], replays


def test_a_manager_reads_a_short_list(quality):
    for rule in ("customer_churn_risk", "cancellation_spike", "visit_drop", "attainment_at_risk"):
        # the digest lists at most 10 per manager; each rule alone stays well inside that on average
        assert (quality[rule].get("per_manager_mean") or 0) <= 7, (rule, quality[rule])
