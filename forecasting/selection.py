"""One series: fit every eligible model once, backtest them over rolling origins, publish the best (or the mean
of the best two where the backtest favours it) with a prediction interval, and measure that interval's coverage
on the backtest.

Rolling origins: every `backtest_horizon` (3) months back from the end, `origins` (4) of them, each forecasting
the next 3 months from the data before it: 12 held-out months covering a full year. MASE is scaled per origin
by the in-sample mean absolute error of the seasonal naive. Models reuse the parameters of their single fit at
every origin (states are re-filtered from data before the origin only), which is what makes selecting among
six models affordable (docs/forecasting.md, Speed).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass

import numpy as np

from forecasting.base import (
    MIN_SEASONAL_MONTHS,
    SEASON,
    FitLog,
    FittedModel,
    Forecast,
    ModelFailure,
    TooShort,
    guard,
    guard_point,
    intermittent,
    mase_scale,
    smape,
)
from forecasting.calendar import add_months
from forecasting.ets import ETS_SPECS, FittedETS
from forecasting.naive import FittedRecentMean, FittedSeasonalNaive
from forecasting.sarimax import FittedAirline

# Simpler first: a tie in backtest MASE goes to the earlier model.
MODEL_ORDER = ("snaive", "recent_mean", "ets", "ets_log", "ets_mul", "sarimax", "sarimax_log")
DEFAULT_MODELS = ("snaive", "ets", "ets_mul", "sarimax", "sarimax_log")  # as forecasting.yml
COMBINATION = "combination"


@dataclass(frozen=True)
class BacktestScore:
    model: str
    status: str  # ok | failed | ineligible
    origins: int
    points: int
    mase: float
    smape: float
    mae: float
    detail: str
    coverage: float = math.nan  # share of backtest actuals inside the interval (published models only)


@dataclass(frozen=True)
class SeriesResult:
    level: str
    key: str
    history_months: int
    model: str  # the model whose forecast was published (or "combination")
    selected_by_backtest: str  # the backtest winner (differs from `model` when its final forecast was rejected)
    fallback_reason: str  # '' unless seasonal naive is published because other models failed
    months: list[dt.date]
    forecast: Forecast
    scores: list[BacktestScore]
    convergence_warnings: int
    failures: dict[str, str]


def backtest_origins(n: int, origins: int, horizon: int, min_train: int) -> list[int]:
    """Training lengths of the rolling origins: every `horizon` months back from the end, oldest first."""
    return [n - horizon * k for k in range(origins, 0, -1) if n - horizon * k >= min_train]


def _fit(name: str, y: np.ndarray, months: list[dt.date], init_len: int) -> FittedModel:
    if name == "snaive":
        return FittedSeasonalNaive(y)
    if name == "recent_mean":
        return FittedRecentMean(y)
    if name in ETS_SPECS:
        return FittedETS(name, y, init_len)
    if name in ("sarimax", "sarimax_log"):
        return FittedAirline(name, y, months)
    raise ValueError(f"unknown model {name!r}")


@dataclass
class _Backtest:
    forecasts: list[np.ndarray]  # per origin
    score: BacktestScore


def _score(
    name: str, detail: str, forecasts: list[np.ndarray], y: np.ndarray, points: list[int], horizon: int
) -> BacktestScore:
    errors, scaled, sm = [], [], []
    for origin, f in zip(points, forecasts, strict=True):
        test = y[origin : origin + horizon]
        errors.extend(np.abs(test - f))
        scaled.extend(np.abs(test - f) / mase_scale(y[:origin]))
        sm.extend(smape(test, f))
    return BacktestScore(
        name, "ok", len(points), len(errors), float(np.mean(scaled)), float(np.mean(sm)), float(np.mean(errors)), detail
    )


def _backtest(fitted: FittedModel, y: np.ndarray, points: list[int], horizon: int, ratio: float) -> _Backtest:
    forecasts = []
    for origin in points:
        h = min(horizon, len(y) - origin)
        f = fitted.point(origin, h)
        guard_point(f, y[:origin], ratio)
        forecasts.append(np.clip(f, 0, None))  # what the guard does to a published forecast
    return _Backtest(forecasts, _score(fitted.name, fitted.detail, forecasts, y, points, horizon))


def _interval(parts: list[FittedModel], origin: int, h: int, level: float, y: np.ndarray, ratio: float) -> Forecast:
    """Guarded forecast with interval; for a combination, the mean of the parts' means and of their bounds."""
    forecasts = [guard(p.interval(origin, h, level), y[:origin], ratio) for p in parts]
    if len(forecasts) == 1:
        return forecasts[0]
    mean = np.mean([f.mean for f in forecasts], axis=0)
    lower = np.mean([f.lower for f in forecasts], axis=0)
    upper = np.mean([f.upper for f in forecasts], axis=0)
    detail = "mean of " + " and ".join(f"{p.name} ({p.detail})" for p in parts)
    return Forecast(mean, lower, upper, detail)


