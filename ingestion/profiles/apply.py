"""Applying a profile to a staged file: the derived staging table the loader types (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion import readers
from ingestion.entities import Entity
from ingestion.headers import map_headers, normalise_header
from ingestion.profiles.schema import SELF, Lookup, ProfileError, SourceProfile, check_expression
from ingestion.readers import LandingFileError, first_line, quote_ident
from ingestion.typed_sql import sql_str

_COLUMN_PREFIX = "__sp_p_"  # derived staging columns holding the expressions' results
_DERIVED, _UNPIVOT, _LOOKUP = "__sp_profiled", "__sp_unpivot", "__sp_lookup"


def stage(
    con: duckdb.DuckDBPyConnection, profile: SourceProfile, path: Path, table: str, encoding: str | None
) -> list[str]:
    """readers.stage_file with the profile's reading options (only those it sets)."""
    options: dict[str, object] = {
        k: v
        for k, v in (("sheet", profile.sheet), ("header_row", profile.header_row), ("delimiter", profile.delimiter))
        if v is not None
    }
    try:
        return readers.stage_file(con, path, table, encoding=profile.encoding or encoding, **options)
    except TypeError as err:  # a reader without these options: say so instead of crashing the run
        raise LandingFileError(
            f"{path.name}: profile {profile.id}: this version cannot read with {', '.join(options)} ({err})."
        ) from err


@dataclass
class Applied:
    """The derived staging table's description for the loader."""

    headers: list[str]  # the file's own cells kept in the staging table (raw JSON, blank-row test)
    mapping: dict[str, str]  # canonical column -> staging column holding its text
    row_scale: int  # staged _row = source row * row_scale + n (unpivot)
    message: str  # shown in audit.ingested_files.message


def _header_index(headers: list[str]) -> dict[str, str]:
    index: dict[str, str] = {}
    for header in headers:
        index.setdefault(normalise_header(header), header)
    return index


def _temp(name: str) -> str:
    return f"temp.{quote_ident(name)}"


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {_temp(table)}").fetchall()[0][0])


def apply_profile(
    con: duckdb.DuckDBPyConnection,
    profile: SourceProfile,
    entity: Entity,
    headers: list[str],
    table: str,
    landing_dir: Path,
    path: Path | None = None,
) -> Applied | None:
    """Replace the staged file in temp.`table` by the profile's derived staging table. None when the
    profile only sets reading options (the built-in mapping applies as for any file). `path`: the file
    itself (a `file: self` lookup naming another worksheet of it reads that sheet).
    Raises ProfileError (the file is rejected; temp.`table` is left as staged)."""
    if not profile.changes_content:
        return None
    made: list[str] = []
    try:
        return _apply(con, profile, entity, headers, table, Path(landing_dir), made, path)
    finally:
        for name in made:
            con.execute(f"DROP TABLE IF EXISTS {_temp(name)}")


