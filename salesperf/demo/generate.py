"""The demo company generator: a fictional Chinese industrial-instrument maker, 恒泰智控.

`generate_demo_data` writes one landing folder per entity (docs/contract.md section 2) in the formats real
CRM/ERP exports come in: a BOM-prefixed CSV, a GBK CSV with Chinese headers, an .xlsx, yearly order
extracts plus a correction extract, Parquet.

Design choices that matter to users of the function:
- Deterministic: the same seed and as_of give byte-identical files. Random numbers never come from
  DuckDB's random() (its per-thread state makes results depend on scheduling); every draw is
  `hash(row key, salt, seed)` mapped to [0, 1) (the `rnd` macro), and every file is written ORDER BY.
- Scalable: rows are generated in DuckDB SQL (range/unnest, joins, ASOF joins against cumulative-weight
  tables), so scale=10_000_000 runs inside a fixed memory limit with spilling to a temp directory.
  Python loops only build the small dimensions (days, products, reps, courses).
- Realistic enough to exercise every mart: seasonality with a moving Spring Festival dip, quarter- and
  year-end pushes, ~12% yearly growth, hires and leavers with ramp-up, account hand-overs, new product
  line, cancellations, corrections, returns (some beyond 90 days), partial payments, credit splits, and a few
  injected cancellation spikes and visit drops whose truth (with churn dates) is written beside the exports.
"""

from __future__ import annotations

import datetime
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb

from ingestion.entities import ENTITIES
from salesperf.demo.after_sales import write_credit_splits, write_payments, write_returns
from salesperf.demo.catalogue import write_products
from salesperf.demo.company import DEFAULT_SCALE, MEMORY_LIMIT, MIN_SCALE, Run, create_macros
from salesperf.demo.crm import write_activities, write_surveys
from salesperf.demo.customers import write_customers
from salesperf.demo.demand import create_days
from salesperf.demo.orders import create_pickers, write_orders
from salesperf.demo.org import write_reps
from salesperf.demo.pipeline import write_opportunities
from salesperf.demo.targets import write_adjustments, write_targets
from salesperf.demo.trainings import create_trainings, write_trainings
from salesperf.demo.truth import default_truth_dir, plan_anomalies, write_truth


def generate_demo_data(
    out_dir: Path,
    *,
    scale: int = DEFAULT_SCALE,
    seed: int = 42,
    as_of: datetime.date | None = None,
    progress: Callable[[str], None] | None = None,
    truth_dir: Path | None = None,
) -> dict[str, int]:
    """Write exports for every entity into out_dir/<entity>/...; return {entity: rows written}.

    History runs from 1 January of as_of.year - 3 up to as_of (inclusive); targets cover the previous
    and the current (plan) year. `scale` is the number of order lines in the yearly order files; the
    orders count returned also includes the 200 rows of the correction extract. Existing files with the
    same names are overwritten, other files in out_dir are left alone.

    The ground truth (injected anomalies, churn dates, how each seller's quarters ended: truth.py) goes to
    `truth_dir`, by default `<out_dir>_truth` beside the landing folder, so it is never ingested.
    """
    if scale < MIN_SCALE:
        raise ValueError(f"scale must be at least {MIN_SCALE:,} order lines, got {scale:,}")
    as_of = as_of or datetime.date.today()
    out_dir = Path(out_dir)
    for entity in ENTITIES:
        (out_dir / entity).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="salesperf-demo-"))
    con = duckdb.connect(
        config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(tmp / "spill"), "preserve_insertion_order": True}
    )
    try:
        run = Run(
            con, out_dir, scale, seed, as_of, datetime.date(as_of.year - 3, 1, 1), progress or (lambda _msg: None)
        )
        create_macros(run)
        counts: dict[str, int] = {}
        counts["products"] = write_products(run)
        counts["reps"] = write_reps(run)
        create_days(run)
        plan_anomalies(run)
        counts["customers"] = write_customers(run)
        create_trainings(run)  # before the orders: one course changes how much its graduates sell
        create_pickers(run)
        counts["orders"] = write_orders(run)
        counts["returns"] = write_returns(run)
        counts["payments"] = write_payments(run)
        counts["credit_splits"] = write_credit_splits(run)
        counts |= write_opportunities(run)
        counts["activities"] = write_activities(run)
        counts["surveys"] = write_surveys(run)
        counts["trainings"] = write_trainings(run)
        counts["targets"] = write_targets(run)
        counts["adjustments"] = write_adjustments(run)
        write_truth(run, Path(truth_dir) if truth_dir else default_truth_dir(out_dir))
        return counts
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