def _coverage(parts: list[FittedModel], y: np.ndarray, points: list[int], horizon: int, level: float, ratio: float):
    inside = []
    for origin in points:
        h = min(horizon, len(y) - origin)
        f = _interval(parts, origin, h, level, y, ratio)
        test = y[origin : origin + h]
        inside.extend((f.lower <= test) & (test <= f.upper))
    return float(np.mean(inside)) if inside else math.nan


def forecast_series(
    level: str,
    key: str,
    y: np.ndarray,
    months: list[dt.date],
    *,
    horizon: int = 12,
    level_pct: float = 0.8,
    models: tuple[str, ...] = DEFAULT_MODELS,
    origins: int = 4,
    backtest_horizon: int = 3,
    guard_ratio: float = 3.0,
    combine: bool = True,
) -> SeriesResult:
    """Fit, backtest and select; raises ModelFailure only when no model can forecast (an empty series)."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n == 0:
        raise ModelFailure(f"{level}/{key}: empty series")
    log = FitLog()
    points = backtest_origins(n, origins, backtest_horizon, MIN_SEASONAL_MONTHS)
    init_len = points[0] if points else n
    candidates = [m for m in MODEL_ORDER if m in models]
    ineligible: dict[str, str] = {}
    sparse = intermittent(y)
    if sparse:
        reason = "intermittent series: seasonal naive and the recent mean only"
        ineligible = {m: reason for m in candidates if m != "snaive"}
        candidates = ["snaive", "recent_mean"]
    with warnings.catch_warnings(record=True) as caught:  # counted, never printed: the asset reports them
        warnings.simplefilter("always")
        fitted, backtests = _fit_candidates(
            candidates, y, months, init_len, points, horizon, backtest_horizon, guard_ratio, ineligible, log
        )
        scores = {name: b.score for name, b in backtests.items() if name in fitted}
        options = _ranked_options(scores, backtests, y, points, backtest_horizon, combine)
        # Without a usable backtest (too short, or no scale: nothing sold before the origins) an intermittent series
        # gets its recent monthly rate, any other series seasonal naive; seasonal naive cannot fail on a non-empty one.
        default = ["recent_mean", "snaive"] if sparse and "recent_mean" in fitted else ["snaive"]
        winner = options[0][0] if options else default[0]
        options += [(name, [name]) for name in default]
        for name, parts in options:
            try:
                forecast = _interval([fitted[p] for p in parts], n, horizon, level_pct, y, guard_ratio)
                break
            except ModelFailure as exc:  # the interval exploded: next best
                log.failures[name] = str(exc)
        else:
            raise ModelFailure(f"{level}/{key}: no model could forecast ({log.failures})")
        published = name
        if name in scores:
            coverage = _coverage([fitted[p] for p in parts], y, points, backtest_horizon, level_pct, guard_ratio)
            scores[name] = _replace_coverage(scores[name], coverage)
        reason = ""
        if published == "snaive" and log.failures:  # fell back because other models failed or were rejected
            reason = "; ".join(f"{m}: {why}" for m, why in sorted(log.failures.items()))
    _count_warnings(caught, log)
    rows = _score_rows(candidates, models, scores, ineligible, log, points)
    future = [add_months(months[-1], i) for i in range(1, horizon + 1)] if months else []
    return SeriesResult(
        level, key, n, published, winner, reason, future, forecast, rows, log.convergence_warnings, log.failures
    )


def _fit_candidates(
    candidates: list[str],
    y: np.ndarray,
    months: list[dt.date],
    init_len: int,
    points: list[int],
    horizon: int,
    backtest_horizon: int,
    guard_ratio: float,
    ineligible: dict[str, str],
    log: FitLog,
) -> tuple[dict[str, FittedModel], dict[str, _Backtest]]:
    """Fit each candidate once and backtest it by re-filtering; a model that fails is recorded, not raised."""
    n = len(y)
    fitted: dict[str, FittedModel] = {}
    backtests: dict[str, _Backtest] = {}
    for name in candidates:
        try:
            model = _fit(name, y, months, init_len)
            guard_point(model.point(n, horizon), y, guard_ratio)  # the forecast we would publish
            if points:
                backtests[name] = _backtest(model, y, points, backtest_horizon, guard_ratio)
            fitted[name] = model
        except TooShort as exc:
            ineligible[name] = str(exc)
        except ModelFailure as exc:
            log.failures[name] = str(exc)
        except Exception as exc:  # noqa: BLE001 - any numerical failure of one model rejects that model only
            log.failures[name] = f"{name} failed: {exc}"
    return fitted, backtests


def _ranked_options(
    scores: dict[str, BacktestScore],
    backtests: dict[str, _Backtest],
    y: np.ndarray,
    points: list[int],
    backtest_horizon: int,
    combine: bool,
) -> list[tuple[str, list[str]]]:
    """(published name, models averaged) best first; adds the combination's score to `scores` when formed."""
    ranked = sorted(
        (s for s in scores.values() if np.isfinite(s.mase)), key=lambda s: (s.mase, MODEL_ORDER.index(s.model))
    )
    options: list[tuple[str, list[str]]] = [(s.model, [s.model]) for s in ranked]
    # Under a year of backtest months (a short history) the ranking rests on a few points: hedge the winner with
    # the baseline. Otherwise combine the best two where that scores better than the best alone.
    thin = len(points) * backtest_horizon < SEASON
    pair = []
    if combine and len(ranked) >= 2 and "snaive" in backtests:
        pair = [ranked[0].model, "snaive" if thin else ranked[1].model]
    if len(set(pair)) == 2:
        mean_forecasts = [np.mean(f, axis=0) for f in zip(*(backtests[m].forecasts for m in pair), strict=True)]
        detail = (
            "mean of " + " and ".join(pair) + (" (backtest under a year: hedged with the baseline)" if thin else "")
        )
        scores[COMBINATION] = _score(COMBINATION, detail, mean_forecasts, y, points, backtest_horizon)
        if thin or scores[COMBINATION].mase < ranked[0].mase:
            options.insert(0, (COMBINATION, pair))
    return options