def _apply(
    con: duckdb.DuckDBPyConnection,
    profile: SourceProfile,
    entity: Entity,
    headers: list[str],
    table: str,
    landing_dir: Path,
    made: list[str],
    path: Path | None = None,
) -> Applied:
    pid = f"profile {profile.id}"
    base, base_headers, row_scale = table, list(headers), 1
    if profile.unpivot is not None:
        base, base_headers, row_scale = _unpivot(con, profile, headers, table, made)
    joins = [f"FROM {_temp(base)} AS src"]
    for i, lookup in enumerate(profile.lookups):
        joins.append(_lookup_join(con, profile, lookup, i, table, landing_dir, joins, made, path))
    source = " ".join(joins)

    index = _header_index(base_headers)
    if profile.columns:
        exprs = {}
        for col, text in profile.columns.items():
            header = index.get(normalise_header(text))
            exprs[col] = f"src.{quote_ident(header)}" if header is not None else f"(\n{text}\n)"
    else:  # only value maps / filter / lookups: the built-in header mapping picks the columns
        exprs = {c: f"src.{quote_ident(h)}" for c, h in map_headers(entity, base_headers).items()}
    values: dict[str, str] = {}
    for col, expr in exprs.items():
        if expr.startswith("(") and (problem := check_expression(profile.columns[col])):
            raise ProfileError(
                f"{pid}: column {col}: {profile.columns[col]!r} is neither a header of the file "
                f"nor a valid SQL expression ({problem})"
            )
        _bind(con, f"{expr} AS v", source, f"{pid}: column {col}", base_headers)
        text = f"CAST({expr} AS VARCHAR)"
        if mapping := profile.value_maps.get(col):
            pairs = ", ".join(f"{sql_str(k.strip().casefold())}: {sql_str(v)}" for k, v in mapping.items())
            text = f"coalesce(MAP {{{pairs}}}[lower(trim({text}))], {text})"
        values[col] = text
    where = ""
    if profile.where:
        _bind(con, f"({profile.where})::BOOLEAN AS v", source, f"{pid}: where", base_headers)
        where = f" WHERE coalesce((\n{profile.where}\n)::BOOLEAN, false)"

    taken = {h.casefold() for h in base_headers}
    names = {c: f"{_COLUMN_PREFIX}{c}" for c in values}
    if clash := [n for n in names.values() if n.casefold() in taken]:
        raise ProfileError(f"{pid}: the file has a header named {clash[0]}, which the loader reserves")
    kept = ", ".join(f"src.{quote_ident(h)}" for h in base_headers)
    computed = ", ".join(f"{values[c]} AS {quote_ident(names[c])}" for c in values)
    select = f"SELECT {kept}{', ' if kept else ''}{computed}, src._row {source}{where}"
    made.append(_DERIVED)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {quote_ident(_DERIVED)} AS {select} ORDER BY src._row")
    except duckdb.Error as err:  # e.g. a CAST that fails on some row: find the column to name it
        raise ProfileError(_runtime_culprit(con, pid, values, source, where) or f"{pid}: {first_line(err)}") from err
    message = pid
    if profile.where:
        left_out = _count(con, base) - _count(con, _DERIVED)
        message += f"; {left_out} row(s) outside its `where` filter were not read"
    con.execute(f"DROP TABLE {_temp(table)}")
    con.execute(f"ALTER TABLE {_temp(_DERIVED)} RENAME TO {quote_ident(table)}")
    made.remove(_DERIVED)
    return Applied(_keep_read_details(headers, base_headers), names, row_scale, message)


def _keep_read_details(staged: list[str], headers: list[str]) -> list[str]:
    """`headers` carrying how the file was read (readers.StagedFile: header row, sheets), which the loader
    reports in the audit message and uses to name a rejected row's worksheet."""
    if not isinstance(staged, readers.StagedFile):
        return headers
    return readers.StagedFile(
        headers,
        header_row=staged.header_row,
        delimiter=staged.delimiter,
        sheets=staged.sheets,
        skipped_sheets=staged.skipped_sheets,
    )


def _bind(
    con: duckdb.DuckDBPyConnection, select_item: str, source: str, what: str, headers: list[str] | None = None
) -> None:
    """Bind one expression against the staged tables without reading a row (DESCRIBE). The error says what
    was expected: an expression over the file's columns, which it lists."""
    try:
        con.execute(f"DESCRIBE SELECT {select_item}, src._row {source}").fetchall()
    except duckdb.Error as err:
        expected = ""
        if headers is not None:
            shown = ", ".join(f'"{h}"' for h in headers[:40]) + (" ..." if len(headers) > 40 else "")
            expected = f"; expected a SQL expression over the file's columns ({shown or 'none'})"
        raise ProfileError(f"{what}: {first_line(err)}{expected}") from err


def _runtime_culprit(
    con: duckdb.DuckDBPyConnection, pid: str, values: dict[str, str], source: str, where: str
) -> str | None:
    for col, text in values.items():
        try:
            con.execute(f"SELECT count({text}) {source}{where}").fetchall()
        except duckdb.Error as err:
            return f"{pid}: column {col}: {first_line(err)}"
    return None


