"""What-if payouts under an alternative plan file (`salesperf simulate --plans OTHER.yml`), on the same data.

The build database is copied (under the write lock, so the copy is consistent) into a temporary folder;
the alternative file is validated and loaded into the copy's config tables (`load_plans`) and the commission
models are rebuilt there with dbt (salesperf/cli/commissions.py runs those steps). The real build database
and warehouse are never written. Both sides compare the *computed* payouts (int_commission_lines_computed:
closed periods recomputed too, so the plans are compared like for like), per rep and in total, over the plan
periods within --period (default: all).
"""

from __future__ import annotations

import shutil
import statistics
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from salesperf.config.commission_plans import COMMISSION_PLANS_SPEC
from salesperf.config.files import ConfigError
from salesperf.config.tables import load_config_tables
from salesperf.serving.periods import parse_period, within_sql


@dataclass(frozen=True)
class RepComparison:
    rep_id: str
    current: Decimal
    simulated: Decimal

    @property
    def difference(self) -> Decimal:
        return self.simulated - self.current


@dataclass(frozen=True)
class SimulationReport:
    reps: list[RepComparison]
    period_label: str

    @property
    def total_current(self) -> Decimal:
        return sum((r.current for r in self.reps), Decimal("0.00"))

    @property
    def total_simulated(self) -> Decimal:
        return sum((r.simulated for r in self.reps), Decimal("0.00"))

    @property
    def paid_less(self) -> list[RepComparison]:
        return sorted((r for r in self.reps if r.simulated < r.current), key=lambda r: r.difference)

    def distribution(self, side: str) -> dict[str, Decimal]:
        values = sorted(getattr(r, side) for r in self.reps)
        if not values:
            return {}
        q = statistics.quantiles(values, n=10, method="inclusive") if len(values) > 1 else [values[0]] * 9
        return {
            "reps": Decimal(len(values)),
            "min": values[0],
            "p10": Decimal(q[0]).quantize(Decimal("0.01")),
            "median": Decimal(statistics.median(values)).quantize(Decimal("0.01")),
            "p90": Decimal(q[8]).quantize(Decimal("0.01")),
            "max": values[-1],
            "mean": (sum(values) / len(values)).quantize(Decimal("0.01")),
        }


def payouts(db: Path, period_label: str | None) -> dict[str, Decimal]:
    """Computed payout per rep in `db` (int_commission_lines_computed), over the plan periods within the period."""
    where, params = "", []
    if period_label:
        period = parse_period(period_label)
        where, params = f"where {within_sql()}", [period.start, period.end]
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            f"select rep_id, sum(amount) from intermediate.int_commission_lines_computed {where} group by 1", params
        ).fetchall()
    finally:
        con.close()
    return {rep: Decimal(amount) for rep, amount in rows}


def load_plans(db: Path, plans_file: Path, work_dir: Path) -> None:
    """Validate `plans_file` exactly like the real commission_plans.yml and load it into `db`'s config tables
    (a copy of the build database); a ConfigError names the user's file, not the copy's."""
    config_dir = work_dir / "config"
    config_dir.mkdir()
    shutil.copyfile(plans_file, config_dir / COMMISSION_PLANS_SPEC.file_name)
    con = duckdb.connect(str(db))
    try:
        load_config_tables(con, config_dir, COMMISSION_PLANS_SPEC)
    except ConfigError as exc:
        raise ConfigError(str(exc).replace(COMMISSION_PLANS_SPEC.file_name, plans_file.name, 1)) from None
    finally:
        con.close()


def compare(current: dict[str, Decimal], simulated: dict[str, Decimal], period_label: str | None) -> SimulationReport:
    """Both sides per rep (a rep on one side only gets 0.00 on the other)."""
    reps = [
        RepComparison(rep, current.get(rep, Decimal("0.00")), simulated.get(rep, Decimal("0.00")))
        for rep in sorted(set(current) | set(simulated))
    ]
    return SimulationReport(reps, period_label or "all periods")
