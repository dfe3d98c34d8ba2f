"""The one Dagster code location of salesperf (`dagster dev -m orchestration.definitions`)."""

from __future__ import annotations

from dagster import Definitions

from orchestration.assets.checks import expectation_checks
from orchestration.assets.commissions import commission_exports
from orchestration.assets.config import config_assets
from orchestration.assets.dbt import dbt_asset_definitions
from orchestration.assets.forecasting import forecasting_assets
from orchestration.assets.ingestion import calendar_days, ingestion_assets
from orchestration.assets.process import process_assets
from orchestration.assets.report import manager_report
from orchestration.assets.serving import published_warehouse
from orchestration.automation import daily_schedule, dead_run_sensor, landing_sensor, salesperf_all_job
from orchestration.resources import build_resources
from orchestration.storage import relax_sqlite_sync
from salesperf.settings import Settings


def build_definitions(settings: Settings | None = None) -> Definitions:
    """Definitions wired to `settings` (default: the SALESPERF_* environment)."""
    relax_sqlite_sync()  # the run history's SQLite commits do not wait for the disk (orchestration/storage.py)
    return Definitions(
        assets=[
            *ingestion_assets,
            calendar_days,
            *config_assets,
            *dbt_asset_definitions,
            published_warehouse,
            manager_report,
            commission_exports,
            *forecasting_assets,
            *process_assets,
        ],
        asset_checks=expectation_checks,
        jobs=[salesperf_all_job],
        schedules=[daily_schedule],
        sensors=[landing_sensor, dead_run_sensor],
        resources=build_resources(settings),
    )


defs = build_definitions()
