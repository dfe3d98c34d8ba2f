"""What every forecasting model shares: the forecast record, failures, the guard, and the fitted-model interface
the backtest and the selection use (`forecasting/selection.py`).

A model family is fitted **once** per series, on the whole history (statsmodels' fast path: fixed heuristic
initial states, loose optimiser tolerances, no covariance matrix). The rolling-origin backtest then reuses those
parameters and only re-runs the filter: `point(origin, h)` forecasts the `h` months after `y[:origin]` from the
state the model had reached at the origin (computed from data before the origin only). Intervals are computed
for the models that are published, not for every candidate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.stats import norm

SEASON = 12
MIN_SEASONAL_MONTHS = 24  # ETS (heuristic initialisation) and robust STL need two full years
MIN_SARIMAX_MONTHS = 30  # seasonal + first differencing eat 13 months; keep at least 17 to fit on


class ModelFailure(Exception):
    """A model could not be fitted, or produced a forecast the guard rejects."""


class TooShort(ModelFailure):
    """The series is too short for the model (not a failure: the model is ineligible)."""


@dataclass(frozen=True)
class Forecast:
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    detail: str = ""  # e.g. the ETS configuration chosen, the SF coefficient
    params: np.ndarray | None = None  # fitted parameters


@dataclass
class FitLog:
    """Convergence warnings and failures met while fitting one series."""

    convergence_warnings: int = 0
    other_warnings: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # model -> reason (last seen)


@lru_cache(maxsize=16)
def z_value(level: float) -> float:
    """Two-sided normal quantile of a central `level` interval (0.8 -> 1.2816)."""
    return float(norm.ppf(0.5 + level / 2))


class FittedModel:
    """One model family fitted on a whole series `y` (oldest first)."""

    name: str = ""
    detail: str = ""

    def point(self, origin: int, h: int) -> np.ndarray:
        """Point forecast of y[origin : origin + h] from the data before `origin` (the fitted parameters)."""
        raise NotImplementedError

    def interval(self, origin: int, h: int, level: float) -> Forecast:
        """Forecast with a `level` prediction interval of the `h` months from `origin` (len(y): the future)."""
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------------------
# Which series may get a multiplicative model


def positive_enough(y: np.ndarray, floor_share: float = 0.05) -> bool:
    """Multiplicative and log models need a strictly positive series whose smallest month is not a near-zero
    blip: one month at 1 % of the usual level is a factor of 100 in a multiplicative season (or -4.6 in logs),
    which such a model then projects into every future year. Rule: every month > 0 and the smallest at least
    `floor_share` (5 %) of the median month."""
    y = np.asarray(y, dtype=float)
    if len(y) == 0 or not np.all(np.isfinite(y)) or np.any(y <= 0):
        return False
    return float(np.min(y)) >= floor_share * float(np.median(y))


def intermittent(y: np.ndarray, window: int = 24, zero_share: float = 0.3) -> bool:
    """Sales in only some months: at least `zero_share` (30 %) of the last `window` (24) months are zero or
    negative (a month of net returns). Such series get seasonal naive and the recent mean only: a trend or a
    seasonal pattern estimated from a few sales months is noise."""
    recent = np.asarray(y, dtype=float)[-window:]
    return len(recent) > 0 and float(np.mean(recent <= 0)) >= zero_share


# ---------------------------------------------------------------------------------------------------------
# Guard: a model that explodes (or returns NaN) is rejected; the series falls back.


def guard(forecast: Forecast, y: np.ndarray, ratio: float) -> Forecast:
    """Reject non-finite or absurd forecasts; clip at zero (monthly net sales are not negative)."""
    arrays = (forecast.mean, forecast.lower, forecast.upper)
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise ModelFailure("guard: non-finite forecast")
    guard_point(forecast.mean, y, ratio)
    scale = _recent_scale(y)
    if np.max(forecast.upper - forecast.lower) > 4 * ratio * scale:
        raise ModelFailure("guard: prediction interval wider than the series could plausibly move")
    mean = np.clip(forecast.mean, 0, None)
    lower = np.clip(np.minimum(forecast.lower, mean), 0, None)
    upper = np.maximum(forecast.upper, mean)
    return Forecast(mean, lower, upper, forecast.detail, forecast.params)


def _recent_scale(y: np.ndarray) -> float:
    recent = np.asarray(y)[-24:]
    scale = float(np.max(np.abs(recent))) if len(recent) else 0.0
    return scale if scale > 0 else 1.0


def guard_point(mean: np.ndarray, y: np.ndarray, ratio: float) -> None:
    """The point part of the guard (also applied to every backtest forecast)."""
    if not np.all(np.isfinite(mean)):
        raise ModelFailure("guard: non-finite forecast")
    scale = _recent_scale(y)
    if np.max(mean) > ratio * scale or np.min(mean) < -0.5 * scale:
        raise ModelFailure(f"guard: forecast outside [-0.5, {ratio:g}] x the recent maximum")


# ---------------------------------------------------------------------------------------------------------
# Error measures


def mase_scale(train: np.ndarray) -> float:
    """MASE denominator: in-sample mean absolute error of the seasonal naive (naive with < 13 months)."""
    lag = SEASON if len(train) > SEASON else 1
    if len(train) <= lag:
        return math.nan
    value = float(np.mean(np.abs(train[lag:] - train[:-lag])))
    return value if value > 0 else math.nan


def smape(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    denominator = np.abs(actual) + np.abs(forecast)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator == 0, 0.0, 200 * np.abs(actual - forecast) / denominator)
