"""The demo company generator (`salesperf demo-data`, `make demo`, the benchmark set): see generate.py.

Modules by what they generate: `org` (reps), `catalogue` (products), `customers`, `demand` (per-day
demand and event counts), `orders` (order lines and the correction extract), `after_sales` (returns,
payments, credit splits), `trainings` (courses, one with a known effect), `pipeline` (opportunities and
stage history), `crm` (activities, surveys), `targets` (targets and
commission adjustments); `company` holds the shared shape and random draws, `writers` the file writers.
Only the CLI, the benchmark and the tests import this package (import-linter contract in pyproject.toml).
"""

from salesperf.demo.company import DEFAULT_SCALE, MIN_SCALE, NEW_LINE, PRODUCT_LINES, REGIONS
from salesperf.demo.generate import generate_demo_data

__all__ = ["DEFAULT_SCALE", "MIN_SCALE", "NEW_LINE", "PRODUCT_LINES", "REGIONS", "generate_demo_data"]
