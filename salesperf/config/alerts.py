"""The `alerts:` section of `forecasting.yml`: thresholds of the risk-alert rules (docs/alerts.md).

The rules themselves are dbt models (dbt_project/models/intermediate/alerts/); they read these settings from
`config.alert_settings`, one row per setting (`value_number`) or per item of a list setting (`value_text`), written
with the defaults below when a key (or the whole file) is absent. Each default is the one `make bench` measured
(docs/alerts.md, "Measured quality").
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_STRICT = ConfigDict(extra="forbid")


class ChurnRule(BaseModel):
    """A customer's silence against the orders its own recent rate should have brought (a Poisson test)."""

    model_config = _STRICT
    # alert when the silence should have held at least this many order days at the customer's recent rate;
    # if nothing had changed, a silence that long happens with probability e^-k (k = 4.4: 1.2 %; measured on the
    # demo and AdventureWorks, docs/alerts.md)
    expected_orders: float = Field(4.4, gt=0)
    high_expected_orders: float = Field(8.0, gt=0)
    # a regular buyer is overdue sooner: at least this many expected orders missed and a silence over
    # regular_gap_multiple x its longest gap between order days in the rate window
    regular_expected_orders: float = Field(1.75, gt=0)
    regular_gap_multiple: float = Field(1.75, ge=1)
    rate_window_days: int = Field(365, ge=90)  # the recent rate: order days in this window before the last order
    min_orders: int = Field(3, ge=2)  # order days in that window needed to estimate a rate
    min_silence_days: int = Field(45, ge=0)  # a month and a half: a monthly buyer's late order is not news
    max_silence_days: int = Field(365, ge=1)  # silent longer than this: lost, no longer "at risk"

    @model_validator(mode="after")
    def _ordered(self) -> ChurnRule:
        if self.high_expected_orders < self.expected_orders:
            raise ValueError("high_expected_orders must be at least expected_orders")
        return self


class CancellationRule(BaseModel):
    """Cancelled orders in the recent window against the entity's own baseline (one-sided Fisher exact test)."""

    model_config = _STRICT
    window_days: int = Field(30, ge=7)
    baseline_days: int = Field(365, ge=30)
    min_cancelled_orders: int = Field(3, ge=1)  # in the recent window
    min_baseline_orders: int = Field(20, ge=1)
    rate_multiple: float = Field(2.0, gt=1)  # and the recent cancellation rate at least this multiple of the baseline
    high_rate_multiple: float = Field(4.0, gt=1)
    # Benjamini-Hochberg over every rep and region tested in a run: the expected share of false alerts
    false_discovery_rate: float = Field(0.05, gt=0, lt=1)
    levels: list[Literal["rep", "region"]] = ["rep", "region"]


class VisitRule(BaseModel):
    """Visits per workday in the recent window against the rep's baseline (exact conditional Poisson test)."""

    model_config = _STRICT
    window_days: int = Field(30, ge=7)
    baseline_days: int = Field(180, ge=14)  # the trailing window before the recent one
    drop_share: float = Field(0.5, gt=0, lt=1)  # and the rate down by at least this share
    high_drop_share: float = Field(0.8, gt=0, le=1)
    min_baseline_visits: int = Field(20, ge=1)
    false_discovery_rate: float = Field(0.01, gt=0, lt=1)  # Benjamini-Hochberg over the reps tested in a run
    activity_types: list[str] = ["visit"]


class AttainmentRule(BaseModel):
    """A period likely to end below a share of target (seasonal run-rate and its measured spread, docs/alerts.md)."""

    model_config = _STRICT
    share: float = Field(0.9, gt=0, le=2)  # at risk: ending below this share of target
    # alert when the chance of ending below `share` is at least this (from the projection and the spread of last
    # year's projection errors at the same point of the period); without last year's errors: projected < share
    min_probability: float = Field(0.4, gt=0, lt=1)
    high_share: float = Field(0.75, gt=0, le=2)  # projected below this: high severity
    min_elapsed_share: float = Field(0.15, ge=0, lt=1)  # too early in the period to project before this share
    period_types: list[Literal["month", "quarter", "year"]] = ["quarter", "year"]
    levels: list[Literal["company", "region", "team", "rep", "product_line"]] = [
        "company",
        "region",
        "team",
        "rep",
        "product_line",
    ]


class PipelineRule(BaseModel):
    """Open pipeline expected to close in the period against the target still to win."""

    model_config = _STRICT
    # open pipeline below this multiple of the remaining target (the demo's median rep covers ~0.36x mid-quarter:
    # 0.25x fires for 27-41 of 86-90 reps per replay, docs/alerts.md; 0.5x fired for a majority)
    coverage_multiple: float = Field(0.25, gt=0)
    high_coverage_multiple: float = Field(0.1, gt=0)
    period_type: Literal["month", "quarter", "year"] = "quarter"
    levels: list[Literal["rep", "region"]] = ["rep", "region"]


class OverduePipelineRule(BaseModel):
    """Open opportunities past their expected close date: stale pipeline, listed apart from coverage."""

    model_config = _STRICT
    grace_days: int = Field(14, ge=0)  # past the expected close date by more than this
    high_days: int = Field(90, ge=0)  # the oldest overdue deal this late: high severity
    min_amount: float = Field(0, ge=0)  # overdue amount per rep below this: no alert


class DigestSettings(BaseModel):
    model_config = _STRICT
    max_per_manager: int = Field(10, ge=1)  # alerts listed per manager in fct_risk_alert_digest


class AlertSettings(BaseModel):
    model_config = _STRICT
    churn: ChurnRule = ChurnRule()
    cancellation: CancellationRule = CancellationRule()
    attainment: AttainmentRule = AttainmentRule()
    visits: VisitRule = VisitRule()
    pipeline: PipelineRule = PipelineRule()
    overdue_pipeline: OverduePipelineRule = OverduePipelineRule()
    digest: DigestSettings = DigestSettings()


ALERT_SETTINGS_COLUMNS = "rule VARCHAR, setting VARCHAR, value_number DOUBLE, value_text VARCHAR"


def alert_setting_rows(settings: AlertSettings) -> list[tuple]:
    """(rule, setting, value_number, value_text): numbers as numbers, a list as one row per item, text as text."""
    rows: list[tuple] = []
    for rule in type(settings).model_fields:
        section = getattr(settings, rule)
        for name in type(section).model_fields:
            value = getattr(section, name)
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, bool | int | float):
                    rows.append((rule, name, float(item), None))
                else:
                    rows.append((rule, name, None, str(item)))
    return rows
