"""Paths and dates a run works with, read from the environment (docs/contract.md section 1).

Relative paths are resolved against the project root so that the CLI, Dagster and dbt agree on them
whatever the current directory is. Working state lives beside the published file (`<dir>/.build/`), so
two warehouses configured with different paths never share state.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def _path(env: str, default: str) -> Path:
    value = Path(os.environ.get(env) or default).expanduser()
    return value if value.is_absolute() else (PROJECT_ROOT / value)


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    config_dir: Path
    warehouse: Path  # the published file BI tools open; never written in place
    dagster_home: Path
    as_of: dt.date

    @property
    def build_dir(self) -> Path:
        return self.warehouse.parent / ".build" / self.warehouse.stem

    @property
    def build_db(self) -> Path:
        """The one database every write goes to; the published file is a copy of its marts."""
        return self.build_dir / "build.duckdb"

    @property
    def export_dir(self) -> Path:
        return self.build_dir / "exports"

    def dbt_env(self, build_db: Path | None = None) -> dict[str, str]:
        """Environment dbt needs to find the build database (see dbt_project/profiles.yml); `build_db`: another
        database than the build database (a scratch copy)."""
        return {"SALESPERF_BUILD_DB": str(build_db or self.build_db), "SALESPERF_AS_OF": self.as_of.isoformat()}


def load_settings() -> Settings:
    as_of_raw = os.environ.get("SALESPERF_AS_OF", "").strip()
    try:
        as_of = dt.date.fromisoformat(as_of_raw) if as_of_raw else dt.date.today()
    except ValueError as exc:
        raise ValueError(f"SALESPERF_AS_OF must be a date like 2025-03-31, found {as_of_raw!r}") from exc
    return Settings(
        landing_dir=_path("SALESPERF_LANDING_DIR", "data/landing"),
        config_dir=_path("SALESPERF_CONFIG_DIR", "config"),
        warehouse=_path("SALESPERF_WAREHOUSE", "warehouse/salesperf.duckdb"),
        dagster_home=_path("DAGSTER_HOME", ".dagster_home"),
        as_of=as_of,
    )


@contextmanager
def scoped_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a block, then restore what was there. dbt runs as a
    subprocess that inherits this process's environment: that is how it learns the database and the as-of date."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
