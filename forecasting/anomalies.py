"""Anomalies in a monthly series: robust STL (locally constant seasonal: with four years a local-linear
seasonal smoother interpolates the first and last year exactly, leaving them zero residuals), Spring
Festival adjusted, residuals scored by a median-absolute-deviation z-score.

expected = trend + seasonal + beta x Spring Festival share (beta fitted robustly on the STL residuals, so the
moving festival dip is expected, not anomalous), on log sales when every month is positive (growth, season
and festival multiply), else on sales; score = (residual - median) / (1.4826 x MAD). A month is
an anomaly when |score| >= threshold; direction is `up` (above expected) or `down`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from forecasting.calendar import spring_festival_regressor

MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class Anomaly:
    month: dt.date
    actual: float
    expected: float
    score: float
    direction: str  # up | down


def mad_z(residuals: np.ndarray) -> np.ndarray:
    """Robust z-score; all zeros when the residuals have no spread."""
    centre = np.median(residuals)
    mad = np.median(np.abs(residuals - centre)) * MAD_TO_SIGMA
    if not np.isfinite(mad) or mad <= 0:
        return np.zeros_like(residuals)
    return (residuals - centre) / mad


def decompose(
    y: np.ndarray, months: list[dt.date], log_scale: bool = False, max_iterations: int = 12
) -> tuple[np.ndarray, float]:
    """Expected values (robust STL + Spring Festival term) and the festival coefficient, on `y`'s scale.

    STL and the festival coefficient are fitted alternately (backfitting) until the coefficient settles.
    On log sales the regressor is -log(1 - share): a share of the month's business lost multiplies sales.
    """
    from statsmodels.robust.norms import HuberT
    from statsmodels.robust.robust_linear_model import RLM
    from statsmodels.tsa.seasonal import STL

    y = np.asarray(y, dtype=float)
    share = spring_festival_regressor(months)
    sf = -np.log1p(-share) if log_scale else share
    # The part of each month's festival share a fixed 12-month seasonal cannot carry: its deviation from the
    # mean share of its calendar month.
    month_of_year = np.array([m.month for m in months])
    centred = sf - np.array([sf[month_of_year == m].mean() for m in month_of_year])
    beta = 0.0
    fit = None
    for _ in range(max_iterations):
        adjusted = y - beta * sf
        # seasonal=13: a spike leaks less into the same month of other years. outer_iter=2: with many robustness
        # passes on four years the weights collapse onto a few months and the residual scale shrinks to nothing.
        fit = STL(adjusted, period=12, seasonal=13, seasonal_deg=0, robust=True).fit(outer_iter=2)
        residual = adjusted - fit.trend - fit.seasonal
        if np.ptp(centred) == 0:
            break
        step = float(RLM(residual, centred[:, None], M=HuberT()).fit().params[0])
        beta += step
        if abs(step) <= 0.01 * abs(beta):
            break
    assert fit is not None
    return fit.trend + fit.seasonal + beta * sf, beta


def find_anomalies(y: np.ndarray, months: list[dt.date], threshold: float = 3.5, min_months: int = 24) -> list[Anomaly]:
    y = np.asarray(y, dtype=float)
    if len(y) < min_months or np.ptp(y) == 0:
        return []
    # Sales are multiplicative (growth x season x festival): decompose log sales where the series is positive.
    log_scale = bool(np.all(y > 0))
    expected, _ = decompose(np.log(y) if log_scale else y, months, log_scale)
    scores = mad_z((np.log(y) if log_scale else y) - expected)
    if log_scale:
        expected = np.exp(expected)
    return [
        Anomaly(months[i], float(y[i]), float(expected[i]), float(scores[i]), "up" if scores[i] > 0 else "down")
        for i in np.flatnonzero(np.abs(scores) >= threshold)
    ]
