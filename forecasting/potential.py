"""Plan-year sales potential of one unit (region, team, rep, product line) for the `potential` allocation method
of the target policy (docs/targets_and_scorecards.md; called by the dbt Python model int_target_forecasts).

Cheaper than the forecasting asset on purpose: one model per series, no backtest. It runs inside the dbt build,
before the targets are decomposed, for every unit of the levels that use the method; what matters for a share is
the ratio between siblings, not the last percent of accuracy. Deterministic: the same history gives the same
numbers (ETS with heuristic initial states has no random start).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from forecasting.calendar import add_months, months_between
from forecasting.models import MIN_SEASONAL_MONTHS, SEASON, FitLog, ModelFailure, run_model, seasonal_naive

GUARD_RATIO = 3.0  # as the forecasting asset's default: a forecast above 3 x the recent maximum is absurd


@dataclass(frozen=True)
class Potential:
    actual_amount: float  # months of the plan year already in the history (plan year under way)
    forecast_amount: float  # forecast of the plan year's remaining months
    model: str  # ets | snaive | recent_mean
    detail: str

    @property
    def amount(self) -> float:
        """The unit's expected plan-year sales, never below 0 (a month of net returns can push a forecast under)."""
        return max(0.0, self.actual_amount + self.forecast_amount)


def plan_year_potential(
    values: np.ndarray, months: list[dt.date], plan_start: dt.date, plan_last_month: dt.date
) -> Potential:
    """Expected sales of the plan year from a monthly history (oldest first, ending before the months forecast).

    ETS (additive error and season, trend none or damped by AICc) with two years of history; seasonal naive with
    more than a year (ETS fails or is guarded out: seasonal naive too); under that the mean of the last three
    months (`seasonal_naive`'s short branch). Plan-year months already in the history count as they are.
    """
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        raise ValueError("no history: the caller gives such units a fallback share")
    actual = float(values[[m >= plan_start for m in months]].sum())
    horizon = months_between(months[-1], plan_last_month) - 1  # months after the history, to the plan year's end
    if horizon <= 0:
        return Potential(actual, 0.0, "actual", "the plan year is entirely in the history")
    future = [add_months(months[-1], i) for i in range(1, horizon + 1)]
    in_plan = np.array([m >= plan_start for m in future])
    if len(values) >= MIN_SEASONAL_MONTHS:
        try:
            forecast = run_model("ets", values, months, horizon, 0.8, GUARD_RATIO, FitLog(), point_only=True)
            return Potential(actual, float(forecast.mean[in_plan].sum()), "ets", forecast.detail)
        except ModelFailure as exc:
            reason = f"; ETS failed ({exc})"
    else:
        reason = ""
    forecast = seasonal_naive(values, months, horizon, 0.8, point_only=True)
    model = "snaive" if len(values) > SEASON else "recent_mean"
    mean = np.clip(forecast.mean, 0, None)  # what run_model's guard does for ETS
    return Potential(actual, float(mean[in_plan].sum()), model, forecast.detail + reason)