def _replace_coverage(score: BacktestScore, coverage: float) -> BacktestScore:
    return BacktestScore(
        score.model,
        score.status,
        score.origins,
        score.points,
        score.mase,
        score.smape,
        score.mae,
        score.detail,
        coverage,
    )


def _count_warnings(caught: list[warnings.WarningMessage], log: FitLog) -> None:
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    for warning in caught:
        if issubclass(warning.category, ConvergenceWarning):
            log.convergence_warnings += 1
        else:
            log.other_warnings += 1


def _score_rows(
    candidates: list[str],
    models: tuple[str, ...],
    scores: dict[str, BacktestScore],
    ineligible: dict[str, str],
    log: FitLog,
    points: list[int],
) -> list[BacktestScore]:
    """One row per model considered (configured or added for intermittent series), then the combination."""
    names = [m for m in MODEL_ORDER if m in models or m in candidates]
    rows = []
    for name in names:
        if name in scores and name not in log.failures:
            rows.append(scores[name])
        elif name in log.failures:
            rows.append(BacktestScore(name, "failed", 0, 0, math.nan, math.nan, math.nan, log.failures[name]))
        else:
            why = ineligible.get(name) or f"under {MIN_SEASONAL_MONTHS + 3} months of history"
            rows.append(BacktestScore(name, "ineligible", 0, 0, math.nan, math.nan, math.nan, why))
    if COMBINATION in scores:
        rows.append(scores[COMBINATION])
    return rows
