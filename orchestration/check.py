"""`salesperf check`: what a run would complain about, found without running the pipeline.

- The landing folder is ingested with the pipeline's own code (`ingestion.load.ingest_all`) into a scratch
  DuckDB file in a temporary folder: never the build database, never the published file, and without the
  writer lock, so a check can run while a pipeline runs and always judges files exactly as a run would.
  `audit.ingested_files` (whole-file rejections) and `audit.rejected_rows` (row rejections) then become
  `Problem`s, one per failing cell.
- Every config file registered in `salesperf.config.specs` (and the source profiles of
  `config/sources/*.yml`, when `ingestion.profiles` provides them) is validated with the models a run uses;
  each failure becomes a `Problem` whose column is the key path (`plans[0].tiers[1].rate`) and whose row is
  the line in the YAML file.
- Extra checkers (e.g. a whole-file expectations suite) plug in through `CHECKERS` / `checkers=`: they get
  the scratch connection with `raw.*` loaded and return more problems.
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib
import inspect
import json
import logging
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import yaml
from pydantic import ValidationError

from ingestion.entities import ENTITIES, ENTITY_NAMES
from salesperf.config.files import ConfigError, key_path, load_config

if TYPE_CHECKING:
    from ingestion.load import EntityReport
    from salesperf.config.tables import ConfigSpec

ERROR, WARN = "ERROR", "WARN"
LANDING, CONFIG = "landing", "config"
ROWS_PER_FILE = 1000  # rejected rows listed per file; the rest are counted in one problem
SUPPORTED = ".csv, .xlsx or .parquet"


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


def _sort_key(p: Problem) -> tuple[bool, str]:
    """Config first, then by file; a stable sort keeps each file's problems in the order found (rows
    ascending, the "N more rejected rows" line last)."""
    return (p.area != CONFIG, p.file)


# -- profiles (optional module) -----------------------------------------------------------------------


def _profiles_loader() -> Callable[[Path], Any] | None:
    """`ingestion.profiles.load_profiles`, or None when that module (new, being written) is not there yet.
    Imported lazily and defensively so `check` works before and after source profiles land."""
    try:
        module = importlib.import_module("ingestion.profiles")
    except ImportError:
        return None
    loader = getattr(module, "load_profiles", None)
    return loader if callable(loader) else None


def _load_profiles(config_dir: Path) -> tuple[Any, ValueError | None]:
    """(profiles or None, the error loading them). ValueError, not only ConfigError: a loader still being
    written may raise a plain one, and it is still the user's config that is wrong."""
    loader = _profiles_loader()
    if loader is None:
        return None, None
    try:
        return loader(config_dir), None
    except ValueError as exc:
        return None, exc


def _ingest_all(con: duckdb.DuckDBPyConnection, landing_dir: Path, profiles: Any) -> dict[str, EntityReport]:
    """ingest_all, with the source profiles when it accepts them. The `profiles=` parameter is being added
    concurrently; inspecting the signature (rather than catching TypeError, which could also come from
    inside ingestion) keeps this working with either version of load.py."""
    from ingestion.load import ingest_all  # looked up at call time: tests substitute it

    if profiles is not None and "profiles" in inspect.signature(ingest_all).parameters:
        return ingest_all(con, landing_dir, profiles=profiles)
    return ingest_all(con, landing_dir)


# -- landing ------------------------------------------------------------------------------------------


def check_landing(
    landing_dir: Path, config_dir: Path, *, checkers: Sequence[Checker] = (), rows_per_file: int | None = ROWS_PER_FILE
) -> list[Problem]:
    """Problems in the landing folder, as a run would find them (see `inspect_landing`)."""
    return inspect_landing(landing_dir, config_dir, checkers=checkers, rows_per_file=rows_per_file).problems


