"""Ingestion of the orders folder against a plain DuckDB read_csv of the same files (goal: <= 2x).

    .venv/bin/python -m bench.ingest_vs_read_csv [--landing DIR] [--dir .bench]

Each mode runs RUNS times, alternating, and the ratio is that of the median times.
(a) `CREATE TABLE orders AS SELECT * FROM read_csv([every orders CSV])`: DuckDB's own sniffing and typing,
    no validation, no lineage, no audit; the floor any loader is measured against;
(b) `ingest_entity(con, 'orders', landing)` into a fresh database: fingerprint, header and delimiter
    detection, typing with the contract's parse macros, quarantine, duplicate and totals checks, audit.
Each runs in a child process of its own so that os.wait4 reports that child's peak RSS, as run_bench does.
The landing folder defaults to the newest generated benchmark set under --dir (bench/run_bench.py writes
`<dir>/landing-<scale>-<seed>-<as of>`); any folder with an orders/ subfolder works, e.g. one written by
`salesperf demo-data --out /tmp/x --scale 50000`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 2.0
RUNS = 3  # pairs of runs: one pair's ratio varies by +-15% on a shared 2-core machine


@dataclass
class Timing:
    what: str
    seconds: float
    peak_rss_mb: float
    rows: int


def orders_csvs(landing: Path) -> list[Path]:
    return sorted(p for p in (landing / "orders").rglob("*") if p.suffix.lower() == ".csv")


def _child(mode: str, landing: Path, db: Path) -> None:
    """One measured run (in the child process); prints {"rows": n} as its last line."""
    import duckdb

    con = duckdb.connect(str(db))
    if mode == "read_csv":
        files = [str(p) for p in orders_csvs(landing)]
        rows = con.execute("CREATE TABLE orders AS SELECT * FROM read_csv($files)", {"files": files}).fetchall()[0][0]
    else:
        from ingestion.load import ingest_entity

        report = ingest_entity(con, "orders", landing)
        rows = sum(f.rows_read for f in report.files)
    con.close()
    print(json.dumps({"rows": int(rows)}))


def measure(mode: str, landing: Path, work: Path) -> Timing:
    """Run one mode in a fresh child process and database; wall time and the child's peak RSS."""
    db = work / f"{mode}.duckdb"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.ingest_vs_read_csv", "--child", mode, "--landing", str(landing), "--db", str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    assert proc.stdout is not None and proc.stderr is not None
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench: {mode} failed:\n{stdout[-3000:]}\n{stderr[-3000:]}")
    db.unlink(missing_ok=True)
    rows = json.loads(stdout.strip().splitlines()[-1])["rows"]
    return Timing(mode, seconds, usage.ru_maxrss / 1024, rows)


def default_landing(bench_dir: Path) -> Path:
    sets = sorted(bench_dir.glob("landing-*"), key=lambda p: p.stat().st_mtime)
    if not sets:
        sys.exit(f"bench: no landing-* folder in {bench_dir}; pass --landing or run `make bench` first")
    return sets[-1]


def compare(landing: Path, work: Path | None = None, runs: int = RUNS) -> dict[str, object]:
    """Time both modes on `landing`, `runs` times each, alternating (read_csv, ingest, read_csv, ...) so that
    a slow spell of a shared machine hits both; returns (and prints) every timing and the ratio of the
    median times, ingest / read_csv (each pair's own ratio is printed too)."""
    if not orders_csvs(landing):
        raise SystemExit(f"bench: no orders CSV files under {landing / 'orders'}")
    pairs: list[tuple[Timing, Timing]] = []
    with tempfile.TemporaryDirectory(prefix="salesperf-bench-", dir=work) as tmp:
        for _ in range(runs):
            pairs.append((measure("read_csv", landing, Path(tmp)), measure("ingest", landing, Path(tmp))))
    for n, (plain, ingest) in enumerate(pairs, 1):
        for t in (plain, ingest):
            print(
                f"  run {n}: {t.what:<10} {t.seconds:8.2f} s   peak RSS {t.peak_rss_mb:8.0f} MB   {t.rows:,} rows",
                flush=True,
            )
        print(f"  run {n}: ingest / read_csv {ingest.seconds / plain.seconds:.2f}x")
    plain_s = statistics.median(p.seconds for p, _ in pairs)
    ingest_s = statistics.median(i.seconds for _, i in pairs)
    ratio = ingest_s / plain_s
    print(
        f"ingest / read_csv: {ratio:.2f}x (median {ingest_s:.2f} s / {plain_s:.2f} s over {runs} runs) "
        f"[goal <= {GOAL:g}x]"
    )
    return {
        "landing": str(landing),
        "runs": [{"read_csv": asdict(p), "ingest": asdict(i)} for p, i in pairs],
        "read_csv_median_seconds": plain_s,
        "ingest_median_seconds": ingest_s,
        "ingest_peak_rss_mb": max(i.peak_rss_mb for _, i in pairs),
        "ratio": ratio,
        "goal": GOAL,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--landing", help="landing folder (default: the newest landing-* under --dir)")
    parser.add_argument("--dir", default=str(ROOT / ".bench"))
    parser.add_argument("--json", help="also write the result to this file")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"pairs of runs (default {RUNS})")
    parser.add_argument("--child", choices=["read_csv", "ingest"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    landing = Path(args.landing) if args.landing else default_landing(Path(args.dir))
    if args.child:
        _child(args.child, landing, Path(args.db))
        return
    result = compare(landing, Path(args.dir) if Path(args.dir).is_dir() else None, args.runs)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
