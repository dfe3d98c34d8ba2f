"""`salesperf`: demo, run, demo-data, ui, check (+ commission commands). Errors are one sentence; --debug: traceback."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from salesperf.cli import check_command, commissions
from salesperf.settings import PROJECT_ROOT, Settings, load_settings

console = Console()
error_console = Console(stderr=True, soft_wrap=True)  # soft wrap: an error stays one line


class UserError(Exception):
    """A problem the user can fix; printed as one sentence."""


class Interrupted(UserError):
    """The run was stopped by a signal (exit status 130, as for Ctrl-C)."""


def _landing_is_empty(landing_dir: Path) -> bool:
    return not landing_dir.exists() or not any(p.is_file() for p in landing_dir.rglob("*"))


def _generate(out_dir: Path, scale: int | None, seed: int, as_of: dt.date) -> None:
    from salesperf.demo import DEFAULT_SCALE, generate_demo_data

    started = time.monotonic()
    with console.status(f"generating the demo company into {out_dir} …") as status:
        counts = generate_demo_data(
            out_dir,
            scale=scale or DEFAULT_SCALE,
            seed=seed,
            as_of=as_of,
            progress=lambda message: status.update(f"generating: {message}"),
        )
    console.print(
        f"generated {sum(counts.values()):,} rows in {len(counts)} entities into {out_dir} "
        f"({time.monotonic() - started:.1f} s)"
    )


def _run(settings: Settings, *, accept_data_quality: bool = False, full: bool = False) -> None:
    from salesperf.cli.runner import run_everything

    what = "rebuilding everything" if full else "running every asset (incremental where nothing else changed)"
    console.print(f"{what} (as of {settings.as_of}) into {settings.build_db}")
    outcome = run_everything(settings, console, accept_data_quality=accept_data_quality, full=full)
    if outcome.canceled:
        raise Interrupted(f"{outcome.failure} (run {outcome.run_id}; full log: {outcome.log_path})")
    if not outcome.success:
        raise UserError(f"{outcome.failure} (run {outcome.run_id}; full log: {outcome.log_path})")
    console.print(f"run {outcome.run_id} succeeded in {outcome.seconds:.1f} s (log: {outcome.log_path})")
    _print_summary(settings)


def _print_summary(settings: Settings) -> None:
    from salesperf.cli.runner import warehouse_summary

    counts, rejected, files = warehouse_summary(settings.warehouse)
    table = Table(title="published warehouse")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in counts:
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(
        f"files ingested: {files:,}; rejected rows: {rejected:,}" + (" (see audit.rejected_rows)" if rejected else "")
    )
    console.print(
        f"warehouse: [bold]{settings.warehouse}[/bold]  (open read-only: duckdb -readonly {settings.warehouse})"
    )


def cmd_demo(args: argparse.Namespace) -> None:
    settings = load_settings()
    if _landing_is_empty(settings.landing_dir):
        _generate(settings.landing_dir, args.scale, args.seed, settings.as_of)
    else:
        console.print(f"landing folder {settings.landing_dir} already holds exports; using them")
    _run(settings)


def cmd_run(args: argparse.Namespace) -> None:
    settings = load_settings()
    if not settings.landing_dir.is_dir():
        raise UserError(
            f"landing folder {settings.landing_dir} does not exist; set SALESPERF_LANDING_DIR or run `salesperf demo`"
        )
    _run(settings, accept_data_quality=args.accept_data_quality, full=args.full)


def cmd_demo_data(args: argparse.Namespace) -> None:
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else load_settings().as_of
    _generate(Path(args.out), args.scale, args.seed, as_of)


def cmd_ui(args: argparse.Namespace) -> None:
    from orchestration.dbt_project import prepare_manifest
    from salesperf.cli.runner import prepare_instance

    settings = load_settings()
    prepare_instance(settings)
    prepare_manifest()
    command = [
        str(Path(sys.executable).with_name("dagster")),
        "dev",
        "-m",
        "orchestration.definitions",
        "-p",
        str(args.port),
        "-h",
        args.host,
    ]
    console.print(f"Dagster UI on http://{args.host}:{args.port} (DAGSTER_HOME={settings.dagster_home})")
    raise SystemExit(run_supervised(command, cwd=PROJECT_ROOT))


def run_supervised(command: list[str], *, cwd: Path, grace_seconds: float = 20.0) -> int:
    """Run `command` (`dagster dev`, which starts the webserver and the daemon as its own children) in a process
    group of its own, and take it down with us: SIGINT (Ctrl-C), SIGTERM or SIGHUP to salesperf is passed on to
    `dagster dev` as SIGTERM, which stops its children; whatever of the group still runs `grace_seconds` later is
    killed. Returns the command's exit status (130 when stopped by a signal)."""
    child = subprocess.Popen(command, cwd=cwd, env=os.environ.copy(), start_new_session=True)
    received: list[int] = []

    def forward(signum: int, _frame) -> None:
        received.append(signum)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    deadline = None
    try:
        while True:
            try:  # short waits: a signal handler runs between them, a blocking wait would resume after it
                code = child.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if received and deadline is None:
                    deadline = time.monotonic() + grace_seconds
                if deadline is not None and time.monotonic() > deadline:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(child.pid, signal.SIGKILL)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        # the group may outlive its leader (a webserver still shutting down): nothing of it stays behind
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
    return 130 if received else code


