"""`targets.yml`: the target-setting policy (docs/contract.md section 3), validated and loaded into config.* tables.

The rules themselves live in dbt (models/intermediate/targets/); this module only states the shape of the
file and writes the settings as written: nothing is derived here. See docs/targets_and_scorecards.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from salesperf.config.tables import ConfigSpec

LEVELS = ("region", "team", "rep", "product_line")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CompanyTarget(_Strict):
    amount: float | None = Field(default=None, gt=0, description="Company target for the plan year (CNY).")
    growth: float | None = Field(default=None, gt=-1, description="Growth over the trailing year's actual sales.")

    @model_validator(mode="after")
    def _one_of(self) -> CompanyTarget:
        if (self.amount is None) == (self.growth is None):
            raise ValueError("give exactly one of amount or growth")
        return self


class Allocation(_Strict):
    # potential: shares by each unit's forecast of the plan year's sales (dbt model int_target_forecasts), where
    # history shares by its past sales; history_months is used by history only.
    method: Literal["history", "equal", "weight", "potential"] = "history"
    history_months: int = Field(default=12, ge=1, le=60)
    weights: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _weights(self) -> Allocation:
        if self.method == "weight" and not self.weights:
            raise ValueError("method weight needs weights: {key: weight, ...}")
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("weights must not be negative")
        if self.method == "weight" and sum(self.weights.values()) <= 0:
            raise ValueError("weights must not all be 0")
        return self


class Seasonality(_Strict):
    source: Literal["history", "flat"] = "history"
    years: int = Field(default=3, ge=1, le=10)


class NewHires(_Strict):
    default_monthly_target: float = Field(default=0, ge=0)
    ramp: list[float] = Field(default_factory=list)
    min_history_months: int = Field(default=3, ge=1, le=24)

    @model_validator(mode="after")
    def _ramp(self) -> NewHires:
        if any(not 0 <= f <= 1 for f in self.ramp):
            raise ValueError("ramp factors must be between 0 and 1")
        return self


class TargetsPolicy(_Strict):
    plan_year: int | None = Field(default=None, ge=2000, le=2100, description="Default: the as-of year.")
    company_target: CompanyTarget
    stretch: float = Field(default=0.0, ge=0, le=2)
    roles: list[str] = Field(default_factory=lambda: ["rep"])
    allocation: dict[Literal["region", "team", "rep", "product_line"], Allocation] = Field(default_factory=dict)
    seasonality: Seasonality = Field(default_factory=Seasonality)
    new_hires: NewHires = Field(default_factory=NewHires)


def _rows(policy: TargetsPolicy) -> dict[str, list[tuple]]:
    allocation = {level: policy.allocation.get(level, Allocation()) for level in LEVELS}
    return {
        "targets_policy": [
            (
                policy.plan_year,
                policy.company_target.amount,
                policy.company_target.growth,
                policy.stretch,
                policy.seasonality.source,
                policy.seasonality.years,
                policy.new_hires.default_monthly_target,
                policy.new_hires.min_history_months,
            )
        ],
        "targets_roles": [(role.strip().lower(),) for role in policy.roles],
        "targets_allocation": [(level, a.method, a.history_months) for level, a in allocation.items()],
        "targets_weights": [(level, key, w) for level, a in allocation.items() for key, w in a.weights.items()],
        "targets_ramp": [(i + 1, f) for i, f in enumerate(policy.new_hires.ramp)],
    }


TARGETS_SPEC = ConfigSpec(
    file_name="targets.yml",
    model=TargetsPolicy,
    tables={
        "targets_policy": "plan_year INTEGER, company_target_amount DOUBLE, growth_rate DOUBLE, "
        "stretch_pct DOUBLE, "
        "seasonality_source VARCHAR, seasonality_years INTEGER, "
        "new_hire_default_monthly_target DOUBLE, new_hire_min_history_months INTEGER",
        "targets_roles": "role VARCHAR",
        "targets_allocation": "level VARCHAR, method VARCHAR, history_months INTEGER",
        "targets_weights": "level VARCHAR, key VARCHAR, weight DOUBLE",
        "targets_ramp": "month_no INTEGER, factor DOUBLE",
    },
    rows=_rows,
)
