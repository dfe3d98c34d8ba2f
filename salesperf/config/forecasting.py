"""`forecasting.yml`: forecast, backtest, anomaly and risk-alert settings (all optional, defaults below).

Validated with key-path errors through `salesperf.config.files.load_config` (e.g.
`forecasting.yml: alerts.churn.gap_multiple: Input should be greater than 1`). The settings as written
also land in `config.forecasting_settings` (one row per leaf setting) so analysts can see what was used.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from salesperf.config.tables import ConfigSpec

_STRICT = ConfigDict(extra="forbid")

LEVELS = ("company", "region", "product_line", "region_product_line", "rep")
MODELS = ("snaive", "ets", "ets_mul", "sarimax", "sarimax_log")  # default; ets_log on request (docs/forecasting.md)


class ForecastSettings(BaseModel):
    model_config = _STRICT
    horizon_months: int = Field(12, ge=1, le=36)
    interval_level: float = Field(0.8, gt=0.5, lt=1.0)
    levels: list[Literal["company", "region", "product_line", "region_product_line", "rep"]] = list(LEVELS)
    models: list[Literal["snaive", "ets", "ets_mul", "ets_log", "sarimax", "sarimax_log"]] = list(MODELS)
    combine: bool = True  # publish the mean of the best two models where the backtest favours it
    backtest_origins: int = Field(4, ge=1, le=12)
    backtest_horizon: int = Field(3, ge=1, le=12)
    guard_ratio: float = Field(3.0, gt=1.0)  # a forecast above guard_ratio x the recent maximum is absurd
    max_workers: int | None = Field(None, ge=1)  # None: one process per core

    @model_validator(mode="after")
    def _baseline_present(self) -> ForecastSettings:
        if "snaive" not in self.models:
            raise ValueError("models must include snaive (the baseline and the fallback)")
        return self


class AnomalySettings(BaseModel):
    model_config = _STRICT
    threshold: float = Field(3.5, gt=0)  # |MAD z-score| at or above this is an anomaly
    min_months: int = Field(24, ge=24)  # robust STL needs two full years


class ChurnRule(BaseModel):
    model_config = _STRICT
    gap_multiple: float = Field(3.0, gt=1)  # silence > k x the customer's median gap between orders
    high_gap_multiple: float = Field(5.0, gt=1)
    min_orders: int = Field(3, ge=3)  # order days needed to know a customer's usual gap
    min_silence_days: int = Field(30, ge=0)
    max_silence_days: int = Field(365, ge=1)  # silent longer: lost, not at risk
    trend_months: int = Field(6, ge=1, le=12)  # trailing months compared with the same months a year before
    trend_drop: float = Field(0.5, gt=0, lt=1)  # falling trend: down by at least this share
    high_trend_drop: float = Field(0.8, gt=0, le=1)
    min_prior_amount: float = Field(50_000, ge=0)  # the year-before window must be worth at least this


class CancellationRule(BaseModel):
    model_config = _STRICT
    window_days: int = Field(30, ge=1)
    baseline_days: int = Field(365, ge=30)
    rate_multiple: float = Field(2.0, gt=1)
    high_rate_multiple: float = Field(3.0, gt=1)
    min_cancelled_lines: int = Field(3, ge=1)
    levels: list[Literal["rep", "region"]] = ["rep", "region"]


class AttainmentRule(BaseModel):
    model_config = _STRICT
    share: float = Field(0.9, gt=0, le=2)  # projected period-end attainment below this share of target
    high_share: float = Field(0.75, gt=0, le=2)
    period_types: list[Literal["month", "quarter", "year"]] = ["quarter", "year"]
    levels: list[Literal["company", "region", "team", "rep", "product_line"]] = [
        "company",
        "region",
        "team",
        "rep",
        "product_line",
    ]


class VisitRule(BaseModel):
    model_config = _STRICT
    window_days: int = Field(30, ge=7)
    baseline_days: int = Field(90, ge=14)  # the trailing window before the recent one
    drop: float = Field(0.3, gt=0, lt=1)  # visits per workday down by at least this share
    high_drop: float = Field(0.5, gt=0, le=1)
    min_baseline_visits: int = Field(6, ge=1)
    activity_types: list[str] = ["visit"]


class PipelineRule(BaseModel):
    model_config = _STRICT
    coverage_multiple: float = Field(1.0, gt=0)  # open pipeline below this multiple of the remaining target
    high_coverage_multiple: float = Field(0.5, gt=0)
    period_type: Literal["month", "quarter", "year"] = "quarter"
    levels: list[Literal["rep", "region"]] = ["rep", "region"]


class AlertSettings(BaseModel):
    model_config = _STRICT
    churn: ChurnRule = ChurnRule()
    cancellation: CancellationRule = CancellationRule()
    attainment: AttainmentRule = AttainmentRule()
    visits: VisitRule = VisitRule()
    pipeline: PipelineRule = PipelineRule()


class ForecastingConfig(BaseModel):
    model_config = _STRICT
    forecast: ForecastSettings = ForecastSettings()
    anomalies: AnomalySettings = AnomalySettings()
    alerts: AlertSettings = AlertSettings()


def _leaves(prefix: str, value: object) -> list[tuple[str, str]]:
    if isinstance(value, BaseModel):
        out: list[tuple[str, str]] = []
        for name in type(value).model_fields:
            out += _leaves(f"{prefix}.{name}" if prefix else name, getattr(value, name))
        return out
    return [(prefix, str(value))]


def _rows(model: ForecastingConfig) -> dict[str, list[tuple]]:
    return {"forecasting_settings": _leaves("", model)}


FORECASTING_SPEC = ConfigSpec(
    file_name="forecasting.yml",
    model=ForecastingConfig,
    tables={"forecasting_settings": "setting VARCHAR, value VARCHAR"},
    rows=_rows,
)
