"""`process.yml`: the sales process analytics (docs/process_analytics.md). Every key is optional.

- `stages`: the open stages of the funnel, in order, each with the win probability that weights the pipeline.
  Without it the order and the probabilities come from the data (stg_config__process_stages says how).
- `won_stages` / `lost_stages`: stage names that mean the deal is closed (added to the built-in names).
- the other sections hold the thresholds and windows of each mart.

The settings land in `config.process_stages` (one row per named stage) and `config.process_settings` (one row,
written with the defaults below even when the file is absent, so the dbt models read one place).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from salesperf.config.tables import ConfigSpec

_STRICT = ConfigDict(extra="forbid")


class Stage(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1)
    probability: float | None = Field(None, ge=0, le=1)  # None: from the data (landed, else historic win rate)


class PipelineSettings(BaseModel):
    model_config = _STRICT
    stalled_days: int = Field(30, ge=1)  # open, no stage change and no activity for this many days: stalled
    high_stalled_days: int = Field(60, ge=1)  # severity high from here
    aged_days: int = Field(180, ge=1)  # open longer than this since creation: aged


class ActivitySettings(BaseModel):
    model_config = _STRICT
    # Customers of these segments are key accounts; empty: the segment with the highest net sales per customer.
    key_account_segments: list[str] = []
    key_account_window_days: int = Field(30, ge=1)
    visit_order_window_days: int = Field(30, ge=1)  # an order from the customer this many days after a visit
    visit_types: list[str] = ["visit"]


class AssociationSettings(BaseModel):
    model_config = _STRICT
    window_days: int = Field(90, ge=1)  # the `window` scope: bought by the same customer within this many days
    min_support: float = Field(0.001, ge=0, le=1)
    min_pair_count: int = Field(10, ge=1)
    max_products_per_order: int = Field(30, ge=2)  # larger orders are left out of product-level pairs
    top_products: int = Field(200, ge=2)  # product-level pairs only among the year's most-ordered products
    cross_sell_min_lift: float = Field(1.2, gt=0)
    cross_sell_per_customer: int = Field(3, ge=1)


class TrainingSettings(BaseModel):
    model_config = _STRICT
    months_before: int = Field(6, ge=1, le=24)
    months_after: int = Field(6, ge=1, le=24)
    ramp_months: int = Field(3, ge=0, le=12)  # a rep's first months are left out of the comparison
    min_reps: int = Field(5, ge=2)  # fewer trained or untrained reps: "not enough data"
    confidence: float = Field(0.95, gt=0.5, lt=1)


class SatisfactionSettings(BaseModel):
    model_config = _STRICT
    reorder_window_days: int = Field(180, ge=1)
    low_score: float = Field(2, ge=1, le=5)  # at or below: dissatisfied
    high_score: float = Field(4, ge=1, le=5)  # at or above: satisfied

    @model_validator(mode="after")
    def _ordered(self) -> SatisfactionSettings:
        if self.low_score >= self.high_score:
            raise ValueError("low_score must be below high_score")
        return self


class ProcessConfig(BaseModel):
    model_config = _STRICT
    stages: list[Stage] = []
    won_stages: list[str] = []
    lost_stages: list[str] = []
    pipeline: PipelineSettings = PipelineSettings()
    activities: ActivitySettings = ActivitySettings()
    association: AssociationSettings = AssociationSettings()
    training: TrainingSettings = TrainingSettings()
    satisfaction: SatisfactionSettings = SatisfactionSettings()

    @model_validator(mode="after")
    def _names_once(self) -> ProcessConfig:
        seen: dict[str, str] = {}
        for kind, names in (
            ("stages", [s.name for s in self.stages]),
            ("won_stages", self.won_stages),
            ("lost_stages", self.lost_stages),
        ):
            for name in names:
                if name in seen:
                    raise ValueError(f"stage {name!r} is listed twice ({seen[name]} and {kind})")
                seen[name] = kind
        if self.pipeline.high_stalled_days < self.pipeline.stalled_days:
            raise ValueError("pipeline.high_stalled_days must be at least pipeline.stalled_days")
        return self


SETTINGS_COLUMNS: dict[str, str] = {
    "stalled_days": "INTEGER",
    "high_stalled_days": "INTEGER",
    "aged_days": "INTEGER",
    "key_account_segments": "VARCHAR",  # '|'-joined; '' = derived from the data
    "key_account_window_days": "INTEGER",
    "visit_order_window_days": "INTEGER",
    "visit_types": "VARCHAR",  # '|'-joined
    "association_window_days": "INTEGER",
    "min_support": "DOUBLE",
    "min_pair_count": "INTEGER",
    "max_products_per_order": "INTEGER",
    "top_products": "INTEGER",
    "cross_sell_min_lift": "DOUBLE",
    "cross_sell_per_customer": "INTEGER",
    "training_months_before": "INTEGER",
    "training_months_after": "INTEGER",
    "training_ramp_months": "INTEGER",
    "training_min_reps": "INTEGER",
    "training_confidence": "DOUBLE",
    "reorder_window_days": "INTEGER",
    "low_score": "DOUBLE",
    "high_score": "DOUBLE",
}


def _rows(model: ProcessConfig) -> dict[str, list[tuple]]:
    stages = [(s.name, i + 1, s.probability, "open") for i, s in enumerate(model.stages)]
    stages += [(name, None, 1.0, "won") for name in model.won_stages]
    stages += [(name, None, 0.0, "lost") for name in model.lost_stages]
    p, a, s, t, q = model.pipeline, model.activities, model.association, model.training, model.satisfaction
    settings = (
        p.stalled_days,
        p.high_stalled_days,
        p.aged_days,
        "|".join(a.key_account_segments),
        a.key_account_window_days,
        a.visit_order_window_days,
        "|".join(a.visit_types),
        s.window_days,
        s.min_support,
        s.min_pair_count,
        s.max_products_per_order,
        s.top_products,
        s.cross_sell_min_lift,
        s.cross_sell_per_customer,
        t.months_before,
        t.months_after,
        t.ramp_months,
        t.min_reps,
        t.confidence,
        q.reorder_window_days,
        q.low_score,
        q.high_score,
    )
    assert len(settings) == len(SETTINGS_COLUMNS)
    return {"process_stages": stages, "process_settings": [settings]}


PROCESS_SPEC = ConfigSpec(
    file_name="process.yml",
    model=ProcessConfig,
    tables={
        "process_stages": "stage VARCHAR, stage_order INTEGER, probability DOUBLE, stage_kind VARCHAR",
        "process_settings": ", ".join(f"{name} {sql_type}" for name, sql_type in SETTINGS_COLUMNS.items()),
    },
    rows=_rows,
    defaults_when_absent=True,
)
