"""Forecasting scale benchmark (issues 6 and 14): 2,000 rep series x 48 months through `fit_all`.

Two passes over the same series: the model selection alone (every model fitted, backtested over 4 origins, the
published forecast's interval and backtest coverage) and the same plus anomaly detection (what the asset runs).
The series are synthetic (forecasting.synthetic: trend, seasonality, the moving Spring Festival dip, noise like a
rep's month), so no 10M-line pipeline run is needed. Reported: CPU time of this process and its workers (series
per CPU-second = series per second per core; goal >= 25 for the selection, issue 14) and wall time (noisy on a
shared machine).

    .venv/bin/python -m bench.forecast_bench [--series 2000] [--months 48] [--workers N] [--selection-only]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from forecasting.run import fit_all
from forecasting.series import Series
from forecasting.synthetic import synthetic_series
from salesperf.config.forecasting import ForecastingConfig

ROOT = Path(__file__).resolve().parent.parent


def rep_series(n: int, months: int, seed: int = 42) -> list[Series]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        y, m = synthetic_series(
            months,
            level=float(rng.lognormal(12.5, 0.6)),
            yearly_growth=float(rng.normal(0.1, 0.1)),
            seasonality=float(rng.uniform(0.5, 1.5)),
            sf_depth=float(rng.uniform(0.5, 1.2)),
            noise=float(rng.uniform(0.1, 0.3)),
            seed=seed + i,
        )
        out.append(Series("rep", f"R{i:05d}", m, np.clip(y, 0, None)))
    return out


def measure(series: list[Series], config: ForecastingConfig, workers: int | None, anomalies: bool) -> dict:
    """One pass over the series: wall time and CPU time of this process and of its (exited) workers."""
    load_before = os.getloadavg()
    cpu_before = os.times()
    started = time.perf_counter()
    out = fit_all(series, config, max_workers=workers, anomalies=anomalies)
    seconds = time.perf_counter() - started
    cpu_after = os.times()  # the worker processes have exited: their CPU time is in children_*
    cpu = sum(
        getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("user", "system", "children_user", "children_system")
    )
    ok = out.backtest[out.backtest["status"] == "ok"]
    published = out.backtest[out.backtest["is_published"] & out.backtest["coverage"].notna()]
    return {
        "pass": "selection + anomalies" if anomalies else "selection (fits + backtests + intervals)",
        "series": out.series,
        "wall_seconds": round(seconds, 1),
        "series_per_second_wall": round(out.series / seconds, 2),
        # On a shared machine the wall time depends on the neighbours; CPU time does not.
        "cpu_seconds": round(cpu, 1),
        "cpu_seconds_per_series": round(cpu / out.series, 4),
        "series_per_cpu_second": round(out.series / cpu, 1),  # = series per second per core
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "convergence_warnings": out.convergence_warnings,
        "fallbacks": out.fallbacks,
        "models_published": out.models_chosen,
        "model_failures": out.failures_by_model,
        "median_mase": ok.groupby("model")["mase"].median().round(3).to_dict(),
        "median_smape": ok.groupby("model")["smape"].median().round(2).to_dict(),
        "median_mase_published": round(float(out.backtest[out.backtest["is_published"]]["mase"].median()), 3),
        "backtest_coverage_published": round(
            float((published["coverage"] * published["points"]).sum() / published["points"].sum()), 3
        )
        if len(published)
        else None,
        "anomalies": len(out.anomalies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--months", type=int, default=48)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--selection-only", action="store_true", help="skip the pass with anomalies")
    args = parser.parse_args()
    series = rep_series(args.series, args.months)
    config = ForecastingConfig()
    workers = args.workers or config.forecast.max_workers or os.cpu_count() or 1
    passes = [measure(series, config, workers, anomalies=False)]
    if not args.selection_only:
        passes.append(measure(series, config, workers, anomalies=True))
    result = {"months": args.months, "workers": workers, "goal_series_per_cpu_second": 25, "passes": passes}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    for p in passes:
        print(
            f"{p['pass']}: {p['series_per_cpu_second']} series per CPU-second (per core) "
            f"[goal >= 25 for the selection], wall {p['wall_seconds']} s = {p['series_per_second_wall']} series/s "
            f"with {workers} workers"
        )
    target = ROOT / ".bench"
    target.mkdir(exist_ok=True)
    (target / "forecast_results.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
