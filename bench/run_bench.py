"""`make bench`: the 10M-line benchmark of what users run (issue 20 item 1).

1. `salesperf run` end to end on a fresh warehouse (every asset: ingestion, validation, calendar, config, dbt,
   training effect, forecasts and alerts, publish, commission exports, report), with a stage table (seconds,
   peak RSS) that adds up to the total (bench/pipeline_bench.py); with `--before <commit>` first the same run of
   that commit's code (a worktree under .bench/, same data, same session: the before/after of a change);
2. one more day: a new orders file (~7,000 lines) and a corrections file touching 50 older lines (one in an older
   year) landed on the built warehouse, the as-of date one day later, refreshed with `salesperf run`
   (incremental), and with `--before` the same refresh by the old code;
3. the hand-written single-script DuckDB reference on the same files, cross-checked against the published
   rep x month attainment.
Results also go to .bench/results.json. `BENCH_SCALE` (default 10,000,000) sets the size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from bench.pipeline_bench import RunMeasure, measure_run

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class Measured:
    stage: str
    seconds: float
    peak_rss_mb: float
    output: str = ""
    cpu_seconds: float = 0.0  # user + system of the stage and its children: the figure to read on a shared machine


def measure(stage: str, command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Runs one command as a child process; wait4 gives that child's own peak RSS. Its output goes to temporary
    files, not pipes: a child writing more than a pipe holds (64 kB; dbt's events through dagster-dbt do) would
    block forever while wait4 waits for it."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"bench: stage {stage} failed ({proc.returncode}):\n{stdout[-3000:]}\n{stderr[-3000:]}")
    last_line = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    result = Measured(stage, seconds, usage.ru_maxrss / 1024, last_line, usage.ru_utime + usage.ru_stime)
    print(
        f"  {stage:<28} {seconds:8.1f} s  CPU {result.cpu_seconds:8.1f} s  peak RSS {result.peak_rss_mb:8.0f} MB   "
        f"{result.output[:80]}",
        flush=True,
    )
    return result


def dbt_layer_seconds(target: Path) -> dict[str, float]:
    """Sum of dbt's own per-node timings by layer; a model's layer is its name prefix (stg_, int_)."""
    layers: dict[str, float] = {}
    for node in json.loads((target / "run_results.json").read_text())["results"]:
        kind, _, name = node["unique_id"].split(".")[:3]
        if kind != "model":
            layer = "tests"
        else:
            layer = "staging" if name.startswith("stg_") else "intermediate" if name.startswith("int_") else "marts"
        layers[layer] = layers.get(layer, 0.0) + float(node.get("execution_time") or 0.0)
    return layers


def process_model_seconds(target: Path) -> dict[str, float]:
    """dbt's own timing of each process model (models/*/process), its data tests added to it."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((target / "manifest.json").read_text())
    process = {
        uid: node["name"]
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and "/process/" in node["original_file_path"]
    }
    seconds: dict[str, float] = {}
    for result in results:
        uid = result["unique_id"]
        node = manifest["nodes"].get(uid, {})
        owner = process.get(uid) or next(
            (
                process[p]
                for p in node.get("depends_on", {}).get("nodes", [])
                if p in process and uid.startswith("test.")
            ),
            None,
        )
        if owner:
            seconds[owner] = seconds.get(owner, 0.0) + float(result.get("execution_time") or 0.0)
    return seconds


def process_model_names() -> list[str]:
    """The process models (models/*/process, issue 17), in the manifest's order."""
    manifest = json.loads((ROOT / "dbt_project" / "target" / "manifest.json").read_text())
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "/process/" in node["original_file_path"]
    )


def measure_process_models(names: list[str], work: Path, env: dict[str, str]) -> list[Measured]:
    """Each process model rebuilt alone (`dbt build --select <model>`: the model and its data tests) in a dbt
    process of its own, after the pipeline's run, so wait4 gives that model's peak RSS: the pipeline's one `dbt
    build` only has one peak for all its models. The figure includes dbt's own Python (see the baseline line: dbt
    parsing and running nothing); the seconds include dbt's start-up."""
    target = work / "dbt_target_models"  # one target folder: dbt's partial parse is reused from the 2nd model on
    shutil.rmtree(target, ignore_errors=True)
    dbt = [
        str(BIN / "dbt"),
        "build",
        "--project-dir",
        str(ROOT / "dbt_project"),
        "--profiles-dir",
        str(ROOT / "dbt_project"),
        "--target-path",
        str(target),
        "--exclude-resource-type",
        "unit_test",
        "--select",
    ]
    print("process models, each rebuilt alone in its own dbt process (issue 17 item 8):", flush=True)
    # an empty selection, twice: the first parses the project in full; the second is dbt's start-up and partial
    # parse alone, the floor under every figure below
    nothing = [*dbt, "config.materialized:no_such"]
    baseline = [measure(f"dbt {what}, nothing run", nothing, env) for what in ("full parse", "baseline")]
    return baseline + [measure(f"dbt {name}", [*dbt, name], env) for name in names]


