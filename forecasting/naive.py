"""The baselines: seasonal naive (every series; the fall-back) and the recent mean (intermittent series)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from forecasting.base import SEASON, FittedModel, Forecast, ModelFailure, z_value


def seasonal_naive(y: np.ndarray, months: list[dt.date], h: int, level: float, point_only: bool = False) -> Forecast:
    """Same month last year; with under a year of history, the mean of the last three months.

    Interval: the root mean square of the year-on-year changes, widening with each year ahead."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    z = z_value(level)
    steps = np.arange(1, h + 1)
    if n > SEASON:
        mean = np.array([y[n - SEASON + (i % SEASON)] for i in range(h)], dtype=float)
        errors = y[SEASON:] - y[:-SEASON]
        sigma = float(np.sqrt(np.mean(errors**2)))
        width = z * sigma * np.sqrt((steps - 1) // SEASON + 1)
        detail = "seasonal naive"
    elif n >= 1:
        tail = y[-min(3, n) :]
        mean = np.full(h, float(np.mean(tail)))
        sigma = float(np.std(np.diff(y))) if n > 2 else float(abs(np.mean(tail)) * 0.5)
        width = z * sigma * np.sqrt(steps)
        detail = "mean of the last 3 months (under a year of history)"
    else:
        raise ModelFailure("empty series")
    return Forecast(mean, mean - width, mean + width, detail)


def recent_mean(y: np.ndarray, h: int, level: float) -> Forecast:
    """Mean of the last 12 months: the expected monthly rate of an intermittent series (a sale every few months
    becomes a small steady amount, not a repeated spike). Interval: the spread of those months around it,
    clipped at zero by the guard."""
    recent = np.asarray(y, dtype=float)[-SEASON:]
    if len(recent) == 0:
        raise ModelFailure("empty series")
    centre = float(np.mean(recent))
    spread = float(np.std(recent, ddof=1)) if len(recent) > 1 else abs(centre)
    width = z_value(level) * spread * np.sqrt(1 + 1 / len(recent))
    mean = np.full(h, centre)
    return Forecast(mean, mean - width, mean + width, f"mean of the last {len(recent)} months")


class FittedSeasonalNaive(FittedModel):
    name = "snaive"

    def __init__(self, y: np.ndarray) -> None:
        if len(y) == 0:
            raise ModelFailure("empty series")
        self.y = np.asarray(y, dtype=float)
        self.detail = "seasonal naive" if len(y) > SEASON else "mean of the last 3 months (under a year of history)"

    def point(self, origin: int, h: int) -> np.ndarray:
        return seasonal_naive(self.y[:origin], [], h, 0.8, point_only=True).mean

    def interval(self, origin: int, h: int, level: float) -> Forecast:
        return seasonal_naive(self.y[:origin], [], h, level)


class FittedRecentMean(FittedModel):
    name = "recent_mean"

    def __init__(self, y: np.ndarray) -> None:
        if len(y) == 0:
            raise ModelFailure("empty series")
        self.y = np.asarray(y, dtype=float)
        self.detail = f"mean of the last {min(len(y), SEASON)} months"

    def point(self, origin: int, h: int) -> np.ndarray:
        return recent_mean(self.y[:origin], h, 0.8).mean

    def interval(self, origin: int, h: int, level: float) -> Forecast:
        return recent_mean(self.y[:origin], h, level)
