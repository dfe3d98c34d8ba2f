"""`salesperf run` end to end, as users run it, with a stage table that adds up to the total (issue 20 item 1).

The run is a child process (`salesperf run [--full]`, the Dagster job, in-process executor). While it runs, the
resident memory of its whole process tree (dbt, forecasting workers included) is sampled twice a second. After
it, the Dagster run's event log gives each step's start and end; a stage is a group of steps (the 14 ingestion
assets are one stage), its seconds the sum of its steps' wall time and its peak RSS the largest sample taken
while one of its steps ran. "run start-up" (process start to the first step: imports, definitions, the
planned events) and "between steps and shutdown" make the table add up to the run's wall time. CPU seconds
(the run and all its children) are reported too: on a shared machine they are the figure to compare.

`code` runs another checkout of salesperf (e.g. a worktree of the branch point, for a before/after in the same
session): its directory goes first on PYTHONPATH, so the same interpreter imports that code and its dbt project.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

BIN = Path(sys.executable).parent

# stage -> step-key prefixes (Dagster step keys of the salesperf_all job)
STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("calendar + config", ("raw__calendar_days", "config__")),
    ("ingestion (every entity)", ("raw__",)),
    ("validation (GX suites)", ("raw_expectation_suites",)),
    ("dbt build (models + tests)", ("salesperf_dbt_models",)),
    ("training effect", ("marts__fct_training_effect", "fct_training_effect")),
    ("forecasts, anomalies, alerts", ("forecasting_tables",)),
    ("publish", ("published_warehouse",)),
    ("commission exports", ("exports__commissions",)),
    ("manager report", ("manager_report",)),
]


@dataclass
class RunMeasure:
    label: str
    wall: float
    cpu: float
    load: tuple[float, float, float]
    stages: list[tuple[str, float, float]] = field(default_factory=list)  # (stage, seconds, peak RSS MB)
    steps: dict[str, float] = field(default_factory=dict)
    events: int = 0
    peak_rss_mb: float = 0.0

    def table(self) -> str:
        lines = [
            f"{self.label}: {self.wall:.1f} s wall, {self.cpu:.1f} CPU-s, peak RSS {self.peak_rss_mb:,.0f} MB, "
            f"{self.events} Dagster events, load {self.load[0]:.1f}"
        ]
        lines += [f"    {name:<34} {sec:8.1f} s   {rss:8,.0f} MB" for name, sec, rss in self.stages]
        lines.append(f"    {'total':<34} {sum(s for _, s, _ in self.stages):8.1f} s")
        return "\n".join(lines)


def _tree_rss(proc: psutil.Process) -> float:
    total = 0
    with contextlib.suppress(psutil.Error):
        for p in [proc, *proc.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
    return total / 1e6


def _step_windows(dagster_home: Path, code: Path | None) -> tuple[dict[str, tuple[float, float]], int]:
    script = """
import json
from dagster import DagsterEventType, DagsterInstance
inst = DagsterInstance.get()
run = inst.get_runs(limit=1)[0]
recs = inst.all_logs(run.run_id)
start, out = {}, {}
for r in recs:
    e = r.dagster_event
    if e is None:
        continue
    if e.event_type == DagsterEventType.STEP_START:
        start[e.step_key] = r.timestamp
    elif e.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
        out[e.step_key] = (start[e.step_key], r.timestamp)
print(json.dumps({"steps": out, "events": len(recs)}))
"""
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), **_code_env(code)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return {k: (float(a), float(b)) for k, (a, b) in data["steps"].items()}, int(data["events"])


def _code_env(code: Path | None) -> dict[str, str]:
    if code is None:
        return {}
    return {"PYTHONPATH": str(code) + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else "")}


def measure_run(
    label: str, landing: Path, work: Path, as_of: str, *, full: bool = False, code: Path | None = None
) -> RunMeasure:
    """`salesperf run` on `landing` into `work` (warehouse/, dagster_home/; kept, so a later run refreshes it)."""
    env = {
        **os.environ,
        "SALESPERF_LANDING_DIR": str(landing),
        "SALESPERF_WAREHOUSE": str(work / "warehouse" / "salesperf.duckdb"),
        "DAGSTER_HOME": str(work / "dagster_home"),
        "SALESPERF_AS_OF": as_of,
        **_code_env(code),
    }
    command = [sys.executable, "-m", "salesperf.cli", "run", *(["--full"] if full else [])]
    samples: list[tuple[float, float]] = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started_wall, started = time.time(), time.perf_counter()
    log = work / f"{label.replace(' ', '_')}.log"
    work.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=code or Path.cwd())
        watched = psutil.Process(proc.pid)
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.5):
                samples.append((time.time(), _tree_rss(watched)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code_rc = proc.wait()
        stop.set()
        sampler.join()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code_rc != 0:
        sys.exit(f"bench: {label} failed ({code_rc}); see {log}:\n{log.read_text()[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    windows, events = _step_windows(work / "dagster_home", code)

    def peak(spans: list[tuple[float, float]]) -> float:
        return max((rss for t, rss in samples if any(a <= t <= b for a, b in spans)), default=0.0)

    stages: list[tuple[str, float, float]] = []
    first = min((a for a, _ in windows.values()), default=started_wall)
    stages.append(("run start-up (imports, definitions)", first - started_wall, peak([(started_wall, first)])))
    claimed: set[str] = set()
    for name, prefixes in STAGES:
        keys = [k for k in windows if k not in claimed and k.startswith(prefixes)]
        claimed.update(keys)
        if keys:
            spans = [windows[k] for k in keys]
            stages.append((name, sum(b - a for a, b in spans), peak(spans)))
    rest = [k for k in windows if k not in claimed]
    if rest:
        spans = [windows[k] for k in rest]
        stages.append((f"other steps ({', '.join(sorted(rest))[:60]})", sum(b - a for a, b in spans), peak(spans)))
    accounted = sum(s for _, s, _ in stages)
    stages.append(("between steps and shutdown", wall - accounted, 0.0))
    return RunMeasure(
        label=label,
        wall=wall,
        cpu=cpu,
        load=os.getloadavg(),
        stages=stages,
        steps={k: round(b - a, 2) for k, (a, b) in windows.items()},
        events=events,
        peak_rss_mb=max((rss for _, rss in samples), default=0.0),
    )
