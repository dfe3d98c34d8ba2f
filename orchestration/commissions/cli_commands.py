"""Commission subcommands of `salesperf`: close-period, export commissions, simulate.

`register(sub)` adds them to the CLI's parser (orchestration/cli.py); each prints a short summary and
raises ValueError / FileNotFoundError with one sentence on a problem the user can fix.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from salesperf.settings import load_settings

console = Console()


def cmd_close_period(args: argparse.Namespace) -> None:
    from orchestration.commissions.close import close_period

    report = close_period(load_settings(), args.period)
    console.print(
        f"closed {report.period.label}: {report.statements:,} statements, {report.lines:,} lines, "
        f"payable ¥{float(report.payable):,.2f} frozen; later changes appear in "
        "marts.fct_commission_restatements"
    )


def cmd_export_commissions(args: argparse.Namespace) -> None:
    from orchestration.commissions.export import export_commissions

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
    from orchestration.commissions.simulate import simulate

    report = simulate(load_settings(), Path(args.plans), args.period)
    table = Table(title=f"payouts per rep, {report.period_label}: current plan vs {Path(args.plans).name}")
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
    if args.out:
        import csv

        with open(args.out, "w", encoding="utf-8-sig", newline="") as handle:
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
        console.print(f"written to {args.out}")


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
