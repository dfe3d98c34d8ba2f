"""Fitting one monthly series: seasonal naive, exponential smoothing (ETS) and SARIMAX with a Spring Festival
regressor; rolling-origin backtest; model choice; guarded forecasts with prediction intervals.

Everything here is a pure function of a numpy array of monthly values (oldest first) and the months they
belong to, so it runs the same in a test, in a worker process and in the Dagster asset.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import solve_triangular, toeplitz
from scipy.stats import norm

from forecasting.calendar import add_months, spring_festival_regressor

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
    params: np.ndarray | None = None  # fitted parameters (SARIMAX: warm start of the backtest fits)


@dataclass
class FitLog:
    """Convergence warnings and failures met while fitting one series."""

    convergence_warnings: int = 0
    other_warnings: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # model -> reason (last seen)


# ---------------------------------------------------------------------------------------------------------
# Models: each takes the history (y, months) and returns a Forecast for the next `h` months.


def _z(level: float) -> float:
    return float(norm.ppf(0.5 + level / 2))


def seasonal_naive(y: np.ndarray, months: list[dt.date], h: int, level: float, point_only: bool = False) -> Forecast:
    """Same month last year; with under a year of history, the mean of the last three months."""
    n = len(y)
    z = _z(level)
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


def _difference(x: np.ndarray) -> np.ndarray:
    """(1 - L)(1 - L^12) x."""
    x = np.diff(x)
    return x[SEASON:] - x[:-SEASON]


def _integrate(y: np.ndarray, d_future: np.ndarray) -> np.ndarray:
    """Levels from forecasts of the differenced series: y_t = d_t + y_t-1 + y_t-12 - y_t-13."""
    path = list(y)
    for d in d_future:
        path.append(d + path[-1] + path[-SEASON] - path[-SEASON - 1])
    return np.array(path[len(y) :])


def _ma_autocovariance(ma: float, seasonal_ma: float, size: int) -> np.ndarray:
    """Autocovariances (unit innovation variance) of lags 0..size-1 of (1 + ma L)(1 + seasonal_ma L^12) e_t,
    an MA(13) with coefficients at lags 1, 12 and 13: only lags 0, 1, 11, 12 and 13 are non-zero."""
    gamma = np.zeros(max(size, SEASON + 2))
    gamma[0] = (1 + ma * ma) * (1 + seasonal_ma * seasonal_ma)
    gamma[1] = ma * (1 + seasonal_ma * seasonal_ma)
    gamma[SEASON - 1] = gamma[SEASON + 1] = ma * seasonal_ma
    gamma[SEASON] = seasonal_ma * (1 + ma * ma)
    return gamma[:size]


def _constrain(u: np.ndarray) -> np.ndarray:
    """Unconstrained -> (-1, 1): statsmodels' invertibility transform of a first-order MA polynomial."""
    return u / np.sqrt(1.0 + u * u)


def _unconstrain(theta: np.ndarray) -> np.ndarray:
    theta = np.clip(theta, -0.9999, 0.9999)
    return theta / np.sqrt(1.0 - theta * theta)


def _airline_profile(theta: np.ndarray, dy: np.ndarray, dx: np.ndarray) -> tuple[float, float, float]:
    """Exact Gaussian log-likelihood of the differenced regression dy = beta dx + MA errors with the scale and
    beta concentrated out (GLS), from the Cholesky factor of the errors' Toeplitz covariance. The same
    likelihood statsmodels' SARIMAX(simple_differencing=True, concentrate_scale=True) evaluates with a Kalman
    filter (a test checks), at ~1/20 of the cost: the differenced series has only ~35 observations."""
    n = len(dy)
    chol = np.linalg.cholesky(toeplitz(_ma_autocovariance(theta[0], theta[1], n)))
    z = solve_triangular(chol, np.column_stack([dy, dx]), lower=True, check_finite=False)
    zx_zx = float(z[:, 1] @ z[:, 1])
    beta = float(z[:, 1] @ z[:, 0]) / zx_zx if zx_zx > 0 else 0.0
    e = z[:, 0] - beta * z[:, 1]
    scale = float(e @ e) / n
    loglike = -0.5 * n * (math.log(2 * math.pi) + 1 + math.log(scale)) - float(np.log(np.diag(chol)).sum())
    return loglike, beta, scale


def _fit_airline(dy: np.ndarray, dx: np.ndarray, start: np.ndarray, maxiter: int) -> tuple[float, np.ndarray]:
    """Maximum likelihood (beta, ma, seasonal ma); L-BFGS-B over the two MA terms in statsmodels'
    unconstrained parametrisation, beta by GLS at every step (the profile likelihood has the same maximum)."""
    from scipy.optimize import minimize
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    def objective(u: np.ndarray) -> float:
        try:
            value = -_airline_profile(_constrain(u), dy, dx)[0] / len(dy)
        except (np.linalg.LinAlgError, ValueError):
            return 1e10
        return value if np.isfinite(value) else 1e10

    result = minimize(objective, _unconstrain(start), method="L-BFGS-B", options={"maxiter": maxiter})
    if not result.success:
        warnings.warn(f"airline model: {result.message}", ConvergenceWarning, stacklevel=2)
    theta = _constrain(result.x)
    _, beta, _ = _airline_profile(theta, dy, dx)
    return beta, theta


