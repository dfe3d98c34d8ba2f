"""Anomaly detection on synthetic series with injected spikes and drops and a moving Spring Festival dip."""

from __future__ import annotations

import numpy as np

from forecasting.anomalies import decompose, find_anomalies, mad_z
from forecasting.synthetic import synthetic_series


def _injected(seed: int) -> dict[int, float]:
    """Three spikes or drops in different calendar months (four years of one month cannot lose two)."""
    rng = np.random.default_rng(100 + seed)
    calendar_months = rng.choice(12, 3, replace=False)
    years = rng.choice(4, 3)
    return {int(12 * y + m): float(rng.choice([0.55, 1.5])) for y, m in zip(years, calendar_months, strict=True)}


def test_injected_anomalies_are_found_with_high_precision_and_recall():
    true_positives = false_positives = false_negatives = 0
    for seed in range(12):
        injected = _injected(seed)
        y, months = synthetic_series(48, seed=seed, anomalies=injected)
        found = {months.index(a.month): a for a in find_anomalies(y, months)}
        true_positives += len(found.keys() & injected.keys())
        false_positives += len(found.keys() - injected.keys())
        false_negatives += len(injected.keys() - found.keys())
        for index, factor in injected.items():
            if index in found:
                assert found[index].direction == ("up" if factor > 1 else "down")
                assert found[index].actual == y[index]
                # expected is near the value before the injection (within noise and fit error)
                assert abs(found[index].expected * factor / y[index] - 1) < 0.15
    precision = true_positives / (true_positives + false_positives)
    recall = true_positives / (true_positives + false_negatives)
    assert precision >= 0.85, precision
    assert recall >= 0.9, recall


def test_the_moving_spring_festival_dip_is_expected_not_anomalous():
    y, months = synthetic_series(48, seed=21, sf_depth=1.0)
    assert [a.month for a in find_anomalies(y, months) if a.month.month in (1, 2)] == []
    expected, beta = decompose(np.log(y), months, log_scale=True)
    assert -1.3 < beta < -0.7  # the generator's depth: the festival's lost share of the month (coefficient -1)


def test_flat_and_short_series_have_no_anomalies():
    y, months = synthetic_series(48, seed=1)
    assert find_anomalies(np.full(48, 5.0), months) == []
    assert find_anomalies(y[:20], months[:20]) == []


def test_mad_z_score():
    z = mad_z(np.array([0.0, 1.0, -1.0, 0.0, 10.0]))
    assert z[-1] > 3.5 and abs(z[0]) < 1e-9
    assert not mad_z(np.zeros(5)).any()


def test_rep_series_with_empty_months_are_scored_on_sales_not_logs():
    y, months = synthetic_series(48, seed=2, anomalies={30: 3.0})
    y[5] = 0.0  # a month without sales rules out the log scale
    assert 30 in {months.index(a.month) for a in find_anomalies(y, months)}
