"""Training effectiveness (培训效果评估): difference in differences with statsmodels, and assessment scores.

The statistics only; which reps and months are compared is decided in dbt (int_training_panel: trained reps'
months around their completion, untrained reps over the same calendar months) and the verdict rule is SQL
(forecasting/training_tables.py). docs/process_analytics.md has the worked example.

The model, per group (course or topic) and outcome (monthly net sales, win rate, attainment):

    y[rep, month] = rep effect + month effect + beta * trained_and_after[rep, month] + error

estimated by OLS with the rep fixed effects absorbed (every column demeaned within rep: Frisch-Waugh-Lovell
gives exactly the beta of the OLS with one dummy per rep) and the month effects as dummies, standard errors
clustered by rep (statsmodels `cov_type="cluster"`, t with G - 1 degrees of freedom). Absorbing instead of
adding rep dummies keeps the design at (rows x months) whatever the number of reps; the small-sample factor
(N - 1) / (N - K) x G / (G - 1) then counts K = 1 + months - 1 columns, not the rep dummies, which are nested
in the clusters (the convention of Stata's xtreg, fe and reghdfe). tests/test_training_effect.py checks
beta against the dummy regression and recovers a known effect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

OUTCOMES = ("net_sales", "win_rate", "attainment")
METHOD = "DiD: OLS, rep fixed effects (absorbed) + month dummies, SE clustered by rep"
ASSESSMENT_METHOD = "OLS: later attainment on assessment score (per 10 points), HC1 SE"


@dataclass(frozen=True)
class Estimate:
    effect: float | None
    ci_lower: float | None
    ci_upper: float | None
    p_value: float | None
    treated_reps: int
    control_reps: int
    observations: int
    treated_pre_mean: float | None  # the trained reps' outcome before completion (scale of the effect)
    treated_post_mean: float | None
    control_mean: float | None


def _one_blas_thread():
    """Small dense fits: BLAS threads only contend with each other and with DuckDB (measured: a 1,400 x 24 SVD
    took 0.2 s with OpenBLAS's threads on a busy 2-core machine, under 1 ms with one)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _empty(treated: int, control: int, n: int) -> Estimate:
    return Estimate(None, None, None, None, treated, control, n, None, None, None)


def did_estimate(panel: pd.DataFrame, outcome: str, confidence: float = 0.95, min_reps: int = 2) -> Estimate:
    """Difference in differences of `outcome` on a panel with columns rep_id, month_start, trained, is_post.

    A trained rep counts when it has an observed month on both sides of its completion; untrained reps when
    they have two observed months (one month carries nothing once its rep mean is taken out). Fewer than
    `min_reps` on either side: no estimate (counts only).
    """
    import statsmodels.api as sm

    rows = panel.loc[panel[outcome].notna(), ["rep_id", "month_start", "trained", "is_post", outcome]]
    rows = rows.astype({"trained": bool, "is_post": bool})
    trained = rows[rows["trained"]]
    sides = trained.groupby("rep_id")["is_post"].agg(["min", "max"])
    treated_ids = set(sides.index[(~sides["min"]) & sides["max"]])
    untrained = rows[~rows["trained"]]
    sizes = untrained.groupby("rep_id").size()
    control_ids = set(sizes.index[sizes >= 2])
    rows = rows[rows["rep_id"].isin(treated_ids | control_ids)]
    n_t, n_c, n = len(treated_ids), len(control_ids), len(rows)
    if n_t < min_reps or n_c < min_reps or rows["month_start"].nunique() < 2:
        return _empty(n_t, n_c, n)

    y = rows[outcome].astype(float)
    d = (rows["trained"] & rows["is_post"]).astype(float).rename("trained_after")
    months = pd.get_dummies(rows["month_start"], prefix="m", drop_first=True, dtype=float)
    x = pd.concat([d, months], axis=1)
    groups = rows["rep_id"].to_numpy()
    y_within = y - y.groupby(groups).transform("mean")
    x_within = x - x.groupby(groups).transform("mean")
    x_within = x_within.loc[:, x_within.abs().sum() > 1e-12]  # a month only one rep saw carries nothing
    if "trained_after" not in x_within:
        return _empty(n_t, n_c, n)
    codes = pd.factorize(groups)[0]
    with _one_blas_thread():
        fit = sm.OLS(y_within.to_numpy(), x_within.to_numpy()).fit(
            cov_type="cluster", cov_kwds={"groups": codes}, use_t=True
        )
    i = list(x_within.columns).index("trained_after")
    low, high = fit.conf_int(alpha=1 - confidence)[i]
    treated_rows = rows[rows["trained"]]
    return Estimate(
        effect=float(fit.params[i]),
        ci_lower=float(low),
        ci_upper=float(high),
        p_value=float(fit.pvalues[i]),
        treated_reps=n_t,
        control_reps=n_c,
        observations=n,
        treated_pre_mean=float(treated_rows.loc[~treated_rows["is_post"], outcome].mean()),
        treated_post_mean=float(treated_rows.loc[treated_rows["is_post"], outcome].mean()),
        control_mean=float(rows.loc[~rows["trained"], outcome].mean()),
    )


def assessment_slope(scores: pd.DataFrame, confidence: float = 0.95, min_reps: int = 2) -> Estimate:
    """Later attainment on the assessment score (effect per 10 points): columns assessment_score,
    later_attainment, one row per rep."""
    import statsmodels.api as sm

    rows = scores.dropna(subset=["assessment_score", "later_attainment"])
    n = len(rows)
    if n < max(min_reps, 3) or rows["assessment_score"].nunique() < 2:
        return _empty(n, 0, n)
    x = sm.add_constant(rows["assessment_score"].astype(float).to_numpy() / 10.0)
    with _one_blas_thread():
        fit = sm.OLS(rows["later_attainment"].astype(float).to_numpy(), x).fit(cov_type="HC1", use_t=True)
    low, high = fit.conf_int(alpha=1 - confidence)[1]
    return Estimate(
        effect=float(fit.params[1]),
        ci_lower=float(low),
        ci_upper=float(high),
        p_value=float(fit.pvalues[1]),
        treated_reps=n,
        control_reps=0,
        observations=n,
        treated_pre_mean=None,
        treated_post_mean=float(rows["later_attainment"].mean()),
        control_mean=None,
    )


ESTIMATE_COLUMNS = (
    "analysis",
    "group_type",
    "group_id",
    "group_name",
    "topic",
    "metric",
    "effect",
    "ci_lower",
    "ci_upper",
    "p_value",
    "p_value_adjusted",
    "treated_reps",
    "control_reps",
    "observations",
    "treated_pre_mean",
    "treated_post_mean",
    "control_mean",
    "method",
)


def estimate_all(
    panel: pd.DataFrame, assessments: pd.DataFrame, confidence: float = 0.95, min_reps: int = 2
) -> pd.DataFrame:
    """One row per group x outcome (analysis did) and per course (analysis assessment), ESTIMATE_COLUMNS."""
    out = []
    with _one_blas_thread():
        for (group_type, group_id), group in panel.groupby(["group_type", "group_id"], sort=True):
            name, topic = group["group_name"].iloc[0], group["topic"].iloc[0]
            for outcome in OUTCOMES:
                e = did_estimate(group, outcome, confidence, min_reps)
                out.append(("did", group_type, group_id, name, topic, outcome, *_values(e), METHOD))
        for course_id, group in assessments.groupby("course_id", sort=True):
            e = assessment_slope(group, confidence, min_reps)
            name, topic = group["course_name"].iloc[0], group["topic"].iloc[0]
            row = ("assessment", "course", course_id, name, topic, "attainment", *_values(e), ASSESSMENT_METHOD)
            out.append(row)
    columns = [c for c in ESTIMATE_COLUMNS if c != "p_value_adjusted"]
    frame = pd.DataFrame(out, columns=columns)
    for column in ("effect", "ci_lower", "ci_upper", "p_value", "treated_pre_mean", "treated_post_mean"):
        frame[column] = frame[column].astype(float)
    frame["control_mean"] = frame["control_mean"].astype(float)
    frame.insert(columns.index("p_value") + 1, "p_value_adjusted", holm_adjusted(frame))
    return frame


def holm_adjusted(frame: pd.DataFrame) -> pd.Series:
    """Holm's step-down adjustment of p_value within each family of tests one run makes (analysis x
    group_type: every course x metric, every topic x metric, every course's assessment slope). Twelve courses
    and three metrics are 36 tests: at 5 % about two would look significant by chance alone."""
    from statsmodels.stats.multitest import multipletests

    adjusted = pd.Series(float("nan"), index=frame.index)
    for _, family in frame.groupby(["analysis", "group_type"]):
        p = family["p_value"].dropna()
        if not p.empty:
            adjusted[p.index] = multipletests(p.to_numpy(), method="holm")[1]
    return adjusted


def _values(e: Estimate) -> tuple:
    return (
        e.effect,
        e.ci_lower,
        e.ci_upper,
        e.p_value,
        e.treated_reps,
        e.control_reps,
        e.observations,
        e.treated_pre_mean,
        e.treated_post_mean,
        e.control_mean,
    )


def synthetic_panel(
    reps: int = 60, months: int = 24, effect: float = 10.0, trained_share: float = 0.5, seed: int = 1
) -> pd.DataFrame:
    """A panel with a known effect, for tests and the docs: rep and month effects, noise, staggered
    completions in the middle third of the months; the trained reps' outcome rises by `effect` after."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    month_starts = [start + pd.DateOffset(months=k) for k in range(months)]
    month_effect = rng.normal(0, 5, months)
    rows = []
    for r in range(reps):
        rep_effect = rng.normal(100, 20)
        is_trained = r < reps * trained_share
        done = int(rng.integers(months // 3, 2 * months // 3)) if is_trained else None
        for k, m in enumerate(month_starts):
            if done is not None and k == done:
                continue  # the completion month is left out, as int_training_panel does
            post = done is not None and k > done
            y = rep_effect + month_effect[k] + (effect if post else 0.0) + rng.normal(0, 8)
            rows.append((f"R{r:03d}", m.date(), is_trained, post, y))
    return pd.DataFrame(rows, columns=["rep_id", "month_start", "trained", "is_post", "net_sales"])
