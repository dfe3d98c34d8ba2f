"""What `salesperf check` reports: a Problem per finding (severity, file, row, column, expected, found), the
report, the context an extra checker gets, and how a rejected row's reason becomes problems."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ingestion.entities import ENTITIES

ERROR, WARN = "ERROR", "WARN"


LANDING, CONFIG = "landing", "config"


ROWS_PER_FILE = 1000  # rejected rows listed per file; the rest are counted in one problem


SUPPORTED = ".csv, .xlsx, .xls or .parquet"


@dataclass(frozen=True)
class Problem:
    severity: str  # ERROR: a run would reject data or stop; WARN: a run goes on but probably not as meant
    area: str  # landing | config
    file: str  # relative to the landing or config folder (POSIX), or the folder itself
    row: int | None  # spreadsheet row (header = 1) of a landing file; line of a config file
    column: str  # landing column, config key path, or "" for the whole file
    expected: str
    found: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class EntitySummary:
    entity: str
    files: int = 0  # landing files read (loaded, rejected or skipped as duplicates)
    files_rejected: int = 0
    ignored: int = 0  # files in the folder that are not landing files (other extensions, lock files)
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0


@dataclass
class CheckContext:
    """What an extra checker may look at: the folders, and the scratch database holding `raw.*` and
    `audit.*` as a run would have ingested them (open only while the checkers run)."""

    landing_dir: Path
    config_dir: Path
    con: duckdb.DuckDBPyConnection | None
    profiles: Any = None  # whatever ingestion.profiles.load_profiles returned, if anything


Checker = Callable[[CheckContext], Iterable[Problem]]


# Checkers every `salesperf check` runs after ingestion (a whole-file expectations suite registers here).
CHECKERS: list[Checker] = []


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    entities: list[EntitySummary] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(p.severity == ERROR for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity == WARN for p in self.problems)


def sort_key(p: Problem) -> tuple[bool, str]:
    """Config first, then by file; a stable sort keeps each file's problems in the order found (rows
    ascending, the "N more rejected rows" line last)."""
    return (p.area != CONFIG, p.file)


# Rows a run rejects on purpose, which are not the user's mistake: a WARN, so a check of an export with a
# totals line (合计) or a repeated row still passes. (pattern of load.py's reason, what was expected)
_SET_ASIDE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^totals row \(.*\): not a data row$", re.S), "a data row (a totals line is set aside)"),
    (re.compile(r"^exact duplicate of row \d+"), "a row not repeated in the file (the first copy loads)"),
]


def split_reason(reason: str, entity: str | None = None) -> list[tuple[str, str, str, str]]:
    """`order_date: expected a date (…), found "soon"; quantity: required but blank` ->
    [(ERROR, order_date, a date (…), soon), (ERROR, quantity, a value (required), blank)].

    Reasons are joined with "; " (load.reasons_sql) and a found value may itself hold "; ", so a new part
    starts only where "; " is followed by one of the entity's column names and a colon (or a totals-row
    reason, which may follow an exact-duplicate one)."""
    names = ENTITIES[entity].column_names if entity in ENTITIES else []
    if names:
        starts = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        parts = re.split(rf"; (?=(?:{starts}): |totals row \()", reason)
    else:
        parts = reason.split("; ")
    return [_split_part(p.strip(), names) for p in parts if p.strip()]


def _split_part(part: str, names: list[str]) -> tuple[str, str, str, str]:
    for pattern, expected in _SET_ASIDE:
        if pattern.match(part):
            return WARN, "", expected, part
    column, sep, rest = part.partition(": ")
    if not sep or (names and column not in names):
        return ERROR, "", part, ""  # a reason of a shape this module does not know yet: shown whole
    if rest == "required but blank":
        return ERROR, column, "a value (required)", "blank"
    if rest.startswith("expected "):
        expected, found_sep, found = rest.removeprefix("expected ").rpartition(", found ")
        if found_sep:
            if len(found) >= 2 and found[0] == found[-1] == '"':
                found = found[1:-1]
            return ERROR, column, expected, found
    return ERROR, column, rest, ""
