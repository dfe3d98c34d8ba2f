"""Source profiles: map a vendor's export onto a canonical entity (docs/source_profiles.md).

A profile file `$SALESPERF_CONFIG_DIR/sources/<name>.yml` holds `profiles:`, each naming an entity, the
files it reads (globs below the entity's landing folder), how to read them (sheet, header row, encoding,
delimiter) and, per canonical column, a DuckDB SQL expression over the file's raw header names.

How a profile is applied (called from `staging.prepare`, after the file is staged as all-VARCHAR text):
1. optional lookup files (elsewhere in the landing folder, or the file itself) are staged too and reduced to
   one row per key, so a LEFT JOIN can never multiply rows;
2. optional `unpivot` turns wide columns (一月 … 十二月) into one row per filled cell;
3. every expression is checked to be ONE plain expression (DuckDB's own parser: no subquery, no FROM, no
   second statement), then bound against the staged table (DESCRIBE): a bad one rejects the file with a
   message naming the profile, the column and DuckDB's error;
4. one SELECT builds a derived staging table: the file's own cells (so rejected rows still show what the
   file held), the expressions' results as text under private names, and `_row`. The loader then types and
   validates those texts exactly as it does a canonical file's cells, so row-level reasons keep working and
   rows read = rows accepted + rows rejected still holds.

Header names, lookup keys and file names only ever reach SQL as quoted identifiers or bound parameters;
expressions are config written by sales ops and are embedded only after the parser checks above.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import duckdb
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ingestion import readers
from ingestion.entities import ENTITIES, Entity
from ingestion.headers import map_headers, normalise_header
from ingestion.readers import LandingFileError, first_line, quote_ident
from ingestion.typed_sql import sql_str
from salesperf.config.files import ConfigError, load_config

SOURCES_DIR = "sources"  # profile files live in $SALESPERF_CONFIG_DIR/sources/*.yml
SELF = "self"  # a lookup reading the file being ingested (e.g. "does anyone report to this employee?")
_COLUMN_PREFIX = "__sp_p_"  # derived staging columns holding the expressions' results
_DERIVED, _UNPIVOT, _LOOKUP = "__sp_profiled", "__sp_unpivot", "__sp_lookup"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A plain header name (not an expression) may not contain these: they only make sense in SQL.
_SQL_PUNCTUATION = re.compile(r"""["'();|]|--|/\*""")


class ProfileError(Exception):
    """A profile cannot be applied to a file; the message names the profile and the column."""


# -- the profile file ---------------------------------------------------------------------------------


@cache
def _parser() -> duckdb.DuckDBPyConnection:
    """An in-memory connection used only to parse expressions (never touches data)."""
    return duckdb.connect()


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def check_expression(expr: str) -> str | None:
    """None when `expr` is ONE scalar SQL expression as it will be embedded (`(\\n<expr>\\n)`), else why not.

    The newlines neutralise a trailing `--` comment; the parse tree must be a bare SELECT of one item with
    no FROM, WHERE, modifiers or subquery, so an expression cannot smuggle a second statement or read
    another table or file."""
    try:
        text = _parser().execute("SELECT json_serialize_sql($q)", {"q": f"SELECT (\n{expr}\n)"}).fetchall()[0][0]
    except duckdb.Error as err:
        return first_line(err)
    tree = json.loads(text)
    if tree.get("error"):
        return str(tree.get("error_message") or "not valid SQL").strip().splitlines()[0]
    statements = tree.get("statements") or []
    if len(statements) != 1:
        return "not a single SQL expression"
    node = statements[0].get("node", {})
    plain = (
        node.get("type") == "SELECT_NODE"
        and len(node.get("select_list") or []) == 1
        and (node.get("from_table") or {}).get("type") in (None, "EMPTY")
        and not node.get("where_clause")
        and not node.get("group_expressions")
        and not node.get("having")
        and not node.get("qualify")
        and not node.get("modifiers")
        and not (node.get("cte_map") or {}).get("map")
        and not node.get("sample")
    )
    if not plain:
        return "not a single SQL expression (no FROM, WHERE, ORDER BY, LIMIT or second statement)"
    if any(n.get("class") == "SUBQUERY" or n.get("type") == "TABLE_FUNCTION" for n in _walk(node)):
        return "subqueries are not allowed in a profile expression (use `lookups` to join another file)"
    return None


def _check_expr_field(value: str | None) -> str | None:
    if value is not None and (problem := check_expression(value)):
        raise ValueError(f"not a valid SQL expression: {problem}")
    return value


def _check_relative(pattern: str, what: str) -> str:
    path = PurePosixPath(pattern.replace("\\", "/"))
    if not pattern.strip() or path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", pattern):
        raise ValueError(f"{what} must be a relative path without '..', found {pattern!r}")
    return path.as_posix()


