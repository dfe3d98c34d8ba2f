"""SARIMA(0,1,1)(0,1,1)12 (the airline model) with the Spring Festival regressor, in closed form.

Regression with SARIMA errors: each month's share of business lost to the festival under a generic profile
around its real date (`forecasting/calendar.py`), so the dip moves between January and February with the lunar
calendar. Estimated by exact maximum likelihood on the differenced series, an MA(13) with coefficients at lags
1, 12 and 13: its Toeplitz covariance is factorised (Cholesky) and the regression coefficient and scale are
concentrated out (GLS). Forecasts and intervals are the best linear predictor from the joint covariance of
past and future differences, integrated back to levels: the numbers statsmodels' `SARIMAX` gives (a test
compares them to 1e-6) at about 1/20 of the cost.

`sarimax` fits sales; `sarimax_log` fits log sales (positive series only: the textbook airline model of
multiplicative series), back-transformed with the bias adjustment exp(mu + var / 2). On logs the festival
coefficient is the share of the month lost, which is how the festival acts on a growing business.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from functools import lru_cache

import numpy as np
from scipy.linalg import solve_triangular, toeplitz

from forecasting.base import (
    MIN_SARIMAX_MONTHS,
    SEASON,
    FittedModel,
    Forecast,
    ModelFailure,
    TooShort,
    positive_enough,
    z_value,
)
from forecasting.calendar import add_months, spring_festival_regressor

_z = z_value
MIN_FESTIVAL_SIGNAL = 0.05  # a real festival moves 5-80 % of a month's share between January and February


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


@lru_cache(maxsize=64)
def _lag_index(n: int) -> np.ndarray:
    """|i - j| for an n x n Toeplitz matrix (n is the length of a differenced series: a few distinct values)."""
    steps = np.arange(n)
    return np.abs(steps[:, None] - steps[None, :])


def _airline_profile_batch(thetas: np.ndarray, dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """`_airline_profile`'s log-likelihood at several (ma, seasonal ma) points at once (numpy's batched Cholesky
    and solve): the likelihood and its finite-difference gradient in one call."""
    n = len(dy)
    ma, sma = thetas[:, 0], thetas[:, 1]
    gamma = np.zeros((len(thetas), max(n, SEASON + 2)))
    gamma[:, 0] = (1 + ma * ma) * (1 + sma * sma)
    gamma[:, 1] = ma * (1 + sma * sma)
    gamma[:, SEASON - 1] = gamma[:, SEASON + 1] = ma * sma
    gamma[:, SEASON] = sma * (1 + ma * ma)
    chol = np.linalg.cholesky(gamma[:, _lag_index(n)])
    rhs = np.broadcast_to(np.column_stack([dy, dx]), (len(thetas), n, 2))
    z = np.linalg.solve(chol, rhs)
    zx_zx = np.einsum("ki,ki->k", z[:, :, 1], z[:, :, 1])
    beta = np.where(zx_zx > 0, np.einsum("ki,ki->k", z[:, :, 1], z[:, :, 0]) / np.where(zx_zx > 0, zx_zx, 1), 0.0)
    e = z[:, :, 0] - beta[:, None] * z[:, :, 1]
    scale = np.einsum("ki,ki->k", e, e) / n
    log_det = np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    return -0.5 * n * (math.log(2 * math.pi) + 1 + np.log(scale)) - log_det


def _fit_airline(dy: np.ndarray, dx: np.ndarray, start: np.ndarray, maxiter: int) -> tuple[float, np.ndarray]:
    """Maximum likelihood (beta, ma, seasonal ma); L-BFGS-B over the two MA terms in statsmodels'
    unconstrained parametrisation, beta by GLS at every step (the profile likelihood has the same maximum).
    The gradient is a forward difference evaluated in the same batched call as the value: one numpy call per
    iteration instead of three scipy finite-difference evaluations."""
    from scipy.optimize import minimize
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    step = 1e-7
    shifts = np.vstack([np.zeros(2), step * np.eye(2)])

    def objective(u: np.ndarray) -> tuple[float, np.ndarray]:
        try:
            values = -_airline_profile_batch(_constrain(u + shifts), dy, dx) / len(dy)
        except (np.linalg.LinAlgError, ValueError):
            return 1e10, np.zeros(2)
        if not np.all(np.isfinite(values)):
            return 1e10, np.zeros(2)
        return float(values[0]), (values[1:] - values[0]) / step

    result = minimize(objective, _unconstrain(start), jac=True, method="L-BFGS-B", options={"maxiter": maxiter})
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
    chol: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best linear predictor of the differenced errors from the joint Toeplitz covariance of past and future,
    integrated to levels; the interval is the integrated prediction-error covariance. These are the numbers the
    Kalman filter of the undifferenced model gives (its diffuse first 13 months carry exactly the information
    the differencing removes; a test compares the two to 1e-6).

    With L the Cholesky factor of the joint covariance [[past, cross], [cross', future]], the predictor of the
    future is L21 z with z = L11^-1 (past differences) and its error covariance is L22 L22'. The factor of a
    leading block is the leading block of the factor, so one factorisation of the longest covariance (`chol`,
    made once per fitted model) serves every backtest origin."""
    dy, dx = _difference(y), _difference(sf)
    n = len(dy)
    if chol is None or len(chol) < n + h:
        chol = np.linalg.cholesky(toeplitz(_ma_autocovariance(theta[0], theta[1], n + h)))
    z_past = solve_triangular(chol[:n, :n], dy - beta * dx, lower=True, check_finite=False)
    d_future = beta * _difference(np.concatenate([sf, sf_future]))[-h:] + chol[n : n + h, :n] @ z_past
    mean = _integrate(y, d_future)
    if point_only:
        return mean, mean, mean
    scale = float(z_past @ z_past) / n
    future = chol[n : n + h, n : n + h]
    error_cov = scale * (future @ future.T)
    # Levels integrate the differences with weights 1/((1 - L)(1 - L^12)) = sum_k (k // 12 + 1) L^k.
    k = np.arange(h)
    weights = np.where(k[:, None] >= k[None, :], (k[:, None] - k[None, :]) // SEASON + 1, 0)
    width = _z(level) * np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", weights, error_cov, weights), 0.0))
    return mean, mean - width, mean + width


class FittedAirline(FittedModel):
    """The airline model fitted once on the whole series; backtest origins reuse its parameters."""

    def __init__(self, name: str, y: np.ndarray, months: list[dt.date], start: np.ndarray | None = None) -> None:
        self.name = name
        self.log = name == "sarimax_log"
        if len(y) < MIN_SARIMAX_MONTHS:
            raise TooShort(f"SARIMAX needs {MIN_SARIMAX_MONTHS} months, has {len(y)}")
        if self.log and not positive_enough(y):
            raise TooShort("sarimax_log needs a positive series (no zero, negative or near-zero month)")
        self.y = np.log(y) if self.log else np.asarray(y, dtype=float)
        self.months = months
        self.sf = spring_festival_regressor(months)
        self.sf_future = spring_festival_regressor([add_months(months[-1], i) for i in range(1, 3 * SEASON + 1)])
        # Outside the festival table every year gets the same approximate date, and the seasonal difference of
        # the regressor is only a leap-year artefact (|change| < 0.02): no festival information, so no regressor.
        self.uses_festival = bool(np.max(np.abs(_difference(self.sf)), initial=0.0) >= MIN_FESTIVAL_SIGNAL)
        if not self.uses_festival:
            self.sf, self.sf_future = np.zeros_like(self.sf), np.zeros_like(self.sf_future)
        # Textbook MA terms as the cold start. One evaluation costs ~50 microseconds: run to convergence.
        start = np.array([-0.4, -0.4]) if start is None else np.asarray(start, dtype=float)
        try:
            self.beta, self.theta = _fit_airline(_difference(self.y), _difference(self.sf), start, maxiter=100)
            size = len(self.y) - SEASON - 1 + 3 * SEASON  # every origin's past and up to 36 months ahead
            self.chol = np.linalg.cholesky(toeplitz(_ma_autocovariance(self.theta[0], self.theta[1], size)))
        except (np.linalg.LinAlgError, ValueError) as exc:
            raise ModelFailure(f"SARIMAX failed: {exc}") from exc
        self.params = np.array([self.beta, self.theta[0], self.theta[1]])
        coefficient = f"{self.beta:+.2f} x share" if self.log else f"{self.beta:,.0f}"
        festival = (
            f" + SF (coef {coefficient})" if self.uses_festival else " (no Spring Festival dates for these years)"
        )
        self.detail = f"{'log ' if self.log else ''}SARIMA(0,1,1)(0,1,1)12{festival}"

    def _regressor_after(self, origin: int, h: int) -> np.ndarray:
        known = self.sf[origin : origin + h]
        return np.concatenate([known, self.sf_future[: h - len(known)]])

    def _forecast(self, origin: int, h: int, level: float, point_only: bool) -> Forecast:
        if origin - SEASON - 1 < 4:
            raise TooShort("too few months before the origin")
        # The log model needs the forecast variance even for a point forecast (bias adjustment).
        with_width = self.log or not point_only
        try:
            mean, lower, upper = _airline_forecast(
                self.y[:origin],
                self.sf[:origin],
                self._regressor_after(origin, h),
                self.beta,
                self.theta,
                h,
                level,
                point_only=not with_width,
                chol=self.chol,
            )
        except (np.linalg.LinAlgError, ValueError) as exc:
            raise ModelFailure(f"SARIMAX failed: {exc}") from exc
        if not self.log:
            return Forecast(mean, lower, upper, self.detail, self.params)
        variance = ((upper - mean) / _z(level)) ** 2
        return Forecast(np.exp(mean + variance / 2), np.exp(lower), np.exp(upper), self.detail, self.params)

    def point(self, origin: int, h: int) -> np.ndarray:
        return self._forecast(origin, h, 0.8, point_only=True).mean

    def interval(self, origin: int, h: int, level: float) -> Forecast:
        return self._forecast(origin, h, level, point_only=False)


def sarimax(
    y: np.ndarray,
    months: list[dt.date],
    h: int,
    level: float,
    start_params: np.ndarray | None = None,
    point_only: bool = False,
) -> Forecast:
    """One-shot airline model + Spring Festival regressor on sales (fit and forecast `h` months)."""
    fitted = FittedAirline(
        "sarimax",
        np.asarray(y, dtype=float),
        months,
        None if start_params is None else np.asarray(start_params, dtype=float)[1:],
    )
    if point_only:
        mean = fitted.point(len(y), h)
        return Forecast(mean, mean, mean, fitted.detail, fitted.params)
    return fitted.interval(len(y), h, level)
