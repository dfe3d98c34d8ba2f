"""Every config file salesperf reads. A feature adds its ConfigSpec module to this import list.

Importing a feature module registers its spec in `ingestion.config_tables.CONFIG_SPECS`.
"""

from __future__ import annotations

from forecasting import config as forecasting_config  # noqa: F401,E402

# Feature spec modules, e.g. `from ingestion import targets_config  # noqa: F401`, go here.
from ingestion import commission_config, scorecard_config, targets_config  # noqa: F401
from ingestion.config_tables import CONFIG_SPECS, ConfigSpec


def all_specs() -> list[ConfigSpec]:
    return [CONFIG_SPECS[name] for name in sorted(CONFIG_SPECS)]
