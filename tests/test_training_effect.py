"""The training-effect statistics (forecasting/training_effect.py) on panels whose answer is known."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecasting.training_effect import assessment_slope, did_estimate, estimate_all, holm_adjusted, synthetic_panel


def test_two_by_two_by_hand():
    # Two trained reps (T1, T2) and two untrained ones (U1, U2), one month before and one after:
    #   trained:   before 100, 110 -> after 130, 150: change (130 + 150) / 2 - (100 + 110) / 2 = 35
    #   untrained: month 1  90,  95 -> month 2 100, 105: change 102.5 - 92.5 = 10
    # difference in differences: 35 - 10 = 25 (with rep and month effects the OLS gives exactly this)
    m1, m2 = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
    panel = pd.DataFrame(
        [
            ("T1", m1, True, False, 100.0),
            ("T1", m2, True, True, 130.0),
            ("T2", m1, True, False, 110.0),
            ("T2", m2, True, True, 150.0),
            ("U1", m1, False, False, 90.0),
            ("U1", m2, False, False, 100.0),
            ("U2", m1, False, False, 95.0),
            ("U2", m2, False, False, 105.0),
        ],
        columns=["rep_id", "month_start", "trained", "is_post", "net_sales"],
    )
    e = did_estimate(panel, "net_sales")
    assert e.effect == pytest.approx(25.0)
    assert (e.treated_reps, e.control_reps, e.observations) == (2, 2, 8)
    assert e.treated_pre_mean == pytest.approx(105.0) and e.treated_post_mean == pytest.approx(140.0)
    assert e.ci_lower < 25 < e.ci_upper


def test_known_uplift_is_recovered_and_a_null_effect_is_not_called_significant():
    known = did_estimate(synthetic_panel(effect=10.0, seed=3), "net_sales")
    assert known.ci_lower <= 10.0 <= known.ci_upper and known.p_value < 0.001
    null = did_estimate(synthetic_panel(effect=0.0, seed=3), "net_sales")
    assert null.ci_lower <= 0.0 <= null.ci_upper and null.p_value > 0.05
    # as properties over 40 panels each: the 95% interval covers the true effect about 95% of the time, and a
    # null effect is significant at 5% about 5% of the time (binomial: fewer than 34 covers or more than 7
    # false alarms would happen with probability < 0.5%)
    covers = sum(
        (e := did_estimate(synthetic_panel(effect=10.0, seed=s), "net_sales")).ci_lower <= 10 <= e.ci_upper
        for s in range(40)
    )
    alarms = sum(did_estimate(synthetic_panel(effect=0.0, seed=s), "net_sales").p_value < 0.05 for s in range(40))
    assert covers >= 34 and alarms <= 7


def test_absorbed_rep_effects_equal_the_dummy_regression():
    """Frisch-Waugh-Lovell: the same beta as OLS with one dummy per rep; the clustered standard errors differ only
    by the small-sample factor, which counts the rep dummies in one and not in the other."""
    import statsmodels.formula.api as smf

    panel = synthetic_panel(reps=20, months=12, effect=5.0, seed=11)
    ours = did_estimate(panel, "net_sales")
    data = panel.assign(d=(panel["trained"] & panel["is_post"]).astype(float), month=panel["month_start"].astype(str))
    groups = pd.factorize(data["rep_id"])[0]
    dummies = smf.ols("net_sales ~ d + C(rep_id) + C(month)", data=data).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )
    assert ours.effect == pytest.approx(dummies.params["d"], abs=1e-8)
    n, reps, months = len(data), data["rep_id"].nunique(), data["month"].nunique()
    k_dummies, k_within = 1 + (reps - 1) + (months - 1) + 1, 1 + (months - 1)  # + the intercept
    se_ours = (ours.ci_upper - ours.effect) / stats.t.ppf(0.975, reps - 1)  # t with G - 1 degrees of freedom
    assert se_ours / dummies.bse["d"] == pytest.approx(np.sqrt((n - k_dummies) / (n - k_within)), rel=1e-6)


def test_too_few_reps_give_no_estimate():
    panel = synthetic_panel(reps=6, months=12, trained_share=1 / 6, seed=2)  # one trained rep
    e = did_estimate(panel, "net_sales", min_reps=2)
    assert e.effect is None and e.treated_reps == 1 and e.control_reps == 5


def test_assessment_slope_per_ten_points():
    # later attainment = 0.5 + 0.02 x score exactly: +0.2 per 10 points
    scores = pd.DataFrame({"assessment_score": [60.0, 70.0, 80.0, 90.0], "later_attainment": [1.7, 1.9, 2.1, 2.3]})
    e = assessment_slope(scores)
    assert e.effect == pytest.approx(0.2) and e.treated_reps == 4


def test_holm_adjustment_within_a_family():
    # p = 0.01, 0.04, 0.03 in one family: sorted 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, max(0.06, 0.04 x 1) = 0.06;
    # a second family with one test keeps its p
    frame = pd.DataFrame(
        {"analysis": ["did"] * 3 + ["assessment"], "group_type": ["course"] * 4, "p_value": [0.01, 0.04, 0.03, 0.02]}
    )
    assert list(holm_adjusted(frame)) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_estimate_all_rows():
    panel = synthetic_panel(effect=10.0, seed=5).assign(
        group_type="course", group_id="C1", group_name="课程", topic="销售技巧", win_rate=np.nan, attainment=np.nan
    )
    scores = pd.DataFrame(
        {
            "course_id": ["C1"] * 3,
            "course_name": ["课程"] * 3,
            "topic": ["销售技巧"] * 3,
            "assessment_score": [60.0, 70.0, 80.0],
            "later_attainment": [0.9, 1.0, 1.2],
        }
    )
    out = estimate_all(panel, scores)
    assert list(out[["analysis", "metric"]].itertuples(index=False, name=None)) == [
        ("did", "net_sales"),
        ("did", "win_rate"),
        ("did", "attainment"),
        ("assessment", "attainment"),
    ]
    did = out[out["metric"] == "net_sales"].iloc[0]
    assert did["ci_lower"] <= 10 <= did["ci_upper"] and np.isnan(out.iloc[1]["effect"])
