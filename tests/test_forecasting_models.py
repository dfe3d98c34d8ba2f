"""Forecast models on synthetic series with known trend, seasonality and a moving Spring Festival dip."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pytest

from forecasting import models
from forecasting.calendar import last_complete_month, spring_festival_regressor, spring_festival_share
from forecasting.models import (
    FitLog,
    Forecast,
    ModelFailure,
    ets,
    forecast_series,
    guard,
    run_model,
    sarimax,
    seasonal_naive,
    smape,
)
from forecasting.parallel import parallel_map
from forecasting.synthetic import synthetic_series


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


def test_sarimax_backtest_shortcut_gives_the_level_models_forecast():
    y, months = synthetic_series(44, seed=8, noise=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = sarimax(y, months, 6, 0.8)
        quick = sarimax(y, months, 6, 0.8, start_params=full.params, point_only=True)
        slow = sarimax(y, months, 6, 0.8, start_params=full.params)
    np.testing.assert_allclose(quick.mean, slow.mean, rtol=1e-5)


def test_ets_finds_trend_and_seasonality():
    y, months = synthetic_series(60, sf_depth=0.0, seed=3)
    fitted = ets(y[:48], months[:48], 12, 0.8)
    assert fitted.detail.endswith(",A)")  # additive seasonality chosen
    assert _mae(fitted, y[48:]) < _mae(seasonal_naive(y[:48], months[:48], 12, 0.8), y[48:])
    # Trend recovered: the next year's forecast grows like the series (~12% a year).
    assert 1.03 < fitted.mean.sum() / y[36:48].sum() < 1.25


def test_forecast_series_backtests_every_model_and_picks_one_that_beats_the_baseline():
    y, months = synthetic_series(48, seed=4)
    result = forecast_series("company", "", y, months, horizon=12)
    scores = {s.model: s for s in result.scores}
    assert set(scores) == {"snaive", "ets", "sarimax"}
    assert all(s.status == "ok" and s.origins == 4 and s.points == 12 for s in scores.values())
    assert result.model in ("ets", "sarimax")
    assert scores[result.model].mase < scores["snaive"].mase
    assert result.months[0] == dt.date(2026, 1, 1) and len(result.months) == 12
    f = result.forecast
    assert np.all(f.lower <= f.mean) and np.all(f.mean <= f.upper) and np.all(f.lower >= 0)


def test_short_series_fall_back_to_seasonal_naive_or_the_recent_mean():
    y, months = synthetic_series(15, seed=5)
    result = forecast_series("rep", "R1", y, months, horizon=6)
    assert result.model == "snaive" and result.forecast.detail == "seasonal naive"
    assert {s.model: s.status for s in result.scores} == {
        "snaive": "ineligible",
        "ets": "ineligible",
        "sarimax": "ineligible",
    }
    np.testing.assert_allclose(result.forecast.mean, y[3:9])
    short = forecast_series("rep", "R2", np.array([10.0, 20.0, 30.0]), months[:3], horizon=2)
    np.testing.assert_allclose(short.forecast.mean, [20.0, 20.0])


def test_a_model_that_explodes_is_rejected_and_the_series_falls_back(monkeypatch):
    y, months = synthetic_series(48, seed=6)

    def exploding(y, months, h, level, **kwargs):
        mean = y[-1] * 10.0 ** np.arange(1, h + 1)
        return Forecast(mean, mean * 0.9, mean * 1.1, "exploded")

    def not_a_number(y, months, h, level, **kwargs):
        return Forecast(np.full(h, np.nan), np.full(h, np.nan), np.full(h, np.nan), "nan")

    monkeypatch.setitem(models.MODEL_FUNCTIONS, "ets", exploding)
    monkeypatch.setitem(models.MODEL_FUNCTIONS, "sarimax", not_a_number)
    result = forecast_series("rep", "R3", y, months, horizon=12)
    assert result.model == "snaive"
    assert "guard" in result.failures["ets"] and "non-finite" in result.failures["sarimax"]
    assert "guard" in result.fallback_reason and "sarimax" in result.fallback_reason
    assert result.forecast.mean.max() <= y.max()
    with pytest.raises(ModelFailure):
        guard(Forecast(np.array([1e12]), np.array([0.0]), np.array([2e12])), y, 3.0)


def test_convergence_warnings_are_counted_per_series(monkeypatch):
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    def warns(y, months, h, level, **kwargs):
        warnings.warn("did not converge", ConvergenceWarning, stacklevel=1)
        return seasonal_naive(y, months, h, level)

    monkeypatch.setitem(models.MODEL_FUNCTIONS, "ets", warns)
    y, months = synthetic_series(36, seed=7)
    log = FitLog()
    run_model("ets", y, months, 3, 0.8, 3.0, log)
    assert log.convergence_warnings == 1
    result = forecast_series("rep", "R4", y, months, models=("snaive", "ets"), origins=2)
    assert result.convergence_warnings == 3  # the full fit and two backtest origins


def test_error_measures():
    np.testing.assert_allclose(
        smape(np.array([100.0, 0.0, 50.0]), np.array([50.0, 0.0, 50.0])), [200 * 50 / 150, 0.0, 0.0]
    )


def test_parallel_map_matches_the_serial_result():
    series = [synthetic_series(30, seed=s)[0] for s in range(3)]
    assert parallel_map(np.sum, series, max_workers=2) == [np.sum(s) for s in series]


def test_closed_form_airline_model_matches_statsmodels_sarimax():
    """The fast SARIMAX path (Toeplitz likelihood, best linear predictor) gives statsmodels' numbers: the
    likelihood maximum is at least as high, and with the same parameters the forecast and the 80 % interval
    equal the Kalman filter of the undifferenced model."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    from forecasting.calendar import add_months

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
    dy, dx = models._difference(y), models._difference(sf)
    assert models._airline_profile(ours.params[1:], dy, dx)[0] >= reference.llf - 1e-6
    prediction = levels.get_forecast(steps=12, exog=sf_future[:, None])
    bounds = np.asarray(prediction.conf_int(alpha=0.2))
    mean, lower, upper = models._airline_forecast(
        y, sf, sf_future, reference.params[0], reference.params[1:], 12, 0.8, point_only=False
    )
    np.testing.assert_allclose(mean, prediction.predicted_mean, rtol=1e-5)
    np.testing.assert_allclose(lower, bounds[:, 0], rtol=1e-5)
    np.testing.assert_allclose(upper, bounds[:, 1], rtol=1e-5)
