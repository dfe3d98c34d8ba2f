"""What the generator knows and an analyst never sees: injected anomalies, churn dates, how quarters really ended.

Two jobs:
- `plan_anomalies` (before orders and activities are drawn) picks a few sellers and windows in which something
  real goes wrong, so the risk alerts (docs/alerts.md) have something to find: a **cancellation spike** (a share
  of the rep's orders in the window is cancelled whole, against ~2 % normally) and a **visit drop** (most of the
  rep's visits in the window never happen). Episodes sit in the last 18 months, on sellers employed a year before
  and a month after them, one episode per seller and kind. `orders` and `crm` read the `injected` table.
- `write_truth` writes the ground truth as CSV files into a folder **beside** the landing folder (never inside it,
  so it is never ingested): `customers.csv` (every customer with its churn date, if it churned), `anomalies.csv`
  (the injected episodes) and `rep_quarters.csv` (each seller's quarterly target and booked net sales), with a
  `truth.json` naming the run. `make bench` and tests/test_alerts_quality.py score the alert rules against it.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pyarrow as pa

from salesperf.demo.company import Run, uniform
from salesperf.demo.writers import copy_csv, date_sql, load_table

KINDS = ("cancellation_spike", "visit_drop")

HISTORY_WINDOW_DAYS = 540  # episodes fall in the last 18 months before the as-of date

BASELINE_DAYS = 400  # a seller must have been employed this long before an episode (the rules' baselines)


def default_truth_dir(landing_dir: Path) -> Path:
    """`data/landing` -> `data/landing_truth`: beside the landing folder, never inside it."""
    landing_dir = Path(landing_dir)
    return landing_dir.parent / f"{landing_dir.name}_truth"


def _episodes(run: Run, sellers: list[tuple]) -> list[dict]:
    """A few episodes per kind on sellers chosen by hash; deterministic for a seed and as-of date."""
    per_kind = max(4, len(sellers) // 4)
    episodes: list[dict] = []
    for kind in KINDS:
        ranked = sorted(sellers, key=lambda s: (uniform(run.seed, "inject", kind, s[0]), s[0]))
        for rep_id, region, team, hired, left in ranked:
            if sum(e["kind"] == kind for e in episodes) == per_kind:
                break
            days = 30 + int(31 * uniform(run.seed, "inject-days", kind, rep_id))
            first = run.as_of - datetime.timedelta(days=HISTORY_WINDOW_DAYS)
            start = first + datetime.timedelta(
                days=int((HISTORY_WINDOW_DAYS - days) * uniform(run.seed, "inject-start", kind, rep_id))
            )
            end = start + datetime.timedelta(days=days - 1)
            if hired > start - datetime.timedelta(days=BASELINE_DAYS) or (
                left is not None and left < end + datetime.timedelta(days=30)
            ):
                continue
            strength = uniform(run.seed, "inject-strength", kind, rep_id)
            episodes.append(
                {
                    "kind": kind,
                    "rep_id": rep_id,
                    "region": region,
                    "team": team,
                    "start_date": start,
                    "end_date": end,
                    # cancellation_spike: share of the rep's orders cancelled whole (normally ~2 %);
                    # visit_drop: share of the rep's visits that still happen (normally 1)
                    "rate": round(0.15 + 0.2 * strength, 3)
                    if kind == "cancellation_spike"
                    else round(0.05 + 0.35 * strength, 3),
                }
            )
    return sorted(episodes, key=lambda e: (e["kind"], e["start_date"], e["rep_id"]))


def plan_anomalies(run: Run) -> None:
    """Create table `injected(anomaly_id, kind, rep_id, region, team, start_date, end_date, rate)`."""
    sellers = run.con.execute(
        "SELECT rep_id, region, team, hire_date, termination_date FROM sellers ORDER BY rep_id"
    ).fetchall()
    episodes = _episodes(run, sellers)
    columns = {
        key: [e[key] for e in episodes] for key in ("kind", "rep_id", "region", "team", "start_date", "end_date")
    }
    load_table(
        run,
        "injected_raw",
        {**columns, "rate": [e["rate"] for e in episodes]},
        {"start_date": pa.date32(), "end_date": pa.date32(), "rate": pa.float64()},
    )
    run.con.execute("""CREATE TABLE injected AS
        SELECT printf('A%03d', row_number() OVER (ORDER BY kind, start_date, rep_id)) AS anomaly_id, *
        FROM injected_raw ORDER BY anomaly_id""")


def write_truth(run: Run, truth_dir: Path) -> dict[str, int]:
    """Write the ground truth files into `truth_dir`; return {file: rows}."""
    truth_dir.mkdir(parents=True, exist_ok=True)
    counts = {
        "customers.csv": copy_csv(
            run,
            """SELECT customer_id, segment, region, owner_rep_id, created_date, churn_date
               FROM customers ORDER BY customer_id""",
            truth_dir / "customers.csv",
        ),
        "anomalies.csv": copy_csv(
            run,
            """SELECT anomaly_id, kind, rep_id, region, team, start_date, end_date, rate
               FROM injected ORDER BY anomaly_id""",
            truth_dir / "anomalies.csv",
        ),
    }
    targets = run.out_dir / "targets" / "targets_*.csv"
    counts["rep_quarters.csv"] = copy_csv(
        run,
        f"""
        WITH t AS (
            SELECT key AS rep_id, date_trunc('quarter', strptime(period, '%Y-%m'))::DATE AS quarter_start,
                   sum(target_amount) AS target_amount
            FROM read_csv('{targets}', types={{'key': 'VARCHAR', 'target_amount': 'DECIMAL(18,2)'}})
            WHERE level = 'rep' GROUP BY ALL
        ), booked AS (
            SELECT rep_id, date_trunc('quarter', order_date)::DATE AS quarter_start,
                   sum(quantity * unit_price - discount_amount) AS booked_net_amount
            FROM final_lines WHERE status = 'completed' GROUP BY ALL
        )
        SELECT t.rep_id, t.quarter_start, t.target_amount,
               coalesce(b.booked_net_amount, 0)::DECIMAL(18,2) AS booked_net_amount,
               (t.quarter_start + INTERVAL 3 MONTH)::DATE <= {date_sql(run.as_of)} AS is_closed
        FROM t LEFT JOIN booked b USING (rep_id, quarter_start)
        ORDER BY t.quarter_start, t.rep_id
        """,
        truth_dir / "rep_quarters.csv",
    )
    manifest = {
        "as_of": run.as_of.isoformat(),
        "seed": run.seed,
        "scale": run.scale,
        "files": {
            "customers.csv": "every customer; churn_date: the day after which it never orders again (empty: never)",
            "anomalies.csv": "injected episodes: cancellation_spike (rate = share of the rep's orders cancelled "
            "whole) and visit_drop (rate = share of the rep's visits that still happen), start_date..end_date",
            "rep_quarters.csv": "each seller's quarterly target (sum of the targets file's months) and booked net "
            "sales (completed lines, before returns and credit splits); is_closed: the quarter ended by as_of",
        },
        "rows": counts,
    }
    (truth_dir / "truth.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return counts
