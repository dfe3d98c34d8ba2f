"""Synthetic monthly sales series with known structure (tests and the scale benchmark).

value = level x growth^t x month-of-year factor x (1 - sf_depth x Spring Festival share) x (1 + noise),
then injected anomalies multiply chosen months. The Spring Festival share is the model's own regressor, so
the true festival coefficient is known (-sf_depth x the local level).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from forecasting.calendar import month_range, spring_festival_regressor

# A sales-like month-of-year pattern: a slow Q1, quarter-end pushes, a strong December.
MONTH_FACTOR = np.array([0.9, 0.9, 1.05, 0.95, 1.0, 1.1, 0.9, 0.9, 1.05, 0.9, 1.05, 1.3])


def synthetic_series(
    n_months: int = 48,
    *,
    start: dt.date = dt.date(2022, 1, 1),
    level: float = 1_000_000.0,
    yearly_growth: float = 0.12,
    seasonality: float = 1.0,
    sf_depth: float = 1.0,
    noise: float = 0.03,
    anomalies: dict[int, float] | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, list[dt.date]]:
    rng = np.random.default_rng(seed)
    months = month_range(start, n_months)
    t = np.arange(n_months)
    season = 1 + seasonality * (MONTH_FACTOR[[m.month - 1 for m in months]] - 1)
    sf = spring_festival_regressor(months)
    y = level * (1 + yearly_growth) ** (t / 12) * season * (1 - sf_depth * sf) * (1 + rng.normal(0, noise, n_months))
    for index, factor in (anomalies or {}).items():
        y[index] *= factor
    return y, months