def inspect_landing(
    landing_dir: Path, config_dir: Path, *, checkers: Sequence[Checker] = (), rows_per_file: int | None = ROWS_PER_FILE
) -> CheckReport:
    """Ingest `landing_dir` into a scratch database and report its problems and per-entity counts.
    `rows_per_file` caps the rejected rows listed per file (None: all), so a file whose every row fails
    costs one more problem, not millions."""
    landing_dir, config_dir = Path(landing_dir), Path(config_dir)
    report = CheckReport()
    if not landing_dir.is_dir():
        report.problems.append(
            Problem(
                ERROR,
                LANDING,
                str(landing_dir),
                None,
                "",
                "a landing folder with one sub-folder per entity",
                "no such folder",
            )
        )
        report.problems += _run_checkers(checkers, CheckContext(landing_dir, config_dir, None))
        return report
    report.problems += _folder_problems(landing_dir)
    profiles, _ = _load_profiles(config_dir)  # an invalid profile is check_config's problem to report
    with tempfile.TemporaryDirectory(prefix="salesperf-check-") as scratch, _quiet_ingestion_log():
        # A file rather than :memory: so that a large landing folder can spill to disk like a real run.
        con = duckdb.connect(str(Path(scratch) / "check.duckdb"))
        try:
            reports = _ingest_all(con, landing_dir, profiles)
            for entity, entity_report in reports.items():
                report.entities.append(_summary(entity, entity_report))
                report.problems += _ignored_problems(entity_report.ignored)
            report.problems += _file_problems(con)
            report.problems += _row_problems(con, rows_per_file)
            if not any(s.files for s in report.entities):
                report.problems.append(
                    Problem(
                        WARN,
                        LANDING,
                        ".",
                        None,
                        "",
                        "landing files in entity sub-folders (orders/, reps/, …)",
                        "no landing files",
                    )
                )
            report.problems += _run_checkers(checkers, CheckContext(landing_dir, config_dir, con, profiles))
        finally:
            con.close()
    report.problems.sort(key=_sort_key)
    return report


@contextmanager
def _quiet_ingestion_log() -> Iterator[None]:
    """A file DuckDB cannot read is logged with a traceback by ingestion (useful in Dagster's logs); here
    it is already reported as a problem, so the traceback would only clutter the terminal."""
    logger = logging.getLogger("ingestion")
    before = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(before)


