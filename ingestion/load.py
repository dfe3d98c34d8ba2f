"""Ingest an entity's landing folder into `raw.<entity>`, with lineage, audit and quarantine.

For each file (see DESIGN.md "raw.<entity>" and "audit"):
1. fingerprint it (sha256, and the encoding of a CSV, in one read); an identical file already ingested for
   this entity, under any name, is skipped;
2. stage it as an all-VARCHAR temp table (`readers.stage_file`); a CSV in the built-in layouts (no profile,
   not targets) is staged lazily instead: a view over the file (`readers.LazyCsv`), typed straight from the
   file in step 4 and numbered from its rowids; the table is made only if a row fails or a key repeats (see
   `file_write.insert_rows`), or if typing from the file fails (then everything is redone through the table);
3. map its headers to canonical columns; a missing required column rejects the whole file (every data row
   goes to audit.rejected_rows with that reason, so rows_read = rows_accepted + rows_rejected holds);
4. in ONE transaction (a failure never leaves half a file): drop what an earlier version of the same path
   left; type every staged row with one INSERT ... SELECT into raw.<entity> (trim, value maps, defaults,
   parse macros), a failing row marked by a negative _source_row; give the marked rows a reason naming
   every failing column, move them to audit.rejected_rows, drop blank rows; record the file in
   audit.ingested_files (file_seq = max + 1, also the rows' _file_seq).
   Consecutive lazily staged CSVs of one header and one dialect are written together instead: typed in one
   multi-file read, in two transactions, with the same outcome (batches.py).

Fully blank rows are not data: neither read, accepted nor rejected. Files are taken in (mtime, path) order.
Rows the reader finds above the header (titles, export dates) are not data either (ingestion/readers; the loader
passes `header_scorer(entity)` so the header is the row naming most of the entity's columns). Two kinds of
rows are read but never loaded, each rejected with its own reason and counted in the file's audit message:
totals rows (合计/总计/小计/Total..., typed_sql.py) and later exact copies of a row in the same file
(`exact duplicate of row N`, rejects.py). A workbook's rejected rows carry their worksheet in
audit.rejected_rows.sheet and their row number within it.
All row data stays inside DuckDB; Python only sees headers and counts.

The loader's modules, in the order a file meets them: headers.py (header -> column), staging.py (stage and
map one file), typed_sql.py (the typing and reason SQL), file_write.py (one file, one transaction),
rejects.py (rejected rows, exact duplicates, audit notes), batches.py (several CSVs in one read), audit.py
(the raw and audit tables), db.py (small DuckDB helpers); this module walks the folders.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

from ingestion import readers
from ingestion.audit import (
    REJECTED_FILE,
    SKIPPED,
    EntityReport,
    FileResult,
    delete_path,
    ensure_schemas,
    ensure_tables,
    record_first_seen,
)
from ingestion.batches import Batch, drop_interrupted
from ingestion.db import in_transaction, scalar
from ingestion.entities import ENTITIES, ENTITY_NAMES, Entity
from ingestion.file_write import drop_temp, write_file, write_unloadable
from ingestion.profiles import ProfileError, SourceProfile, claimed_by, file_version, match_profile
from ingestion.rejects import quarantine_loaded_rows
from ingestion.sql_macros import install_macros
from ingestion.staging import STAGE, Prepared, prepare, stages_lazily

# The loader's public face: what the Dagster assets, `salesperf check` and the benchmark call.
__all__ = ["EntityReport", "FileResult", "ensure_schemas", "ingest_all", "ingest_entity", "ingest_file"]

log = logging.getLogger("ingestion.load")  # one logger for the loader's modules, as before they were split


def _previous(
    con: duckdb.DuckDBPyConnection, entity: str, file: str, sha: str
) -> tuple[tuple[str, str, str | None] | None, str | None]:
    """(this path's audit row as (sha256, status, message) or None, another path holding this sha)."""
    rows = con.execute(
        "SELECT sha256, status, message FROM audit.ingested_files WHERE entity = $e AND file = $f",
        {"e": entity, "f": file},
    ).fetchall()
    twin = scalar(
        con,
        "SELECT min(file) FROM audit.ingested_files WHERE entity = $e AND sha256 = $s AND file <> $f",
        {"e": entity, "f": file, "s": sha},
    )
    return (rows[0] if rows else None), (str(twin) if twin is not None else None)


def _unchanged(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    rel: str,
    sha: str,
    here: tuple[str, str, str | None] | None,
    twin: str | None,
) -> str | None:
    """Why the file needs no loading (identical to its own loaded version, or to another path's), else None.
    A path that now holds a copy of another file loses its earlier version."""
    if here is not None and here[0] == sha and here[1] != REJECTED_FILE:
        return "identical to the version already ingested"
    if twin is not None and (here is None or here[0] != sha):
        if here is not None:
            in_transaction(con, lambda: delete_path(con, entity, rel))
        return f"identical to {twin}, already ingested"
    return None


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    path: Path,
    rel: str,
    now: datetime,
    *,
    profile: SourceProfile | None = None,
    landing_dir: Path | None = None,
    fingerprint: Future[tuple[str, str | None]] | None = None,
    batch: Batch | None = None,
) -> FileResult:
    """Ingest one landing file (already checked to lie inside the landing folder), through `profile` if
    one applies (`landing_dir` then locates its lookup files; by default the folder `rel` is relative to).
    `fingerprint`: readers.fingerprint(path) already under way (ingest_entity computes the next files'
    while DuckDB loads this one). `batch`: a CSV that can be read together with others is queued there and
    its FileResult is filled when the batch is written (Batch.flush); any other file writes the batch
    first, so that files are always written in order."""
    landing_dir = landing_dir or Path(*path.parts[: len(path.parts) - len(Path(rel).parts)])
    try:
        sha, encoding = fingerprint.result() if fingerprint is not None else readers.fingerprint(path)
        if profile is not None:  # a changed profile or lookup file makes this a new version of the file
            sha = file_version(sha, profile, landing_dir)
    except OSError as err:
        return FileResult(rel, None, REJECTED_FILE, message=f"{path.name} could not be opened: {err.strerror}.")
    if batch is not None and batch.holds(sha):  # a copy of a queued file: decided once that one is written
        batch.flush()
    result = FileResult(rel, sha, SKIPPED)
    here, twin = _previous(con, entity.name, rel, sha)
    if skipped := _unchanged(con, entity, rel, sha, here, twin):
        result.message = skipped
        return result
    queueable = batch is not None and readers.file_format(path) == "csv" and stages_lazily(entity, profile)
    stage = batch.stage_name() if batch is not None and queueable else STAGE
    if batch is not None and not queueable:
        batch.flush()
    prep: Prepared | None = None
    queued = False
    try:
        prep = prepare(con, entity, path, encoding, profile, landing_dir, stage)
        if here is not None and here[0] == sha and (prep.status, prep.message) == (here[1], here[2] or ""):
            # A rejected file is re-checked each run (the spec or its aliases may have changed since);
            # the same verdict again changes nothing.
            result.message = "identical to the version already ingested (still rejected)"
            return result
        if batch is not None and batch.add(result, prep, replace=here is not None, name=path.name):
            queued = True  # the batch owns its staging now
            return result
        if batch is not None:
            batch.flush()
        write_file(con, entity, result, prep, now, here is not None, path.name)
    except duckdb.Error as err:
        if batch is not None:
            batch.flush()
        write_unloadable(con, entity, result, now, here is not None, path.name, err)
    finally:
        if not queued:
            drop_temp(con, prep, stage)
    return result


