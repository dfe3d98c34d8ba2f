"""Model families on synthetic series with known trend, seasonality and a moving Spring Festival dip:
seasonal naive, ETS (additive, multiplicative, log) on statsmodels' ETSModel, the closed-form airline model."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

from forecasting import sarimax as airline
from forecasting.base import Forecast, ModelFailure, TooShort, guard, intermittent, positive_enough, smape
from forecasting.calendar import add_months, last_complete_month, spring_festival_regressor, spring_festival_share
from forecasting.ets import FittedETS, fit_params
from forecasting.models import ets, sarimax, seasonal_naive
from forecasting.parallel import parallel_map
from forecasting.synthetic import MONTH_FACTOR, synthetic_series


def _mae(forecast: Forecast, actual: np.ndarray) -> float:
    return float(np.mean(np.abs(forecast.mean - actual)))


def test_spring_festival_regressor_moves_between_january_and_february():
    # 2023-01-22: the dip is in January; 2024-02-10: in February.
    assert spring_festival_share(dt.date(2023, 1, 1)) > spring_festival_share(dt.date(2023, 2, 1))
    assert spring_festival_share(dt.date(2024, 2, 1)) > 2 * spring_festival_share(dt.date(2024, 1, 1))
    months = [dt.date(2024, m, 1) for m in range(4, 13)]
    assert not spring_festival_regressor(months).any()
    assert last_complete_month(dt.date(2025, 11, 15)) == dt.date(2025, 10, 1)
    assert last_complete_month(dt.date(2025, 11, 30)) == dt.date(2025, 11, 1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sarimax_recovers_the_festival_dip_and_beats_seasonal_naive(seed):
    y, months = synthetic_series(60, seed=seed)
    train, test = y[:48], y[48:]  # the held-out year includes a January and a February
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = sarimax(train, months[:48], 12, 0.8)
    baseline = seasonal_naive(train, months[:48], 12, 0.8)
    assert fitted.params[0] < 0  # the Spring Festival coefficient: the festival costs sales
    # True coefficient ~ -level in the last years (the dip is sf_depth=1 x the share x the level).
    assert -2.5e6 < fitted.params[0] < -0.5e6
    assert _mae(fitted, test) < _mae(baseline, test)
    # Where the festival moved (held-out January and February 2026), the regressor matters most.
    festival = slice(0, 2)
    assert np.abs(fitted.mean - test)[festival].sum() < 0.5 * np.abs(baseline.mean - test)[festival].sum()
    assert np.all(fitted.lower <= fitted.mean) and np.all(fitted.mean <= fitted.upper)


def test_log_airline_model_reads_the_festival_as_a_share_of_the_month():
    y, months = synthetic_series(60, seed=5, sf_depth=1.0)
    fitted = airline.FittedAirline("sarimax_log", y, months)
    # log(1 - share) ~ -share: the coefficient of the share is about -1 (the generator's depth)
    assert -1.6 < fitted.beta < -0.5
    future = fitted.interval(len(y), 12, 0.8)
    # back-transformed mean: above the median exp(mu), inside the interval
    assert np.all(future.lower < future.mean) and np.all(future.mean < future.upper)


def test_festival_regressor_is_dropped_where_the_festival_dates_are_unknown():
    # Before 2015 the festival table gives every year the same date: the regressor carries no information.
    y, months = synthetic_series(60, start=dt.date(1990, 1, 1), seed=3)
    fitted = airline.FittedAirline("sarimax", y, months)
    assert not fitted.uses_festival and fitted.beta == 0.0 and "no Spring Festival" in fitted.detail


def test_airline_backtest_origins_give_the_forecast_of_the_truncated_series():
    """Parameter reuse: the forecast from an origin inside the series is the closed-form forecast of the data
    before it (the shared Cholesky factor gives the same numbers as a fresh factorisation)."""
    y, months = synthetic_series(48, seed=8, noise=0.2)
    fitted = airline.FittedAirline("sarimax", y, months)
    for origin in (30, 36, 45):
        f = fitted.interval(origin, 3, 0.8)
        future = spring_festival_regressor(months[origin : origin + 3])
        mean, lower, upper = airline._airline_forecast(
            y[:origin], fitted.sf[:origin], future, fitted.beta, fitted.theta, 3, 0.8, point_only=False
        )
        np.testing.assert_allclose(f.mean, mean, rtol=1e-9)
        np.testing.assert_allclose(f.lower, lower, rtol=1e-9)
        np.testing.assert_allclose(fitted.point(origin, 3), mean, rtol=1e-9)


def test_closed_form_airline_model_matches_statsmodels_sarimax():
    """The fast SARIMAX path (Toeplitz likelihood, best linear predictor) gives statsmodels' numbers: the
    likelihood maximum is at least as high, and with the same parameters the forecast and the 80 % interval
    equal the Kalman filter of the undifferenced model."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    y, months = synthetic_series(44, seed=8, noise=0.2)
    sf = spring_festival_regressor(months)
    sf_future = spring_festival_regressor([add_months(months[-1], i) for i in range(1, 13)])
    spec = dict(order=(0, 1, 1), seasonal_order=(0, 1, 1, 12), concentrate_scale=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = SARIMAX(y, exog=sf[:, None], simple_differencing=True, **spec).fit(
            disp=False, maxiter=200, cov_type="none"
        )
        levels = SARIMAX(y, exog=sf[:, None], **spec).filter(reference.params)
        ours = sarimax(y, months, 12, 0.8)
    dy, dx = airline._difference(y), airline._difference(sf)
    assert airline._airline_profile(ours.params[1:], dy, dx)[0] >= reference.llf - 1e-6
    # the batched likelihood the optimiser uses is the same function
    thetas = np.array([ours.params[1:], reference.params[1:]])
    expected = [airline._airline_profile(theta, dy, dx)[0] for theta in thetas]
    np.testing.assert_allclose(airline._airline_profile_batch(thetas, dy, dx), expected, rtol=1e-10)
    prediction = levels.get_forecast(steps=12, exog=sf_future[:, None])
    bounds = np.asarray(prediction.conf_int(alpha=0.2))
    mean, lower, upper = airline._airline_forecast(
        y, sf, sf_future, reference.params[0], reference.params[1:], 12, 0.8, point_only=False
    )
    np.testing.assert_allclose(mean, prediction.predicted_mean, rtol=1e-5)
    np.testing.assert_allclose(lower, bounds[:, 0], rtol=1e-5)
    np.testing.assert_allclose(upper, bounds[:, 1], rtol=1e-5)


# ---------------------------------------------------------------------------------------------------------
# ETS


@pytest.mark.parametrize("name", ["ets", "ets_mul", "ets_log"])
def test_ets_forecasts_from_any_origin_are_statsmodels_forecasts(name):
    """The backtest's point forecast from an origin is statsmodels' own forecast from the state at that origin
    (ETSResults.simulate without errors), and the fast fit finds statsmodels' maximum likelihood."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y, months = synthetic_series(48, seed=3)
    fitted = FittedETS(name, y, 36)
    results = fitted.results
    for origin in (36, 40, 48):
        reference = np.asarray(results.simulate(3, anchor=origin - 1, random_errors=np.zeros((3, 1)))).ravel()
        np.testing.assert_allclose(fitted._state_forecast(origin, 3), reference, rtol=1e-10)
    np.testing.assert_allclose(fitted._state_forecast(48, 12), results.forecast(12), rtol=1e-10)
    # fit_params vs ETSModel.fit: same optimum within the optimiser's tolerance
    model = fitted.model
    statsmodels_params = ETSModel.fit(model, disp=False, return_params=True)
    assert abs(model.loglike(fitted.params) - model.loglike(statsmodels_params)) < 1e-3 * abs(
        model.loglike(fitted.params)
    )
    other = FittedETS(name, y, 36)
    other.params = statsmodels_params
    other.states = np.asarray(model._smooth(statsmodels_params)[1])
    np.testing.assert_allclose(fitted.point(48, 12), other.point(48, 12), rtol=0.01)


def test_additive_ets_interval_is_statsmodels_prediction_interval():
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y, _ = synthetic_series(48, seed=4)
    fitted = FittedETS("ets", y, 36)
    m = fitted.model
    reference_model = ETSModel(
        pd.Series(y),
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=12,
        initialization_method="known",
        initial_level=m.initial_level,
        initial_trend=m.initial_trend,
        initial_seasonal=m.initial_seasonal,
    )
    frame = reference_model.smooth(fitted.params).get_prediction(start=48, end=59).summary_frame(alpha=0.2)
    ours = fitted.interval(48, 12, 0.8)
    np.testing.assert_allclose(ours.mean, frame["mean"], rtol=1e-9)
    np.testing.assert_allclose(ours.lower, frame["pi_lower"], rtol=1e-9)
    np.testing.assert_allclose(ours.upper, frame["pi_upper"], rtol=1e-9)


def test_multiplicative_ets_recovers_the_seasonal_factors():
    """Sales = level x 30 % growth a year x month factor x 2 % noise: ETS(M,Ad,M)'s seasonal states are the month
    factors (normalised to mean 1), and the multiplicative model forecasts the growing swings better than the
    additive one, which cannot scale its season with the level."""
    y, months = synthetic_series(84, yearly_growth=0.3, seasonality=2.0, sf_depth=0.0, noise=0.02, seed=11)
    truth = 1 + 2.0 * (MONTH_FACTOR - 1)  # December 1.6, July 0.8, ...
    truth = truth / truth.mean()
    train, test = y[:72], y[72:]
    fitted = FittedETS("ets_mul", train, 60)
    season = fitted.states[-12:, 2]  # the last estimate of each calendar month's factor (Jan..Dec: 72 = 6 years)
    np.testing.assert_allclose(season / season.mean(), truth, atol=0.04)
    additive = FittedETS("ets", train, 60)
    mul_error = np.mean(np.abs(fitted.point(72, 12) - test))
    add_error = np.mean(np.abs(additive.point(72, 12) - test))
    assert mul_error < 0.7 * add_error, (mul_error, add_error)
    log_model = FittedETS("ets_log", train, 60)
    log_season = np.exp(log_model.states[-12:, 2])
    np.testing.assert_allclose(log_season / log_season.mean(), truth, atol=0.04)


def test_ets_one_shot_finds_trend_and_seasonality():
    y, months = synthetic_series(60, sf_depth=0.0, seed=3)
    fitted = ets(y[:48], months[:48], 12, 0.8)
    assert fitted.detail.endswith(",A)")  # additive seasonality chosen
    assert _mae(fitted, y[48:]) < _mae(seasonal_naive(y[:48], months[:48], 12, 0.8), y[48:])
    # Trend recovered: the next year's forecast grows like the series (~12% a year).
    assert 1.03 < fitted.mean.sum() / y[36:48].sum() < 1.25


def test_fit_params_is_deterministic():
    y, _ = synthetic_series(48, seed=9)
    model = FittedETS("ets_mul", y, 36).model
    np.testing.assert_array_equal(fit_params(model), fit_params(model))


# ---------------------------------------------------------------------------------------------------------
# Guards: which series may get a multiplicative model


def test_non_positive_or_near_zero_series_never_get_a_multiplicative_model():
    y, _ = synthetic_series(48, seed=1)
    assert positive_enough(y)
    with_zero = y.copy()
    with_zero[20] = 0.0
    with_return = y.copy()
    with_return[30] = -5000.0  # a month of net returns
    with_blip = y.copy()
    with_blip[10] = 0.01 * np.median(y)  # one near-empty month: a factor of 100 in a multiplicative season
    for series in (with_zero, with_return, with_blip):
        assert not positive_enough(series)
        for name in ("ets_mul", "ets_log"):
            with pytest.raises(TooShort, match="positive"):
                FittedETS(name, series, 36)
        with pytest.raises(TooShort, match="positive"):
            airline.FittedAirline("sarimax_log", series, [add_months(dt.date(2022, 1, 1), i) for i in range(48)])
    FittedETS("ets", with_return, 36)  # the additive model takes any series


def test_intermittent_series_are_recognised():
    sparse = np.zeros(36)
    sparse[[3, 11, 20, 33]] = 1000.0
    assert intermittent(sparse) and intermittent(np.zeros(24)) and not intermittent(np.full(24, 5.0))


def test_guard_rejects_explosions_and_clips_at_zero():
    y, _ = synthetic_series(48, seed=6)
    with pytest.raises(ModelFailure):
        guard(Forecast(np.array([1e12]), np.array([0.0]), np.array([2e12])), y, 3.0)
    with pytest.raises(ModelFailure, match="non-finite"):
        guard(Forecast(np.array([np.nan]), np.array([0.0]), np.array([1.0])), y, 3.0)
    clipped = guard(Forecast(np.array([-10.0]), np.array([-50.0]), np.array([30.0])), y, 3.0)
    assert clipped.mean[0] == 0.0 and clipped.lower[0] == 0.0 and clipped.upper[0] == 30.0


def test_error_measures():
    np.testing.assert_allclose(
        smape(np.array([100.0, 0.0, 50.0]), np.array([50.0, 0.0, 50.0])), [200 * 50 / 150, 0.0, 0.0]
    )


def test_parallel_map_matches_the_serial_result():
    series = [synthetic_series(30, seed=s)[0] for s in range(3)]
    assert parallel_map(np.sum, series, max_workers=2, in_process_below=0) == [np.sum(s) for s in series]
    # a handful of series is fitted in-process (no worker start-up), with the same result
    assert parallel_map(np.sum, series, max_workers=2) == [np.sum(s) for s in series]


def _blas_threads(_: object) -> int:
    from threadpoolctl import threadpool_info

    return max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")


def test_in_process_fitting_limits_every_blas_library_to_one_thread():
    # scipy bundles its own OpenBLAS (L-BFGS-B uses it); the limit must reach it too.
    assert parallel_map(_blas_threads, [0], max_workers=1) == [1]
