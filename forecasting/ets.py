"""Exponential smoothing with statsmodels' `ETSModel`: additive, multiplicative and log (Box-Cox lambda 0).

| model | statsmodels ETSModel | for |
|---|---|---|
| `ets` | ETS(A,Ad,A): additive error, damped additive trend, additive season | any series |
| `ets_mul` | ETS(M,Ad,M): multiplicative error and season, damped additive trend | positive series only |
| `ets_log` | ETS(A,Ad,A) on log sales, back-transformed with the bias adjustment exp(mu + var / 2) | positive only |

Seasonal swings that grow with the level (the norm for a growing business) need the last two; additive models
cannot follow them. Each model is fitted once on the whole series; the backtest reuses the parameters.

statsmodels' fast path, used here:
- initial states fixed by statsmodels' heuristic (`initialization_method="known"` with the values of
  `_initialization_heuristic`) computed on the months **before the first backtest origin**, so the states the
  backtest forecasts from never saw the months they forecast (with "heuristic" on the whole series, a 48-month
  series would take its initial season from all four years, the backtest year included);
- the maximum-likelihood fit of `fit(disp=False, return_params=True)` (same likelihood, start values and bounds)
  with a looser L-BFGS tolerance (`factr=1e10`: ~2e-6 relative in the likelihood, invisible in a forecast), a
  cheaper finite-difference gradient (`fit_params`) and no results object (no covariance matrix);
- `_smooth(params)` once: the states at every month, from which the point forecast of any origin follows.
Intervals (only for the published models): statsmodels' analytic forecast variance for the additive models,
its simulation (seeded: the same input gives the same interval) for ETS(M,Ad,M).
"""

from __future__ import annotations

import numpy as np

from forecasting.base import MIN_SEASONAL_MONTHS, SEASON, FittedModel, Forecast, TooShort, positive_enough, z_value

# name -> (error, trend, seasonal, log)
ETS_SPECS: dict[str, tuple[str, str, str, bool]] = {
    "ets": ("add", "add", "add", False),
    "ets_mul": ("mul", "add", "mul", False),
    "ets_log": ("add", "add", "add", True),
}
FACTR = 1e10  # L-BFGS-B stop: relative change of the likelihood below ~2e-6 (statsmodels' default: 1e7 x eps)
STEP = 1e-7  # forward-difference step of the gradient (the smoothing parameters live in (0, 1))
SIMULATIONS = 500


def fit_params(model) -> np.ndarray:  # noqa: ANN001 - statsmodels' ETSModel
    """`ETSModel.fit(return_params=True)`, minus the cost of scipy's finite-difference machinery.

    The same likelihood (`_loglike_internal`, statsmodels' Cython smoother), the same start values, bounds and
    reparametrisation (beta* = beta / alpha, gamma* = gamma / (1 - alpha)) as `fit`; only the gradient is a
    plain forward difference computed here instead of by `approx_fprime` inside L-BFGS-B, whose bookkeeping cost
    as much as the likelihood itself on a four-year series (half the fit time). A test checks the parameters
    and forecasts against `fit`. Uses statsmodels internals: pinned to statsmodels 0.15."""
    from scipy.optimize import fmin_l_bfgs_b

    internal = model._convert_and_bound_start_params(model.start_params)
    bounds = model._setup_bounds()
    use_beta_star = "smoothing_trend" not in model.bounds
    if use_beta_star:
        internal[1] /= internal[0]
    use_gamma_star = "smoothing_seasonal" not in model.bounds
    if use_gamma_star:
        internal[2] /= 1 - internal[0]
    fixed = np.array([lo == hi for lo, hi in bounds])
    fixed_values = np.array([lo if lo == hi else 0.0 for lo, hi in bounds])
    free_bounds = [b for b, is_fixed in zip(bounds, fixed, strict=True) if not is_fixed]
    upper = np.array([hi for _, hi in free_bounds])
    yhat, xhat = np.zeros(model.nobs), np.zeros((model.nobs, model._k_states_internal))
    args = (yhat, xhat, fixed.astype(np.int64), fixed_values, use_beta_star, use_gamma_star)

    def objective(x: np.ndarray) -> float:
        return -model._loglike_internal(x, *args) / model.nobs

    def value_and_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        value = objective(x)
        gradient = np.empty(len(x))
        for i in range(len(x)):
            shifted = x.copy()
            step = STEP if x[i] + STEP <= upper[i] else -STEP
            shifted[i] += step
            gradient[i] = (objective(shifted) - value) / step
        return value, gradient

    x, _, _ = fmin_l_bfgs_b(value_and_gradient, internal[~fixed], bounds=free_bounds, factr=FACTR, maxiter=200)
    full = np.where(fixed, fixed_values, 0.0)
    full[~fixed] = x
    if use_beta_star:
        full[1] *= full[0]
    if use_gamma_star:
        full[2] *= 1 - full[0]
    return model._model_params(full)


class FittedETS(FittedModel):
    def __init__(self, name: str, y: np.ndarray, init_len: int) -> None:
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel
        from statsmodels.tsa.exponential_smoothing.initialization import _initialization_heuristic

        error, trend, seasonal, self.log = ETS_SPECS[name]
        self.name = name
        if len(y) < MIN_SEASONAL_MONTHS or init_len < MIN_SEASONAL_MONTHS:
            raise TooShort(f"ETS needs {MIN_SEASONAL_MONTHS} months before the first backtest origin")
        multiplicative = self.log or error == "mul" or seasonal == "mul"
        if multiplicative and not positive_enough(y):
            raise TooShort(f"{name} needs a positive series (no zero, negative or near-zero month)")
        self.y = np.asarray(y, dtype=float)
        z = np.log(self.y) if self.log else self.y
        level0, trend0, season0 = _initialization_heuristic(
            z[:init_len], trend=trend, seasonal=seasonal, seasonal_periods=SEASON
        )
        self.model = ETSModel(
            z,
            error=error,
            trend=trend,
            damped_trend=True,
            seasonal=seasonal,
            seasonal_periods=SEASON,
            initialization_method="known",
            initial_level=level0,
            initial_trend=trend0,
            initial_seasonal=season0,
        )
        self.params = fit_params(self.model)
        yhat, states = self.model._smooth(self.params)
        self.states = np.asarray(states)  # level, trend, season after each month
        self.phi = float(self.params[3])
        self.mul_season = seasonal == "mul"
        short = f"ETS({error[0].upper()},Ad,{seasonal[0].upper()})"
        self.detail = f"log {short}" if self.log else short
        self._results = None
        self._variance: np.ndarray | None = None

    # -- point forecasts ----------------------------------------------------------------------------------

    def _state_forecast(self, origin: int, h: int) -> np.ndarray:
        """ETS point forecast of months origin..origin+h-1 from the state after month origin-1 (on the model's
        scale): (level + (phi + ... + phi^k) trend) (+ or x) the season of the same month a year earlier."""
        level, slope = self.states[origin - 1, 0], self.states[origin - 1, 1]
        k = np.arange(1, h + 1)
        damped = np.cumsum(self.phi**k)
        # season of month origin-1+k: the newest seasonal state of that calendar month
        season = self.states[origin - 1 + k - SEASON * ((k - 1) // SEASON + 1), 2]
        base = level + damped * slope
        return base * season if self.mul_season else base + season

    def point(self, origin: int, h: int) -> np.ndarray:
        mean = self._state_forecast(origin, h)
        if self.log:
            return np.exp(mean + self._variance_steps(h) / 2)  # the mean of a log-normal, not its median
        return mean

    # -- intervals ----------------------------------------------------------------------------------------

    @property
    def results(self):  # noqa: ANN201 - statsmodels' ETSResults
        if self._results is None:
            self._results = self.model.smooth(self.params)
        return self._results

    def _variance_steps(self, h: int) -> np.ndarray:
        """Analytic h-step forecast variance (statsmodels' formula for the additive class), per step."""
        if self._variance is None or len(self._variance) < h:
            steps = np.arange(1, max(h, SEASON) + 1)
            self._variance = self.results.mse * self.results._relative_forecast_variance(steps)
        return self._variance[:h]

    def interval(self, origin: int, h: int, level: float) -> Forecast:
        if self.model.error == "mul":
            # statsmodels has no closed form for this class: simulate from the origin's state (seeded).
            paths = np.asarray(
                self.results.simulate(h, anchor=origin - 1, repetitions=SIMULATIONS, rng=np.random.default_rng(origin))
            ).reshape(h, SIMULATIONS)
            mean = self._state_forecast(origin, h)
            lower, upper = np.quantile(paths, [0.5 - level / 2, 0.5 + level / 2], axis=1)
            return Forecast(mean, lower, upper, self.detail, self.params)
        centre = self._state_forecast(origin, h)
        width = z_value(level) * np.sqrt(self._variance_steps(h))
        if self.log:
            return Forecast(self.point(origin, h), np.exp(centre - width), np.exp(centre + width), self.detail)
        return Forecast(centre, centre - width, centre + width, self.detail, self.params)