def affinity_bound(warehouse: Path) -> dict[str, int]:
    """Rows of fct_product_affinity and its largest year x scope x item level: the association must stay bounded
    (at most top_products x (top_products - 1) / 2 product pairs a year, docs/process_analytics.md)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows, largest, product_items = con.execute("""
            with groups as (select year, scope, item_level, count(*) as n from marts.fct_product_affinity
                            group by all)
            select (select count(*) from marts.fct_product_affinity), (select max(n) from groups),
                   (select count(distinct item) from (select item_a as item from marts.fct_product_affinity
                        where item_level = 'product' union all select item_b from marts.fct_product_affinity
                        where item_level = 'product'))
        """).fetchone()
    finally:
        con.close()
    return {"rows": rows, "largest_group_rows": largest or 0, "distinct_products_paired": product_items}


def _before_checkout(work: Path, ref: str) -> Path:
    """A worktree of `ref` under .bench/ with its dbt manifest (the same interpreter runs it: pipeline_bench)."""
    sha = subprocess.run(["git", "rev-parse", ref], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    tree = work / f"before-{sha[:10]}"
    if not (tree / ".git").exists():
        shutil.rmtree(tree, ignore_errors=True)
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), sha], cwd=ROOT, check=True, capture_output=True
        )
    if not (tree / "dbt_project" / "target" / "manifest.json").exists():
        subprocess.run(
            [sys.executable, "-m", "orchestration.dbt_project"],
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},
            check=True,
            capture_output=True,
        )
    return tree


def _linked_copy(source: Path, target: Path) -> Path:
    """The landing folder with hard links (no copy of the data): the refresh scenario adds files to it only."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, copy_function=os.link)
    return target


