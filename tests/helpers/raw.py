"""A build database's raw and audit tables written by hand, exactly as ingestion creates them (canonical columns
typed by ingestion.entities.SQL_TYPES, then the lineage columns), and its config tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from ingestion.entities import ENTITIES, LINEAGE_COLUMNS
from salesperf.config.specs import all_specs
from salesperf.config.tables import load_config_tables


def dbt_raw_ddl() -> list[str]:
    """CREATE TABLE statements of raw.<entity> as ingestion writes them, plus calendar and audit."""
    ddl = ["create schema if not exists raw", "create schema if not exists audit"]
    for entity in ENTITIES.values():
        columns = [f'"{c.name}" {c.sql_type}' for c in entity.columns]
        columns += [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS.items()]
        ddl.append(f"create table raw.{entity.name} ({', '.join(columns)})")
    ddl += [
        "create table raw.calendar_days (date DATE, is_workday BOOLEAN, holiday_name VARCHAR, calendar_source VARCHAR)",
        "create table audit.ingested_files (file_seq BIGINT, file VARCHAR, entity VARCHAR, sha256 VARCHAR, "
        "rows_read BIGINT, rows_accepted BIGINT, rows_rejected BIGINT, status VARCHAR, message VARCHAR, "
        "ingested_at TIMESTAMP, rows_held BIGINT DEFAULT 0)",
        "create table audit.rejected_rows (file VARCHAR, entity VARCHAR, row_number BIGINT, raw VARCHAR, "
        "reason VARCHAR, sheet VARCHAR)",
        "create table audit.first_seen (entity VARCHAR, key VARCHAR, first_seen_at TIMESTAMP, file VARCHAR)",
    ]
    return ddl


class RawWriter:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.file_seq = 0

    def file(self, entity: str, source_file: str, rows: list[dict]) -> None:
        """Insert one landing file's rows into raw.<entity>, with lineage and an audit record."""
        self.file_seq += 1
        spec = ENTITIES[entity]
        names = spec.column_names + list(LINEAGE_COLUMNS)
        placeholders = ", ".join(["?"] * len(names))
        quoted = ", ".join(f'"{n}"' for n in names)
        for row_number, row in enumerate(rows, start=2):  # header is row 1
            unknown = set(row) - set(spec.column_names)
            assert not unknown, f"{entity}: unknown columns {unknown}"
            values = [row.get(c) for c in spec.column_names]
            values += [source_file, row_number, self.file_seq, dt.datetime(2025, 4, 10, 8, 0)]
            self.con.execute(f"insert into raw.{entity} ({quoted}) values ({placeholders})", values)
        self.con.execute(
            "insert into audit.ingested_files values (?, ?, ?, ?, ?, ?, 0, 'loaded', null, now(), 0)",
            [self.file_seq, source_file, entity, f"sha-{self.file_seq}", len(rows), len(rows)],
        )


def load_config_dir(con: duckdb.DuckDBPyConnection, config_dir: Path) -> None:
    """config.* tables as the config assets write them (empty tables for files absent from config_dir)."""
    for spec in all_specs():
        load_config_tables(con, config_dir, spec)


def write_raw_company(
    path: Path, config_dir: Path, files: dict[str, list[dict]], calendar: tuple[dt.date, dt.date]
) -> None:
    """A build database holding `files` ({"orders/orders.csv": rows}: the entity is the folder), the config
    tables of `config_dir` and a weekday calendar from calendar[0] to calendar[1]."""
    con = duckdb.connect(str(path))
    try:
        for statement in dbt_raw_ddl():
            con.execute(statement)
        load_config_dir(con, config_dir)
        raw = RawWriter(con)
        for source_file, rows in files.items():
            raw.file(source_file.split("/")[0], source_file, rows)
        day, last = calendar
        while day <= last:
            con.execute(
                "insert into raw.calendar_days values (?, ?, null, 'chinese_calendar')", [day, day.isoweekday() <= 5]
            )
            day += dt.timedelta(days=1)
    finally:
        con.close()
