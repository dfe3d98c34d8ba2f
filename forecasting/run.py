"""Every series -> forecast, backtest and anomaly rows (pandas frames ready to write)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecasting.anomalies import Anomaly, find_anomalies
from forecasting.base import ModelFailure
from forecasting.cache import load_cache, save_cache, series_key
from forecasting.parallel import parallel_map
from forecasting.selection import SeriesResult, forecast_series
from forecasting.series import Series
from salesperf.config.forecasting import ForecastingConfig


@dataclass(frozen=True)
class FitOutput:
    forecasts: pd.DataFrame
    backtest: pd.DataFrame
    anomalies: pd.DataFrame
    series: int
    seconds: float
    convergence_warnings: int
    series_with_convergence_warnings: int
    fallbacks: int  # series publishing seasonal naive because the other models failed or were rejected
    failures_by_model: dict[str, int]
    models_chosen: dict[str, int]
    refit: int = 0  # series fitted in this run
    reused: int = 0  # series whose fit came from the cache (unchanged history and settings)
    refit_by_level: dict[str, int] | None = None


def fit_one(
    series: Series, cfg: ForecastingConfig, anomalies: bool = True
) -> tuple[SeriesResult | None, list[Anomaly], str]:
    f = cfg.forecast
    try:
        result = forecast_series(
            series.level,
            series.key,
            series.values,
            series.months,
            horizon=f.horizon_months,
            level_pct=f.interval_level,
            models=tuple(f.models),
            origins=f.backtest_origins,
            backtest_horizon=f.backtest_horizon,
            guard_ratio=f.guard_ratio,
            combine=f.combine,
        )
        error = ""
    except ModelFailure as exc:
        result, error = None, str(exc)
    found = (
        find_anomalies(series.values, series.months, cfg.anomalies.threshold, cfg.anomalies.min_months)
        if anomalies
        else []
    )
    return result, found, error


def fit_all(
    series: list[Series],
    cfg: ForecastingConfig,
    max_workers: int | None = None,
    anomalies: bool = True,
    *,
    cache_path: Path | None = None,
    refit_all: bool = False,
) -> FitOutput:
    """Forecast (and, unless `anomalies` is False, scan for anomalies) every series in worker processes. With
    `cache_path`, a series whose history and settings are unchanged since the run that wrote the cache reuses
    that fit (forecasting/cache.py); `refit_all` fits every series anyway (and rewrites the cache)."""
    started = time.perf_counter()
    workers = max_workers or cfg.forecast.max_workers
    settings_json = cfg.forecast.model_dump_json() + cfg.anomalies.model_dump_json()
    keys = [series_key(s, settings_json, anomalies) for s in series]
    cached = {} if refit_all else load_cache(cache_path)
    todo = [i for i, k in enumerate(keys) if k not in cached]
    fitted = parallel_map(fit_one, [series[i] for i in todo], max_workers=workers, cfg=cfg, anomalies=anomalies)
    fresh = dict(zip((keys[i] for i in todo), fitted, strict=True))
    outcomes = [fresh[k] if k in fresh else cached[k] for k in keys]
    if cache_path is not None:
        save_cache(cache_path, dict(zip(keys, outcomes, strict=True)))
    refit_by_level: dict[str, int] = {}
    for i in todo:
        refit_by_level[series[i].level] = refit_by_level.get(series[i].level, 0) + 1
    seconds = time.perf_counter() - started
    forecast_rows, backtest_rows, anomaly_rows = [], [], []
    failures: dict[str, int] = {}
    chosen: dict[str, int] = {}
    warnings_total = warned_series = fallbacks = 0
    for s, (result, found, _error) in zip(series, outcomes, strict=True):
        for a in found:
            anomaly_rows.append((s.level, s.key, a.month, a.actual, a.expected, a.score, a.direction))
        if result is None:
            continue
        warnings_total += result.convergence_warnings
        warned_series += result.convergence_warnings > 0
        fallbacks += bool(result.fallback_reason)
        chosen[result.model] = chosen.get(result.model, 0) + 1
        for model in result.failures:
            failures[model] = failures.get(model, 0) + 1
        winner = {sc.model: sc for sc in result.scores}
        selected_mase = winner[result.model].mase if result.model in winner else float("nan")
        fc = result.forecast
        for i, month in enumerate(result.months):
            forecast_rows.append(
                (
                    s.level,
                    s.key,
                    month,
                    float(fc.mean[i]),
                    float(fc.lower[i]),
                    float(fc.upper[i]),
                    result.model,
                    i + 1,
                    cfg.forecast.interval_level,
                    fc.detail,
                    selected_mase,
                    result.history_months,
                    result.fallback_reason or None,
                )
            )
        baseline = winner.get("snaive")
        for sc in result.scores:
            rel = (
                sc.mase / baseline.mase if baseline and baseline.status == "ok" and baseline.mase > 0 else float("nan")
            )
            backtest_rows.append(
                (
                    s.level,
                    s.key,
                    sc.model,
                    sc.status,
                    sc.origins,
                    sc.points,
                    sc.mase,
                    sc.smape,
                    sc.mae,
                    baseline.mase if baseline else None,
                    baseline.smape if baseline else None,
                    rel,
                    sc.model == result.selected_by_backtest,
                    sc.model == result.model,
                    sc.detail or None,
                    sc.coverage,
                    cfg.forecast.interval_level,
                )
            )
    forecasts = pd.DataFrame(
        forecast_rows,
        columns=[
            "level",
            "key",
            "month",
            "forecast",
            "lower",
            "upper",
            "model",
            "horizon",
            "interval_level",
            "model_detail",
            "backtest_mase",
            "history_months",
            "fallback_reason",
        ],
    )
    backtest = pd.DataFrame(
        backtest_rows,
        columns=[
            "level",
            "key",
            "model",
            "status",
            "origins",
            "points",
            "mase",
            "smape",
            "mae",
            "snaive_mase",
            "snaive_smape",
            "relative_mase",
            "is_backtest_winner",
            "is_published",
            "detail",
            "coverage",
            "interval_level",
        ],
    )
    anomalies = pd.DataFrame(
        anomaly_rows, columns=["level", "key", "month", "actual", "expected", "score", "direction"]
    )
    # Typed even when empty (a company without history still gets well-typed tables).
    forecasts = forecasts.astype(
        {
            "forecast": float,
            "lower": float,
            "upper": float,
            "horizon": "int64",
            "interval_level": float,
            "backtest_mase": float,
            "history_months": "int64",
        }
    )
    backtest = backtest.astype(
        {
            "origins": "int64",
            "points": "int64",
            "mase": float,
            "smape": float,
            "mae": float,
            "snaive_mase": float,
            "snaive_smape": float,
            "relative_mase": float,
            "is_backtest_winner": bool,
            "is_published": bool,
            "coverage": float,
            "interval_level": float,
        }
    )
    anomalies = anomalies.astype({"actual": float, "expected": float, "score": float})
    return FitOutput(
        forecasts,
        backtest,
        anomalies,
        len(series),
        seconds,
        warnings_total,
        warned_series,
        fallbacks,
        failures,
        chosen,
        refit=len(todo),
        reused=len(series) - len(todo),
        refit_by_level=refit_by_level,
    )
