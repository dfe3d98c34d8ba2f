"""`make bench-alerts` (a `make bench` stage): the risk alerts' precision, recall and alerts per manager on the demo.

Generates the demo company (default scale, seed 42, as of 2025-11-15) with its ground truth, runs every asset as
of that date, replays the alerts at the middle of each earlier quarter with targets (bench/alert_replay.py) and
scores them (bench/alert_quality.py). Prints one table and writes `<dir>/alerts_results.json`.

    python -m bench.alerts_bench [--scale 300000] [--dir .bench/alerts] [--dates 2025-02-15,2025-05-15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FINAL_AS_OF = dt.date(2025, 11, 15)
# the middle of each quarter with targets (the generator writes the previous and the plan year's) before the final
# date: a mid-quarter run of the attainment rule, and 7 replays of the rolling rules spread over 18 months
REPLAY_DATES = tuple(dt.date(y, m, 15) for y in (2024, 2025) for m in (2, 5, 8, 11) if dt.date(y, m, 15) < FINAL_AS_OF)
GOALS = {
    "customer_churn_risk": "precision >= 40 % at recall >= 70 %",
    "cancellation_spike": "no alert where none was injected",
    "visit_drop": "no alert where none was injected",
    "attainment_at_risk": "recall >= 80 % at precision >= 60 %",
}


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f} %"


def _num(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _lead_time(f: dict) -> str:
    """Median days: after the truth's churn date, after an injected episode's start, before the quarter's end."""
    for key, text in (
        ("median_days_after_churn", "{:.0f} d after churn"),
        ("median_days_after_start", "{:.0f} d after start"),
        ("median_days_before_period_end", "{:.0f} d before quarter end"),
    ):
        if f.get(key) is not None:
            return text.format(f[key])
    return "-"


def table(results: dict[str, dict]) -> str:
    lines = [
        "| rule | alerts per run | precision | recall | false alerts | alerts per manager (mean / max) | lead time "
        "| goal |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for rule, f in results.items():
        if rule.startswith("_"):
            continue
        per_manager = (
            f"{_num(f.get('per_manager_mean'), 2)} / {f.get('per_manager_max', '-')}"
            if "per_manager_mean" in f
            else "-"
        )
        lines.append(
            f"| {rule} | {_num(f.get('alerts_per_run'))} | {_pct(f.get('precision'))} | {_pct(f.get('recall'))} | "
            f"{f.get('false_alerts', '-')} | {per_manager} | {_lead_time(f)} | {GOALS.get(rule, '')} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=int(os.environ.get("BENCH_ALERTS_SCALE", 300_000)))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dir", default=str(ROOT / ".bench" / "alerts"))
    parser.add_argument("--dates", default=",".join(d.isoformat() for d in REPLAY_DATES))
    parser.add_argument("--score-only", action="store_true", help="score the results already in --dir")
    parser.add_argument("--reuse", action="store_true", help="keep the final-date run already in --dir")
    args = parser.parse_args()
    from bench.alert_quality import score
    from bench.alert_replay import build_company, replay

    work = Path(args.dir).resolve() / f"company-{args.scale}-{args.seed}-{FINAL_AS_OF}"
    results_db = work / "alert_results.duckdb"
    if not args.score_only:
        company = build_company(work, scale=args.scale, seed=args.seed, as_of=FINAL_AS_OF, reuse=args.reuse)
        replay(company, [dt.date.fromisoformat(d) for d in args.dates.split(",")])
    results = score(results_db)
    print(
        f"\nrisk alerts on the demo company ({args.scale:,} order lines, seed {args.seed}), replayed as of "
        f"{', '.join(results['_meta']['replay_dates'])}:\n"
    )
    print(table(results))
    for level in ("rep", "team", "region"):
        name = "attainment_at_risk" if level == "rep" else f"attainment_at_risk ({level})"
        f = results.get(name, {})
        if f.get("auc_projection") is not None:
            print(
                f"attainment projection, {level} quarters: AUC {_num(f['auc_projection'], 3)} (plain run-rate "
                f"{_num(f.get('auc_plain_run_rate'), 3)}, forecast {_num(f.get('auc_forecast'), 3)}), "
                f"mean error {_num(f.get('bias_points'))} points "
                f"(plain run-rate {_num(f.get('bias_points_plain_run_rate'))})"
            )
    thin = results.get("thin_pipeline", {}).get("reps_alerted_per_replay", [])
    print(
        "thin_pipeline, reps alerted per replay: "
        + ", ".join(f"{r['replay_date']} {r['reps_alerted']} of {r['reps']}" for r in thin)
    )
    agreement = results["_meta"]["generator_agreement_rep_quarters"]
    print(f"generator and warehouse agree on 'quarter ended below 90 %' for {_pct(agreement)} of closed rep quarters")
    out = Path(args.dir) / "alerts_results.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
