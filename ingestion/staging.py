"""Preparing one file: staged (readers.stage_file, or through its source profile) and its headers mapped to the
entity's columns; a wide target export unpivoted; a missing required column rejects the file. Nothing is
written to raw or audit here.

CRM target exports often come wide: one row per level/key and year, one column per month (一月 … 十二月,
1月 … 12月, Jan … Dec). Such a file is unpivoted while staged: every filled month cell becomes one row
(period `<year>-MM`), so rows read / accepted / rejected count month cells, and all of them point to
their spreadsheet row. The year comes from a 年度/年份/year column, or from a 期间/period column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingestion import readers
from ingestion.audit import LOADED, REJECTED_FILE
from ingestion.db import temp
from ingestion.entities import Entity
from ingestion.headers import (
    YEAR_HEADERS,
    header_scorer,
    map_headers,
    missing_columns_message,
    month_of_header,
    normalise_header,
)
from ingestion.profiles import ProfileError, SourceProfile, apply_profile
from ingestion.profiles import stage as stage_profiled
from ingestion.readers import LandingFileError, quote_ident

STAGE, REJECTS, DUPS = "__sp_stage", "__sp_rejects", "__sp_dups"  # the TEMP tables of the file being loaded


@dataclass
class Prepared:
    """A staged file and its header mapping, ready to write; or a file-level rejection."""

    headers: list[str]
    status: str
    message: str = ""
    mapping: dict[str, str] = field(default_factory=dict)
    row_reason: str | None = None  # the reason given to every row of a rejected file
    row_scale: int = 1  # staged _row = source row * row_scale + n (wide targets: n = month)
    stage: str = STAGE  # the TEMP staging table (a lazily staged CSV: its view is readers.view_name(stage))

    @property
    def lazy(self) -> readers.LazyCsv | None:
        """The CSV's view when it is staged lazily (readers.LazyCsv): no staging table yet."""
        return getattr(self.headers, "lazy", None)


def stages_lazily(entity: Entity, profile: SourceProfile | None) -> bool:
    """Whether a CSV of this entity can be typed straight from the file (readers.LazyCsv): not through a
    profile or the wide-targets unpivot (both rewrite the staging table), and only for an entity with a
    required column, so that every blank row fails the typed insert (no filter that would skip row numbers)."""
    return profile is None and entity.name != "targets" and bool(entity.required)


def prepare(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    path: Path,
    encoding: str | None,
    profile: SourceProfile | None = None,
    landing_dir: Path | None = None,
    stage: str = STAGE,
) -> Prepared:
    """Stage one file as temp.`stage` and map its headers (no writes to raw/audit yet); through `profile` if
    one applies (profiles and wide targets stage as STAGE only)."""
    try:
        if profile is not None:
            headers = stage_profiled(con, profile, path, STAGE, encoding)
        else:
            headers = readers.stage_file(
                con,
                path,
                stage,
                encoding=encoding,
                header_score=header_scorer(entity),
                lazy=stages_lazily(entity, profile),
            )
    except LandingFileError as err:
        return Prepared([], REJECTED_FILE, str(err), stage=stage)
    if profile is not None and (profiled := _prepare_profiled(con, entity, path, headers, profile, landing_dir)):
        return profiled
    mapping = map_headers(entity, headers)
    row_scale = 1
    if entity.name == "targets" and (wide := _wide_targets(con, headers, mapping, stage)):
        mapping, row_scale = wide, MONTH_SCALE
    if missing := [c for c in entity.required if c not in mapping]:
        message = missing_columns_message(entity, headers, missing)
        readers.materialise(con, headers, stage)  # every row is quarantined with its cells
        return Prepared(
            headers, REJECTED_FILE, f"{path.name}: {message}", row_reason=f"file rejected: {message}", stage=stage
        )
    return Prepared(headers, LOADED, mapping=mapping, row_scale=row_scale, stage=stage)


def _prepare_profiled(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    path: Path,
    headers: list[str],
    profile: SourceProfile,
    landing_dir: Path | None,
) -> Prepared | None:
    """The staged file turned into the profile's derived staging table (canonical texts under private
    names, the file's own cells kept for raw JSON), mapped one to one; None for a profile that only sets
    reading options. A profile that cannot be applied rejects the file, every row carrying the reason."""
    try:
        applied = apply_profile(con, profile, entity, headers, STAGE, landing_dir or path.parent.parent, path)
    except ProfileError as err:
        return Prepared(headers, REJECTED_FILE, f"{path.name}: {err}", row_reason=f"file rejected: {err}")
    if applied is None:
        return None
    if missing := [c for c in entity.required if c not in applied.mapping]:
        message = missing_columns_message(entity, headers, missing)
        return Prepared(
            applied.headers,
            REJECTED_FILE,
            f"{path.name}: profile {profile.id}: {message}",
            row_reason=f"file rejected: {message}",
        )
    return Prepared(applied.headers, LOADED, applied.message, mapping=applied.mapping, row_scale=applied.row_scale)


MONTH_SCALE = 16  # staged _row of a month cell = source row * 16 + month, unique and reversible


def _wide_targets(
    con: duckdb.DuckDBPyConnection, headers: list[str], mapping: dict[str, str], table: str
) -> dict[str, str] | None:
    """Unpivot a wide targets file in the staging table; the new header mapping, or None if not wide."""
    months = {h: m for h in headers if (m := month_of_header(h))}
    year = next((h for h in headers if normalise_header(h) in YEAR_HEADERS), mapping.get("period"))
    if "target_amount" in mapping or not months or year is None:
        return None
    stage, q = temp(table), quote_ident
    originals = ", ".join(f"s.{q(h)}" for h in headers)
    year_text = f"sp_trim(CAST(sp_parse_integer(s.{q(year)}) AS VARCHAR))"
    parts = [
        f"SELECT s._row * {MONTH_SCALE} + {m} AS _row, {originals}, {year_text} || '-{m:02d}' AS __period, "
        f"s.{q(h)} AS __amount FROM {stage} s WHERE sp_trim(s.{q(h)}) IS NOT NULL"
        for h, m in months.items()
    ]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {q(table + '_wide')} AS {' UNION ALL '.join(parts)} ORDER BY _row")
    con.execute(f"DROP TABLE {stage}")
    con.execute(f"ALTER TABLE {temp(table + '_wide')} RENAME TO {q(table)}")
    kept = {c: h for c, h in mapping.items() if c not in ("period", "target_amount") and h not in months}
    return {**kept, "period": "__period", "target_amount": "__amount"}
