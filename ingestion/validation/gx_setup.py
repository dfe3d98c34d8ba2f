"""great_expectations, imported once with its usage analytics off (a warehouse run must not phone home)."""

from __future__ import annotations

import os

# GX sends usage analytics unless told otherwise: the switch must be set before GX is imported.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402  (after the analytics switch)
import great_expectations.expectations as gxe  # noqa: E402
from great_expectations.data_context.types.base import (  # noqa: E402
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.expectations.metadata_types import FailureSeverity  # noqa: E402

__all__ = ["DataContextConfig", "FailureSeverity", "InMemoryStoreBackendDefaults", "ProgressBarsConfig", "gx", "gxe"]