def cmd_report(args: argparse.Namespace) -> None:
    """The manager report from the published file (what the manager_report asset writes after each run)."""
    from salesperf.report import build_report

    settings = load_settings()
    out = Path(args.out) if args.out else settings.build_dir / "reports" / "latest.html"
    result = build_report(settings.warehouse, out, period=args.period, locale=args.locale)
    for line in result.omitted:
        console.print(f"[dim]omitted {line}[/dim]", highlight=False)
    console.print(
        f"report: [bold]{result.path}[/bold] ({result.bytes / 1e6:.1f} MB, built in {result.seconds:.1f} s, "
        f"{len(result.blocks)} charts and tables, opens on {result.period})"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="salesperf", description="Open sales performance warehouse.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="generate demo exports if the landing folder is empty, run, publish")
    demo.add_argument("--scale", type=int, default=None, help="order lines to generate (default: demo size)")
    demo.add_argument("--seed", type=int, default=42)
    demo.set_defaults(func=cmd_demo)
    run = sub.add_parser("run", help="materialize everything from the configured folders and publish")
    run.add_argument(
        "--accept-data-quality",
        action="store_true",
        help="publish even if a data-quality threshold is crossed (recorded as accepted; docs/data_quality.md)",
    )
    run.add_argument(
        "--full",
        action="store_true",
        help="rebuild everything from the raw tables (by default only what changed since the last run is rebuilt)",
    )
    run.set_defaults(func=cmd_run)
    data = sub.add_parser("demo-data", help="write the demo company's exports into a folder")
    data.add_argument("--out", required=True, help="folder to write <entity>/ sub-folders into")
    data.add_argument("--scale", type=int, default=None, help="order lines (10000000 for the benchmark)")
    data.add_argument("--seed", type=int, default=42)
    data.add_argument("--as-of", default=None, help="last day of history (default SALESPERF_AS_OF or today)")
    data.set_defaults(func=cmd_demo_data)
    ui = sub.add_parser("ui", help="start the Dagster UI (dagster dev)")
    ui.add_argument("--port", type=int, default=3000)
    ui.add_argument("--host", default="127.0.0.1")
    ui.set_defaults(func=cmd_ui)
    report = sub.add_parser("report", help="write the manager report (static HTML) from the published warehouse")
    report.add_argument("--out", default=None, help="HTML file to write (default: <build dir>/reports/latest.html)")
    report.add_argument(
        "--period", default=None, help="period the page opens on: 2026 or 2026-Q3 (default: as-of quarter)"
    )
    report.add_argument(
        "--locale", default=None, choices=["zh", "en"], help="language (default SALESPERF_LOCALE, else zh)"
    )
    report.set_defaults(func=cmd_report)
    commissions.register(sub)  # close-period, export commissions, simulate
    check_command.register(sub)  # check
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)  # a command may return its exit code (`check`: 1 when it finds errors)
    except KeyboardInterrupt:
        error_console.print("salesperf: interrupted")
        return 130
    except Interrupted as exc:
        error_console.print(f"[red]salesperf: stopped:[/red] {exc}", highlight=False)
        return 130
    except Exception as exc:  # the CLI's contract: one sentence, not a traceback
        if args.debug:
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        prefix = "" if isinstance(exc, UserError | ValueError | FileNotFoundError) else f"{type(exc).__name__}: "
        error_console.print(f"[red]salesperf: error:[/red] {prefix}{message}", highlight=False)
        return 1
    return code if isinstance(code, int) else 0