# -- folders ---------------------------------------------------------------------------------------------


def _walk(folder: Path) -> list[Path]:
    """Every file under `folder`, following symlinked folders once each (a link loop ends the descent)."""
    found: list[Path] = []
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:
            dirnames[:] = []
            continue
        seen.add(real)
        found.extend(Path(dirpath, f) for f in filenames)
    return found


def _landing_files(
    landing_dir: Path, entity: str, profiles: Sequence[SourceProfile] = ()
) -> tuple[list[tuple[Path, str]], list[str]]:
    """(landing files as (path, relative name) sorted by (mtime, name), ignored relative names). With
    multi-entity profiles (docs/source_profiles.md), a file one of them matches is read only through it: as
    this entity wherever it lies when the profile has a part for this entity, not at all otherwise."""
    files, ignored = [], []
    for path in _walk(landing_dir / entity):
        rel = path.relative_to(landing_dir).as_posix()
        if readers.file_format(path) is None or path.name.startswith(("~$", ".")):  # Office lock files
            ignored.append(rel)
        else:
            files.append((path, rel))
    rooted = [p for p in profiles if p.group]
    if rooted:
        mine = {p.group for p in rooted if p.entity == entity}
        files = [(path, rel) for path, rel in files if not (claimed_by(rooted, rel) - mine)]
        here = {rel for _, rel in files}
        for path in _walk(landing_dir):
            rel = path.relative_to(landing_dir).as_posix()
            if rel in here or readers.file_format(path) is None or path.name.startswith(("~$", ".")):
                continue
            if claimed_by(rooted, rel) & mine:
                files.append((path, rel))
    files.sort(key=lambda pr: (_mtime(pr[0]), pr[1]))
    return files, sorted(ignored)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # a dangling symlink: sorts first, then fails to open with a clear message
        return 0.0


