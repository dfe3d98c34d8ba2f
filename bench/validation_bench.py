"""Time the Great Expectations suites of every raw entity on a build database (issue 3 item 8).

    .venv/bin/python -m bench.validation_bench [--build-db .bench/warehouse/.build/build.duckdb] [--as-of D]

The suites run in a child process (`--child`), as the pipeline step would, so that os.wait4 gives their
own peak RSS; the parent prints seconds, peak RSS and seconds per million validated rows. The child's
last stdout line is a JSON summary, so `bench.run_bench.measure("GE suites", [..., "--child", ...])`
can time it directly. The build database must already hold the raw tables (after the ingest stage).
Running the suites writes audit.validation_results there, as a pipeline run does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUILD_DB = ROOT / ".bench" / "warehouse" / ".build" / "build.duckdb"


def run_child(build_db: Path, as_of: dt.date) -> dict[str, object]:
    """Run every suite in this process; the summary the parent prints."""
    import duckdb

    from ingestion.validation import validate_all

    con = duckdb.connect(str(build_db))
    try:
        raw_rows = {
            t: int(n)
            for t, n in con.execute(
                "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'raw'"
            ).fetchall()
        }
        started = time.perf_counter()
        results = validate_all(con, as_of=as_of)
        seconds = time.perf_counter() - started
    finally:
        con.close()
    validated = {e: max((r.element_count or 0 for r in v.results), default=0) for e, v in results.items()}
    return {
        "seconds": round(seconds, 2),
        "expectations": sum(len(v.results) for v in results.values()),
        "failed_error": sum(r.rule.severity == "ERROR" for v in results.values() for r in v.failed),
        "failed_warn": sum(r.rule.severity == "WARN" for v in results.values() for r in v.failed),
        "rows_validated": sum(validated.values()),
        "raw_rows": sum(n for t, n in raw_rows.items() if t in results),
        "per_entity_seconds": {e: round(v.seconds, 2) for e, v in results.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-db", default=str(DEFAULT_BUILD_DB))
    parser.add_argument("--as-of", default=os.environ.get("BENCH_AS_OF", "2026-11-15"))
    parser.add_argument("--child", action="store_true", help="run the suites in this process")
    args = parser.parse_args()
    build_db, as_of = Path(args.build_db), dt.date.fromisoformat(args.as_of)
    if not build_db.exists():
        sys.exit(f"validation_bench: no build database at {build_db}; run the ingest stage first")
    if args.child:
        print(json.dumps(run_child(build_db, as_of)))
        return
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.validation_bench",
            "--child",
            "--build-db",
            str(build_db),
            "--as-of",
            as_of.isoformat(),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stdout = proc.stdout.read() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"validation_bench: the suites failed:\n{stdout[-3000:]}")
    summary = json.loads(stdout.strip().splitlines()[-1])
    rows = int(summary["rows_validated"]) or 1
    print(
        f"  {'GE suites (all entities)':<28} {wall:8.1f} s   peak RSS {usage.ru_maxrss / 1024:8.0f} MB   "
        f"{summary['rows_validated']:,} current rows ({summary['raw_rows']:,} raw), "
        f"{summary['expectations']} expectations, {float(summary['seconds']) / rows * 1e6:.2f} s per million rows"
    )
    print(json.dumps({**summary, "wall_seconds": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024)}))


if __name__ == "__main__":
    main()
