"""`scorecard.yml`: KPI scorecards per role (docs/contract.md section 3), validated and loaded into config.* tables.

Weights of each role's KPIs must sum to 1: `scorecard.yml: roles.rep.kpis: weights must sum to 1, found 0.9`.
KPI values and scores are computed in dbt (models/intermediate/performance/, marts/performance/).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from salesperf.config.tables import ConfigSpec

KPIS = (
    "sales_attainment",
    "sales_growth_yoy",
    "sales_growth_pop",
    "customer_satisfaction",
    "new_customers",
    "visits",
    "win_rate",
    "collection_rate",
    "gross_margin",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Kpi(_Strict):
    kpi: Literal[KPIS]  # type: ignore[valid-type]
    weight: float = Field(gt=0, le=1)
    method: Literal["target", "percentile"] = "target"
    target: float | None = Field(default=None, gt=0, description="KPI target; score = value / target.")
    cap: float = Field(default=1.5, gt=0, description="Highest score a KPI can earn.")

    @model_validator(mode="after")
    def _target_given(self) -> Kpi:
        if self.method == "target" and self.target is None:
            raise ValueError("method target needs a target")
        return self


class Role(_Strict):
    kpis: list[Kpi] = Field(min_length=1)

    @field_validator("kpis")
    @classmethod
    def _weights(cls, kpis: list[Kpi]) -> list[Kpi]:
        total = round(sum(k.weight for k in kpis), 9)
        if abs(total - 1) > 1e-6:
            raise ValueError(f"weights must sum to 1, found {total:g}")
        names = [k.kpi for k in kpis]
        if len(set(names)) != len(names):
            raise ValueError("each KPI may appear once per role")
        return kpis


class Scorecard(_Strict):
    period_types: list[Literal["month", "quarter", "year"]] = Field(
        default_factory=lambda: ["month", "quarter", "year"]
    )
    peer_group: Literal["team", "region", "company"] = "team"
    roles: dict[str, Role] = Field(min_length=1)


def _rows(card: Scorecard) -> dict[str, list[tuple]]:
    return {
        "scorecard_settings": [(card.peer_group,)],
        "scorecard_period_types": [(p,) for p in card.period_types],
        "scorecard_kpis": [
            (role.strip().lower(), k.kpi, k.weight, k.method, k.target, k.cap, i + 1)
            for role, r in card.roles.items()
            for i, k in enumerate(r.kpis)
        ],
    }


SCORECARD_SPEC = ConfigSpec(
    file_name="scorecard.yml",
    model=Scorecard,
    tables={
        "scorecard_settings": "peer_group VARCHAR",
        "scorecard_period_types": "period_type VARCHAR",
        "scorecard_kpis": "role VARCHAR, kpi VARCHAR, weight DOUBLE, method VARCHAR, kpi_target DOUBLE, "
        "cap DOUBLE, position INTEGER",
    },
    rows=_rows,
)
