"""`pipeline.yml`: how a run treats its data (all optional, defaults below). Today one section, `data_quality`:
the thresholds above which a data-quality finding is systemic and blocks the run (docs/data_quality.md).

Below the thresholds nothing blocks: a bad row is quarantined at ingestion, a row for an unknown rep is held out
of credit and commission, and the run publishes. Validated with key-path errors through
`salesperf.config.files.load_config` (e.g. `pipeline.yml: data_quality.money_rule_max_share: Input should be
less than or equal to 1`); the settings as written land in `config.pipeline_settings`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from salesperf.config.tables import ConfigSpec

_STRICT = ConfigDict(extra="forbid")


class DataQualitySettings(BaseModel):
    model_config = _STRICT
    # More than this share of an entity's current rows failing a money rule (quarantined on a money column, or
    # held for an unknown rep) blocks the run, provided at least money_rule_min_rows rows fail: one bad line
    # in a small company is a bad row, not a systemic failure.
    money_rule_max_share: float = Field(0.01, ge=0, le=1)
    money_rule_min_rows: int = Field(10, ge=1)
    # An entity listed here with no current rows blocks the run (a missing or wholly rejected export).
    required_entities: list[str] = ["reps", "orders"]
    # An entity whose current rows fell by more than this share since the last published run blocks the run
    # (a truncated full export replacing a complete one); entities that had fewer than shrink_min_rows rows
    # are not compared. 1.0 turns the rule off.
    max_shrink: float = Field(0.5, gt=0, le=1)
    shrink_min_rows: int = Field(10, ge=1)


class PipelineConfig(BaseModel):
    model_config = _STRICT
    data_quality: DataQualitySettings = DataQualitySettings()


def _rows(model: PipelineConfig) -> dict[str, list[tuple]]:
    return {
        "pipeline_settings": [
            (f"data_quality.{name}", str(getattr(model.data_quality, name)))
            for name in DataQualitySettings.model_fields
        ]
    }


PIPELINE_SPEC = ConfigSpec(
    file_name="pipeline.yml",
    model=PipelineConfig,
    tables={"pipeline_settings": "setting VARCHAR, value VARCHAR"},
    rows=_rows,
)
