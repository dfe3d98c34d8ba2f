"""Dagster resources, configured from the environment (salesperf.settings)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from dagster_duckdb import DuckDBResource

from orchestration import run_guard
from orchestration.dbt_project import dbt_resource
from salesperf.settings import Settings, load_settings


class SalesperfSettings(ConfigurableResource):
    """Paths and the as-of date of a run (docs/contract.md section 1), resolved when definitions load.

    Every asset of the job uses it, so its setup is where every run starts, whatever launched it: it names the
    run's process in its tags, recovers runs whose process is gone and waits for earlier live runs
    (orchestration/run_guard.py)."""

    landing_dir: str
    config_dir: str
    warehouse: str
    dagster_home: str
    as_of: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SalesperfSettings:
        return cls(
            landing_dir=str(settings.landing_dir),
            config_dir=str(settings.config_dir),
            warehouse=str(settings.warehouse),
            dagster_home=str(settings.dagster_home),
            as_of=settings.as_of.isoformat(),
        )

    def setup_for_execution(self, context: InitResourceContext) -> None:
        run = context.run
        if context.instance is None or run is None:
            return  # a direct invocation in a test: no instance, no other runs

        # a warning: the UI shows it, and so does `salesperf run`'s terminal (its console log level)
        say = context.log.warning if context.log is not None else print
        run_guard.guard_run(context.instance, run.run_id, log=say)

    def resolve(self) -> Settings:
        return Settings(
            landing_dir=Path(self.landing_dir),
            config_dir=Path(self.config_dir),
            warehouse=Path(self.warehouse),
            dagster_home=Path(self.dagster_home),
            as_of=dt.date.fromisoformat(self.as_of),
        )


def build_resources(settings: Settings | None = None) -> dict[str, object]:
    settings = settings or load_settings()
    return {
        "settings": SalesperfSettings.from_settings(settings),
        "build_db": DuckDBResource(database=str(settings.build_db)),
        "dbt": dbt_resource(),
    }
