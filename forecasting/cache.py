"""Fitted series kept between runs (issue 20): a series is refitted only when its history or the settings changed.

A fit depends only on the series' closed months and values, the forecast and anomaly settings, and this
package's code; the key is a hash of exactly those. A daily refresh that lands orders of the current, still open
month leaves every series' closed months unchanged, so every fit is reused and only the as-of date rolls; the
first run of a new month (one more closed month) or a correction to a closed month refits the series it touches.

The cache is one pickle file beside the build database, rewritten atomically with only the entries the run
used (it never grows beyond the current series). It is a cache: deleting it only costs time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

from forecasting.series import Series

_CODE_DIR = Path(__file__).resolve().parent


def _code_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(_CODE_DIR.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


CODE_VERSION = _code_version()


def series_key(series: Series, settings_json: str, anomalies: bool) -> str:
    digest = hashlib.sha256()
    for part in (CODE_VERSION, settings_json, str(anomalies), series.level, series.key):
        digest.update(part.encode() + b"\0")
    digest.update(",".join(m.isoformat() for m in series.months).encode() + b"\0")
    digest.update(series.values.astype("float64").tobytes())
    return digest.hexdigest()


def load_cache(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)  # noqa: S301 - our own file in the build folder
        return data if isinstance(data, dict) else {}
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return {}  # unreadable or from other code: refit everything


def save_cache(path: Path | None, entries: dict[str, Any]) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    with open(scratch, "wb") as handle:
        pickle.dump(entries, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(scratch, path)
