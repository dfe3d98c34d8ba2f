"""Config YAML -> tables in the build database's `config` schema, which dbt models read.

Each config file (targets policy, scorecards, commission plans …) has a `ConfigSpec`, listed in
`salesperf.config.specs`: its file, its pydantic model, the tables it produces and how a validated model
becomes rows. Tables always exist, empty when the file is absent (or holding the defaults, for a file whose
every key is optional: `defaults_when_absent`), so dbt can select from them unconditionally; `config.files`
records which files were present. Business rules stay in dbt: these tables carry the settings as written,
nothing derived.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from pydantic import BaseModel

from salesperf.config.files import load_config


@dataclass(frozen=True)
class ConfigSpec:
    file_name: str  # e.g. "commission_plans.yml"
    model: type[BaseModel]
    tables: dict[str, str]  # table name -> column definitions, e.g. "plan_id VARCHAR, rate DECIMAL(9,6)"
    rows: Callable[[Any], dict[str, Sequence[tuple]]]  # validated model -> {table: rows in column order}
    # An absent file yields the model's defaults (a file whose every key is optional), not empty tables.
    defaults_when_absent: bool = False

    @property
    def name(self) -> str:
        return Path(self.file_name).stem


def _ensure_files_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists config")
    con.execute("""create table if not exists config.files (
        file VARCHAR PRIMARY KEY, present BOOLEAN, sha256 VARCHAR, loaded_at TIMESTAMP)""")


def load_config_tables(con: duckdb.DuckDBPyConnection, config_dir: Path, spec: ConfigSpec) -> dict[str, int]:
    """Validate `spec`'s file (raising ConfigError naming the key path) and replace its tables."""
    path = config_dir / spec.file_name
    model = load_config(path, spec.model)  # validation happens before anything is written
    present = model is not None
    if model is None and spec.defaults_when_absent:
        model = spec.model()
    rows = spec.rows(model) if model is not None else {}
    unknown = set(rows) - set(spec.tables)
    if unknown:
        raise ValueError(f"{spec.file_name}: rows produced for undeclared tables {sorted(unknown)}")
    counts: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        _ensure_files_table(con)
        for table, columns in spec.tables.items():
            con.execute(f'create or replace table config."{table}" ({columns})')
            table_rows = list(rows.get(table, ()))
            if table_rows:
                placeholders = ", ".join("?" * len(table_rows[0]))
                con.executemany(f'insert into config."{table}" values ({placeholders})', table_rows)
            counts[table] = len(table_rows)
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if present else None
        # loaded_at moves only when the file's content does, so re-running an unchanged config is a no-op
        con.execute(
            """insert into config.files values (?, ?, ?, now()::timestamp)
            on conflict (file) do update set present = excluded.present, sha256 = excluded.sha256,
                loaded_at = case when config.files.sha256 is not distinct from excluded.sha256
                                 and config.files.present = excluded.present
                                 then config.files.loaded_at else excluded.loaded_at end""",
            [spec.file_name, present, digest],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts
