"""statsforecast's AutoETS on the evaluation series: the reference the published forecasts must match or beat.

Runs in its own virtual environment (`.venv-bench`, made by `make bench`): statsforecast 2.1 requires
pandas < 3 and the project pins pandas 3, so the two cannot share one environment. This file therefore
imports nothing from the project: it reads `{"name": [training values], ...}` as JSON on stdin and prints
`{"name": {"mean": [...], "lower": [...], "upper": [...]}}` (12 months, 80 % interval) on stdout.

    .venv-bench/bin/python bench/autoets_reference.py < train.json
"""

from __future__ import annotations

import json
import sys

import numpy as np


def main() -> None:
    from statsforecast.models import AutoETS

    horizon = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    series = json.load(sys.stdin)
    out = {}
    for name, values in series.items():
        y = np.asarray(values, dtype=float)
        # season_length 12, model "ZZZ" (every error/trend/season combination), damped or not: AutoETS's
        # defaults, chosen by AICc as in R's forecast::ets.
        model = AutoETS(season_length=12).fit(y)
        forecast = model.predict(h=horizon, level=[80])
        out[name] = {
            "mean": [float(v) for v in forecast["mean"]],
            "lower": [float(v) for v in forecast["lo-80"]],
            "upper": [float(v) for v in forecast["hi-80"]],
        }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