def _cross_check(warehouse: Path, reference_db: Path) -> tuple:
    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as pub (read_only); attach '{reference_db}' as ref (read_only)")
    diff = con.execute("""
        select count(*) as rows_compared,
               count(*) filter (where p.rep_id is null or r.rep_id is null) as unmatched,
               max(abs(coalesce(p.actual_amount, 0) - coalesce(r.actual_amount, 0))) as max_actual_diff,
               max(abs(coalesce(p.target_amount, 0) - coalesce(r.target_amount, 0))) as max_target_diff
        from (select key as rep_id, period_start as month, actual_amount, target_amount
              from pub.marts.fct_attainment where level = 'rep' and period_type = 'month'
                and (actual_amount <> 0 or coalesce(target_amount, 0) <> 0)) p
        -- zero-actual, zero-target rows (e.g. months a rep is not employed) carry nothing to compare
        full join (select * from ref.ref_attainment
                   where actual_amount <> 0 or coalesce(target_amount, 0) <> 0) r
          on p.rep_id = r.rep_id and p.month = r.month
    """).fetchone()
    con.close()
    return diff


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=int(os.environ.get("BENCH_SCALE", 10_000_000)))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", default=os.environ.get("BENCH_AS_OF", "2026-11-15"))
    parser.add_argument("--dir", default=str(ROOT / ".bench"))
    parser.add_argument(
        "--before", default=os.environ.get("BENCH_BEFORE"), help="a commit to measure first (e.g. the branch point)"
    )
    parser.add_argument(
        "--after", default=os.environ.get("BENCH_AFTER"), help="measure this commit instead of the working tree"
    )
    parser.add_argument("--day-lines", type=int, default=7_000)
    parser.add_argument(
        "--no-process-models",
        dest="process_models",
        action="store_false",
        help="skip rebuilding each process model alone for its peak RSS",
    )
    args = parser.parse_args()
    work = Path(args.dir)
    landing = work / f"landing-{args.scale}-{args.seed}-{args.as_of}"
    print(f"salesperf benchmark: {args.scale:,} order lines, seed {args.seed}, as of {args.as_of}", flush=True)

    generated: list[Measured] = []
    if not (landing / ".complete").exists():
        shutil.rmtree(landing, ignore_errors=True)
        generated.append(
            measure(
                "generate demo data",
                [str(BIN / "salesperf"), "demo-data", "--out", str(landing), "--scale", str(args.scale)]
                + ["--seed", str(args.seed), "--as-of", args.as_of],
            )
        )
        (landing / ".complete").touch()
    else:
        print(f"  reusing generated data in {landing}")
    size_mb = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file()) / 1e6
    day = (dt.date.fromisoformat(args.as_of) + dt.timedelta(days=1)).isoformat()

    from salesperf.demo.next_day import write_next_day

    reference_db = work / "reference.duckdb"
    reference_db.unlink(missing_ok=True)
    reference = measure(
        "reference script", [sys.executable, "-m", "bench.reference", str(landing), args.as_of, str(reference_db)]
    )
    diff: tuple | None = None
    runs: list[RunMeasure] = []
    variants = [("before", _before_checkout(work, args.before))] if args.before else []
    variants.append(("after", _before_checkout(work, args.after) if args.after else None))
    for name, code in variants:
        run_dir = work / f"run-{name}"
        shutil.rmtree(run_dir, ignore_errors=True)
        run_landing = _linked_copy(landing, run_dir / "landing")
        runs.append(measure_run(f"{name}: full build", run_landing, run_dir, args.as_of, code=code))
        print(runs[-1].table(), flush=True)
        if name == "after":
            diff = _cross_check(run_dir / "warehouse" / "salesperf.duckdb", reference_db)
        next_day = write_next_day(
            run_landing,
            dt.date.fromisoformat(day),
            lines=args.day_lines,
            corrections=50,
            touch_months=(dt.date(dt.date.fromisoformat(args.as_of).year - 1, 3, 1),),
        )
        runs.append(measure_run(f"{name}: one more day", run_landing, run_dir, day, code=code))
        print(
            f"  landed {next_day.new_lines:,} new lines and {next_day.corrected_lines} corrections "
            f"({len(next_day.corrected_months)} months)",
            flush=True,
        )
        print(runs[-1].table(), flush=True)

    after_dir = work / "run-after"
    affinity = affinity_bound(after_dir / "warehouse" / "salesperf.duckdb")
    process_env = {
        "SALESPERF_BUILD_DB": str(after_dir / "warehouse" / ".build" / "salesperf" / "build.duckdb"),
        "SALESPERF_AS_OF": day,
    }
    process_runs = measure_process_models(process_model_names(), work, process_env) if args.process_models else []

    full_after = next(r for r in runs if r.label == "after: full build")
    refresh_after = next(r for r in runs if r.label == "after: one more day")
    print()
    print(f"input: {size_mb:,.0f} MB of exports in {landing}")
    for r in runs:
        print(f"{r.label:<26} {r.wall:8.1f} s wall  {r.cpu:8.1f} CPU-s  peak RSS {r.peak_rss_mb:8,.0f} MB")
    print(f"reference script            {reference.seconds:8.1f} s wall  peak RSS {reference.peak_rss_mb:8,.0f} MB")
    print(
        f"full build / reference: {full_after.wall / reference.seconds:.2f}x; refresh / full build: "
        f"{refresh_after.wall / full_after.wall:.1%} wall, {refresh_after.cpu / full_after.cpu:.1%} CPU "
        "[goal <= 10 %, <= 15 s]"
    )
    if diff:
        print(
            f"cross-check rep x month attainment (full build vs reference): {diff[0]:,} rows, {diff[1]} unmatched, "
            f"max |actual diff| {diff[2]}, max |target diff| {diff[3]}"
        )
    print(
        f"product affinity (issue 17): {affinity['rows']:,} rows, largest year x scope x level "
        f"{affinity['largest_group_rows']:,}, {affinity['distinct_products_paired']:,} products paired"
    )
    before = {r.label.split(": ")[1]: r for r in runs if r.label.startswith("before")}
    if before:
        b = before["full build"]
        print(
            f"full build before/after: {b.wall / full_after.wall:.2f}x wall, {b.cpu / full_after.cpu:.2f}x CPU "
            "[goal >= 2x]"
        )
    (work / "results.json").write_text(
        json.dumps(
            {
                "when": dt.datetime.now().isoformat(timespec="seconds"),
                "scale": args.scale,
                "input_mb": size_mb,
                "runs": [asdict(r) for r in runs],
                "generate": [asdict(m) for m in generated],
                "reference": asdict(reference),
                "cross_check": diff,
                "process_models": [asdict(m) for m in process_runs],
                "product_affinity": affinity,
            },
            indent=2,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
