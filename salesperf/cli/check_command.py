"""`salesperf check`: print what salesperf.cli.check finds, as a table (default), CSV or JSON.

`register(sub)` adds the subcommand to the CLI's parser (salesperf/cli/main.py). The command returns its exit
code: 1 when any problem is an ERROR, else 0, so CI can gate a landing drop on it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from salesperf.settings import load_settings

if TYPE_CHECKING:  # the checks themselves (DuckDB, pydantic) load only when `check` runs: `salesperf --help` stays fast
    from salesperf.cli.check import CheckReport, Problem

DEFAULT_TABLE_ROWS = 50
_COLUMNS = ("severity", "area", "file", "row", "column", "expected", "found")


PIPED_WIDTH = 200


def _piped() -> bool:
    return not sys.stdout.isatty()


def _console() -> Console:
    """Colours only on a terminal (rich's own detection). Piped, rich would wrap the table at 80 columns,
    which folds every long `expected` cell; a wider page keeps one problem per line in `| less` or a file
    (COLUMNS still wins when set)."""
    width = None
    if _piped():
        width = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else PIPED_WIDTH
    return Console(highlight=False, width=width)


def _problem_table(problems: list[Problem], limit: int) -> Table:
    table = Table(title="problems", box=box.SIMPLE_HEAD, title_justify="left")
    for name in ("severity", "file", "row", "column", "expected", "found"):
        table.add_column(name, justify="right" if name == "row" else "left", overflow="fold")
    for p in problems[:limit]:
        # Text, not markup: cells hold user data and key paths like plans[0], which must print verbatim.
        table.add_row(
            Text(p.severity, style="bold red" if p.severity == "ERROR" else "yellow"),
            Text(p.file),
            Text("" if p.row is None else str(p.row)),
            Text(p.column),
            Text(p.expected),
            Text(p.found),
        )
    return table


def _entity_table(report: CheckReport) -> Table:
    table = Table(title="landing folder", box=box.SIMPLE_HEAD, title_justify="left")
    for name in ("entity", "files", "rejected files", "ignored files", "rows read", "accepted", "rejected"):
        table.add_column(name, justify="left" if name == "entity" else "right")
    for s in report.entities:
        if s.files or s.ignored:
            table.add_row(
                s.entity,
                f"{s.files:,}",
                f"{s.files_rejected:,}",
                f"{s.ignored:,}",
                f"{s.rows_read:,}",
                f"{s.rows_accepted:,}",
                f"{s.rows_rejected:,}",
            )
    return table


def _print_table(report: CheckReport, limit: int, landing: Path, config: Path) -> None:
    console = _console()
    if not _piped():
        _render(console, report, limit, landing, config)
        return
    # rich pads every table line to the table's width; a file or a diff is easier to read without it.
    with console.capture() as captured:
        _render(console, report, limit, landing, config)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def _render(console: Console, report: CheckReport, limit: int, landing: Path, config: Path) -> None:
    console.print(Text(f"checked landing folder {landing} and config folder {config}"))
    if report.entities:
        console.print(_entity_table(report))
        empty = [s.entity for s in report.entities if not s.files and not s.ignored]
        if empty:
            console.print(Text(f"no files for: {', '.join(empty)}"))
    if report.problems:
        console.print(_problem_table(report.problems, limit))
        if len(report.problems) > limit:
            console.print(Text(f"... and {len(report.problems) - limit:,} more (--max-rows N, or --format csv)"))
    verdict = (
        f"{_plural(report.errors, 'error')}, {_plural(report.warnings, 'warning')}"
        if report.problems
        else "no problems found"
    )
    console.print(Text(verdict, style="bold red" if report.errors else "green" if not report.problems else "yellow"))


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _print_csv(problems: list[Problem]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for p in problems:
        writer.writerow(["" if v is None else v for v in (getattr(p, c) for c in _COLUMNS)])


def _print_json(report: CheckReport, problems: list[Problem]) -> None:
    document = {
        "errors": report.errors,
        "warnings": report.warnings,
        "problems": [p.as_dict() for p in problems],
        "omitted": len(report.problems) - len(problems),
        "entities": [vars(s) for s in report.entities],
    }
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def cmd_check(args: argparse.Namespace) -> int:
    if args.max_rows is not None and args.max_rows < 0:
        raise ValueError(f"--max-rows must be 0 or more, found {args.max_rows}")
    from salesperf.cli.check import run_check, suite_checker

    landing, config = _folders(args)
    checkers = [] if args.no_suites else [suite_checker(load_settings().as_of)]
    report = run_check(landing, config, checkers=checkers)
    if args.format == "table":
        _print_table(report, DEFAULT_TABLE_ROWS if args.max_rows is None else args.max_rows, landing, config)
    else:  # machine formats list everything unless told otherwise
        shown = report.problems if args.max_rows is None else report.problems[: args.max_rows]
        if args.format == "csv":
            _print_csv(shown)
        else:
            _print_json(report, shown)
    return 1 if report.errors else 0


def _folders(args: argparse.Namespace) -> tuple[Path, Path]:
    """--landing / --config, else the folders a run would use (SALESPERF_LANDING_DIR / SALESPERF_CONFIG_DIR)."""
    if args.landing and args.config:
        return Path(args.landing), Path(args.config)
    settings = load_settings()
    return (
        Path(args.landing) if args.landing else settings.landing_dir,
        Path(args.config) if args.config else settings.config_dir,
    )


def register(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser(
        "check", help="validate the landing folder and every config file without running the pipeline; exit 1 on errors"
    )
    check.add_argument("--landing", default=None, help="landing folder (default: SALESPERF_LANDING_DIR)")
    check.add_argument("--config", default=None, help="config folder (default: SALESPERF_CONFIG_DIR)")
    check.add_argument(
        "--max-rows",
        type=int,
        default=None,
        help=f"problems to list (default: {DEFAULT_TABLE_ROWS} in a table, all in csv/json)",
    )
    check.add_argument("--format", choices=["table", "csv", "json"], default="table")
    check.add_argument(
        "--no-suites",
        action="store_true",
        help="skip the great-expectations suites (references, keys, ranges; ~0.5 s per entity)",
    )
    check.set_defaults(func=cmd_check)
