"""Every config file salesperf reads. A feature adds its ConfigSpec module to the imports below.

Importing a feature module registers its spec in `ingestion.config_tables.CONFIG_SPECS`.
"""

from __future__ import annotations

from forecasting import config as forecasting_config  # noqa: F401  (registers forecasting.yml)
from ingestion import commission_config, scorecard_config, targets_config  # noqa: F401  (register their files)
from ingestion.config_tables import CONFIG_SPECS, ConfigSpec


def all_specs() -> list[ConfigSpec]:
    return [CONFIG_SPECS[name] for name in sorted(CONFIG_SPECS)]