def _airline_forecast(
    y: np.ndarray,
    sf: np.ndarray,
    sf_future: np.ndarray,
    beta: float,
    theta: np.ndarray,
    h: int,
    level: float,
    point_only: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best linear predictor of the differenced errors from the joint Toeplitz covariance of past and future,
    integrated to levels; the interval is the integrated prediction-error covariance. These are the numbers the
    Kalman filter of the undifferenced model gives (its diffuse first 13 months carry exactly the information
    the differencing removes; a test compares the two to 1e-6)."""
    dy, dx = _difference(y), _difference(sf)
    n = len(dy)
    cov = toeplitz(_ma_autocovariance(theta[0], theta[1], n + h))
    chol = np.linalg.cholesky(cov[:n, :n])
    z_past = solve_triangular(chol, dy - beta * dx, lower=True, check_finite=False)
    cross = solve_triangular(chol, cov[:n, n:], lower=True, check_finite=False)
    d_future = beta * _difference(np.concatenate([sf, sf_future]))[-h:] + cross.T @ z_past
    mean = _integrate(y, d_future)
    if point_only:
        return mean, mean, mean
    scale = float(z_past @ z_past) / n
    error_cov = scale * (cov[n:, n:] - cross.T @ cross)
    # Levels integrate the differences with weights 1/((1 - L)(1 - L^12)) = sum_k (k // 12 + 1) L^k.
    k = np.arange(h)
    weights = np.where(k[:, None] >= k[None, :], (k[:, None] - k[None, :]) // SEASON + 1, 0)
    width = _z(level) * np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", weights, error_cov, weights), 0.0))
    return mean, mean - width, mean + width


def sarimax(
    y: np.ndarray,
    months: list[dt.date],
    h: int,
    level: float,
    start_params: np.ndarray | None = None,
    point_only: bool = False,
) -> Forecast:
    """Airline model SARIMA(0,1,1)(0,1,1)12 with the Spring Festival share of the month as a regressor
    (regression with SARIMA errors).

    Estimated and forecast in closed form on the differenced series (`_airline_profile`, `_airline_forecast`)
    rather than through statsmodels' state-space SARIMAX: the same likelihood and the same forecasts, but the
    Kalman filter's per-call overhead made SARIMAX ~60 % of the fitting time (issue 6, item 7)."""
    if len(y) < MIN_SARIMAX_MONTHS:
        raise TooShort(f"SARIMAX needs {MIN_SARIMAX_MONTHS} months, has {len(y)}")
    y = y.astype(float)
    future = [add_months(months[-1], i) for i in range(1, h + 1)]
    sf = spring_festival_regressor(months)
    sf_future = spring_festival_regressor(future)
    # Textbook MA terms as the cold start; backtest origins warm-start from the full-series fit. Both run to
    # convergence: an evaluation costs ~50 microseconds, so capping the warm starts no longer pays.
    start = np.array([-0.4, -0.4]) if start_params is None else np.asarray(start_params, dtype=float)[1:]
    try:
        beta, theta = _fit_airline(_difference(y), _difference(sf), start, maxiter=100)
        mean, lower, upper = _airline_forecast(y, sf, sf_future, beta, theta, h, level, point_only)
    except (np.linalg.LinAlgError, ValueError) as exc:
        raise ModelFailure(f"SARIMAX failed: {exc}") from exc
    params = np.array([beta, theta[0], theta[1]])
    detail = f"SARIMA(0,1,1)(0,1,1)12 + SF (coef {beta:,.0f})"
    return Forecast(mean, lower, upper, detail, params)


MODEL_FUNCTIONS = {"snaive": seasonal_naive, "ets": ets, "sarimax": sarimax}


# ---------------------------------------------------------------------------------------------------------
# Guard: a model that explodes (or returns NaN) is rejected; the series falls back.


def guard(forecast: Forecast, y: np.ndarray, ratio: float) -> Forecast:
    """Reject non-finite or absurd forecasts; clip at zero (monthly net sales are not negative)."""
    arrays = (forecast.mean, forecast.lower, forecast.upper)
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise ModelFailure("guard: non-finite forecast")
    recent = y[-24:]
    scale = float(np.max(np.abs(recent))) if len(recent) else 0.0
    scale = scale if scale > 0 else 1.0
    if np.max(forecast.mean) > ratio * scale or np.min(forecast.mean) < -0.5 * scale:
        raise ModelFailure(f"guard: forecast outside [-0.5, {ratio:g}] x the recent maximum")
    if np.max(forecast.upper - forecast.lower) > 4 * ratio * scale:
        raise ModelFailure("guard: prediction interval wider than the series could plausibly move")
    mean = np.clip(forecast.mean, 0, None)
    lower = np.clip(np.minimum(forecast.lower, mean), 0, None)
    upper = np.maximum(forecast.upper, mean)
    return Forecast(mean, lower, upper, forecast.detail, forecast.params)


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


# ---------------------------------------------------------------------------------------------------------
# Backtest and selection


def _scale(train: np.ndarray) -> float:
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


@dataclass(frozen=True)
class SeriesResult:
    level: str
    key: str
    history_months: int
    model: str  # the model whose forecast was published
    selected_by_backtest: str  # the backtest winner (differs from `model` when its final fit fell back)
    fallback_reason: str  # '' unless seasonal naive is published because other models failed
    months: list[dt.date]
    forecast: Forecast
    scores: list[BacktestScore]
    convergence_warnings: int
    failures: dict[str, str]


def backtest_origins(n: int, origins: int, horizon: int, min_train: int) -> list[int]:
    """Training lengths of the rolling origins: every `horizon` months back from the end, oldest first."""
    return [n - horizon * k for k in range(origins, 0, -1) if n - horizon * k >= min_train]


def forecast_series(  # noqa: C901  (being rewritten for issue 14; complexity is that rewrite's to cut)
    level: str,
    key: str,
    y: np.ndarray,
    months: list[dt.date],
    *,
    horizon: int = 12,
    level_pct: float = 0.8,
    models: tuple[str, ...] = ("snaive", "ets", "sarimax"),
    origins: int = 4,
    backtest_horizon: int = 3,
    guard_ratio: float = 3.0,
) -> SeriesResult:
    """Backtest every eligible model over rolling origins, pick the lowest MASE, forecast `horizon` months."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    log = FitLog()
    # Full-series fits first: they fix ETS's configuration and warm-start SARIMAX in the backtest.
    full: dict[str, Forecast] = {}
    extra: dict[str, dict] = {
        "snaive": {"point_only": True},
        "ets": {"point_only": True},
        "sarimax": {"point_only": True},
    }
    ineligible: dict[str, str] = {}
    for name in models:
        try:
            full[name] = run_model(name, y, months, horizon, level_pct, guard_ratio, log)
        except TooShort as exc:
            ineligible[name] = str(exc)
        except ModelFailure as exc:
            log.failures[name] = str(exc)
    if "ets" in full and full["ets"].detail.startswith("ETS("):
        extra["ets"]["config"] = ets_config(full["ets"].detail)
    if "sarimax" in full:
        extra["sarimax"]["start_params"] = full["sarimax"].params
    # Backtest on origins where every seasonal model could be fitted (seasonal naive needs 13 months).
    points = backtest_origins(n, origins, backtest_horizon, MIN_SEASONAL_MONTHS)
    scores: list[BacktestScore] = []
    for name in models:
        if name != "snaive" and name not in full:
            scores.append(
                BacktestScore(
                    name,
                    "failed" if name in log.failures else "ineligible",
                    0,
                    0,
                    math.nan,
                    math.nan,
                    math.nan,
                    log.failures.get(name) or ineligible.get(name, ""),
                )
            )
            continue
        errors, scaled, sm = [], [], []
        status, reason = "ok", ""
        for origin in points:
            train, test = y[:origin], y[origin : origin + backtest_horizon]
            try:
                f = run_model(name, train, months[:origin], len(test), level_pct, guard_ratio, log, **extra[name])
            except TooShort as exc:  # e.g. SARIMAX at an early origin: the model sits this series out
                status, reason = "ineligible", str(exc)
                break
            except ModelFailure as exc:
                status, reason = "failed", str(exc)
                break
            scale = _scale(train)
            errors.extend(np.abs(test - f.mean))
            scaled.extend(np.abs(test - f.mean) / scale)
            sm.extend(smape(test, f.mean))
        if status == "ok" and not points:
            status, reason = "ineligible", f"under {MIN_SEASONAL_MONTHS + backtest_horizon} months of history"
        if status != "ok":
            if status == "failed":
                log.failures[name] = reason
            scores.append(BacktestScore(name, status, 0, 0, math.nan, math.nan, math.nan, reason))
            continue
        scores.append(
            BacktestScore(
                name,
                "ok",
                len(points),
                len(errors),
                float(np.mean(scaled)),
                float(np.mean(sm)),
                float(np.mean(errors)),
                full[name].detail if name in full else "",
            )
        )
    ranked = sorted(
        (s for s in scores if s.status == "ok" and np.isfinite(s.mase)), key=lambda s: (s.mase, models.index(s.model))
    )
    winner = ranked[0].model if ranked else "snaive"
    model, reason = winner, ""
    if winner not in full:
        model = "snaive"
    if model == "snaive" and log.failures:  # fell back because other models failed or were rejected
        reason = "; ".join(f"{name}: {why}" for name, why in sorted(log.failures.items()))
    if model not in full:  # seasonal naive cannot fail on a non-empty series; an empty one has nothing to do
        raise ModelFailure(f"{level}/{key}: no model could forecast ({log.failures})")
    future = [add_months(months[-1], i) for i in range(1, horizon + 1)]
    return SeriesResult(
        level, key, n, model, winner, reason, future, full[model], scores, log.convergence_warnings, dict(log.failures)
    )
