"""The demo company's shape (regions, product lines, growth, seasonality), the state every generator shares
(`Run`), and its deterministic random draws.

Every draw is `hash(row key, salt, seed)` mapped to [0, 1): `uniform` in Python for the small dimensions,
the `rnd` / `pick` SQL macros (`create_macros`) for the rows generated in DuckDB.
"""

from __future__ import annotations

import datetime
import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

DEFAULT_SCALE = 300_000  # order lines; the whole demo (ingestion + dbt build) runs in about a minute

MIN_SCALE = 1_000  # smaller sets cannot hold the 200-line correction extract and ~120 reps sensibly

MEMORY_LIMIT = "6GB"  # DuckDB spills to the temp directory beyond this, so 10M lines fit a laptop

COMPANY = "恒泰智控"

REGIONS: tuple[str, ...] = ("华东", "华南", "华北", "华中", "西南")

REGION_WEIGHT = {"华东": 0.30, "华南": 0.24, "华北": 0.20, "华中": 0.14, "西南": 0.12}

PRODUCT_LINES: tuple[str, ...] = ("智能仪表", "工业传感器", "控制系统", "运维服务", "新品")

NEW_LINE = "新品"  # launched mid-history: no sales before its products' launch dates

YEARLY_GROWTH = 1.12  # of sales: ~8% more orders a year, ~1.5% list price rises, richer product mix

ORDER_GROWTH = 1.08

PRICE_RISE = 0.015

# Month-of-year demand (before growth, Spring Festival and quarter-end effects); December is highest.
MONTH_FACTOR = {1: 0.9, 2: 0.9, 3: 1.05, 4: 0.95, 5: 1.0, 6: 1.1, 7: 0.9, 8: 0.9, 9: 1.05, 10: 0.9, 11: 1.05, 12: 1.3}

LINES_PER_ORDER = ((1, 0.40), (2, 0.30), (3, 0.20), (4, 0.10))  # mean 2.0 lines per order


@dataclass(frozen=True)
class Run:
    """Everything the per-entity writers share."""

    con: duckdb.DuckDBPyConnection
    out_dir: Path
    scale: int
    seed: int
    as_of: datetime.date
    start: datetime.date
    progress: Callable[[str], None]


def uniform(seed: int, *parts: object) -> float:
    """Deterministic uniform [0, 1) for the Python-side dimensions (stable across processes/platforms)."""
    digest = hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def pick_one(seed: int, options: Sequence[Any], *parts: object) -> Any:
    return options[int(uniform(seed, *parts) * len(options))]


def largest_remainder(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split an integer total in proportion to weights (each part >= minimum), summing exactly."""
    spare = total - minimum * len(weights)
    raw = [spare * w / sum(weights) for w in weights]
    parts = [math.floor(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in order[: spare - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def allocate(weights: Sequence[float], n: int) -> list[int]:
    """How many of n events fall on each day: floor differences of the cumulative share (sums to n)."""
    total = sum(weights)
    out, cum, prev = [], 0.0, 0
    for w in weights:
        cum += w
        cur = min(n, math.floor(cum / total * n))
        out.append(cur - prev)
        prev = cur
    out[-1] += n - prev
    return out


def create_macros(run: Run) -> None:
    # rnd(key, salt): uniform [0, 1) from the 53 high bits of hash(key, salt, seed). Salts keep the
    # draws for different attributes of the same row independent.
    run.con.execute(f"""
        CREATE MACRO rnd(k, salt) AS ((hash(k, salt, {int(run.seed)}::BIGINT) >> 11)::DOUBLE
                                      / 9007199254740992.0);
        CREATE MACRO pick(k, salt, n) AS floor(rnd(k, salt) * n)::BIGINT;
        CREATE MACRO at_time(d, k, salt) AS d + to_seconds(28800 + pick(k, salt, 36000));
    """)