def _folder_problems(landing_dir: Path) -> list[Problem]:
    """Sub-folders that are not entities and files lying at the top: a run never looks at them."""
    problems = []
    for path in sorted(landing_dir.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_dir() and path.name not in ENTITIES:
            close = difflib.get_close_matches(path.name, ENTITY_NAMES, n=1)
            hint = f" (did you mean {close[0]}/?)" if close else ""
            # WARN, not ERROR: a run goes on without it, and an archive/ folder may be deliberate.
            problems.append(
                Problem(WARN, LANDING, f"{path.name}/", None, "", f"an entity folder{hint}; not read", "unknown folder")
            )
        elif path.is_file():
            problems.append(
                Problem(
                    WARN,
                    LANDING,
                    path.name,
                    None,
                    "",
                    "files inside an entity folder, e.g. orders/; not read",
                    "a file at the top",
                )
            )
    return problems


def _ignored_problems(ignored: Iterable[str]) -> list[Problem]:
    """Files of an entity folder a run skips. Another extension (a .xls, a .txt) is a WARN: a run goes on
    without it, but it was probably meant to be loaded. Hidden and Office lock files (`~$x.xlsx`) are
    routine and only counted in the summary."""
    problems = []
    for rel in ignored:
        name = Path(rel).name
        if name.startswith(("~$", ".")):
            continue
        suffix = Path(rel).suffix or "no extension"
        hint = " (save it as .xlsx)" if suffix.lower() in (".xls", ".xlsm", ".xlsb") else ""
        problems.append(Problem(WARN, LANDING, rel, None, "", f"a {SUPPORTED} file{hint}; not read", suffix))
    return problems


def _summary(entity: str, report: EntityReport) -> EntitySummary:
    files = list(report.files)
    return EntitySummary(
        entity,
        files=len(files),
        files_rejected=sum(f.status == "rejected_file" for f in files),
        ignored=len(report.ignored),
        rows_read=sum(f.rows_read for f in files),
        rows_accepted=sum(f.rows_accepted for f in files),
        rows_rejected=sum(f.rows_rejected for f in files),
    )


_MISSING = re.compile(
    r"missing required column\(s\) (?P<missing>.*?); expected columns (?P<expected>.*?)"
    r" \(\* = required; Chinese labels accepted\), found (?P<found>.*)$"
)


def _file_problems(con: duckdb.DuckDBPyConnection) -> list[Problem]:
    """Whole-file rejections from audit.ingested_files, the missing-columns message split into parts."""
    rows = con.execute(
        "SELECT file, message FROM audit.ingested_files WHERE status = 'rejected_file' ORDER BY file"
    ).fetchall()
    problems = []
    for file, message in rows:
        text = (message or "rejected").strip()
        if match := _MISSING.search(text):
            # Row 1: the header row is what is wrong. Only the required columns are listed as expected (the
            # optional ones cannot reject a file, and the full list would drown the table).
            required = [c.removesuffix("*") for c in match["expected"].split(", ") if c.endswith("*")]
            profile = re.search(r"\bprofile (\S+): missing required", text)  # read through a source profile
            through = f" (through profile {profile[1]})" if profile else ""
            problems.append(
                Problem(
                    ERROR,
                    LANDING,
                    file,
                    1,
                    match["missing"],
                    f"required columns {', '.join(required)}{through}",
                    f"columns {match['found']}",
                )
            )
        else:  # empty, unreadable, outside the folder …: the message is the finding
            problems.append(Problem(ERROR, LANDING, file, None, "", f"a readable {SUPPORTED} file", text))
    return problems


def _sheet_column(con: duckdb.DuckDBPyConnection) -> str:
    """audit.rejected_rows.sheet (the worksheet of a workbook's row) when this version of load.py records
    it, else NULL: the column is new, and check must work with and without it."""
    found = con.execute(
        "SELECT 1 FROM duckdb_columns() WHERE schema_name = 'audit' AND table_name = "
        "'rejected_rows' AND column_name = 'sheet'"
    ).fetchall()
    return "sheet" if found else "CAST(NULL AS VARCHAR)"


def _row_problems(con: duckdb.DuckDBPyConnection, rows_per_file: int | None) -> list[Problem]:
    """One problem per failing cell of audit.rejected_rows; rows of files rejected whole are left out
    (their file-level problem says it all)."""
    keep = (
        ""
        if rows_per_file is None
        else f"QUALIFY row_number() OVER (PARTITION BY file ORDER BY row_number) <= {int(rows_per_file)}"
    )
    rows = con.execute(
        f"SELECT file, {_sheet_column(con)}, entity, row_number, reason FROM audit.rejected_rows "
        f"WHERE NOT starts_with(reason, 'file rejected:') {keep} ORDER BY file, row_number"
    ).fetchall()
    problems = [
        Problem(severity, LANDING, f"{file} [{sheet}]" if sheet else file, row, column, expected, found)
        for file, sheet, entity, row, reason in rows
        for severity, column, expected, found in split_reason(reason, entity)
    ]
    if rows_per_file is not None:
        more = con.execute(
            "SELECT file, count(*) - $n FROM audit.rejected_rows WHERE NOT starts_with(reason, "
            "'file rejected:') GROUP BY file HAVING count(*) > $n ORDER BY file",
            {"n": int(rows_per_file)},
        ).fetchall()
        problems += [
            Problem(
                ERROR,
                LANDING,
                file,
                None,
                "",
                f"(first {rows_per_file:,} rejected rows listed)",
                f"{extra:,} more rejected rows",
            )
            for file, extra in more
        ]
    return problems


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


def _run_checkers(checkers: Sequence[Checker], context: CheckContext) -> list[Problem]:
    """Extra checkers' problems; a checker that crashes is itself an ERROR rather than the end of the check."""
    problems: list[Problem] = []
    for checker in [*CHECKERS, *checkers]:
        try:
            problems += list(checker(context))
        except Exception as exc:  # noqa: BLE001  (one broken checker must not hide the other findings)
            name = getattr(checker, "__name__", type(checker).__name__)
            problems.append(
                Problem(ERROR, LANDING, "", None, "", f"checker {name} to run", f"{type(exc).__name__}: {exc}")
            )
    return problems


# -- config -------------------------------------------------------------------------------------------


def check_config(config_dir: Path) -> list[Problem]:
    """Problems in every config file a run reads: each registered ConfigSpec file and the source profiles.
    Absent files are fine (each feature is optional); YAML files nobody reads are a WARN (a typo in a file
    name silently turns a feature off)."""
    from salesperf.config.specs import all_specs

    config_dir = Path(config_dir)
    if not config_dir.is_dir():
        return [
            Problem(
                WARN,
                CONFIG,
                str(config_dir),
                None,
                "",
                "the config folder (every file optional)",
                "no such folder: targets, scorecards and commissions are off",
            )
        ]
    problems: list[Problem] = []
    specs = all_specs()
    for spec in specs:
        problems += _spec_problems(config_dir / spec.file_name, spec)
    _, profile_error = _load_profiles(config_dir)
    if profile_error is not None:
        problems += config_error_problems(profile_error, config_dir, default_file="sources/")
    known = {spec.file_name for spec in specs}
    for path in sorted([*config_dir.glob("*.yml"), *config_dir.glob("*.yaml")]):
        if path.name not in known:
            close = difflib.get_close_matches(path.name, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(
                Problem(
                    WARN,
                    CONFIG,
                    path.name,
                    None,
                    "",
                    f"one of {', '.join(sorted(known))}{hint}",
                    "a file salesperf does not read",
                )
            )
    problems.sort(key=_sort_key)
    return problems


def _spec_problems(path: Path, spec: ConfigSpec) -> list[Problem]:
    """Validate like a run (load_config, then the spec's rows) and give each failure its own problem."""
    try:
        model = load_config(path, spec.model)
        if model is not None:
            spec.rows(model)
    except ConfigError as exc:
        # load_config raises `from None`, which keeps the ValidationError as __context__: its structured
        # errors give the offending value and the exact location, better than parsing the joined message.
        if isinstance(exc.__context__, ValidationError):
            return _validation_problems(path, exc.__context__)
        return config_error_problems(exc, path.parent, default_file=path.name)
    except Exception as exc:  # noqa: BLE001  (a run would fail on it too: report, and check the other files)
        return [
            Problem(ERROR, CONFIG, path.name, None, "", "a config file a run can load", f"{type(exc).__name__}: {exc}")
        ]
    return []


def _validation_problems(path: Path, error: ValidationError, file: str | None = None) -> list[Problem]:
    lines = _line_finder(path)
    file = file or path.name
    problems = []
    for item in error.errors():
        location = tuple(p for p in item.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        value = item.get("input")
        found = "" if isinstance(value, dict | list) or item.get("type") == "missing" else _show(value)
        for sub_path, sub_message in _split_message(message):
            full = location + sub_path
            problems.append(
                Problem(ERROR, CONFIG, file, lines(full), key_path(full), sub_message, found if not sub_path else "")
            )
    return problems


def _show(value: object) -> str:
    return "blank" if value is None else str(value)


_PATH = r"[A-Za-z_]\w*(?:\[\d+\])*(?:\.[A-Za-z_]\w*(?:\[\d+\])*)*"
_PATH_PART = re.compile(rf"^(?P<path>{_PATH}): (?P<message>.+)$", re.S)


def _split_message(message: str) -> list[tuple[tuple[int | str, ...], str]]:
    """A model-level validator may report several problems at once, each naming its own key path
    (`assignments[3].plan: unknown plan 'x'; assignments[4]: overlaps assignments[2] …`): split them, but
    only when every part starts with a key path, so a plain sentence holding "; " stays whole."""
    matches = [_PATH_PART.match(p) for p in message.split("; ")]
    if all(matches):
        return [(_parse_path(m["path"]), m["message"]) for m in matches if m]
    return [((), message)]


def _parse_path(text: str) -> tuple[int | str, ...]:
    """'plans[0].tiers[1].rate' -> ('plans', 0, 'tiers', 1, 'rate')."""
    location: list[int | str] = []
    for name, index in re.findall(r"([A-Za-z_]\w*)|\[(\d+)\]", text):
        location.append(name if name else int(index))
    return tuple(location)


def config_error_problems(error: ValueError, config_dir: Path, *, default_file: str) -> list[Problem]:
    """Problems from a ConfigError's text, `file.yml: a.b[1].c: message; d: message` (the format of
    salesperf.config.files), for loaders whose structured errors are not at hand (source profiles)."""
    text = str(error).strip()
    file, sep, rest = text.partition(": ")
    if not sep or not re.search(r"\.ya?ml$", file):
        file, rest = default_file, text
    # A profile's message may name it relative to the config folder or by its bare name.
    path = next((p for p in (config_dir / file, config_dir / "sources" / file) if p.is_file()), None)
    lines = _line_finder(path) if path is not None else (lambda _loc: None)
    if path is not None and path.resolve().is_relative_to(config_dir.resolve()):
        file = path.resolve().relative_to(config_dir.resolve()).as_posix()  # sources/crm.yml, not crm.yml
    if path is not None and isinstance(error.__context__, ValidationError):  # see _spec_problems
        return _validation_problems(path, error.__context__, file)
    if rest.startswith("not valid YAML"):
        line = re.search(r"at line (\d+)", rest)
        return [
            Problem(
                ERROR,
                CONFIG,
                file,
                int(line[1]) if line else None,
                "",
                "valid YAML",
                rest.removeprefix("not valid YAML ").removeprefix(": "),
            )
        ]
    problems = []
    for part in rest.split("; "):
        match = _PATH_PART.match(part)
        if match:
            location = _parse_path(match["path"])
            problems.append(Problem(ERROR, CONFIG, file, lines(location), match["path"], match["message"], ""))
        elif problems:  # a message holding "; " itself: glue it back to the part it belongs to
            last = problems[-1]
            problems[-1] = Problem(
                last.severity, last.area, last.file, last.row, last.column, f"{last.expected}; {part}", last.found
            )
        else:
            problems.append(Problem(ERROR, CONFIG, file, None, "", part, ""))
    return problems


def _line_finder(path: Path) -> Callable[[tuple[int | str, ...]], int | None]:
    """location -> line (1-based) of that key in the YAML file, or of its closest existing parent."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        root = None

    def find(location: tuple[int | str, ...]) -> int | None:
        node, line = root, None
        for part in location:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                        child, line = value, key.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                child = node.value[part]
                line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line

    return find


# -- both ---------------------------------------------------------------------------------------------


def run_check(
    landing_dir: Path, config_dir: Path, *, checkers: Sequence[Checker] = (), rows_per_file: int | None = ROWS_PER_FILE
) -> CheckReport:
    """Config problems first (a run stops on them before any model runs), then the landing folder's."""
    report = inspect_landing(landing_dir, config_dir, checkers=checkers, rows_per_file=rows_per_file)
    report.problems = check_config(config_dir) + report.problems
    return report


# -- expectation suites ---------------------------------------------------------------------------------


def suite_checker(as_of: dt.date) -> Checker:
    """A checker running the pipeline's great-expectations suites (ingestion.validation) on the scratch
    database: what a run's Dagster asset checks would report - references between entities, keys, ranges -
    one problem per failing expectation, with its severity (an ERROR would block the run's dbt build)."""

    def check(context: CheckContext) -> Iterable[Problem]:
        if context.con is None:
            return []
        from ingestion.validation import validate_all  # great_expectations takes seconds to import

        problems = []
        for entity, validation in validate_all(context.con, as_of=as_of).items():
            for result in validation.failed:
                count = "" if result.unexpected_count is None else f"{result.unexpected_count:,} row(s)"
                sample = ", ".join(_sample_text(v, result.rule.columns) for v in result.sample[:3])
                found = "; ".join(t for t in (count, f"e.g. {sample}" if sample else "") if t) or "failed to run"
                problems.append(
                    Problem(
                        result.rule.severity,
                        LANDING,
                        f"{entity}/",
                        None,
                        ", ".join(result.rule.columns),
                        f"{result.rule.why} (expectation {result.rule.name})",
                        found,
                    )
                )
        return problems

    return check


def _sample_text(value: Any, columns: Sequence[str]) -> str:
    """A sampled failing value; a sampled row (a dict, from row-query expectations) as its rule's columns."""
    if isinstance(value, dict):
        shown = [str(value[c]) for c in columns if c in value]
        return " / ".join(shown) if shown else json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