class Lookup(BaseModel):
    """Another file joined by key: `<name>."<header>"` in expressions. One row per key (the first)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    file: str  # relative to the landing folder, or `self`
    key: str  # header of the lookup file
    # Expression over the main file (and earlier lookups) matched against `key`, compared as text. (Not
    # called `on`: YAML 1.1 reads a bare `on` key as the boolean true.)
    match: str
    where: str | None = None  # optional filter over the lookup file's own headers

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _IDENT.match(value) or value.lower() == "src":
            raise ValueError(f"must be a plain identifier other than src (letters, digits, _), found {value!r}")
        return value

    @field_validator("file")
    @classmethod
    def _file(cls, value: str) -> str:
        return value if value == SELF else _check_relative(value, "a lookup file")

    @field_validator("match", "where")
    @classmethod
    def _expressions(cls, value: str | None) -> str | None:
        return _check_expr_field(value)


class Unpivot(BaseModel):
    """Wide columns become rows: one row per filled cell, `label` holding the column's label, `value` the
    cell. `columns` lists header names, or maps header name -> label (e.g. 一月: "01")."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str] | list[str] = Field(min_length=1)
    label: str = "unpivot_label"
    value: str = "unpivot_value"

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.columns) if isinstance(self.columns, dict) else {c: c for c in self.columns}

    @model_validator(mode="after")
    def _names(self) -> Unpivot:
        if self.label.casefold() == self.value.casefold():
            raise ValueError("label and value must be different column names")
        return self


class SourceProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    entity: str
    description: str = ""
    files: list[str] = Field(min_length=1)  # globs below landing/<entity>/ (no '/': matches the file name)
    priority: int = 0  # higher wins when several profiles match a file; then the most specific glob wins
    sheet: str | int | None = None  # xlsx worksheet: name, or 0-based index
    header_row: int | None = Field(default=None, ge=1)  # 1-based row holding the headers
    encoding: str | None = None  # CSV encoding, instead of detection (e.g. gb18030)
    delimiter: str | None = None  # CSV delimiter, instead of sniffing
    where: str | None = None  # rows for which this is not true are not this entity's data (not counted)
    lookups: list[Lookup] = Field(default_factory=list)
    unpivot: Unpivot | None = None
    columns: dict[str, str] = Field(default_factory=dict)  # canonical column -> header name or expression
    value_maps: dict[str, dict[str, str]] = Field(default_factory=dict)  # column -> {label: canonical}
    source: str = Field(default="", exclude=True)  # the file it came from (set by load_profiles)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9_.\-]+$", value):
            raise ValueError(f"must be letters, digits, '_', '-' or '.', found {value!r}")
        return value

    @field_validator("entity")
    @classmethod
    def _entity(cls, value: str) -> str:
        if value not in ENTITIES:
            raise ValueError(f"unknown entity {value!r}; expected one of {', '.join(ENTITIES)}")
        return value

    @field_validator("files")
    @classmethod
    def _files(cls, value: list[str]) -> list[str]:
        return [_check_relative(p, "a file pattern") for p in value]

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"unknown encoding {value!r}") from None
        return value

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 1:
            raise ValueError(f"must be one character, found {value!r}")
        return value

    @field_validator("where")
    @classmethod
    def _where(cls, value: str | None) -> str | None:
        return _check_expr_field(value)

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, str]) -> dict[str, str]:
        for expr in value.values():
            # A value that does not parse may still be a plain header name (`Opportunity Name`), resolved
            # against the file's headers when it is read; SQL punctuation says it was meant as SQL.
            if (problem := check_expression(expr)) and _SQL_PUNCTUATION.search(expr):
                raise ValueError(f"{expr!r} is not a valid SQL expression: {problem}")
        return value

    @model_validator(mode="after")
    def _against_entity(self) -> SourceProfile:
        entity = ENTITIES[self.entity]
        names = set(entity.column_names)
        errors = [
            f"columns.{c}: not a column of {self.entity} (expected one of {', '.join(entity.column_names)})"
            for c in self.columns
            if c not in names
        ]
        errors += [f"value_maps.{c}: not a column of {self.entity}" for c in self.value_maps if c not in names]
        if self.columns and (missing := [c for c in entity.required if c not in self.columns]):
            errors.append(f"columns: missing required column(s) {', '.join(missing)} of {self.entity}")
        for col, mapping in self.value_maps.items():
            folded = [k.strip().casefold() for k in mapping]
            if len(set(folded)) != len(folded):
                errors.append(f"value_maps.{col}: labels differ only in case or spaces")
        names_seen = [lk.name.casefold() for lk in self.lookups]
        if len(set(names_seen)) != len(names_seen):
            errors.append("lookups: two lookups share a name")
        if errors:  # pydantic prefixes the profile's own path (profiles[i])
            raise ValueError("; ".join(errors))
        return self

    @property
    def version(self) -> str:
        """Content hash of what the profile says (not its comments): part of a file's fingerprint, so a
        changed profile re-ingests the files it reads."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def changes_content(self) -> bool:
        """False for a profile that only says how to read the file: the built-in mapping then applies."""
        return bool(self.columns or self.value_maps or self.where or self.lookups or self.unpivot)


class ProfileFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profiles: list[SourceProfile] = Field(default_factory=list)


def load_profiles(config_dir: Path | None) -> list[SourceProfile]:
    """Every profile in `config_dir/sources/*.yml` (and *.yaml), in file-name order. No folder: none.
    Raises ConfigError naming the file and key path (`profiles[0].columns.order_id: ...`)."""
    if config_dir is None:
        return []
    folder = Path(config_dir) / SOURCES_DIR
    if not folder.is_dir():
        return []
    found: list[SourceProfile] = []
    seen: dict[str, str] = {}
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        loaded = load_config(path, ProfileFile)
        for i, profile in enumerate(loaded.profiles if loaded else []):
            if profile.id in seen:
                raise ConfigError(
                    f"{path.name}: profiles[{i}].id: {profile.id!r} is already defined in {seen[profile.id]}"
                )
            seen[profile.id] = path.name
            found.append(profile.model_copy(update={"source": path.name}))
    return found


# -- choosing a profile for a file --------------------------------------------------------------------


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """`**` any path, `*` any characters but '/', `?` one character; case-insensitive."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z", re.IGNORECASE)


