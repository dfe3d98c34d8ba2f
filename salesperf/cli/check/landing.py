"""The landing folder as a run would find it: ingested with the pipeline's own code (`ingestion.load.ingest_all`)
into a scratch DuckDB file in a temporary folder (never the build database, never the published file, and
without the writer lock, so a check can run while a pipeline runs); `audit.ingested_files` (whole-file
rejections) and `audit.rejected_rows` (row rejections) become problems, one per failing cell; then the extra
checkers run on the scratch database."""

from __future__ import annotations

import difflib
import logging
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ingestion import load
from ingestion.audit import EntityReport
from ingestion.entities import DOCUMENTED_DEFAULTS, ENTITIES, ENTITY_NAMES
from ingestion.profiles import SELF, SourceProfile, claimed_by
from salesperf.cli.check.config import source_profiles
from salesperf.cli.check.problems import (
    CHECKERS,
    ERROR,
    LANDING,
    ROWS_PER_FILE,
    SUPPORTED,
    WARN,
    CheckContext,
    Checker,
    CheckReport,
    EntitySummary,
    Problem,
    sort_key,
    split_reason,
)


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
        report.problems += run_checkers(checkers, CheckContext(landing_dir, config_dir, None))
        return report
    found_profiles, _ = source_profiles(config_dir)  # an invalid profile is check_config's problem to report
    report.problems += _folder_problems(landing_dir, profile_folders(landing_dir, found_profiles or ()))
    with tempfile.TemporaryDirectory(prefix="salesperf-check-") as scratch, _quiet_ingestion_log():
        # A file rather than :memory: so that a large landing folder can spill to disk like a real run.
        con = duckdb.connect(str(Path(scratch) / "check.duckdb"))
        try:
            # load.ingest_all looked up at call time: tests substitute it
            reports = load.ingest_all(con, landing_dir, profiles=found_profiles or ())
            for entity, entity_report in reports.items():
                report.entities.append(_summary(entity, entity_report))
                report.problems += _ignored_problems(entity_report.ignored)
            report.problems += _file_problems(con)
            report.problems += default_problems(con)
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
            report.problems += run_checkers(checkers, CheckContext(landing_dir, config_dir, con, found_profiles))
        finally:
            con.close()
    report.problems.sort(key=sort_key)
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


def profile_folders(landing_dir: Path, profiles: Sequence[SourceProfile]) -> set[str]:
    """Top-level folders of the landing folder that source profiles read: lookup files' folders (the docs
    recommend keeping lookups outside the entity folders) and folders holding files a multi-entity profile
    reads. A run reads them, so they are not unknown folders."""
    profiles = [p for p in profiles if isinstance(p, SourceProfile)]
    folders = {
        Path(lk.file).parts[0] for p in profiles for lk in p.lookups if lk.file != SELF and len(Path(lk.file).parts) > 1
    }
    rooted = [p for p in profiles if p.group]
    if rooted:
        for path in landing_dir.rglob("*"):
            rel = path.relative_to(landing_dir).as_posix()
            if path.is_file() and "/" in rel and claimed_by(rooted, rel):
                folders.add(rel.split("/", 1)[0])
    return folders


def _folder_problems(landing_dir: Path, read_by_profiles: set[str] = frozenset()) -> list[Problem]:  # type: ignore[assignment]
    """Sub-folders that are not entities (nor read by a source profile) and files lying at the top: a run never
    looks at them."""
    problems = []
    for path in sorted(landing_dir.iterdir()):
        if path.name.startswith(".") or path.name in read_by_profiles:
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
        hint = " (save it as .xlsx)" if suffix.lower() in (".xlsm", ".xlsb") else ""
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
        elif profile := _PROFILE_PROBLEM.search(text):  # a profile that cannot be applied to this file
            key = profile["key"].strip()
            column = "where" if key == "where" else key.replace("column ", "columns.", 1).split(":")[0]
            error, _, wanted = profile["rest"].partition("; expected ")
            problems.append(
                Problem(
                    ERROR,
                    LANDING,
                    file,
                    None,
                    column,
                    f"profile {profile['id']}: {wanted or 'an expression that binds against the file'}",
                    error.strip(),
                )
            )
        else:  # empty, unreadable, outside the folder …: the message is the finding
            problems.append(Problem(ERROR, LANDING, file, None, "", f"a readable {SUPPORTED} file", text))
    return problems


# `<file>: profile <id>: where: <DuckDB's error>; expected a SQL expression over the file's columns (...)`
_PROFILE_PROBLEM = re.compile(
    r"\bprofile (?P<id>[A-Za-z0-9_.\-]+): (?P<key>where|column \w+|lookup \w+(?:: \w+)?): (?P<rest>.*)$", re.S
)


def default_problems(con: duckdb.DuckDBPyConnection) -> list[Problem]:
    """A WARN per file and optional column whose documented default a run will use (entities.DOCUMENTED_DEFAULTS),
    with how many accepted rows leave it blank (a file without the column: all of them)."""
    problems = []
    for (entity, column), default in DOCUMENTED_DEFAULTS.items():
        rows = con.execute(
            f'SELECT _source_file, count(*) FILTER (WHERE "{column}" IS NULL), count(*) FROM raw."{entity}" '
            "GROUP BY _source_file ORDER BY _source_file"
        ).fetchall()
        problems += [
            Problem(
                WARN,
                LANDING,
                file,
                None,
                column,
                f"{column} (optional); the default used: {default}",
                f"blank in {blank:,} of {total:,} rows",
            )
            for file, blank, total in rows
            if blank
        ]
    return problems


def _row_problems(con: duckdb.DuckDBPyConnection, rows_per_file: int | None) -> list[Problem]:
    """One problem per failing cell of audit.rejected_rows; rows of files rejected whole are left out
    (their file-level problem says it all)."""
    keep = (
        ""
        if rows_per_file is None
        else f"QUALIFY row_number() OVER (PARTITION BY file ORDER BY row_number) <= {int(rows_per_file)}"
    )
    rows = con.execute(
        "SELECT file, sheet, entity, row_number, reason FROM audit.rejected_rows "
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


def run_checkers(checkers: Sequence[Checker], context: CheckContext) -> list[Problem]:
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
