"""`forecasting.yml`: forecast, backtest, anomaly and risk-alert settings (all optional, defaults below).

Validated with key-path errors through `salesperf.config.files.load_config` (e.g.
`forecasting.yml: alerts.churn.expected_orders: Input should be greater than 0`). The settings (defaults
included, also when the file is absent) land in `config.forecasting_settings` (one row per leaf setting) so
analysts can see what was used, and the `alerts:` section (salesperf/config/alerts.py) in `config.alert_settings`,
typed, for the alert rules in dbt.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from salesperf.config.alerts import ALERT_SETTINGS_COLUMNS, AlertSettings, alert_setting_rows
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
    return {"forecasting_settings": _leaves("", model), "alert_settings": alert_setting_rows(model.alerts)}


FORECASTING_SPEC = ConfigSpec(
    file_name="forecasting.yml",
    model=ForecastingConfig,
    tables={"forecasting_settings": "setting VARCHAR, value VARCHAR", "alert_settings": ALERT_SETTINGS_COLUMNS},
    rows=_rows,
    defaults_when_absent=True,  # every key has a default: the alert rules in dbt read them from alert_settings
)
