"""The source-profile files `$SALESPERF_CONFIG_DIR/sources/*.yml`: their schema (pydantic, validated against the
entity specs of ingestion/entities.py), loading with key-path errors, and the check that every expression is
ONE plain SQL expression (DuckDB's own parser).

The schema lives here rather than in salesperf/config: it validates column names against the landing contract
(ingestion.entities), which salesperf/config, a leaf, does not import."""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import duckdb
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ingestion.entities import ENTITIES
from ingestion.readers import first_line
from salesperf.config.files import ConfigError, key_path, load_config

SOURCES_DIR = "sources"  # profile files live in $SALESPERF_CONFIG_DIR/sources/*.yml
SELF = "self"  # a lookup reading the file being ingested (e.g. "does anyone report to this employee?")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A plain header name (not an expression) may not contain these: they only make sense in SQL.
_SQL_PUNCTUATION = re.compile(r"""["'();|]|--|/\*""")


class ProfileError(Exception):
    """A profile cannot be applied to a file; the message names the profile and the column."""


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


def _plain(message: str) -> str:
    return str(message).removeprefix("Value error, ")


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
    # A workbook's worksheet (name or 0-based index): required when the lookup file has several worksheets, so a
    # lookup never silently reads the wrong one. header_row: 1-based row of its headers, instead of detection.
    sheet: str | int | None = None
    header_row: int | None = Field(default=None, ge=1)

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


class EntityPart(BaseModel):
    """One entity read from a file that feeds several (SourceProfile.entities): its own worksheet, filter,
    lookups and columns; the file, its encoding and delimiter are the profile's."""

    model_config = ConfigDict(extra="forbid")

    sheet: str | int | None = None
    header_row: int | None = Field(default=None, ge=1)
    where: str | None = None
    lookups: list[Lookup] = Field(default_factory=list)
    unpivot: Unpivot | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    value_maps: dict[str, dict[str, str]] = Field(default_factory=dict)


class SourceProfile(BaseModel):
    """A profile reads the files it matches as one entity (`entity`), or as several (`entities`: a part per
    entity, each expanded by load_profiles into a profile of its own, id `<id>.<entity>`, whose `group` is the
    profile's id). A multi-entity profile's `files` are globs below the landing folder itself (the file may
    lie in any folder), and a file it matches is read only through it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    entity: str | None = None
    entities: dict[str, EntityPart] = Field(default_factory=dict)
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
    group: str = Field(default="", exclude=True)  # a part of a multi-entity profile: that profile's id

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9_.\-]+$", value):
            raise ValueError(f"must be letters, digits, '_', '-' or '.', found {value!r}")
        return value

    @field_validator("entity")
    @classmethod
    def _entity(cls, value: str | None) -> str | None:
        if value is not None and value not in ENTITIES:
            raise ValueError(f"unknown entity {value!r}; expected one of {', '.join(ENTITIES)}")
        return value

    @field_validator("entities")
    @classmethod
    def _entities(cls, value: dict[str, EntityPart]) -> dict[str, EntityPart]:
        if unknown := [e for e in value if e not in ENTITIES]:
            raise ValueError(f"unknown entity {unknown[0]!r}; expected one of {', '.join(ENTITIES)}")
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
        if self.entities:
            return self._check_parts()
        if self.entity is None:
            raise ValueError("give `entity` (one entity) or `entities` (several, read from one file)")
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

    def _check_parts(self) -> SourceProfile:
        if self.entity is not None:
            raise ValueError("give either `entity` or `entities`, not both")
        if self.changes_content or self.sheet is not None or self.header_row is not None:
            raise ValueError(
                "a profile with `entities` sets sheet, header_row, where, lookups, unpivot, columns and "
                "value_maps per entity (entities.<entity>.columns ...)"
            )
        errors = []
        for name in self.entities:
            try:
                self._part(name)
            except ValidationError as exc:
                errors += [f"entities.{name}.{key_path(e['loc'])}: {_plain(e['msg'])}" for e in exc.errors()]
        if errors:
            raise ValueError("; ".join(errors))
        return self

    def _part(self, name: str) -> SourceProfile:
        part = self.entities[name].model_dump(exclude_defaults=True)
        shared = {"encoding": self.encoding, "delimiter": self.delimiter}
        fields = {
            "id": f"{self.id}.{name}",
            "entity": name,
            "description": self.description,
            "files": self.files,
            "priority": self.priority,
            **{k: v for k, v in shared.items() if v is not None},
            **part,
        }
        return SourceProfile.model_validate(fields).model_copy(update={"group": self.id, "source": self.source})

    def expanded(self) -> list[SourceProfile]:
        """The profiles a run applies: this one, or one per entity of a multi-entity profile."""
        return [self._part(name) for name in self.entities] if self.entities else [self]

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
            for part in profile.model_copy(update={"source": path.name}).expanded():
                if part.id in seen and part.id != profile.id:
                    raise ConfigError(
                        f"{path.name}: profiles[{i}].entities: {part.id!r} is already defined in {seen[part.id]}"
                    )
                seen[part.id] = path.name
                found.append(part)
    return found