def _specificity(pattern: str) -> int:
    return sum(1 for ch in pattern if ch not in "*?")


def match_profile(profiles: list[SourceProfile], entity: str, rel: str) -> SourceProfile | None:
    """The profile for a landing file (`rel` relative to the landing folder, `<entity>/...`): among the
    entity's profiles with a glob matching it, the highest priority, then the most specific glob (most
    literal characters). None: the built-in behaviour (canonical names + Chinese aliases) applies.
    Raises ProfileError when two profiles tie, rather than picking one silently."""
    below = PurePosixPath(rel).relative_to(entity).as_posix() if rel.startswith(entity + "/") else rel
    name = PurePosixPath(below).name
    best: list[tuple[tuple[int, int], SourceProfile]] = []
    for profile in profiles:
        if profile.entity != entity:
            continue
        scores = [
            (profile.priority, _specificity(p))
            for p in profile.files
            if _glob_regex(p).match(below if "/" in p else name)
        ]
        if scores:
            best.append((max(scores), profile))
    if not best:
        return None
    best.sort(key=lambda sp: sp[0], reverse=True)
    if len(best) > 1 and best[0][0] == best[1][0]:
        raise ProfileError(
            f"{rel} matches profiles {best[0][1].id} and {best[1][1].id} equally; give one of "
            "them a higher priority or a more specific file pattern"
        )
    return best[0][1]


def file_version(sha256: str, profile: SourceProfile, landing_dir: Path) -> str:
    """What decides "identical to the version already ingested" for a file read through a profile: the
    file's sha256 combined with the profile's content hash and its lookup files' sha256. It is stored in
    audit.ingested_files.sha256 for such files, so editing a profile or a lookup file re-ingests them."""
    parts = [sha256, profile.id, profile.version]
    for lookup in profile.lookups:
        if lookup.file != SELF:
            path = Path(landing_dir) / lookup.file
            parts.append(readers.sha256_file(path) if path.is_file() else f"missing:{lookup.file}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


# -- applying a profile -------------------------------------------------------------------------------


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
) -> Applied | None:
    """Replace the staged file in temp.`table` by the profile's derived staging table. None when the
    profile only sets reading options (the built-in mapping applies as for any file).
    Raises ProfileError (the file is rejected; temp.`table` is left as staged)."""
    if not profile.changes_content:
        return None
    made: list[str] = []
    try:
        return _apply(con, profile, entity, headers, table, Path(landing_dir), made)
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
) -> Applied:
    pid = f"profile {profile.id}"
    base, base_headers, row_scale = table, list(headers), 1
    if profile.unpivot is not None:
        base, base_headers, row_scale = _unpivot(con, profile, headers, table, made)
    joins = [f"FROM {_temp(base)} AS src"]
    for i, lookup in enumerate(profile.lookups):
        joins.append(_lookup_join(con, profile, lookup, i, table, landing_dir, joins, made))
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
        _bind(con, f"{expr} AS v", source, f"{pid}: column {col}")
        text = f"CAST({expr} AS VARCHAR)"
        if mapping := profile.value_maps.get(col):
            pairs = ", ".join(f"{sql_str(k.strip().casefold())}: {sql_str(v)}" for k, v in mapping.items())
            text = f"coalesce(MAP {{{pairs}}}[lower(trim({text}))], {text})"
        values[col] = text
    where = ""
    if profile.where:
        _bind(con, f"({profile.where})::BOOLEAN AS v", source, f"{pid}: where")
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


def _bind(con: duckdb.DuckDBPyConnection, select_item: str, source: str, what: str) -> None:
    """Bind one expression against the staged tables without reading a row (DESCRIBE)."""
    try:
        con.execute(f"DESCRIBE SELECT {select_item}, src._row {source}").fetchall()
    except duckdb.Error as err:
        raise ProfileError(f"{what}: {first_line(err)}") from err


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
) -> str:
    """Stage a lookup file reduced to its first row per key; the LEFT JOIN clause for it."""
    what = f"profile {profile.id}: lookup {lookup.name}"
    staged = f"{_LOOKUP}_{i}"
    if lookup.file == SELF:
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
        try:
            lk_headers = readers.stage_file(con, path, staged + "_raw")
        except LandingFileError as err:
            raise ProfileError(f"{what}: {err}") from err
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