def _unpivot(
    con: duckdb.DuckDBPyConnection, profile: SourceProfile, headers: list[str], table: str, made: list[str]
) -> tuple[str, list[str], int]:
    """One row per filled cell of the unpivoted columns; the other columns repeat. _row = row * scale + n."""
    assert profile.unpivot is not None
    spec, pid = profile.unpivot, f"profile {profile.id}"
    index = _header_index(headers)
    wanted = {h: index.get(normalise_header(h)) for h in spec.labels}
    if missing := [h for h, actual in wanted.items() if actual is None]:
        raise ProfileError(f"{pid}: unpivot: the file has no column(s) {', '.join(missing)}")
    folded = {h.casefold() for h in headers}
    if clash := [n for n in (spec.label, spec.value) if n.casefold() in folded]:
        raise ProfileError(f"{pid}: unpivot: {clash[0]} is already a header of the file; choose another name")
    scale = max(16, len(wanted) + 1)  # 16: the built-in wide-targets scale, so row numbers read the same
    kept = ", ".join(f"s.{quote_ident(h)}" for h in headers)
    parts = [
        f"SELECT {kept}{', ' if kept else ''}{sql_str(spec.labels[h])} AS {quote_ident(spec.label)}, "
        f"s.{quote_ident(actual)} AS {quote_ident(spec.value)}, s._row * {scale} + {n} AS _row "
        f"FROM {_temp(table)} s WHERE nullif(trim(s.{quote_ident(actual)}), '') IS NOT NULL"
        for n, (h, actual) in enumerate(wanted.items(), start=1)
        if actual is not None
    ]
    made.append(_UNPIVOT)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {quote_ident(_UNPIVOT)} AS {' UNION ALL '.join(parts)} ORDER BY _row")
    return _UNPIVOT, [*headers, spec.label, spec.value], scale


def _lookup_join(
    con: duckdb.DuckDBPyConnection,
    profile: SourceProfile,
    lookup: Lookup,
    i: int,
    table: str,
    landing_dir: Path,
    joins: list[str],
    made: list[str],
    this_file: Path | None = None,
) -> str:
    """Stage a lookup file reduced to its first row per key; the LEFT JOIN clause for it. `file: self` is the
    file being ingested: as staged, or, with `sheet:`, another worksheet of it (`this_file`)."""
    what = f"profile {profile.id}: lookup {lookup.name}"
    staged = f"{_LOOKUP}_{i}"
    if lookup.file == SELF and lookup.sheet is not None and this_file is not None:
        made.append(staged + "_raw")
        try:
            lk_headers = readers.stage_file(con, this_file, staged + "_raw", sheet=lookup.sheet)
        except LandingFileError as err:
            raise ProfileError(f"{what}: {err}") from err
        source_table = staged + "_raw"
    elif lookup.file == SELF:
        source_table = table
        lk_headers = [r[0] for r in con.execute(f"DESCRIBE {_temp(table)}").fetchall() if r[0] != "_row"]
    else:
        root = landing_dir.resolve()
        path = landing_dir / lookup.file
        if not path.resolve().is_relative_to(root):
            raise ProfileError(f"{what}: {lookup.file} resolves outside the landing folder")
        if not path.is_file():
            raise ProfileError(f"{what}: file {lookup.file} not found in the landing folder")
        made.append(staged + "_raw")
        options: dict[str, object] = {
            k: v for k, v in (("sheet", lookup.sheet), ("header_row", lookup.header_row)) if v is not None
        }
        try:
            lk_headers = readers.stage_file(con, path, staged + "_raw", **options)
        except LandingFileError as err:
            raise ProfileError(f"{what}: {err}") from err
        sheets = [*lk_headers.sheets, *(name for name, _ in lk_headers.skipped_sheets)]
        if lookup.sheet is None and len(sheets) > 1:
            # reading "the first" worksheet silently once turned every order line into a return (issue 13)
            raise ProfileError(
                f"{what}: {lookup.file} is a workbook with {len(sheets)} worksheets ({', '.join(sheets)}); "
                "name the one to read with `sheet:`"
            )
        source_table = staged + "_raw"
    key = _header_index(lk_headers).get(normalise_header(lookup.key))
    if key is None:
        raise ProfileError(f"{what}: {lookup.file} has no column {lookup.key} (found {', '.join(lk_headers)})")
    filt = f"WHERE coalesce((\n{lookup.where}\n)::BOOLEAN, false)" if lookup.where else ""
    made.append(staged)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_ident(staged)} AS SELECT * EXCLUDE (_row) FROM "
            f"{_temp(source_table)} {filt} QUALIFY row_number() OVER (PARTITION BY {quote_ident(key)} "
            f"ORDER BY _row) = 1"
        )
    except duckdb.Error as err:
        raise ProfileError(f"{what}: where: {first_line(err)}") from err
    alias = quote_ident(lookup.name)
    clause = (
        f"LEFT JOIN {_temp(staged)} AS {alias} ON CAST((\n{lookup.match}\n) AS VARCHAR) = {alias}.{quote_ident(key)}"
    )
    try:
        con.execute(f"DESCRIBE SELECT src._row {' '.join(joins)} {clause}").fetchall()
    except duckdb.Error as err:
        raise ProfileError(f"{what}: match: {first_line(err)}") from err
    return clause
