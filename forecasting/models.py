"""One-shot model functions (fit and forecast in one call) and the names the rest of the project imports.

The forecasting asset fits, backtests and selects through `forecasting.selection.forecast_series`; the model
families live in `forecasting.naive`, `forecasting.ets` and `forecasting.sarimax`. The functions here serve
callers that want one model's forecast without a backtest (`forecasting.potential`, tests).
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np

from forecasting.base import (  # noqa: F401 - re-exported
    MIN_SARIMAX_MONTHS,
    MIN_SEASONAL_MONTHS,
    SEASON,
    FitLog,
    Forecast,
    ModelFailure,
    TooShort,
    guard,
    smape,
)
from forecasting.naive import seasonal_naive
from forecasting.sarimax import sarimax
from forecasting.selection import BacktestScore, SeriesResult, backtest_origins, forecast_series  # noqa: F401


def ets(
    y: np.ndarray, months: list[dt.date], h: int, level: float, config: tuple | None = None, point_only: bool = False
) -> Forecast:
    """Additive-error ETS with additive seasonality; trend none or damped additive, chosen by AICc unless
    `config` fixes it (a non-seasonal configuration is left out: monthly sales are seasonal, and every
    candidate costs a fit per series).
    Heuristic initial states keep a fit to ~15 ms."""
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    if len(y) < MIN_SEASONAL_MONTHS:
        raise TooShort(f"ETS needs {MIN_SEASONAL_MONTHS} months, has {len(y)}")
    candidates = [config] if config else [(None, "add"), ("add", "add")]
    # Positions, not dates: statsmodels' date-index handling cost more than the fit itself. The backtest takes a
    # plain array; the final forecast a RangeIndex series (statsmodels' prediction intervals need an index).
    endog = y.astype(float) if point_only else pd.Series(y.astype(float))
    best = None
    for trend, seasonal in candidates:
        model = ETSModel(
            endog,
            error="add",
            trend=trend,
            damped_trend=trend is not None,
            seasonal=seasonal,
            seasonal_periods=SEASON if seasonal else None,
            initialization_method="heuristic",
        )
        try:
            result = model.fit(disp=False, maxiter=200)
        except Exception as exc:  # noqa: BLE001 - any numerical failure means: try the next one
            last_error = exc
            continue
        aicc = result.aicc if np.isfinite(result.aicc) else np.inf
        if best is None or aicc < best[0]:
            best = (aicc, (trend, seasonal), result)
    if best is None:
        raise ModelFailure(f"ETS failed: {last_error}")
    _, chosen, result = best
    detail = f"ETS(A,{'Ad' if chosen[0] else 'N'},{'A' if chosen[1] else 'N'})"
    if point_only:  # backtest: no intervals needed
        mean = np.asarray(result.forecast(h))
        return Forecast(mean, mean, mean, detail)
    frame = result.get_prediction(start=len(y), end=len(y) + h - 1).summary_frame(alpha=1 - level)
    if frame.isna().any().any():
        raise ModelFailure("ETS prediction has missing values")
    return Forecast(frame["mean"].to_numpy(), frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy(), detail)


def ets_config(detail: str) -> tuple:
    """'ETS(A,Ad,A)' -> ('add', 'add'): reuse the configuration chosen on the full series in the backtest."""
    parts = detail[4:-1].split(",")
    return ("add" if parts[1] == "Ad" else None, "add" if parts[2] == "A" else None)


MODEL_FUNCTIONS = {"snaive": seasonal_naive, "ets": ets, "sarimax": sarimax}


def run_model(
    name: str, y: np.ndarray, months: list[dt.date], h: int, level: float, guard_ratio: float, log: FitLog, **kwargs
) -> Forecast:
    """Fit and forecast one model with warnings captured into `log`; raises ModelFailure."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            forecast = MODEL_FUNCTIONS[name](y, months, h, level, **kwargs)
        except ModelFailure:
            raise
        except Exception as exc:  # noqa: BLE001
            raise ModelFailure(f"{name} failed: {exc}") from exc
    for warning in caught:
        if issubclass(warning.category, ConvergenceWarning):
            log.convergence_warnings += 1
        else:
            log.other_warnings += 1
    return guard(forecast, y, guard_ratio)
