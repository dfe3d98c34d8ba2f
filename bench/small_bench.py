"""`make bench`, stage `small` (issue 13): how long a small company's whole run takes, and where the time goes.

For each scale (a few thousand order lines, and the demo's 300,000) the demo company is generated once (cached in
.bench/small/), then `salesperf run` (the Dagster job, in-process executor, as a user runs it) runs in a child
process on a fresh warehouse and Dagster instance. Reported: wall time and CPU time (the child's and its
children's: dbt, forecasting workers), each Dagster step's wall time from the run's event log, and dbt's own
node timings by kind (models, data tests). CPU seconds are the figure to compare on a shared machine: on a busy
one wall time mostly measures the other jobs.

    python -m bench.small_bench [--scales 3000,300000] [--as-of 2026-11-15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _generate(landing: Path, scale: int, as_of: str) -> None:
    if (landing / ".complete").exists():
        return
    shutil.rmtree(landing, ignore_errors=True)
    subprocess.run(
        [str(BIN / "salesperf"), "demo-data", "--out", str(landing), "--scale", str(scale), "--as-of", as_of],
        check=True,
        capture_output=True,
    )
    (landing / ".complete").touch()


def _steps(dagster_home: Path) -> dict[str, float]:
    """Wall seconds of each step of the instance's last run (STEP_START to STEP_SUCCESS/FAILURE), plus the time
    from the run's first event to its first step (the run's start-up: definitions, planned events)."""
    code = """
import json
from dagster import DagsterEventType, DagsterInstance
inst = DagsterInstance.get()
run = inst.get_runs(limit=1)[0]
recs = inst.all_logs(run.run_id)
start, out = {}, {}
first = recs[0].timestamp
for r in recs:
    e = r.dagster_event
    if e is None:
        continue
    if e.event_type == DagsterEventType.STEP_START:
        start[e.step_key] = r.timestamp
        out.setdefault("(run start-up)", r.timestamp - first)
    elif e.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
        out[e.step_key] = r.timestamp - start[e.step_key]
print(json.dumps({**out, "(events)": len(recs)}))
"""
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _dbt_nodes(build_dir: Path) -> dict[str, float]:
    """dbt's own node timings of the run by kind (the pipeline's dbt target folder under dbt_project/target)."""
    found = sorted(
        (ROOT / "dbt_project" / "target").glob("salesperf_dbt_models-*/run_results.json"), key=os.path.getmtime
    )
    if not found:
        return {}
    results = json.loads(found[-1].read_text())
    kinds: dict[str, float] = {"elapsed": float(results.get("elapsed_time") or 0.0)}
    for node in results["results"]:
        kind = node["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0.0) + float(node.get("execution_time") or 0.0)
        kinds[f"{kind} count"] = kinds.get(f"{kind} count", 0) + 1
    return kinds


def _salesperf_run(env: dict[str, str], run_dir: Path, scale: int) -> dict[str, object]:
    """`salesperf run` in a child process: wall, CPU of the child and its children, each step, dbt's nodes."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "salesperf"), "run"], env=env, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"small bench: salesperf run failed at scale {scale}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "load_average": os.getloadavg(),
        "steps": _steps(run_dir / "dagster_home"),
        "dbt": _dbt_nodes(run_dir),
    }


def run_small(scale: int, as_of: str, work: Path) -> dict[str, object]:
    """A first run on a fresh warehouse, then the daily refresh: one more day of orders (1 % of the lines, at
    least 20, and 5 corrections of older lines) landed, the as-of date one day later (issue 20's scenario)."""
    from salesperf.demo.next_day import write_next_day

    source = work / f"landing-{scale}-{as_of}"
    _generate(source, scale, as_of)
    run_dir = work / f"run-{scale}"
    shutil.rmtree(run_dir, ignore_errors=True)
    landing = run_dir / "landing"
    shutil.copytree(source, landing, copy_function=os.link)  # the refresh adds files to this copy only
    env = {
        **os.environ,
        "SALESPERF_LANDING_DIR": str(landing),
        "SALESPERF_WAREHOUSE": str(run_dir / "warehouse" / "salesperf.duckdb"),
        "DAGSTER_HOME": str(run_dir / "dagster_home"),
        "SALESPERF_AS_OF": as_of,
    }
    rows = sum(1 for p in landing.rglob("*.csv") for _ in p.open(encoding="utf-8", errors="replace")) - sum(
        1 for _ in landing.rglob("*.csv")
    )
    first = _salesperf_run(env, run_dir, scale)
    day = dt.date.fromisoformat(as_of) + dt.timedelta(days=1)
    write_next_day(landing, day, lines=max(20, scale // 100), corrections=5)
    refresh = _salesperf_run({**env, "SALESPERF_AS_OF": day.isoformat()}, run_dir, scale)
    return {"scale": scale, "csv_rows": rows, **first, "refresh": refresh}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default=os.environ.get("BENCH_SMALL_SCALES", "3000,300000"))
    parser.add_argument("--as-of", default="2026-11-15")
    parser.add_argument("--dir", default=str(ROOT / ".bench" / "small"))
    args = parser.parse_args()
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for scale in (int(s) for s in args.scales.split(",")):
        print(f"small company run: {scale:,} order lines, as of {args.as_of}", flush=True)
        r = run_small(scale, args.as_of, work)
        results.append(r)
        print(
            f"  salesperf run: {r['wall_seconds']} s wall, {r['cpu_seconds']} CPU-s (load {r['load_average'][0]:.1f})"
        )
        steps = r["steps"]
        assert isinstance(steps, dict)
        for step, seconds in sorted(steps.items(), key=lambda kv: -float(kv[1]))[:10]:
            print(f"    {step:<32} {float(seconds):8.1f}")
        print(f"    dbt node timings: {json.dumps({k: round(v, 1) for k, v in dict(r['dbt']).items()})}")
        refresh = r["refresh"]
        assert isinstance(refresh, dict)
        print(
            f"  one more day (refresh): {refresh['wall_seconds']} s wall, {refresh['cpu_seconds']} CPU-s "
            f"(load {refresh['load_average'][0]:.1f})"
        )
        for step, seconds in sorted(dict(refresh["steps"]).items(), key=lambda kv: -float(kv[1]))[:10]:
            print(f"    {step:<32} {float(seconds):8.1f}")
    (work / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
