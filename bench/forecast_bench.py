"""Forecasting scale benchmark (issue 6): ~2,000 rep series x 48 months, forecast + backtest + anomalies.

The series are synthetic (forecasting.synthetic: trend, seasonality, the moving Spring Festival dip, noise
like a rep's month), so no 10M-line pipeline run is needed. Goal: under 5 minutes on a 2-core machine.

    .venv/bin/python -m bench.forecast_bench [--series 2000] [--months 48] [--workers N]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--months", type=int, default=48)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    series = rep_series(args.series, args.months)
    config = ForecastingConfig()
    load_before = os.getloadavg()
    cpu_before = os.times()
    started = time.perf_counter()
    out = fit_all(series, config, max_workers=args.workers)
    seconds = time.perf_counter() - started
    cpu_after = os.times()  # the worker processes have exited: their CPU time is in children_*
    cpu = sum(
        getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("user", "system", "children_user", "children_system")
    )
    workers = args.workers or os.cpu_count() or 1
    ok = out.backtest[out.backtest["status"] == "ok"]
    result = {
        "series": out.series,
        "months": args.months,
        "workers": workers,
        "seconds": round(seconds, 1),
        "series_per_second": round(out.series / seconds, 2),
        # On a shared machine the wall time depends on the neighbours; CPU time does not.
        "cpu_seconds": round(cpu, 1),
        "cpu_seconds_per_series": round(cpu / out.series, 3),
        "seconds_if_uncontended": round(cpu / workers, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "convergence_warnings": out.convergence_warnings,
        "fallbacks": out.fallbacks,
        "models_published": out.models_chosen,
        "model_failures": out.failures_by_model,
        "median_mase": ok.groupby("model")["mase"].median().round(3).to_dict(),
        "median_smape": ok.groupby("model")["smape"].median().round(2).to_dict(),
        "anomalies": len(out.anomalies),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    target = ROOT / ".bench"
    target.mkdir(exist_ok=True)
    (target / "forecast_results.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
