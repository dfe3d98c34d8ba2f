"""Every config file salesperf reads, in one list: a new file adds its ConfigSpec here.

The config assets (one per spec), `salesperf check` and the test fixtures iterate over `all_specs()`.
"""

from __future__ import annotations

from salesperf.config.commission_plans import COMMISSION_PLANS_SPEC
from salesperf.config.forecasting import FORECASTING_SPEC
from salesperf.config.pipeline import PIPELINE_SPEC
from salesperf.config.process import PROCESS_SPEC
from salesperf.config.scorecard import SCORECARD_SPEC
from salesperf.config.tables import ConfigSpec
from salesperf.config.targets import TARGETS_SPEC

CONFIG_SPECS: tuple[ConfigSpec, ...] = (
    COMMISSION_PLANS_SPEC,
    FORECASTING_SPEC,
    PROCESS_SPEC,
    PIPELINE_SPEC,
    SCORECARD_SPEC,
    TARGETS_SPEC,
)


def all_specs() -> list[ConfigSpec]:
    """The specs by name (the order assets and `salesperf check` list them in)."""
    return sorted(CONFIG_SPECS, key=lambda spec: spec.name)
