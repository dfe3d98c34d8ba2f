"""Commission subcommands of `salesperf`: close-period, export commissions, simulate.

`register(sub)` adds them to the CLI's parser (salesperf/cli/main.py); each prints a short summary and
raises ValueError / FileNotFoundError with one sentence on a problem the user can fix. The work itself is
salesperf.serving's (ledger, exports, simulation); this module runs its steps under the build database's
write lock, with the pipeline's dbt resource (orchestration.dbt_project.run_dbt).
"""

from __future__ import annotations

import argparse
import csv
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from salesperf.settings import Settings, load_settings

if TYPE_CHECKING:
    from salesperf.serving.commission_ledger import CloseReport
    from salesperf.serving.simulation import SimulationReport

console = Console()

COMMISSION_MARTS = "path:models/marts/commissions"
COMMISSION_MODELS = "path:models/intermediate/commissions path:models/marts/commissions"

# Dagster, dagster-dbt and DuckDB load when a command runs (orchestration and salesperf.serving, imported in
# the functions below): `salesperf --help` and the other commands do not pay for them.


def close_period(settings: Settings, label: str) -> CloseReport:
    """Freeze the period's statements in the ledger, re-run the commission marts (they read the ledger) with
    dbt as the pipeline would, and republish; one write lock over the three steps."""
    from orchestration.dbt_project import run_dbt
    from orchestration.locking import writer_lock
    from salesperf.serving.commission_ledger import freeze_period
    from salesperf.serving.periods import parse_period
    from salesperf.serving.publish import publish

    period = parse_period(label)
    with writer_lock(settings.build_dir):
        report = freeze_period(settings.build_db, period, settings.as_of)
        run_dbt(["run", "--select", COMMISSION_MARTS], env=settings.dbt_env())  # no connection open meanwhile
        publish(settings.build_db, settings.warehouse, as_of=settings.as_of)
    return report


def simulate(settings: Settings, plans_file: Path, period_label: str | None = None) -> SimulationReport:
    """Payouts under `plans_file` against the current plan, computed on a copy of the build database."""
    from orchestration.dbt_project import run_dbt
    from orchestration.locking import writer_lock
    from salesperf.serving.simulation import compare, load_plans, payouts

    plans_file = Path(plans_file)
    if not plans_file.is_file():
        raise FileNotFoundError(f"plan file {plans_file} does not exist")
    if not settings.build_db.exists():
        raise FileNotFoundError(f"build database {settings.build_db} does not exist: run `salesperf run` first")
    with tempfile.TemporaryDirectory(prefix="salesperf-simulate-") as work:
        work_dir = Path(work)
        copy = work_dir / "simulate.duckdb"
        with writer_lock(settings.build_dir):  # a consistent copy
            shutil.copyfile(settings.build_db, copy)
            current = payouts(settings.build_db, period_label)
        load_plans(copy, plans_file, work_dir)
        run_dbt(["run", "--select", COMMISSION_MODELS], env=settings.dbt_env(build_db=copy))
        simulated = payouts(copy, period_label)
    return compare(current, simulated, period_label)


def cmd_close_period(args: argparse.Namespace) -> None:
    report = close_period(load_settings(), args.period)
    console.print(
        f"closed {report.period.label}: {report.statements:,} statements, {report.lines:,} lines, "
        f"payable ¥{float(report.payable):,.2f} frozen; later changes appear in "
        "marts.fct_commission_restatements"
    )


def cmd_export_commissions(args: argparse.Namespace) -> None:
    from salesperf.serving.commission_export import export_commissions

    settings = load_settings()
    out = Path(args.out) if args.out else settings.export_dir / "commissions"
    report = export_commissions(settings.warehouse, out, args.period, args.format)
    console.print(
        f"exported {report.statements:,} statements and {report.lines:,} lines of {report.period.label} "
        f"(payable ¥{report.payable:,.2f}):"
    )
    for path in report.files:
        console.print(f"  {path}")


def cmd_simulate(args: argparse.Namespace) -> None:
    report = simulate(load_settings(), Path(args.plans), args.period)
    _print_simulation(report, Path(args.plans).name)
    if args.out:
        _write_simulation_csv(report, Path(args.out))
        console.print(f"written to {args.out}")


def _print_simulation(report: SimulationReport, plans_name: str) -> None:
    table = Table(title=f"payouts per rep, {report.period_label}: current plan vs {plans_name}")
    for column in ("rep", "current", "simulated", "difference"):
        table.add_column(column, justify="left" if column == "rep" else "right")
    for rep in report.reps:
        table.add_row(rep.rep_id, f"{rep.current:,.2f}", f"{rep.simulated:,.2f}", f"{rep.difference:+,.2f}")
    table.add_row(
        "TOTAL",
        f"{report.total_current:,.2f}",
        f"{report.total_simulated:,.2f}",
        f"{report.total_simulated - report.total_current:+,.2f}",
    )
    console.print(table)
    dist = Table(title="payout distribution per rep")
    dist.add_column("statistic")
    dist.add_column("current", justify="right")
    dist.add_column("simulated", justify="right")
    current, simulated = report.distribution("current"), report.distribution("simulated")
    for key in current:
        dist.add_row(key, f"{current[key]:,.2f}", f"{simulated[key]:,.2f}")
    console.print(dist)
    less = report.paid_less
    console.print(
        f"{len(less)} reps would be paid less: "
        + (", ".join(f"{r.rep_id} ({r.difference:+,.2f})" for r in less) if less else "none")
    )


def _write_simulation_csv(report: SimulationReport, path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rep_id", "current", "simulated", "difference", "paid_less"])
        for rep in report.reps:
            writer.writerow(
                [
                    rep.rep_id,
                    f"{rep.current:.2f}",
                    f"{rep.simulated:.2f}",
                    f"{rep.difference:.2f}",
                    rep.simulated < rep.current,
                ]
            )


def register(sub: argparse._SubParsersAction) -> None:
    close = sub.add_parser("close-period", help="freeze the commission statements of an ended period")
    close.add_argument("period", help="2025-Q1, 2025-03 or 2025 (closes every plan period within it)")
    close.set_defaults(func=cmd_close_period)

    export = sub.add_parser("export", help="finance exports")
    export_sub = export.add_subparsers(dest="what", required=True)
    commissions = export_sub.add_parser("commissions", help="commission statements and lines of a period")
    commissions.add_argument("--period", required=True, help="2025-Q1, 2025-03 or 2025")
    commissions.add_argument("--format", choices=["xlsx", "csv", "parquet"], default="xlsx")
    commissions.add_argument("--out", default=None, help="folder (default: <build dir>/exports/commissions)")
    commissions.set_defaults(func=cmd_export_commissions)

    sim = sub.add_parser("simulate", help="payouts under an alternative commission plan file, side by side")
    sim.add_argument("--plans", required=True, help="alternative commission_plans.yml")
    sim.add_argument("--period", default=None, help="only plan periods within this period (default: all)")
    sim.add_argument("--out", default=None, help="also write the per-rep comparison to this CSV file")
    sim.set_defaults(func=cmd_simulate)