@contextmanager
def _quiet(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """No progress bar while ingesting: DuckDB draws it even when stdout is not a terminal, which fills
    Dagster's captured logs. The connection's own setting is restored afterwards."""
    before = con.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0]
    con.execute("SET enable_progress_bar = false")
    try:
        yield
    finally:
        con.execute(f"SET enable_progress_bar = {'true' if before else 'false'}")


def _naive(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now()
    return now.astimezone().replace(tzinfo=None) if now.tzinfo else now


def ingest_entity(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    landing_dir: Path,
    *,
    now: datetime | None = None,
    profiles: Sequence[SourceProfile] = (),
) -> EntityReport:
    """Ingest every *.csv, *.xlsx and *.parquet under landing_dir/<entity>/ (each file in one
    transaction); other files are ignored and listed in the report. `now` stamps _ingested_at. `profiles`
    (ingestion.profiles.load_profiles) map vendor layouts; a file no profile matches loads as built in."""
    spec = ENTITIES[entity]
    landing_dir = Path(landing_dir)
    install_macros(con)
    ensure_tables(con, [spec])
    stamp = _naive(now)
    files, ignored = _landing_files(landing_dir, entity, profiles)
    report = EntityReport(entity, ignored=ignored)
    root = landing_dir.resolve()
    inside = {path for path, _ in files if path.resolve().is_relative_to(root)}
    # Hashing a file (sha256 and the UTF-8 check) is Python's one pass over its bytes; a thread does it for
    # the next files while DuckDB loads this one (hashlib releases the GIL), so it costs no wall time.
    if dropped := drop_interrupted(con, spec):
        log.warning("%s: deleted %d rows of an interrupted earlier run (typed, never finished)", entity, dropped)
    if moved := quarantine_loaded_rows(con, spec):
        log.warning("%s: quarantined %d rows loaded earlier that break a row rule (audit.rejected_rows)", entity, moved)
    batch = Batch(con, spec, stamp)
    with _quiet(con), ThreadPoolExecutor(max_workers=1, thread_name_prefix="salesperf-hash") as hasher:
        hashes = {path: hasher.submit(readers.fingerprint, path) for path, _ in files if path in inside}
        for path, rel in files:
            if path not in inside:
                report.files.append(
                    FileResult(
                        rel, None, REJECTED_FILE, message=f"{rel} was refused: it resolves outside the landing folder."
                    )
                )
                continue
            try:
                profile = match_profile(list(profiles), entity, rel)
            except ProfileError as err:
                report.files.append(FileResult(rel, None, REJECTED_FILE, message=str(err)))
                continue
            report.files.append(
                ingest_file(
                    con,
                    spec,
                    path,
                    rel,
                    stamp,
                    profile=profile,
                    landing_dir=landing_dir,
                    fingerprint=hashes[path],
                    batch=batch,
                )
            )
        batch.flush()
    record_first_seen(con, spec)
    for r in report.files:
        log.info(
            "%s %s: %s (%d read, %d accepted, %d rejected) %s",
            entity,
            r.file,
            r.status,
            r.rows_read,
            r.rows_accepted,
            r.rows_rejected,
            r.message,
        )
    return report


def ingest_all(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    *,
    entities: list[str] | None = None,
    now: datetime | None = None,
    profiles: Sequence[SourceProfile] = (),
) -> dict[str, EntityReport]:
    """ingest_entity for each entity (all by default); the same `now` stamps every file."""
    stamp = _naive(now)
    return {e: ingest_entity(con, e, landing_dir, now=stamp, profiles=profiles) for e in (entities or ENTITY_NAMES)}
